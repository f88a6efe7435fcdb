"""`make demo` (python -m b24_tools.cli.demo): four scenarios through the real approval engine, no keys needed."""

from __future__ import annotations

import json

from b24_tools.cli.demo import run_demo


def test_the_demo_runs_all_three_scenarios_on_a_fresh_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("B24_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)
    summary = run_demo(tmp_path / ".runtime" / "demo", quiet=True)
    lead = summary["lead"]
    assert lead["leads_with_origin"] == 1  # executed exactly once
    assert lead["second_approval"].startswith("refused")
    assert summary["deals_without_tasks"]["without_tasks"] == summary["deals_without_tasks"]["open_deals"] - 3
    batch = summary["batch"]
    assert batch["status"] == "executed" and batch["updated"] == 5
    assert batch["edited_value"] == "Q4 cleanup: verified — keep open, VIP"
    audit = [json.loads(x) for x in (tmp_path / summary["run_dir"] / "audit.jsonl").read_text().splitlines()]
    assert len(audit) == summary["audit_events"] >= 8
    assert {"plan", "decision", "result"} <= {a["event"] for a in audit}
    assert "emulator-secret-code" not in json.dumps(audit)


def test_b24_demo_is_the_same_run(b24):
    r = b24("demo")
    assert r.code == 0, r.stderr
    assert "Audit trail" in r.stdout and "b24 audit tail" in r.stdout


def test_the_agent_scenario_pauses_is_approved_from_the_cli_in_another_process_and_resumes(
    tmp_path, monkeypatch
):
    """Scenario 4: the scripted agent's read runs, its write pauses as a plan, `b24 review approve` in a
    subprocess records the decision, and `resume_decided` brings the thread back with the new lead's ID."""
    monkeypatch.delenv("B24_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)
    summary = run_demo(tmp_path / "demo", quiet=True)
    agent = summary["agent"]
    assert agent["paused"] is True and agent["cli_exit"] == 0 and agent["cli_status"] == "approved"
    assert agent["status"] == "executed" and agent["records_with_title"] == 1
    assert f"crm.lead.add: {agent['lead_id']}" in agent["final"] and agent["plan_id"] in agent["final"]
    audit = [json.loads(x) for x in (tmp_path / summary["run_dir"] / "audit.jsonl").read_text().splitlines()]
    mine = [(a["event"], a["outcome"]) for a in audit if a["plan_id"] == agent["plan_id"]]
    assert mine == [("plan", "pending"), ("decision", "approved"), ("call", "sent"), ("result", "ok")]
    assert any(a["event"] == "read" and a["actor"] == f"b24-agent:{agent['thread_id']}" for a in audit)
