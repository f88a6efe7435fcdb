"""One or two representative methods per pack (docs paths in the pack modules of b24_tools/emulator/methods/)."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator


def ok(r: httpx.Response) -> object:
    assert r.status_code == 200, r.text
    return r.json()["result"]


def test_system_methods(http: httpx.Client) -> None:
    assert ok(http.post("server.time")).endswith("+00:00")  # server-time.md
    assert "crm" in ok(http.post("scope"))
    assert "crm.lead.add" in ok(http.post("methods"))
    assert ok(http.post("method.get", json={"name": "crm.lead.add"})) == {
        "isExisting": True,
        "isAvailable": True,
    }
    assert ok(http.post("method.get", json={"name": "no.such"})) == {
        "isExisting": False,
        "isAvailable": False,
    }
    assert ok(http.post("feature.get", json={"CODE": "rest_offline_extended"})) == {"value": "Y"}
    assert http.post("feature.get").json()["error"] == "CODE_EMPTY"
    assert ok(http.post("profile"))["ADMIN"] is True


def test_user_get_filters_and_pages(emu: Emulator, http: httpx.Client) -> None:
    emu.seed(users=4)
    assert [u["ID"] for u in ok(http.post("user.get", json={"ID": 3}))] == ["3"]
    assert len(ok(http.post("user.get", json={"filter": {"ACTIVE": True}}))) == 4


def test_crm_deal_contacts(http: httpx.Client) -> None:
    c1 = ok(http.post("crm.contact.add", json={"fields": {"NAME": "a"}}))
    c2 = ok(http.post("crm.contact.add", json={"fields": {"NAME": "b"}}))
    deal = ok(http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}))
    assert (
        ok(
            http.post(
                "crm.deal.contact.items.set",
                json={"id": deal, "items": [{"CONTACT_ID": c1}, {"CONTACT_ID": c2, "IS_PRIMARY": "Y"}]},
            )
        )
        is True
    )
    items = ok(http.post("crm.deal.contact.items.get", json={"id": deal}))
    assert items == [{"CONTACT_ID": c1, "SORT": 10, "ROLE_ID": 0, "IS_PRIMARY": "N"},
                     {"CONTACT_ID": c2, "SORT": 20, "ROLE_ID": 0, "IS_PRIMARY": "Y"}]  # fmt: skip
    assert ok(http.post("crm.deal.get", json={"id": deal}))["CONTACT_ID"] == str(c2)
    c3 = ok(http.post("crm.contact.add", json={"fields": {"NAME": "c"}}))
    assert (
        ok(http.post("crm.deal.contact.add", json={"id": deal, "fields": {"CONTACT_ID": c3, "SORT": 5}}))
        is True
    )
    assert [i["CONTACT_ID"] for i in ok(http.post("crm.deal.contact.items.get", json={"id": deal}))] == [
        c3,
        c1,
        c2,
    ]
    bad = http.post("crm.deal.contact.items.set", json={"id": deal, "items": [{"CONTACT_ID": 999}]})
    assert bad.status_code == 400 and bad.json()["error_description"] == "Not found."


def test_timeline_comment_needs_an_existing_owner(http: httpx.Client) -> None:
    deal = ok(http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}))
    cid = ok(
        http.post(
            "crm.timeline.comment.add",
            json={"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "hi"}},
        )
    )
    assert isinstance(cid, int)
    listed = ok(
        http.post("crm.timeline.comment.list", json={"filter": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal"}})
    )
    assert [c["COMMENT"] for c in listed] == ["hi"]
    r = http.post(
        "crm.timeline.comment.add", json={"fields": {"ENTITY_ID": 999, "ENTITY_TYPE": "deal", "COMMENT": "x"}}
    )
    assert r.status_code == 400 and r.json()["error"] == "OWNER_NOT_FOUND"
    r = http.post(
        "crm.timeline.comment.add", json={"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": ""}}
    )
    assert r.json()["error"] == "INVALID_ARG_VALUE"


def test_crm_activity_basics(http: httpx.Client) -> None:
    lead = ok(http.post("crm.lead.add", json={"fields": {"TITLE": "l"}}))
    fields = {"OWNER_ID": lead, "OWNER_TYPE_ID": 1, "TYPE_ID": 2, "SUBJECT": "Call", "RESPONSIBLE_ID": 1,
              "COMMUNICATIONS": [{"VALUE": "+1555"}]}  # fmt: skip
    aid = ok(http.post("crm.activity.add", json={"fields": fields}))
    got = ok(http.post("crm.activity.get", json={"id": aid}))
    assert got["SUBJECT"] == "Call" and got["OWNER_ID"] == str(lead) and got["COMPLETED"] == "N"
    ok(http.post("crm.activity.update", json={"id": aid, "fields": {"COMPLETED": "Y"}}))
    assert [a["ID"] for a in ok(http.post("crm.activity.list", json={"filter": {"COMPLETED": "Y"}}))] == [
        str(aid)
    ]
    assert "SUBJECT" in ok(http.post("crm.activity.fields"))
    assert http.post("crm.activity.add", json={"fields": {**fields, "OWNER_ID": 999}}).status_code == 400
    assert ok(http.post("crm.activity.delete", json={"id": aid})) is True


def test_crm_status_list(http: httpx.Client) -> None:
    stages = ok(http.post("crm.status.list", json={"filter": {"ENTITY_ID": "DEAL_STAGE"}}))
    assert [s["STATUS_ID"] for s in stages][:2] == ["NEW", "PREPARATION"] and stages[0]["EXTRA"][
        "SEMANTICS"
    ] == "process"


def test_collab_calendar_feed_groups(http: httpx.Client) -> None:
    ev = ok(http.post("calendar.event.add", json={"type": "user", "ownerId": 1, "name": "Meet", "from": "2026-02-01 10:00",
                                                   "to": "2026-02-01 11:00", "section": 1}))  # fmt: skip
    assert isinstance(ev, int)
    assert [e["NAME"] for e in ok(http.post("calendar.event.get", json={"type": "user", "ownerId": 1}))] == [
        "Meet"
    ]
    assert ok(http.post("calendar.event.getbyid", json={"id": ev}))["NAME"] == "Meet"
    missing = http.post("calendar.event.add", json={"type": "user", "ownerId": 1, "from": "x", "to": "y"})
    assert (
        missing.json()["error_description"]
        == 'The required parameter "name" for the method "calendar.event.add" is not set'
    )
    post = ok(http.post("log.blogpost.add", json={"POST_MESSAGE": "hello", "DEST": ["UA"]}))
    assert isinstance(post, int)
    group = ok(http.post("sonet_group.create", json={"NAME": "Project", "PROJECT": "Y"}))
    assert ok(http.post("sonet_group.user.add", json={"GROUP_ID": group, "USER_ID": [2, 3]})) == [2, 3]
    assert http.post("sonet_group.create", json={}).json()["error_description"] == "Incorrect input data"


def test_comms_chats_messages_notifications_bots(emu: Emulator, http: httpx.Client) -> None:
    chat = ok(http.post("im.chat.add", json={"TITLE": "Team", "USERS": [1]}))
    assert isinstance(
        ok(http.post("im.message.add", json={"DIALOG_ID": f"chat{chat}", "MESSAGE": "hi"})), int
    )
    assert http.post("im.message.add", json={"DIALOG_ID": f"chat{chat}"}).json()["error"] == "MESSAGE_EMPTY"
    assert http.post("im.message.add", json={"DIALOG_ID": "chat999", "MESSAGE": "x"}).status_code == 400
    http.post("im.notify.system.add", json={"USER_ID": 1, "MESSAGE": "first", "TAG": "deploy"})
    http.post("im.notify.system.add", json={"USER_ID": 1, "MESSAGE": "second", "TAG": "deploy"})
    assert [n["MESSAGE"] for n in emu.records("im_notify")] == [
        "second"
    ]  # TAG replaces earlier notifications
    assert http.post("im.notify.system.add", json={"MESSAGE": "x"}).json()["error"] == "USER_ID_EMPTY"
    bot = ok(http.post("imbot.register", json={"CODE": "helper", "TYPE": "B", "EVENT_MESSAGE_ADD": "http://127.0.0.1:1/b",
                                               "PROPERTIES": {"NAME": "Helper"}}))  # fmt: skip
    assert (
        ok(
            http.post(
                "imbot.register",
                json={"CODE": "helper", "EVENT_MESSAGE_ADD": "h", "PROPERTIES": {"NAME": "H"}},
            )
        )
        == bot
    )
    cmd = ok(
        http.post("imbot.command.register", json={"BOT_ID": bot, "COMMAND": "echo", "EVENT_COMMAND_ADD": "h"})
    )
    assert isinstance(cmd, int)


def test_automation_bizproc(emu: Emulator, http: httpx.Client) -> None:
    templates = ok(http.post("bizproc.workflow.template.list", json={"select": ["ID", "NAME"]}))
    assert templates[0] == {"ID": "1", "NAME": "Deal approval"}
    deal = ok(http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}))
    wid = ok(
        http.post(
            "bizproc.workflow.start",
            json={"TEMPLATE_ID": 1, "DOCUMENT_ID": ["crm", "CCrmDocumentDeal", f"DEAL_{deal}"]},
        )
    )
    assert isinstance(wid, str) and "." in wid
    r = http.post(
        "bizproc.workflow.start",
        json={"TEMPLATE_ID": 1, "DOCUMENT_ID": ["crm", "CCrmDocumentDeal", "DEAL_999"]},
    )
    assert r.json() == {"error": "", "error_description": "Wrong DOCUMENT_ID!"}
    assert (
        http.post("bizproc.workflow.start", json={"TEMPLATE_ID": 9}).json()["error"]
        == "ERROR_WRONG_WORKFLOW_ID"
    )


def test_content_disk(http: httpx.Client) -> None:
    storages = ok(http.post("disk.storage.getlist"))
    assert storages[0]["ROOT_OBJECT_ID"] == "1"
    f = ok(
        http.post(
            "disk.folder.uploadfile",
            json={"id": 1, "data": {"NAME": "a.txt"}, "fileContent": ["a.txt", "aGVsbG8="]},
        )
    )
    assert f["NAME"] == "a.txt" and f["TYPE"] == "file"
    inner = http.post("batch", json={"cmd": {"u": "disk.folder.uploadfile?id=1&data[NAME]=b.txt"}}).json()[
        "result"
    ]
    assert (
        inner["result_error"]["u"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"
    )  # batch.md: no uploads in batch


def test_boards_scrum(http: httpx.Client) -> None:
    epic = ok(http.post("tasks.api.scrum.epic.add", json={"fields": {"groupId": 1, "name": "Epic 1"}}))
    assert epic["id"] == 1 and epic["color"] == "#69dafc" and epic["createdBy"] == 1
    assert ok(http.post("tasks.api.scrum.epic.get", json={"id": 1}))["name"] == "Epic 1"
    assert [
        e["name"] for e in ok(http.post("tasks.api.scrum.epic.list", json={"filter": {"groupId": 1}}))
    ] == ["Epic 1"]
    sprint = ok(http.post("tasks.api.scrum.sprint.add", json={"fields": {"groupId": 1, "name": "S1"}}))
    assert sprint["status"] == "planned"


def test_commerce_sale_and_catalog(http: httpx.Client) -> None:
    order = ok(http.post("sale.order.add", json={"fields": {"personTypeId": 1, "currency": "USD"}}))["order"]
    assert order["id"] == 1 and order["currency"] == "USD"
    assert ok(http.post("sale.order.get", json={"id": 1}))["order"]["id"] == 1
    listed = http.post("sale.order.list", json={"select": ["id", "currency"]}).json()
    assert listed["result"]["orders"] == [{"id": 1, "currency": "USD"}] and listed["total"] == 1
    assert http.post("sale.order.get", json={"id": 9}).json()["error"] == "ERROR_ORDER_NOT_EXISTS"
    product = ok(http.post("catalog.product.add", json={"fields": {"iblockId": 14, "name": "Widget"}}))[
        "element"
    ]
    assert ok(http.post("catalog.product.get", json={"id": product["id"]}))["product"]["name"] == "Widget"
    assert (
        ok(http.post("catalog.product.list", json={"filter": {"iblockId": 14}}))["products"][0]["name"]
        == "Widget"
    )


def test_services_booking_and_timeman(http: httpx.Client) -> None:
    assert ok(http.post("booking.v1.resource.add", json={"resource": {"name": "Room"}})) == {"id": 1}
    assert ok(http.post("booking.v1.resource.list"))["resource"][0]["name"] == "Room"
    assert ok(http.post("timeman.status"))["STATUS"] == "CLOSED"
    assert ok(http.post("timeman.open"))["STATUS"] == "OPENED"
    assert http.post("timeman.open").json()["error"] == "WORKDAY_ALREADY_OPENED"
    assert ok(http.post("timeman.close"))["STATUS"] == "CLOSED"


def test_platform_entity_storage_and_biconnector(http: httpx.Client) -> None:
    assert (
        http.post("entity.item.add", json={"ENTITY": "menu", "NAME": "x"}).json()["error"]
        == "ERROR_ENTITY_NOT_FOUND"
    )
    assert ok(http.post("entity.add", json={"ENTITY": "menu", "NAME": "Menu"})) is True
    item = ok(http.post("entity.item.add", json={"ENTITY": "menu", "NAME": "Soup"}))
    rows = ok(http.post("entity.item.get", json={"ENTITY": "menu"}))
    assert rows[0]["ID"] == str(item) and rows[0]["NAME"] == "Soup" and rows[0]["SORT"] == "500"
    assert ok(
        http.post("biconnector.source.add", json={"fields": {"type": "mysql", "title": "Sql_host"}})
    ) == {"id": 1}
    assert ok(http.post("biconnector.source.list"))[0]["title"] == "Sql_host"


def test_sites_and_compliance(http: httpx.Client) -> None:
    site = ok(http.post("landing.site.add", json={"fields": {"TITLE": "Villa", "CODE": "villa"}}))
    assert [s["TITLE"] for s in ok(http.post("landing.site.getList", json={"params": {}}))] == ["Villa"]
    assert isinstance(site, int)
    assert http.post("landing.site.add", json={"fields": {"TITLE": "x"}}).json()["error"] == "MISSING_PARAMS"
    agreements = ok(http.post("userconsent.agreement.list"))
    assert agreements[0]["ACTIVE"] == "Y"
    consent = ok(
        http.post("userconsent.consent.add", json={"AGREEMENT_ID": agreements[0]["ID"], "IP": "127.0.0.1"})
    )
    assert isinstance(consent, int)


@pytest.mark.parametrize("pack", ["core", "comms", "collab", "automation", "content", "boards", "commerce", "services", "diagnostics",
                                  "platform", "sites", "compliance"])  # fmt: skip
def test_every_pack_has_methods(emu: Emulator, pack: str) -> None:
    assert any(m.pack == pack for m in emu.portal.registry)
