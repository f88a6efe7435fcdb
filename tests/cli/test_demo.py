"""`make demo` (python -m b24_tools.cli.demo): three scenarios through the real approval graph, no keys needed."""

from __future__ import annotations

import json

from b24_tools.cli.demo import WEB_FORM_PAYLOAD, run_demo


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


def test_with_a_chat_model_scenario_one_runs_through_the_agent_graph(tmp_path, monkeypatch):
    """The B24_MODEL path, with a scripted model: the agent pauses at crm_lead_add, is approved, resumes once."""
    from typing import Any

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from b24_tools.cli.demo import lead_params_from_form

    class ScriptedModel(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kw: Any) -> Any:
            return self

    script = iter(
        [
            AIMessage(
                content="",
                tool_calls=[
                    {"name": "crm_lead_add", "args": lead_params_from_form(WEB_FORM_PAYLOAD), "id": "call-1"}
                ],
            ),
            AIMessage(content="The lead is created with its source metadata."),
        ]
    )
    monkeypatch.chdir(tmp_path)
    summary = run_demo(tmp_path / "demo", quiet=True, chat_model=ScriptedModel(messages=script))
    assert summary["lead"].get("agent") is True
    assert summary["lead"]["leads_with_origin"] == 1
    assert summary["batch"]["status"] == "executed"
