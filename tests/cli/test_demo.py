"""`make demo` (python -m b24_tools.demo): three scenarios through the real approval graph, no keys needed."""

from __future__ import annotations

import json

from b24_tools.demo import run_demo


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
