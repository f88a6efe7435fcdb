"""Scenarios 19 (diagnostics pack) and 20 (offline events replay through the worker and the core pack tools)."""

from __future__ import annotations

from b24_tools.events import EventQueue, HandlerRegistry, OfflineWorker, register_default_handlers


def test_19_diagnostics_before_rollout(scenario):
    s = scenario("diagnostics")
    scopes = s.read("scope")
    assert "crm" in scopes
    needed = ["crm.lead.add", "tasks.task.add", "im.message.add", "no.such.method"]
    report = {m: s.read("method_get", name=m) for m in needed}
    assert report["crm.lead.add"] == {"isExisting": True, "isAvailable": True}
    assert report["no.such.method"]["isExisting"] is False
    feature = s.read("feature_get", CODE="rest_offline_extended")
    assert feature["value"] in ("Y", "N")
    assert s.approvals.list_pending() == []  # diagnostics never writes


def test_19b_diag_explains_a_missing_scope(tmp_path):
    from b24_tools import Emulator, EmulatorConfig
    from b24_tools.catalog import get_catalog
    from b24_tools.cli._diag import diagnose

    emu = Emulator(config=EmulatorConfig(scopes={"crm", "user"}))
    with emu.client() as client:
        cat = get_catalog()
        report = diagnose(client, [cat.get("crm.lead.add"), cat.get("im.message.add")])
    rows = {r["method"]: r for r in report["methods"]}
    assert rows["crm.lead.add"]["available"] is True
    assert rows["im.message.add"]["available"] is False and "im" in rows["im.message.add"]["why"]


def test_20_missed_events_recovered_by_offline_polling_and_replay(scenario):
    from b24_tools import B24Client, OAuthAuth

    s = scenario("core")
    # offline events belong to an application (event.bind / event.offline.* need app auth, event-bind.md)
    client_id, _secret = s.emu.oauth.register_app(scopes={"crm", "task", "user"})
    tokens = s.emu.oauth.issue_tokens(client_id)
    app = B24Client(s.emu.base_url, auth=OAuthAuth(tokens["access_token"]), transport=s.emu.transport())
    app.call("event.bind", {"event": "ONCRMLEADADD", "event_type": "offline"})  # portal set-up, by the admin
    lead_ids = [
        int(s.write("crm_lead_add", fields={"TITLE": f"Missed {i}", "ASSIGNED_BY_ID": 2})) for i in range(2)
    ]
    # the agent's own view: offline records are visible through the core tools (clear=0 is a read)
    peek = s.read("event_offline_list") if "event_offline_list" in s.tools else None
    assert peek is None or len(peek) >= 2
    reg = register_default_handlers(HandlerRegistry())
    from b24_tools.events import HandlerContext

    worker = OfflineWorker(
        app, queue=EventQueue(), registry=reg, context=HandlerContext(client=app, approvals=s.approvals)
    )
    report = worker.run_once()
    assert report.fetched == 2 and len(report.cleared) == 2 and report.errored == []
    # the shipped handler planned one follow-up task per lead; nothing is written before review
    pending = s.approvals.list_pending(method="tasks.task.add")
    assert len(pending) == 2
    tasks_before = s.emu.count("task")
    for p in pending:
        assert s.approvals.approve(p.plan_id, reviewer="scenario-reviewer").status == "executed"
    new = [t for t in s.emu.records("task") if str(t.get("TITLE", "")).startswith("Follow up lead #")]
    assert s.emu.count("task") == tasks_before + 2
    assert sorted(t["UF_CRM_TASK"][0] for t in new) == sorted(f"L_{i}" for i in lead_ids)
    # replay: the queue is empty now, and a second poll changes nothing
    assert worker.run_once().fetched == 0
    assert len(s.approvals.list_pending(method="tasks.task.add")) == 0
    app.close()
