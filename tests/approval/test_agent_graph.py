"""graphs/agent.py: create_agent + pack toolkits + HITL middleware from catalog risk, on the shared persistence."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.types import Command

from b24_tools import B24ConfigError, B24Settings
from b24_tools.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_b24_graph_{name}", REPO / "graphs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ScriptedModel(GenericFakeChatModel):
    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        return self


def test_graph_modules_import_without_a_model_or_portal(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "B24_SQLITE_PATH": str(tmp_path / "b24.sqlite"), "HOME": str(tmp_path)}
    code = (
        "import runpy; a = runpy.run_path('graphs/agent.py'); e = runpy.run_path('graphs/executor.py');"
        "print(type(a['agent']).__name__, e['graph'].name)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "CompiledStateGraph executor" in out.stdout


def test_agent_without_b24_model_raises_a_clear_error_when_invoked() -> None:
    agent_mod = _load("agent")
    model = agent_mod.load_model(B24Settings(model=None))
    with pytest.raises(B24ConfigError, match="B24_MODEL"):
        model.invoke("hi")
    broken = agent_mod.load_model(B24Settings(model="nosuchprovider:x"))
    with pytest.raises(B24ConfigError, match="init_chat_model"):
        broken.invoke("hi")


def test_agent_write_tool_call_pauses_for_review_and_runs_once_after_approval(tmp_path) -> None:
    agent_mod = _load("agent")
    emu = Emulator()
    model = ScriptedModel(
        messages=iter(
            [
                AIMessage(
                    content="",
                    tool_calls=[
                        {
                            "name": "crm_lead_add",
                            "args": {"fields": {"TITLE": "Agent lead"}},
                            "id": "c1",
                            "type": "tool_call",
                        }
                    ],
                ),
                AIMessage(content="Created the lead."),
            ]
        )
    )
    settings = B24Settings(sqlite_path=tmp_path / "b24.sqlite")
    with agent_mod.open_agent(settings, model=model, client=emu.client()) as agent:
        cfg = {"configurable": {"thread_id": "agent-1"}}
        out = agent.invoke(
            {"messages": [{"role": "user", "content": "add a lead"}]}, cfg, version="v2", durability="sync"
        )
        [interrupt] = out.interrupts
        assert interrupt.value["action_requests"][0]["name"] == "crm_lead_add"
        assert interrupt.value["review_configs"][0]["allowed_decisions"] == ["approve", "edit", "reject"]
        assert emu.count("lead", TITLE="Agent lead") == 0
    with agent_mod.open_agent(settings, model=model, client=emu.client()) as agent:  # a new process, same DB
        snap = agent.get_state(cfg)
        assert snap.interrupts and snap.interrupts[0].id == interrupt.id
        done = agent.invoke(
            Command(resume={interrupt.id: {"decisions": [{"type": "approve"}]}}), cfg, durability="sync"
        )
    assert done["messages"][-1].content == "Created the lead."
    assert emu.count("lead", TITLE="Agent lead") == 1
