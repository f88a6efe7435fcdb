"""The reference skill pack's per-pack method catalogs, and why the few methods without a typed tool have none.

Data only: a test checks that every method listed here has a typed tool (a curated entry) in its pack, or a
one-line reason in `UNTYPED`. Every method stays reachable through `b24_call_method` under the same policy.
"""

from __future__ import annotations

__all__ = ["REFERENCE_PACKS", "UNTYPED"]

# fmt: off
REFERENCE_PACKS: dict[str, tuple[str, ...]] = {
    "core": ("user.current", "user.get", "department.get", "crm.lead.add", "crm.lead.list", "crm.lead.update",
             "crm.deal.add", "crm.deal.list", "crm.deal.update", "tasks.task.add", "tasks.task.list",
             "tasks.task.update", "tasks.task.complete", "event.bind", "event.get", "event.unbind",
             "event.offline.list", "event.offline.get", "event.offline.clear", "event.offline.error", "batch"),
    "comms": ("im.message.add", "im.message.update", "im.message.delete", "im.dialog.messages.get", "imbot.register",
              "imbot.command.register", "imbot.command.answer", "telephony.externalcall.register",
              "telephony.externalcall.finish", "messageservice.sender.list", "imconnector.list", "mailservice.list"),
    "automation": ("bizproc.workflow.start", "bizproc.workflow.terminate", "bizproc.workflow.kill", "bizproc.task.list",
                   "bizproc.task.complete", "bizproc.robot.list", "bizproc.robot.add", "bizproc.robot.update",
                   "bizproc.workflow.template.list", "bizproc.workflow.template.update"),
    "collab": ("sonet_group.list", "sonet_group.get", "sonet_group.create", "sonet_group.update", "sonet_group.delete",
               "log.blogpost.add", "log.blogpost.update", "log.blogpost.delete", "log.blogcomment.add",
               "log.blogcomment.delete"),
    "content": ("disk.storage.getlist", "disk.storage.getchildren", "disk.folder.getchildren", "disk.folder.addsubfolder",
                "disk.folder.uploadfile", "disk.file.get", "disk.file.copyto", "disk.file.moveto", "disk.file.delete",
                "documentgenerator.document.add"),
    "boards": ("tasks.api.scrum.sprint.list", "tasks.api.scrum.sprint.add", "tasks.api.scrum.sprint.start",
               "tasks.api.scrum.sprint.complete", "tasks.api.scrum.kanban.getstages", "tasks.api.scrum.kanban.addtask",
               "tasks.api.scrum.kanban.deletetask", "tasks.api.scrum.epic.list", "tasks.api.scrum.epic.add",
               "tasks.api.scrum.backlog.add"),
    "commerce": ("sale.order.list", "sale.order.add", "sale.order.update", "sale.payment.list", "sale.payment.add",
                 "sale.delivery.getlist", "catalog.product.list", "catalog.product.add", "catalog.product.update",
                 "catalog.price.list", "catalog.price.add"),
    "services": ("booking.v1.booking.list", "booking.v1.booking.add", "booking.v1.booking.update",
                 "booking.v1.resource.list", "calendar.event.get", "calendar.event.add", "calendar.event.update",
                 "calendar.section.get", "timeman.status", "timeman.open", "timeman.close"),
    "platform": ("ai.engine.list", "ai.engine.register", "ai.engine.unregister", "entity.get", "entity.add",
                 "entity.update", "entity.item.get", "entity.item.add", "biconnector.source.list",
                 "biconnector.source.add", "biconnector.connector.list"),
    "sites": ("landing.site.getlist", "landing.site.add", "landing.site.update", "landing.site.delete",
              "landing.landing.getlist", "landing.landing.add", "landing.landing.update", "landing.landing.delete",
              "landing.block.getlist", "landing.block.addcard"),
    "compliance": ("userconsent.agreement.list", "userconsent.agreement.text", "userconsent.consent.add",
                   "sign.b2e.personal.tail", "sign.b2e.mysafe.tail"),
    "diagnostics": ("method.get", "methods", "events", "scope", "feature.get", "server.time"),
}
# fmt: on

_WORKER = (
    "the offline queue belongs to the event worker (`b24 events worker`), which claims, clears and marks errors "
    "exactly once; a model doing it by hand would lose or replay events"
)

UNTYPED: dict[str, str] = {
    "event.get": "app-only handler plumbing (OAuth): `b24 events` and the event receiver manage bindings",
    "event.offline.list": _WORKER,
    "event.offline.clear": _WORKER,
    "event.offline.error": _WORKER,
    "sonet_group.list": "not a documented method: workgroups are listed by sonet_group.get (typed)",
}
