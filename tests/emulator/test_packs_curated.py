"""The methods behind the pack toolkits' curated tools (b24_tools.catalog.curated); docs paths in the method modules."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator


def ok(r: httpx.Response) -> object:
    assert r.status_code == 200, r.text
    return r.json()["result"]


def test_every_curated_catalog_method_is_served(emu: Emulator) -> None:
    curated = pytest.importorskip("b24_tools.catalog.curated")
    missing = [c.method for c in curated.CURATED if c.method.lower() not in emu.portal.registry]
    assert missing == []


def test_registered_scopes_and_packs_agree_with_the_catalog(emu: Emulator) -> None:
    catalog = pytest.importorskip("b24_tools.catalog")
    cat = catalog.get_catalog()
    for m in emu.portal.registry:
        spec = cat.get(m.name)
        if spec is None or not spec.scope:
            continue
        assert any(s in spec.scope for s in m.scope.split("|")) or m.scope == "basic", m.name
        assert spec.pack == m.pack, m.name


def test_disk_tree(http: httpx.Client) -> None:
    folder = ok(http.post("disk.folder.addsubfolder", json={"id": 1, "data": {"NAME": "Docs"}}))
    assert folder["TYPE"] == "folder" and isinstance(folder["ID"], int)
    dup = http.post("disk.folder.addsubfolder", json={"id": 1, "data": {"NAME": "Docs"}})
    assert dup.status_code == 400
    f = ok(http.post("disk.folder.uploadfile", json={"id": folder["ID"], "data": {"NAME": "a.txt"},
                                                      "fileContent": ["a.txt", "aGVsbG8="]}))  # fmt: skip
    assert [c["NAME"] for c in ok(http.post("disk.storage.getchildren", json={"id": 1}))] == ["Docs"]
    assert [c["NAME"] for c in ok(http.post("disk.folder.getchildren", json={"id": folder["ID"]}))] == [
        "a.txt"
    ]
    assert ok(http.post("disk.file.get", json={"id": f["ID"]}))["SIZE"] == "5"
    moved = ok(http.post("disk.file.moveto", json={"id": f["ID"], "targetFolderId": 2}))
    assert moved["PARENT_ID"] == 2 and moved["STORAGE_ID"] == "2"
    deleted = ok(http.post("disk.file.markdeleted", json={"id": f["ID"]}))
    assert deleted["DELETED_TYPE"] == "3" and deleted["DELETE_TIME"]
    assert ok(http.post("disk.folder.getchildren", json={"id": 2})) == []
    assert http.post("disk.file.get", json={"id": 99999}).status_code == 404


def test_automation_workflows_tasks_lists_triggers(http: httpx.Client) -> None:
    deal = ok(http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}))
    wid = ok(
        http.post(
            "bizproc.workflow.start",
            json={"TEMPLATE_ID": 1, "DOCUMENT_ID": ["crm", "CCrmDocumentDeal", f"DEAL_{deal}"]},
        )
    )
    instances = ok(http.post("bizproc.workflow.instances"))
    assert [(i["ID"], i["DOCUMENT_ID"]) for i in instances] == [(wid, f"DEAL_{deal}")]
    assert [t["WORKFLOW_ID"] for t in ok(http.post("bizproc.task.list"))] == [wid]
    assert ok(http.post("bizproc.workflow.terminate", json={"ID": wid})) is True
    assert ok(http.post("bizproc.workflow.instances")) == [] and ok(http.post("bizproc.task.list")) == []
    assert ok(http.post("bizproc.robot.list")) == []
    eid = ok(http.post("lists.element.add", json={"IBLOCK_TYPE_ID": "lists", "IBLOCK_ID": 5, "ELEMENT_CODE": "e1",
                                                   "FIELDS": {"NAME": "Element", "PROPERTY_7": "x"}}))  # fmt: skip
    got = http.post("lists.element.get", json={"IBLOCK_TYPE_ID": "lists", "IBLOCK_ID": 5}).json()
    assert got["result"][0]["ID"] == str(eid) and got["result"][0]["PROPERTY_7"] == "x" and got["total"] == 1
    assert (
        ok(
            http.post(
                "crm.automation.trigger.execute", json={"CODE": "paid", "OWNER_TYPE_ID": 2, "OWNER_ID": deal}
            )
        )
        is True
    )
    bad = http.post(
        "crm.automation.trigger.execute", json={"CODE": "paid", "OWNER_TYPE_ID": 2, "OWNER_ID": 999}
    )
    assert bad.status_code == 400


def test_comms_chat_lookup_and_history(http: httpx.Client) -> None:
    chat = ok(
        http.post("im.chat.add", json={"TITLE": "Deal chat", "ENTITY_TYPE": "CRM", "ENTITY_ID": "DEAL|1"})
    )
    assert ok(http.post("im.chat.get", json={"ENTITY_TYPE": "CRM", "ENTITY_ID": "DEAL|1"})) == {"ID": chat}
    assert ok(http.post("im.chat.get", json={"ENTITY_TYPE": "CRM", "ENTITY_ID": "DEAL|2"})) is None
    for text in ("one", "two", "three"):
        http.post("im.message.add", json={"DIALOG_ID": f"chat{chat}", "MESSAGE": text})
    history = ok(http.post("im.dialog.messages.get", json={"DIALOG_ID": f"chat{chat}", "LIMIT": 2}))
    assert history["chat_id"] == chat and [m["text"] for m in history["messages"]] == ["three", "two"]


def test_collab_feed_groups_and_scrum(emu: Emulator, http: httpx.Client) -> None:
    post = ok(http.post("log.blogpost.add", json={"POST_MESSAGE": "Hello", "POST_TITLE": "News"}))
    assert isinstance(ok(http.post("log.blogcomment.add", json={"POST_ID": post, "TEXT": "Nice"})), int)
    posts = ok(http.post("log.blogpost.get", json={"POST_ID": post}))
    assert posts[0]["TITLE"] == "News" and posts[0]["NUM_COMMENTS"] == "1"
    group = ok(http.post("sonet_group.create", json={"NAME": "Scrum team", "PROJECT": "Y"}))
    http.post("sonet_group.user.add", json={"GROUP_ID": group, "USER_ID": 2})
    assert ok(http.post("sonet_group.user.get", json={"ID": group})) == [
        {"USER_ID": "1", "ROLE": "A"},
        {"USER_ID": "2", "ROLE": "K"},
    ]
    sprint = ok(http.post("tasks.api.scrum.sprint.add", json={"fields": {"groupId": group, "name": "S1"}}))
    assert ok(http.post("tasks.api.scrum.sprint.start", json={"id": sprint["id"]}))["status"] == "active"
    assert (
        ok(http.post("tasks.api.scrum.sprint.complete", json={"id": sprint["id"]}))["status"] == "completed"
    )
    assert ok(http.post("tasks.api.scrum.sprint.get", json={"id": sprint["id"]}))["status"] == "completed"
    assert ok(http.post("tasks.api.scrum.backlog.get", json={"id": group}))["groupId"] == group
    stages = ok(http.post("tasks.api.scrum.kanban.getstages", json={"sprintId": sprint["id"]}))
    assert [s["type"] for s in stages] == ["NEW", "WORK", "FINISH"]
    tid = http.post("tasks.task.add", json={"fields": {"TITLE": "story", "RESPONSIBLE_ID": 1}}).json()[
        "result"
    ]["task"]["id"]
    assert ok(http.post("tasks.api.scrum.task.update", json={"id": tid, "fields": {"storyPoints": "3"}})) == {
        "status": "success", "data": True, "errors": []}  # fmt: skip


def test_business_packs(http: httpx.Client) -> None:
    assert ok(http.post("sale.payment.list")) == {"payments": []}
    room = ok(http.post("booking.v1.resource.add", json={"resource": {"name": "Room"}}))["id"]
    period = {
        "from": {"timestamp": 1723446900, "timezone": "UTC"},
        "to": {"timestamp": 1723447800, "timezone": "UTC"},
    }
    booking = ok(
        http.post("booking.v1.booking.add", json={"fields": {"resourceIds": [room], "datePeriod": period}})
    )
    assert ok(http.post("booking.v1.booking.list"))["booking"][0]["id"] == booking["id"]
    assert (
        http.post(
            "booking.v1.booking.add", json={"fields": {"resourceIds": [99], "datePeriod": period}}
        ).status_code
        == 400
    )
    http.post("entity.add", json={"ENTITY": "dish", "NAME": "Dishes"})
    assert ok(http.post("entity.get", json={"ENTITY": "dish"}))["NAME"] == "Dishes"
    assert [e["ENTITY"] for e in ok(http.post("entity.get"))] == ["dish"]
    for method in ("biconnector.connector.list", "biconnector.dataset.list", "ai.engine.list", "sign.b2e.personal.tail",
                   "sign.b2e.mysafe.tail"):  # fmt: skip
        assert ok(http.post(method)) == [], method
    assert http.post("sign.b2e.document.get", json={"uid": "x"}).status_code == 400
    site = ok(http.post("landing.site.add", json={"fields": {"TITLE": "Shop", "CODE": "shop"}}))
    page = ok(
        http.post("landing.landing.add", json={"fields": {"TITLE": "Sale", "CODE": "sale", "SITE_ID": site}})
    )
    assert ok(http.post("landing.landing.publication", json={"lid": page})) is True
    assert ok(http.post("landing.landing.getpublicurl", json={"lid": page})).endswith("/sites/shop/sale/")
    assert [p["TITLE"] for p in ok(http.post("landing.landing.getlist"))] == ["Sale"]
    agreement = ok(http.post("userconsent.agreement.list"))[0]["ID"]
    text = ok(
        http.post("userconsent.agreement.text", json={"id": agreement, "replace": {"COMPANY_NAME": "Acme"}})
    )
    assert "Acme" in text["TEXT"] and text["LABEL"]
    assert "ONCRMLEADADD" in ok(http.post("events"))


def test_crm_activity_todo_add(emu: Emulator, http: httpx.Client) -> None:
    deal = ok(http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}))
    todo = ok(http.post("crm.activity.todo.add", json={"ownerTypeId": 2, "ownerId": deal, "deadline": "2026-03-01T10:00:00+00:00",
                                                        "title": "Call back"}))  # fmt: skip
    activity = ok(http.post("crm.activity.get", json={"id": todo["id"]}))
    assert activity["SUBJECT"] == "Call back" and activity["PROVIDER_ID"] == "CRM_TODO"
    assert http.post("crm.activity.todo.add", json={"ownerTypeId": 2, "ownerId": deal}).status_code == 400


def test_departments_telephony_openlines_senders(http: httpx.Client) -> None:
    assert [d["NAME"] for d in ok(http.post("department.get", json={"PARENT": 1}))] == ["Sales", "Support"]
    contact = ok(
        http.post("crm.contact.add", json={"fields": {"NAME": "Caller", "PHONE": [{"VALUE": "+15550001"}]}})
    )
    call = ok(http.post("telephony.externalcall.register", json={"USER_ID": 1, "USER_PHONE_INNER": "101",
                                                                  "PHONE_NUMBER": "+15550001", "TYPE": 2}))  # fmt: skip
    assert call["CRM_ENTITY_TYPE"] == "CONTACT" and call["CRM_ENTITY_ID"] == contact
    done = ok(
        http.post(
            "telephony.externalcall.finish", json={"CALL_ID": call["CALL_ID"], "USER_ID": 1, "DURATION": 95}
        )
    )
    assert done["CALL_DURATION"] == 95
    assert (
        http.post(
            "telephony.externalcall.finish", json={"CALL_ID": call["CALL_ID"], "USER_ID": 1}
        ).status_code
        == 400
    )
    new = ok(http.post("telephony.externalcall.register", json={"USER_ID": 1, "PHONE_NUMBER": "+1999", "TYPE": 2,
                                                                 "CRM_CREATE": 1}))  # fmt: skip
    assert new["CRM_ENTITY_TYPE"] == "LEAD" and new["CRM_CREATED_LEAD"] == new["CRM_ENTITY_ID"]
    assert ok(http.post("imopenlines.config.list.get"))[0]["ACTIVE"] == "Y"
    assert ok(http.post("messageservice.sender.list")) == ["emulator_sms"]


def test_workgroups_and_document_generator(http: httpx.Client) -> None:
    http.post("sonet_group.create", json={"NAME": "Project X", "PROJECT": "Y"})
    groups = ok(http.post("socialnetwork.api.workgroup.list"))["workgroups"]
    assert [(g["name"], g["type"]) for g in groups] == [("Project X", "project")]
    template = next(iter(ok(http.post("documentgenerator.template.list"))["templates"].values()))
    deal = ok(http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}))
    doc = ok(http.post("documentgenerator.document.add", json={
        "templateId": template["id"], "value": deal,
        "providerClassName": "Bitrix\\Crm\\Integration\\DocumentGenerator\\DataProvider\\Deal"}))["document"]  # fmt: skip
    assert doc["number"] == "DOC-0001" and doc["value"] == str(deal)
    assert http.post("documentgenerator.document.add", json={"templateId": 9, "value": 1}).status_code == 400
