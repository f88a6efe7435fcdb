"""Scenarios 9–15: calendar (services), task checklist (core), chats and notifications (comms), news feed and
workgroups (collab), business processes (automation)."""

from __future__ import annotations


def test_09_meeting_with_attendees_and_reminder(scenario):
    s = scenario("services")
    event_id = s.write(
        "calendar_event_add",
        type="user",
        ownerId=1,
        name="Kickoff",
        **{"from": "2026-12-01 10:00:00", "to": "2026-12-01 11:00:00"},
        section=1,
        is_meeting="Y",
        attendees=[1, 2, 3],
        remind=[{"type": "min", "count": 15}],
    )
    [row] = s.emu.records("calendar_event")
    assert row["ID"] == int(event_id)
    assert row["NAME"] == "Kickoff" and row["IS_MEETING"] == "Y"
    assert sorted(int(a) for a in row["ATTENDEES"]) == [1, 2, 3]
    assert row["REMIND"] == [{"type": "min", "count": 15}]
    assert (row["FROM"], row["TO"]) == ("2026-12-01 10:00:00", "2026-12-01 11:00:00")


def test_10_checklist_on_a_task_with_item_owners(scenario):
    s = scenario("core")
    task_id = s.write("tasks_task_add", fields={"TITLE": "Contract", "RESPONSIBLE_ID": 1})
    task_id = int(task_id["task"]["id"]) if isinstance(task_id, dict) else int(task_id)
    s.read("tasks_task_get", taskId=task_id)
    for title, owner in (("Prepare contract", 2), ("Legal review", 3)):
        s.write(
            "task_checklistitem_add",
            TASKID=task_id,
            FIELDS={"TITLE": title, "MEMBERS": {str(owner): {"TYPE": "A"}}},
        )
    items = [
        r for r in s.emu.records("task_checklist") if int(r.get("TASK_ID", r.get("TASKID", 0))) == task_id
    ]
    assert sorted(i["TITLE"] for i in items) == ["Legal review", "Prepare contract"]


def test_11_campaign_chat_with_kickoff_message(scenario):
    s = scenario("comms")
    chat_id = int(
        s.write(
            "im_chat_add",
            TYPE="CHAT",
            TITLE="Campaign: Winter sale",
            USERS=[1, 2, 3],
            DESCRIPTION="Campaign coordination",
        )
    )
    msg_id = int(
        s.write("im_message_add", DIALOG_ID=f"chat{chat_id}", MESSAGE="Kickoff: goals, owners, dates")
    )
    chats = {c["ID"]: c for c in s.emu.records("im_chat")}  # beside the seeded "General" chat (chat1)
    assert chats[chat_id]["TITLE"] == "Campaign: Winter sale" and chats[1]["TITLE"] == "General"
    [msg] = s.emu.records("im_message")
    assert msg["ID"] == msg_id and msg["MESSAGE"] == "Kickoff: goals, owners, dates"


def test_12_sla_breach_notifications_are_idempotent_by_tag(scenario):
    s = scenario("core", "comms")
    s.write(
        "tasks_task_add",
        fields={"TITLE": "Overdue report", "RESPONSIBLE_ID": 2, "DEADLINE": "2020-01-01T10:00:00+00:00"},
    )
    overdue = s.read(
        "tasks_task_list",
        filter={"<DEADLINE": "2026-01-01T00:00:00+00:00"},
        select=["ID", "TITLE", "RESPONSIBLE_ID", "DEADLINE"],
    )
    rows = overdue["tasks"] if isinstance(overdue, dict) else overdue
    mine = [t for t in rows if t.get("title", t.get("TITLE")) == "Overdue report"]
    assert len(mine) == 1
    t = mine[0]
    tid = t.get("id", t.get("ID"))
    uid = int(t.get("responsibleId", t.get("RESPONSIBLE_ID")))
    s.write(
        "im_notify_system_add", USER_ID=uid, MESSAGE=f"Task #{tid} missed its deadline", TAG=f"sla-task-{tid}"
    )
    # the job runs again an hour later: the same notification is a replay, never a second message
    again = s.tool(
        "im_notify_system_add", USER_ID=uid, MESSAGE=f"Task #{tid} missed its deadline", TAG=f"sla-task-{tid}"
    )
    assert again["status"] == "replayed"
    # a changed text is a new plan; the same TAG replaces the earlier notification on the portal
    s.write(
        "im_notify_system_add", USER_ID=uid, MESSAGE=f"Task #{tid} is still overdue", TAG=f"sla-task-{tid}"
    )
    notes = s.emu.records("im_notify")
    assert len(notes) == 1 and notes[0]["TAG"] == f"sla-task-{tid}"
    assert notes[0]["MESSAGE"] == f"Task #{tid} is still overdue"


def test_13_news_feed_post_for_a_release(scenario):
    s = scenario("collab")
    post_id = int(
        s.write("log_blogpost_add", POST_TITLE="Release 2.4", POST_MESSAGE="What is new ...", DEST=["UA"])
    )
    [post] = s.emu.records("blogpost")
    assert post["ID"] == post_id and post["POST_TITLE"] == "Release 2.4" and post["DEST"] == ["UA"]


def test_14_project_with_execution_tasks(scenario):
    s = scenario("collab", "core")
    group_id = int(
        s.write("sonet_group_create", NAME="Website relaunch", PROJECT="Y", VISIBLE="Y", OPENED="N")
    )
    for title in ("Design mockups", "Build pages"):
        s.write("tasks_task_add", fields={"TITLE": title, "RESPONSIBLE_ID": 1, "GROUP_ID": group_id})
    [group] = s.emu.records("sonet_group")
    assert group["ID"] == group_id and group["PROJECT"] == "Y"
    tasks = [t for t in s.emu.records("task") if int(t.get("GROUP_ID") or 0) == group_id]
    assert sorted(t["TITLE"] for t in tasks) == ["Build pages", "Design mockups"]


def test_15_document_approval_workflow_started_from_its_template(scenario):
    s = scenario("automation")
    templates = s.read(
        "bizproc_workflow_template_list", select=["ID", "NAME", "DOCUMENT_TYPE"], filter={"MODULE_ID": "crm"}
    )
    deal_tpl = next(t for t in templates if "CCrmDocumentDeal" in str(t.get("DOCUMENT_TYPE")))
    wf_id = s.write(
        "bizproc_workflow_start",
        TEMPLATE_ID=int(deal_tpl["ID"]),
        DOCUMENT_ID=["crm", "CCrmDocumentDeal", "DEAL_3"],
        PARAMETERS={},
    )
    assert isinstance(wf_id, str) and wf_id
    [wf] = s.emu.records("bizproc_workflow")
    assert wf["ID"] == wf_id and str(wf["TEMPLATE_ID"]) == str(deal_tpl["ID"])
    assert (wf["MODULE_ID"], wf["ENTITY"], wf["DOCUMENT_ID"]) == ("crm", "CCrmDocumentDeal", "DEAL_3")
