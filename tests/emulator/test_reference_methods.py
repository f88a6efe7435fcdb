"""The reference catalog's methods the emulator serves with the checks the official docs state.

Docs (api-reference/…) are named per test; each test checks a success the docs show and the refusals they list.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from b24_tools import Emulator


def _ok(http: httpx.Client, method: str, body: dict[str, Any] | None = None) -> Any:
    r = http.post(method, json=body or {})
    assert r.status_code == 200, (method, r.text)
    return r.json()["result"]


def _err(http: httpx.Client, method: str, body: dict[str, Any]) -> tuple[str, str]:
    r = http.post(method, json=body)
    assert r.status_code >= 400, (method, r.text)
    return r.json()["error"], r.json()["error_description"]


@pytest.fixture
def app(emu: Emulator) -> httpx.Client:
    client_id, _ = emu.oauth.register_app()
    token = emu.oauth.issue_tokens(client_id)["access_token"]
    return httpx.Client(transport=emu.transport(), base_url=f"{emu.base_url}/rest/", params={"auth": token})


def test_bizproc_task_complete_answers_an_open_task_once(http: httpx.Client) -> None:
    # bizproc/bizproc-task/bizproc-task-complete.md
    deal = _ok(http, "crm.deal.add", {"fields": {"TITLE": "Approve me"}})
    _ok(http, "bizproc.workflow.start",
        {"TEMPLATE_ID": 1, "DOCUMENT_ID": ["crm", "CCrmDocumentDeal", f"DEAL_{deal}"]})  # fmt: skip
    [task] = _ok(http, "bizproc.task.list")
    assert _err(http, "bizproc.task.complete", {"TASK_ID": task["ID"], "STATUS": 3}) == (
        "ERROR_TASK_VALIDATION", "incorrect STATUS")  # fmt: skip
    assert _err(http, "bizproc.task.complete", {"STATUS": 1}) == ("ERROR_TASK_VALIDATION", "empty TASK_ID")
    assert (
        _ok(http, "bizproc.task.complete", {"TASK_ID": task["ID"], "STATUS": "yes", "COMMENT": "ok"}) is True
    )
    assert (
        _err(http, "bizproc.task.complete", {"TASK_ID": task["ID"], "STATUS": 1})[0] == "ERROR_TASK_COMPLETED"
    )
    assert _err(http, "bizproc.task.complete", {"TASK_ID": 999, "STATUS": 1})[0] == "ERROR_TASK_NOT_FOUND"


def test_bizproc_workflow_kill_removes_the_instance(http: httpx.Client) -> None:
    # bizproc/bizproc-workflow-kill.md
    deal = _ok(http, "crm.deal.add", {"fields": {"TITLE": "Kill me"}})
    wid = _ok(http, "bizproc.workflow.start",
              {"TEMPLATE_ID": 1, "DOCUMENT_ID": ["crm", "CCrmDocumentDeal", f"DEAL_{deal}"]})  # fmt: skip
    assert _ok(http, "bizproc.workflow.kill", {"ID": wid}) is True
    assert _ok(http, "bizproc.workflow.instances") == []
    assert _err(http, "bizproc.workflow.kill", {"ID": wid})[0] == "ERROR_WRONG_WORKFLOW_ID"


def test_robots_and_templates_need_an_application(http: httpx.Client, app: httpx.Client) -> None:
    # bizproc/bizproc-robot/bizproc-robot-{add,update}.md, bizproc/template/bizproc-workflow-template-update.md
    robot = {"CODE": "notify", "HANDLER": "https://app.example/robot", "NAME": "Notify"}
    assert _err(http, "bizproc.robot.add", robot) == ("ACCESS_DENIED", "Application context required")
    assert _err(app, "bizproc.robot.add", {**robot, "HANDLER": "ftp://x"})[0] == "ERROR_UNSUPPORTED_PROTOCOL"
    assert _err(app, "bizproc.robot.add", {**robot, "CODE": "bad code!"})[1] == "Wrong activity code!"
    assert _ok(app, "bizproc.robot.add", robot) is True
    assert _err(app, "bizproc.robot.add", robot)[0] == "ERROR_ACTIVITY_ALREADY_INSTALLED"
    assert _ok(app, "bizproc.robot.update", {"CODE": "notify", "FIELDS": {"NAME": "Notify v2"}}) is True
    assert (
        _err(app, "bizproc.robot.update", {"CODE": "nope", "FIELDS": {"NAME": "x"}})[0]
        == "ERROR_ACTIVITY_NOT_FOUND"
    )
    assert "notify" in _ok(http, "bizproc.robot.list")
    assert _ok(app, "bizproc.workflow.template.update", {"ID": 1, "FIELDS": {"NAME": "Approval v2"}}) is True
    names = {t["ID"]: t["NAME"] for t in _ok(http, "bizproc.workflow.template.list")}
    assert names["1"] == "Approval v2"
    assert Emulator().client().call("bizproc.workflow.template.list").result[0]["NAME"] == "Deal approval"


def test_scrum_kanban_backlog_and_sprints(http: httpx.Client) -> None:
    # sonet-group/scrum/{kanban,backlog,sprint}/*.md
    task = _ok(http, "tasks.task.add", {"fields": {"TITLE": "Story", "RESPONSIBLE_ID": 1}})["task"]["id"]
    sprint = _ok(http, "tasks.api.scrum.sprint.add", {"fields": {"groupId": 1, "name": "S1"}})["id"]
    stages = _ok(http, "tasks.api.scrum.kanban.getstages", {"sprintId": sprint})
    assert _err(http, "tasks.api.scrum.kanban.addtask", {"sprintId": sprint, "taskId": task, "stageId": 1})[1] == (
        "Stage not found")  # fmt: skip
    assert _ok(http, "tasks.api.scrum.kanban.addtask",
               {"sprintId": sprint, "taskId": int(task), "stageId": int(stages[0]["id"])}) is True  # fmt: skip
    assert _ok(http, "tasks.api.scrum.kanban.deletetask", {"sprintId": sprint, "taskId": int(task)}) is True
    assert (
        _err(http, "tasks.api.scrum.kanban.deletetask", {"sprintId": sprint, "taskId": int(task)})[0]
        == "ERROR_CORE"
    )
    assert _ok(http, "tasks.api.scrum.backlog.add", {"fields": {"groupId": 7}})["groupId"] == 7
    assert (
        _err(http, "tasks.api.scrum.backlog.add", {"fields": {"groupId": 7}})[1] == "Backlog already exists"
    )


def test_workgroups_and_feed_update_and_delete(http: httpx.Client) -> None:
    # sonet-group/sonet-group-{update,delete}.md, log/log-blogpost-{update,delete}.md, log/blogcomment/log-blogcomment-delete.md
    gid = _ok(http, "sonet_group.create", {"NAME": "Launch"})
    assert _ok(http, "sonet_group.update", {"GROUP_ID": gid, "DESCRIPTION": "Q3"}) == gid
    assert _ok(http, "sonet_group.get", {"FILTER": {"ID": gid}})[0]["DESCRIPTION"] == "Q3"
    assert _ok(http, "sonet_group.delete", {"GROUP_ID": gid}) is True
    assert _err(http, "sonet_group.delete", {"GROUP_ID": gid})[1] == "Socialnetwork group not found"
    post = _ok(http, "log.blogpost.add", {"POST_MESSAGE": "Release 1.0"})
    comment = _ok(http, "log.blogcomment.add", {"POST_ID": post, "TEXT": "Nice"})
    assert _ok(http, "log.blogpost.update", {"POST_ID": post, "POST_MESSAGE": "Release 1.0.1"}) == post
    assert _ok(http, "log.blogcomment.delete", {"COMMENT_ID": comment}) is True
    assert _ok(http, "log.blogpost.delete", {"POST_ID": post}) is True
    assert _err(http, "log.blogpost.update", {"POST_ID": post, "POST_MESSAGE": "x"})[0] == (
        "SONET_CONTROLLER_LIVEFEED_BLOGPOST_NOT_FOUND")  # fmt: skip


def test_commerce_updates_payments_prices_and_deliveries(http: httpx.Client) -> None:
    # sale/order/sale-order-update.md, sale/payment/sale-payment-add.md, sale/delivery/delivery/sale-delivery-get-list.md,
    # catalog/product/catalog-product-update.md, catalog/price/catalog-price-{add,list}.md
    order = _ok(http, "sale.order.add", {"fields": {"personTypeId": 1, "currency": "USD"}})["order"]["id"]
    assert (
        _ok(http, "sale.order.update", {"id": order, "fields": {"comments": "rush"}})["order"]["comments"]
        == "rush"
    )
    assert (
        _err(http, "sale.order.update", {"id": 999, "fields": {"comments": "x"}})[0]
        == "ERROR_ORDER_NOT_EXISTS"
    )
    assert _err(http, "sale.payment.add", {"fields": {"orderId": order}})[1] == (
        "Required field 'paySystemId' is not specified")  # fmt: skip
    pay = _ok(http, "sale.payment.add", {"fields": {"orderId": order, "paySystemId": 1, "sum": 50}})[
        "payment"
    ]
    assert pay["sum"] == 50 and pay["paid"] == "N"
    assert [d["NAME"] for d in _ok(http, "sale.delivery.getlist", {"FILTER": {"ACTIVE": "Y"}})] == [
        "Pickup",
        "Courier",
    ]
    product = _ok(http, "catalog.product.add", {"fields": {"iblockId": 1, "name": "Widget"}})["element"]["id"]
    assert _ok(http, "catalog.product.update", {"id": product, "fields": {"name": "Widget 2"}})["element"]["name"] == (
        "Widget 2")  # fmt: skip
    price = {"productId": product, "catalogGroupId": 1, "price": "9.5", "currency": "USD"}
    assert _ok(http, "catalog.price.add", {"fields": price})["price"]["price"] == 9.5
    assert (
        _err(http, "catalog.price.add", {"fields": {**price, "productId": 999}})[0]
        == "ERROR_PRODUCT_NOT_EXISTS"
    )
    assert _err(http, "catalog.price.add", {"fields": {**price, "currency": ""}})[1] == (
        "Required field 'currency' is not specified")  # fmt: skip
    assert [p["productId"] for p in _ok(http, "catalog.price.list", {"filter": {"productId": product}})["prices"]] == [
        product]  # fmt: skip


def test_messages_are_edited_and_deleted_only_by_their_author(emu: Emulator, http: httpx.Client) -> None:
    # chats/messages/im-message-{update,delete}.md
    chat = _ok(http, "im.chat.add", {"TITLE": "Team"})
    mid = _ok(http, "im.message.add", {"DIALOG_ID": f"chat{chat}", "MESSAGE": "hello"})
    assert _ok(http, "im.message.update", {"MESSAGE_ID": mid, "MESSAGE": "hello!"}) is True
    other = emu.add_webhook("otherhook", user_id=2)
    with httpx.Client(transport=emu.transport(), base_url=other) as peer:
        assert _err(peer, "im.message.delete", {"MESSAGE_ID": mid})[0] == "CANT_EDIT_MESSAGE"
    assert _ok(http, "im.message.delete", {"MESSAGE_ID": mid}) is True
    assert _err(http, "im.message.delete", {"MESSAGE_ID": mid})[0] == "MESSAGE_ID_ERROR"


def test_a_bot_answers_its_command_in_the_calling_dialog(http: httpx.Client) -> None:
    # chat-bots/outdated/commands/imbot-command-answer.md, imopenlines/imconnector/imconnector-list.md
    bot = _ok(http, "imbot.register", {"CODE": "helper", "EVENT_MESSAGE_ADD": "https://app.example/bot",
                                       "PROPERTIES": {"NAME": "Helper"}})  # fmt: skip
    cmd = _ok(
        http,
        "imbot.command.register",
        {"BOT_ID": bot, "COMMAND": "status", "EVENT_COMMAND_ADD": "https://app.example/c"},
    )
    chat = _ok(http, "im.chat.add", {"TITLE": "Ops"})
    source = _ok(http, "im.message.add", {"DIALOG_ID": f"chat{chat}", "MESSAGE": "/status"})
    assert _err(http, "imbot.command.answer", {"COMMAND_ID": 999, "COMMAND": "status", "MESSAGE_ID": source,
                                               "MESSAGE": "x"})[0] == "COMMAND_ID_ERROR"  # fmt: skip
    answer = _ok(http, "imbot.command.answer",
                 {"COMMAND_ID": cmd, "COMMAND": "status", "MESSAGE_ID": source, "MESSAGE": "All green"})  # fmt: skip
    messages = _ok(http, "im.dialog.messages.get", {"DIALOG_ID": f"chat{chat}"})["messages"]
    assert (
        messages[0]["id"] == answer and messages[0]["text"] == "All green" and messages[0]["author_id"] == bot
    )
    assert "livechat" in _ok(http, "imconnector.list")


def test_disk_files_are_copied_and_deleted_for_good(http: httpx.Client) -> None:
    # disk/file/disk-file-{copy-to,delete}.md
    [storage] = [s for s in _ok(http, "disk.storage.getlist") if s["ENTITY_TYPE"] == "common"]
    root = int(storage["ROOT_OBJECT_ID"])
    folder = _ok(http, "disk.folder.addsubfolder", {"id": root, "data": {"NAME": "Copies"}})["ID"]
    f = _ok(
        http,
        "disk.folder.uploadfile",
        {"id": root, "data": {"NAME": "a.txt"}, "fileContent": ["a.txt", "aGk="]},
    )
    copy = _ok(http, "disk.file.copyto", {"id": f["ID"], "targetFolderId": folder})
    assert copy["NAME"] == "a.txt" and str(copy["PARENT_ID"]) == str(folder) and copy["ID"] != f["ID"]
    assert _err(http, "disk.file.copyto", {"id": f["ID"], "targetFolderId": folder})[0] == "DISK_OBJ_22000"
    assert _ok(http, "disk.file.delete", {"id": f["ID"]}) is True
    assert _err(http, "disk.file.get", {"id": f["ID"]})[0] == "ERROR_NOT_FOUND"


def test_platform_storage_update_and_ai_engines(http: httpx.Client) -> None:
    # entity/entities/entity-update.md, ai/ai-engine-{register,unregister}.md
    assert _ok(http, "entity.add", {"ENTITY": "menu", "NAME": "Menu"}) is True
    assert _ok(http, "entity.update", {"ENTITY": "menu", "ENTITY_NEW": "dishes", "NAME": "Dishes"}) is True
    assert _err(http, "entity.update", {"ENTITY": "menu", "NAME": "x"})[0] == "ERROR_ENTITY_NOT_FOUND"
    engine = {
        "name": "Local",
        "code": "local",
        "category": "text",
        "completions_url": "https://llm.example/c",
    }
    first = _ok(http, "ai.engine.register", engine)
    assert _ok(http, "ai.engine.register", {**engine, "name": "Local 2"}) == first  # same code updates
    assert _err(http, "ai.engine.register", {**engine, "category": "video"})[0] == "ERROR_ARGUMENT"
    assert _ok(http, "ai.engine.unregister", {"code": "local"}) is True
    assert _err(http, "ai.engine.unregister", {"code": "local"})[0] == "ENGINE_NOT_FOUND"


def test_bookings_and_calendar_events_are_updated_in_place(http: httpx.Client) -> None:
    # booking/booking/booking-v1-booking-update.md, calendar/calendar-event/calendar-event-update.md
    resource = _ok(http, "booking.v1.resource.add", {"resource": {"name": "Room"}})["id"]
    period = {
        "from": {"timestamp": 1767000000, "timezone": "UTC"},
        "to": {"timestamp": 1767003600, "timezone": "UTC"},
    }
    booking = _ok(
        http, "booking.v1.booking.add", {"fields": {"resourceIds": [resource], "datePeriod": period}}
    )["id"]
    assert (
        _ok(http, "booking.v1.booking.update", {"id": booking, "fields": {"name": "Demo"}})["booking"]["name"]
        == "Demo"
    )
    assert _err(http, "booking.v1.booking.update", {"id": booking, "fields": {"resourceIds": [99]}})[0] == (
        "BOOKING_RESOURCE_NOT_FOUND")  # fmt: skip
    event = _ok(http, "calendar.event.add", {"type": "user", "ownerId": 1, "name": "Sync", "from": "2026-02-01 10:00",
                                             "to": "2026-02-01 11:00"})  # fmt: skip
    assert (
        _ok(
            http, "calendar.event.update", {"id": event, "type": "user", "ownerId": 1, "name": "Sync (moved)"}
        )
        == event
    )
    assert (
        _err(http, "calendar.event.update", {"id": event, "type": "group", "ownerId": 1})[1]
        == "Event not found"
    )
    assert "ownerId" in _err(http, "calendar.event.update", {"id": event, "type": "user"})[1]


def test_sites_pages_and_blocks(http: httpx.Client) -> None:
    # landing/site/landing-site-{update,delete}.md, landing/page/methods/landing-landing-{update,delete}.md,
    # landing/block/methods/landing-block-{get-list,add-card}.md
    site = _ok(http, "landing.site.add", {"fields": {"TITLE": "Promo", "CODE": "promo"}})
    page = _ok(http, "landing.landing.add", {"fields": {"TITLE": "Home", "CODE": "home", "SITE_ID": site}})
    assert _ok(http, "landing.site.update", {"id": site, "fields": {"TITLE": "Promo 2"}}) is True
    assert _err(http, "landing.site.delete", {"id": site})[0] == "SITE_IS_NOT_EMPTY"
    [block] = _ok(http, "landing.block.getlist", {"lid": page})
    assert _ok(http, "landing.block.addcard", {"lid": page, "block": block["id"], "selector": ".landing-block-card@0",
                                               "content": "<div>new</div>"}) == 1  # fmt: skip
    assert _err(http, "landing.block.addcard", {"lid": page, "block": 1, "selector": ".x@0", "content": "y"})[0] == (
        "BLOCK_NOT_FOUND")  # fmt: skip
    assert _ok(http, "landing.landing.update", {"lid": page, "fields": {"TITLE": "Start"}}) is True
    assert _ok(http, "landing.landing.delete", {"lid": page}) is True
    assert _ok(http, "landing.site.delete", {"id": site}) is True
    assert (
        _err(http, "landing.landing.update", {"lid": page, "fields": {"TITLE": "x"}})[0]
        == "LANDING_NOT_EXIST"
    )
