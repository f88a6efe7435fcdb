"""Scenarios 1–8 and 16–18 of the reference (CRM, tasks, timeline, batch) — pack `core` (+ `comms` for 5)."""

from __future__ import annotations

from b24_tools.cli.demo import WEB_FORM_PAYLOAD, lead_params_from_form


def test_01_lead_from_web_form_with_source_metadata(scenario):
    s = scenario("core")
    params = lead_params_from_form(WEB_FORM_PAYLOAD)
    dup = s.read(
        "crm_lead_list",
        filter={"ORIGINATOR_ID": "webform", "ORIGIN_ID": WEB_FORM_PAYLOAD["submission_id"]},
        select=["ID"],
    )
    assert dup == []
    before = s.emu.count("lead")
    lead_id = s.write("crm_lead_add", **params)
    assert s.emu.count("lead") == before + 1
    [row] = s.emu.records("lead", ORIGIN_ID=WEB_FORM_PAYLOAD["submission_id"])
    assert row["ID"] == int(lead_id)
    assert row["SOURCE_ID"] == "WEB" and row["ORIGINATOR_ID"] == "webform"
    assert row["UTM_CAMPAIGN"] == "winter" and "pricing" in row["SOURCE_DESCRIPTION"]
    got = s.read("crm_lead_list", filter={"ID": int(lead_id)}, select=["*", "PHONE", "EMAIL"])[0]
    assert got["TITLE"] == "Web form: Acme Robotics"


def test_02_enrich_lead_with_normalized_contacts_and_signals(scenario):
    from b24_tools.events import enrich_lead

    s = scenario("core")
    lead_id = s.write(
        "crm_lead_add",
        fields={
            "TITLE": "Raw lead",
            "PHONE": [{"VALUE": "+1 (555) 010-0077", "VALUE_TYPE": "WORK"}],
            "EMAIL": [{"VALUE": " Raw@Example.COM ", "VALUE_TYPE": "WORK"}],
        },
    )
    lead = s.read("crm_lead_list", filter={"ID": int(lead_id)}, select=["*", "PHONE", "EMAIL"])[0]
    e = enrich_lead(lead)
    s.write(
        "crm_lead_update",
        id=int(lead_id),
        fields={
            "PHONE": [{"ID": lead["PHONE"][0]["ID"], "VALUE": e["phone"]}],
            "EMAIL": [{"ID": lead["EMAIL"][0]["ID"], "VALUE": e["email"]}],
            "COMMENTS": f"Signals: domain {e['email_domain']}, score {e['score']}",
        },
    )
    after = s.read("crm_lead_list", filter={"ID": int(lead_id)}, select=["*", "PHONE", "EMAIL"])[0]
    assert [p["VALUE"] for p in after["PHONE"]] == ["+15550100077"]
    assert [m["VALUE"] for m in after["EMAIL"]] == ["raw@example.com"]
    assert after["COMMENTS"] == "Signals: domain example.com, score 40"


def test_03_high_score_leads_become_prioritized_follow_up_tasks(scenario):
    s = scenario("core")
    for title, amount in (("Big A", 50000), ("Small", 100), ("Big B", 30000)):
        s.write(
            "crm_lead_add",
            fields={"TITLE": title, "OPPORTUNITY": amount, "STATUS_ID": "NEW", "ASSIGNED_BY_ID": 2},
        )
    hot = s.read(
        "crm_lead_list",
        filter={">=OPPORTUNITY": 20000, "STATUS_ID": "NEW"},
        select=["ID", "TITLE", "ASSIGNED_BY_ID"],
    )
    hot = [h for h in hot if h["TITLE"] in ("Big A", "Big B")]
    assert sorted(h["TITLE"] for h in hot) == ["Big A", "Big B"]
    tasks_before = s.emu.count("task")
    for lead in hot:
        s.write(
            "tasks_task_add",
            fields={
                "TITLE": f"Follow up lead #{lead['ID']}: {lead['TITLE']}",
                "RESPONSIBLE_ID": int(lead["ASSIGNED_BY_ID"]),
                "PRIORITY": "2",
                "UF_CRM_TASK": [f"L_{lead['ID']}"],
            },
        )
    assert s.emu.count("task") == tasks_before + 2
    new = [t for t in s.emu.records("task") if str(t.get("TITLE", "")).startswith("Follow up lead #")]
    assert {str(t["PRIORITY"]) for t in new} == {"2"}
    assert sorted(t["UF_CRM_TASK"][0] for t in new) == sorted(f"L_{h['ID']}" for h in hot)


def test_04_deal_created_when_lead_is_qualified(scenario):
    s = scenario("core")
    lead_id = int(
        s.write("crm_lead_add", fields={"TITLE": "Qualified Inc", "OPPORTUNITY": 42000, "ASSIGNED_BY_ID": 3})
    )
    lead = s.read("crm_lead_list", filter={"ID": lead_id}, select=["*", "PHONE", "EMAIL"])[0]
    assert float(lead["OPPORTUNITY"]) >= 20000
    deal_id = int(
        s.write(
            "crm_deal_add",
            fields={
                "TITLE": lead["TITLE"],
                "OPPORTUNITY": 42000,
                "CURRENCY_ID": "USD",
                "ASSIGNED_BY_ID": 3,
                "STAGE_ID": "NEW",
                "ORIGINATOR_ID": "b24-tools",
                "ORIGIN_ID": f"lead-{lead_id}",
            },
        )
    )
    s.write("crm_lead_update", id=lead_id, fields={"STATUS_ID": "PROCESSED"})
    [deal] = s.emu.records("deal", ORIGIN_ID=f"lead-{lead_id}")
    assert deal["ID"] == deal_id and float(deal["OPPORTUNITY"]) == 42000 and deal["TITLE"] == "Qualified Inc"
    assert s.emu.records("lead", ID=lead_id)[0]["STATUS_ID"] == "PROCESSED"


def test_05_deal_stage_update_notifies_the_responsible_user(scenario):
    s = scenario("core", "comms")
    deal = s.read("crm_deal_list", filter={"ID": 1}, select=["*"])[0]
    s.write("crm_deal_update", id=1, fields={"STAGE_ID": "PREPARATION"})
    s.write(
        "im_notify_system_add", USER_ID=int(deal["ASSIGNED_BY_ID"]), MESSAGE="Deal #1 moved to PREPARATION"
    )
    assert s.emu.records("deal", ID=1)[0]["STAGE_ID"] == "PREPARATION"
    [note] = s.emu.records("im_notify")
    assert int(note["USER_ID"]) == int(deal["ASSIGNED_BY_ID"]) and "PREPARATION" in note["MESSAGE"]


def test_06_stale_deals_get_an_escalation_task(scenario):
    s = scenario("core")
    s.write("crm_deal_update", id=2, fields={"STAGE_ID": "PREPARATION"})
    stale = s.read(
        "crm_deal_list",
        filter={"STAGE_ID": "PREPARATION", "<DATE_MODIFY": "2999-01-01T00:00:00+00:00"},
        select=["ID", "TITLE", "ASSIGNED_BY_ID"],
    )
    assert 2 in [int(d["ID"]) for d in stale]
    before = s.emu.count("task")
    for d in stale:
        s.write(
            "tasks_task_add",
            fields={
                "TITLE": f"Escalation: deal #{d['ID']} stuck in PREPARATION",
                "RESPONSIBLE_ID": int(d["ASSIGNED_BY_ID"]),
                "PRIORITY": "2",
                "UF_CRM_TASK": [f"D_{d['ID']}"],
            },
        )
    assert s.emu.count("task") == before + len(stale)
    esc = [t for t in s.emu.records("task") if str(t.get("TITLE", "")).startswith("Escalation: deal #2 ")]
    assert len(esc) == 1 and esc[0]["UF_CRM_TASK"] == ["D_2"]


def test_07_daily_list_of_deals_without_active_tasks_is_read_only(scenario):
    s = scenario("core")
    s.write(
        "tasks_task_add", fields={"TITLE": "Call about deal 3", "RESPONSIBLE_ID": 1, "UF_CRM_TASK": ["D_3"]}
    )
    writes_before = len(s.approvals.audit.events())
    deals = s.read("crm_deal_list", filter={"CLOSED": "N"}, select=["ID", "TITLE"])
    tasks = s.read("tasks_task_list", filter={"UF_CRM_TASK": "D_3"}, select=["ID", "UF_CRM_TASK"])
    task_rows = tasks["tasks"] if isinstance(tasks, dict) else tasks
    assert len(task_rows) == 1
    with_tasks = {"3"}
    without = [d for d in deals if str(d["ID"]) not in with_tasks]
    assert "3" not in [str(d["ID"]) for d in without] and len(without) == len(deals) - (
        "3" in [str(d["ID"]) for d in deals]
    )
    assert s.approvals.list_pending() == []
    assert all(e.get("event") == "read" for e in s.approvals.audit.events()[writes_before:])


def test_08_ai_call_summary_lands_in_the_deal_timeline(scenario):
    s = scenario("core")
    s.read("crm_deal_list", filter={"ID": 4}, select=["*"])[0]
    summary = "Call summary: customer wants a pilot in Q1; next step: send proposal."
    comment_id = s.write(
        "crm_timeline_comment_add", fields={"ENTITY_ID": 4, "ENTITY_TYPE": "deal", "COMMENT": summary}
    )
    [row] = s.emu.records("timeline_comment")
    assert row["ID"] == int(comment_id) and row["COMMENT"] == summary and int(row["ENTITY_ID"]) == 4


def test_16_contact_attached_to_deal_and_links_kept_in_sync(scenario):
    s = scenario("core")
    links = s.read("crm_deal_contact_items_get", id=5)
    linked = {int(x["CONTACT_ID"]) for x in links}
    contact = next(c for c in s.emu.records("contact") if c["ID"] not in linked)
    s.write("crm_deal_contact_add", id=5, fields={"CONTACT_ID": contact["ID"], "IS_PRIMARY": "Y"})
    after = s.read("crm_deal_contact_items_get", id=5)
    assert contact["ID"] in {int(x["CONTACT_ID"]) for x in after}
    primary = [int(x["CONTACT_ID"]) for x in after if x.get("IS_PRIMARY") in ("Y", True)]
    assert primary == [contact["ID"]]


def test_17_export_of_a_crm_slice_for_bi(scenario, tmp_path):
    from b24_tools.cli._exporter import export_entity

    s = scenario("core", seed={"deals": 120, "users": 3})
    page = s.read("crm_deal_list", select=["ID", "STAGE_ID"], filter={">=OPPORTUNITY": 0})
    assert len(page) == 50  # one page through the tool; the full slice through the exporter
    res = export_entity(s.client, "deal", tmp_path / "deals.jsonl", select=["ID", "STAGE_ID", "OPPORTUNITY"])
    assert res.written == 120 == s.emu.count("deal")
    assert s.approvals.list_pending() == []


def test_18_guarded_bulk_update_via_batch_with_a_reviewer_edit(scenario):
    s = scenario("core")
    cmd = {f"u{i}": f"crm.deal.update?id={i}&fields[ASSIGNED_BY_ID]=3" for i in (6, 7, 8)}
    art = s.tool("batch", cmd=cmd, halt=0)
    assert art["status"] == "pending" and art["risk"] == "write"
    plan_id = art["plan_id"]
    edited = {"halt": 0, "cmd": {**cmd, "u8": "crm.deal.update?id=8&fields[ASSIGNED_BY_ID]=2"}}
    res = s.approvals.edit(plan_id, edited, reviewer="ops-lead")
    assert res.status == "executed", res.error
    owners = {d["ID"]: int(d["ASSIGNED_BY_ID"]) for d in s.emu.records("deal") if d["ID"] in (6, 7, 8)}
    assert owners == {6: 3, 7: 3, 8: 2}
    view = s.approvals.show(plan_id)
    assert view.diff  # the reviewer's change is on record


def test_18b_a_delete_hidden_in_a_batch_makes_it_destructive(scenario):
    s = scenario("core")
    art = s.tool(
        "batch", cmd={"a": "crm.deal.update?id=1&fields[TITLE]=x", "b": "crm.deal.delete?id=2"}, halt=0
    )
    assert art["status"] == "pending" and art["risk"] == "destructive"
    assert s.emu.count("deal", ID=2) == 1
