"""The agent path: `open_agent` (create_agent + B24ApprovalMiddleware) with a scripted model on the emulator.

A write pauses as a plan in the shared store; a reviewer in another process decides it; the agent thread resumes
and gets the result, executed once by the engine. `batch` and `b24_call_method` are gated by their arguments.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from langgraph.types import Command
from starlette.testclient import TestClient

from b24_tools import Approvals, B24Settings, B24Toolkit, Policy, open_agent, resume_decided
from b24_tools.cli.demo import ScriptedChatModel
from b24_tools.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]


def _call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id}


@pytest.fixture
def emu() -> Emulator:
    emu = Emulator()
    emu.seed(leads=5)
    return emu


@pytest.fixture
def settings(tmp_path: Path) -> B24Settings:
    return B24Settings(
        _env_file=None, sqlite_path=tmp_path / "b24.sqlite", runtime_dir=tmp_path, rate_limiter="off"
    )


def _run(agent: Any, thread: str, text: str = "go") -> Any:
    cfg = {"configurable": {"thread_id": thread}}
    return agent.invoke(
        {"messages": [{"role": "user", "content": text}]}, cfg, version="v2", durability="sync"
    )


def _cli(settings: B24Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("B24_")}
    env.update(B24_SQLITE_PATH=str(settings.sqlite_path), B24_RUNTIME_DIR=str(settings.runtime_dir))
    return subprocess.run(
        [sys.executable, "-m", "b24_tools.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _inbox_lists(approvals: Any, plan_id: str) -> bool:
    from pydantic import SecretStr

    from b24_tools.inbox import create_app

    token = "agent-path-reviewer-token"
    settings = B24Settings(
        _env_file=None, reviewer_token=SecretStr(token), session_secret=SecretStr("agent-path-session")
    )
    web = TestClient(create_app(approvals, settings=settings, cookie_secure=False), follow_redirects=False)
    login = web.get("/login").text
    csrf = login.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    web.post("/login", data={"csrf": csrf, "name": "ann", "token": token, "password": "", "next": "/"})
    return plan_id in web.get("/").text


def test_a_write_pauses_a_reviewer_in_another_process_approves_and_the_thread_resumes_with_the_result(
    emu, settings
) -> None:
    model = ScriptedChatModel(
        tool_calls=[_call("crm_lead_add", {"fields": {"TITLE": "From the agent"}}, "w1")]
    )
    with open_agent(settings, model=model, client=emu.client()) as agent:
        out = _run(agent, "thread-a")
        [interrupt] = out.interrupts
        action = interrupt.value["action_requests"][0]
        plan_id = action["plan_id"]
        assert action["name"] == "crm_lead_add" and plan_id in action["description"]
        assert emu.count("lead", TITLE="From the agent") == 0

        listed = _cli(settings, "review", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        [row] = json.loads(listed.stdout)
        assert row["plan_id"] == plan_id and row["requested_by"] == "b24-agent:thread-a"
        assert row["thread_id"] == "thread-a"
        with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
            assert _inbox_lists(approvals, plan_id)

        decided = _cli(settings, "review", "approve", plan_id, "--reviewer", "bob", "--json")
        assert decided.returncode == 0, decided.stderr
        assert json.loads(decided.stdout)["status"] == "approved"  # recorded; the agent runs it on resume
        assert emu.count("lead", TITLE="From the agent") == 0

        done = resume_decided(agent, "thread-a", settings=settings)
        final = done.value["messages"][-1].content
        new_id = emu.records("lead", TITLE="From the agent")[0]["ID"]
        assert final.startswith("Done. crm.lead.add: ") and str(new_id) in final and plan_id in final
        assert resume_decided(agent, "thread-a", settings=settings) is None  # nothing left to resume
    assert emu.count("lead", TITLE="From the agent") == 1
    with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
        plan = approvals.get_plan(plan_id)
        assert plan.status == "executed" and plan.decided_by == "bob" and str(plan.result) == str(new_id)
        events = approvals.audit.events(plan_id=plan_id)
    assert [(e["event"], e["actor"]) for e in events] == [
        ("plan", "b24-agent:thread-a"),
        ("decision", "bob"),
        ("call", "bob"),
        ("result", "bob"),
    ]


def test_the_issue_batch_of_two_deletes_pauses_and_deletes_nothing_until_approved(emu, settings) -> None:
    """Regression: one `batch` call deleting two leads ran with no interrupt (batch was tagged `read`)."""
    batch = {"cmd": {"a": "crm.lead.delete?id=1", "b": "crm.lead.delete?id=2"}}
    model = ScriptedChatModel(tool_calls=[_call("batch", batch, "b1")])
    with open_agent(settings, model=model, client=emu.client()) as agent:
        out = _run(agent, "thread-batch")
        [interrupt] = out.interrupts
        plan_id = interrupt.value["action_requests"][0]["plan_id"]
        assert emu.count("lead") == 5
        with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
            plan = approvals.get_plan(plan_id)
            assert plan.risk == "destructive" and plan.kind == "batch"
            assert [c["method"] for c in plan.calls] == ["crm.lead.delete", "crm.lead.delete"]
            approvals.reject(plan_id, "keep both leads", reviewer="ann")
        done = resume_decided(agent, "thread-batch", settings=settings)
    [msg] = [m for m in done.value["messages"] if m.type == "tool"]
    assert msg.status == "error" and "keep both leads" in msg.content and "ann" in msg.content
    assert emu.count("lead") == 5


def test_a_read_only_batch_runs_at_once_with_an_audit_line(emu, settings) -> None:
    batch = {"cmd": {"me": "user.current", "leads": "crm.lead.list?select[]=ID"}}
    model = ScriptedChatModel(tool_calls=[_call("batch", batch, "b1")])
    with open_agent(settings, model=model, client=emu.client()) as agent:
        out = _run(agent, "thread-read")
    assert not out.interrupts
    [msg] = [m for m in out.value["messages"] if m.type == "tool"]
    assert msg.content.startswith("batch:") and "me:" in msg.content
    with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
        assert approvals.list_plans() == []
        [read] = [e for e in approvals.audit.events() if e["event"] == "read"]
    assert read["method"] == "batch" and read["actor"] == "b24-agent:thread-read"


def test_call_method_carrying_a_delete_pauses_and_reads_in_the_same_message_run(emu, settings) -> None:
    model = ScriptedChatModel(
        tool_calls=[
            _call("b24_call_method", {"method": "crm.lead.delete", "params": {"id": 3}}, "d1"),
            _call("crm_lead_get", {"id": 3}, "r1"),
        ]
    )
    with open_agent(settings, model=model, client=emu.client()) as agent:
        out = _run(agent, "thread-mixed")
        assert len(out.interrupts) == 1  # the delete waits ...
        reads = [m for m in out.value["messages"] if m.type == "tool"]
        assert [m.name for m in reads] == ["crm_lead_get"] and reads[0].status != "error"  # ... the read ran
        plan_id = out.interrupts[0].value["action_requests"][0]["plan_id"]
        assert emu.count("lead") == 5
        with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
            assert approvals.get_plan(plan_id).risk == "destructive"
            assert approvals.approve(plan_id, reviewer="ann").status == "approved"
        done = resume_decided(agent, "thread-mixed", settings=settings)
    assert emu.count("lead") == 4
    deleted = [m for m in done.value["messages"] if m.type == "tool" and m.name == "b24_call_method"]
    assert len(deleted) == 1 and deleted[0].content.startswith("crm.lead.delete: ok")


def test_a_studio_decision_after_a_reviewer_decided_elsewhere_does_not_override_it(emu, settings) -> None:
    model = ScriptedChatModel(tool_calls=[_call("crm_lead_add", {"fields": {"TITLE": "Contested"}}, "w1")])
    with open_agent(settings, model=model, client=emu.client()) as agent:
        out = _run(agent, "thread-race")
        interrupt = out.interrupts[0]
        plan_id = interrupt.value["action_requests"][0]["plan_id"]
        with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
            approvals.reject(plan_id, "duplicate of an existing lead", reviewer="ann")
        cfg = {"configurable": {"thread_id": "thread-race"}}
        done = agent.invoke(
            Command(resume={interrupt.id: {"decisions": [{"type": "approve"}]}}), cfg, version="v2"
        )
    [msg] = [m for m in done.value["messages"] if m.type == "tool"]
    assert msg.status == "error" and "duplicate of an existing lead" in msg.content
    assert emu.count("lead", TITLE="Contested") == 0


def test_the_default_toolkit_refuses_to_delete_and_the_documented_opt_in_executes(emu, settings) -> None:
    tools = {t.name: t for t in B24Toolkit(emu.client(), settings=settings).get_tools()}
    text = tools["crm_lead_delete"].invoke({"id": 2})
    generic = tools["b24_call_method"].invoke({"method": "crm.lead.delete", "params": {"id": 4}})
    assert "NOT run" in text and "a human must approve" in text and "NOT run" in generic
    assert emu.count("lead") == 5
    with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
        assert {p.method for p in approvals.list_pending()} == {"crm.lead.delete"}
        assert len(approvals.list_pending()) == 2
    opted = {
        t.name: t for t in B24Toolkit(emu.client(), settings=settings, confirm_destructive=True).get_tools()
    }
    assert opted["crm_lead_delete"].invoke({"id": 3}) == "crm.lead.delete: ok"
    assert emu.count("lead") == 4 and emu.count("lead", ID=3) == 0


def test_graph_modules_import_only_public_names() -> None:
    import ast

    for path in (REPO / "graphs").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("b24_tools"):
                assert not any(part.startswith("_") for part in node.module.split(".")), path
                assert not any(alias.name.startswith("_") for alias in node.names), path


# ------------------------------------------------------------------------------------------- across processes

CRASH_RUNS = int(os.environ.get("B24_CRASH_RUNS", "3"))
AGENT_WORKER = str(Path(__file__).with_name("_agent_worker.py"))


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["claimed", "called"])
def test_kill_9_between_decision_and_end_of_execution_on_the_agent_path_then_resume(
    backend, stage, tmp_path
) -> None:
    """The agent process dies after the ledger claim (or after the portal answered): resuming the thread from
    another process finishes the write exactly once — no duplicate, no lost approved write."""
    from b24_tools import B24Client
    from b24_tools.emulator import EmulatorConfig

    store = {k: v for k, v in backend.items() if k in ("sqlite_path", "database_url")}
    settings = B24Settings(_env_file=None, rate_limiter="off", **store)
    code = "crash-" + os.urandom(5).hex()
    with Emulator(tmp_path / "portal.sqlite", EmulatorConfig(webhook_code=code)) as emu, emu.serve():
        for run in range(CRASH_RUNS):
            title, thread = f"Agent crash {stage} {run}", f"crash-{stage}-{run}"
            model = ScriptedChatModel(tool_calls=[_call("crm_lead_add", {"fields": {"TITLE": title}}, "w")])
            with B24Client.from_webhook(emu.webhook_url, max_retries=1) as client:
                with open_agent(settings, model=model, client=client) as agent:
                    out = _run(agent, thread)
                plan_id = out.interrupts[0].value["action_requests"][0]["plan_id"]
                with Approvals.open(settings, client=client, policy=Policy()) as approvals:
                    assert approvals.approve(plan_id, reviewer="ann").status == "approved"
            marker = tmp_path / f"marker-{stage}-{run}"
            cfg = {"backend": store, "webhook": emu.webhook_url, "thread": thread, "stage": stage}
            proc = subprocess.Popen(
                [sys.executable, AGENT_WORKER, json.dumps({**cfg, "marker": str(marker)})],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            deadline = time.time() + 90
            while not marker.exists():
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
                assert time.time() < deadline, "the agent worker never reached the stage"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            assert emu.count("lead", TITLE=title) == (1 if stage == "called" else 0)

            with B24Client.from_webhook(emu.webhook_url, max_retries=1) as client:
                with open_agent(settings, model=ScriptedChatModel(), client=client) as agent:
                    done = resume_decided(agent, thread, settings=settings)
                    assert resume_decided(agent, thread, settings=settings) is None
            new_id = emu.records("lead", TITLE=title)[0]["ID"]
            assert emu.count("lead", TITLE=title) == 1, "no duplicate, no loss"
            assert done.value["messages"][-1].content.startswith(f"Done. crm.lead.add: {new_id}")
            with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
                assert approvals.get_plan(plan_id).status == "executed"
    print(f"\nagent crash runs ({backend['kind']}, stage={stage}): {CRASH_RUNS} kill -9, each finished once")


@pytest.mark.slow
def test_a_reviewer_process_resumes_a_local_agent_named_by_b24_agent_graph(tmp_path) -> None:
    """Path (b): `B24_AGENT_GRAPH=path.py:attr b24 review approve` compiles the agent with the shared checkpointer
    in the reviewer's process and resumes the thread there; the agent's own process only reads the outcome."""
    from b24_tools import B24Client
    from b24_tools.emulator import EmulatorConfig

    settings = B24Settings(_env_file=None, sqlite_path=tmp_path / "b24.sqlite", rate_limiter="off")
    code = "graph-" + os.urandom(5).hex()
    title = "Agent on the server"  # what tests/approval/_served_agent.py asks for
    with Emulator(tmp_path / "portal.sqlite", EmulatorConfig(webhook_code=code)) as emu, emu.serve():
        model = ScriptedChatModel(tool_calls=[_call("crm_lead_add", {"fields": {"TITLE": title}}, "w1")])
        with B24Client.from_webhook(emu.webhook_url, max_retries=1) as client:
            with open_agent(settings, model=model, client=client) as agent:
                out = _run(agent, "thread-local")
                plan_id = out.interrupts[0].value["action_requests"][0]["plan_id"]

                env = {k: v for k, v in os.environ.items() if not k.startswith("B24_")}
                env.update(
                    B24_SQLITE_PATH=str(settings.sqlite_path),
                    B24_WEBHOOK_URL=emu.webhook_url,
                    B24_RATE_LIMITER="off",
                    B24_AGENT_GRAPH="tests/approval/_served_agent.py:agent",
                )
                decided = subprocess.run(
                    [sys.executable, "-m", "b24_tools.cli", "review", "approve", plan_id, "--reviewer", "bob",
                     "--json"],
                    env=env, cwd=REPO, capture_output=True, text=True, timeout=180,
                )  # fmt: skip
                assert decided.returncode == 0, decided.stderr[-3000:]
                assert json.loads(decided.stdout)["status"] == "executed"
                [lead] = emu.records("lead", TITLE=title)
                state = agent.get_state({"configurable": {"thread_id": "thread-local"}})
                assert not state.interrupts and not state.next  # the reviewer's process finished the thread
                final = state.values["messages"][-1].content
                assert final.startswith(f"Done. crm.lead.add: {lead['ID']}") and "bob" in final
                assert resume_decided(agent, "thread-local", settings=settings) is None
        assert emu.count("lead", TITLE=title) == 1


async def test_the_async_reviewer_api_decides_an_agent_plan_too(emu, settings) -> None:
    model = ScriptedChatModel(tool_calls=[_call("crm_lead_add", {"fields": {"TITLE": "Async review"}}, "w1")])
    with open_agent(settings, model=model, client=emu.client()) as agent:
        out = _run(agent, "thread-async-review")
        plan_id = out.interrupts[0].value["action_requests"][0]["plan_id"]
        with Approvals.open(settings, client=emu.client(), policy=Policy()) as approvals:
            decided = await approvals.aapprove(plan_id, reviewer="ann")
            assert decided.status == "approved" and "resume" in (decided.error or "")
            done = resume_decided(agent, "thread-async-review", approvals=approvals)
    assert done.value["messages"][-1].content.startswith("Done. crm.lead.add: ")
    assert emu.count("lead", TITLE="Async review") == 1
