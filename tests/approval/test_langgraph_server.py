"""`langgraph dev` serves both graphs offline on loopback; an executor thread is interrupted and resumed via the SDK.

How (also in the README): in the repo, with the emulator or a portal configured through B24_* variables,

    LANGGRAPH_CLI_NO_ANALYTICS=1 langgraph dev --no-browser --no-reload --host 127.0.0.1 --port 2024

then with `langgraph_sdk.get_client(url="http://127.0.0.1:2024")`: `runs.wait(thread, "executor", input=...)`,
read `threads.get_state(thread)["tasks"][0]["interrupts"][0]["id"]`, and
`runs.wait(thread, "executor", command={"resume": {interrupt_id: {"decisions": [{"type": "approve"}]}}})`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from b24_tools import Approvals, Policy
from b24_tools.emulator import Emulator, EmulatorConfig

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = Path(sys.executable).with_name("langgraph")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_langgraph_dev_serves_the_graphs_and_sdk_resumes_an_interrupt(backend, tmp_path) -> None:
    if not LANGGRAPH.exists():
        pytest.fail("langgraph-cli[inmem] is not installed in the venv (it is a dev dependency)")
    secret = "lg-" + uuid.uuid4().hex
    config = {
        "dependencies": [str(REPO)],
        "python_version": "3.11",
        "graphs": {
            "agent": f"{REPO}/graphs/agent.py:agent",
            "executor": f"{REPO}/graphs/executor.py:graph",
            "scripted_agent": f"{REPO}/tests/approval/_served_agent.py:agent",
        },
    }
    (tmp_path / "langgraph.json").write_text(json.dumps(config))
    port = _free_port()
    with Emulator(tmp_path / "portal.sqlite", EmulatorConfig(webhook_code=secret)) as emu, emu.serve():
        env = {k: v for k, v in os.environ.items() if not k.startswith("B24_")}
        env.update(
            LANGGRAPH_CLI_NO_ANALYTICS="1",
            B24_WEBHOOK_URL=emu.webhook_url,
            B24_RATE_LIMITER="off",
            B24_SQLITE_PATH=str(tmp_path / "b24.sqlite"),
            B24_RUNTIME_DIR=str(tmp_path / ".runtime"),
        )
        if backend["kind"] == "postgres":
            env["B24_DATABASE_URL"] = backend["database_url"]
        log = (tmp_path / "server.log").open("wb")
        proc = subprocess.Popen(
            [
                str(LANGGRAPH),
                "dev",
                "--no-browser",
                "--no-reload",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while True:
                assert proc.poll() is None, (tmp_path / "server.log").read_text()[-4000:]
                try:
                    if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.time() < deadline, "langgraph dev did not start"
                time.sleep(0.5)
            asyncio.run(_drive(url))
            assert emu.count("lead", TITLE="Via SDK approved") == 1
            assert emu.count("lead", TITLE="Via SDK rejected") == 0
            _agent_thread_resumes_after_b24_review_approve(url, env, emu)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            log.close()
        # the server's plans are in the shared store: reviewers see them, with who decided
        kw = (
            {"database_url": backend["database_url"]}
            if backend["kind"] == "postgres"
            else {"sqlite_path": str(tmp_path / "b24.sqlite")}
        )
        with Approvals.open(client=emu.client(), policy=Policy(), **kw) as approvals:
            plans = {p.summary.split("TITLE=")[-1]: p for p in approvals.list_plans()}
            assert plans["Via SDK approved"].status == "executed"
            assert plans["Via SDK approved"].decided_by == "sdk-reviewer"
            assert plans["Via SDK rejected"].status == "rejected"
            assert plans["Via SDK approved"].runner == "server"
    assert secret not in (tmp_path / "server.log").read_text()


def _agent_thread_resumes_after_b24_review_approve(url: str, env: dict[str, str], emu: Emulator) -> None:
    """The served agent's write interrupts on the server; `b24 review approve` in another process resumes that
    server thread through langgraph_sdk, and the thread ends with the tool's result."""
    from langgraph_sdk import get_sync_client

    sdk = get_sync_client(url=url)
    thread = sdk.threads.create()["thread_id"]
    sdk.runs.wait(thread, "scripted_agent", input={"messages": [{"role": "user", "content": "add the lead"}]})
    state = sdk.threads.get_state(thread)
    [interrupt] = [i for task in state["tasks"] for i in task.get("interrupts") or []]
    action = interrupt["value"]["action_requests"][0]
    assert action["name"] == "crm_lead_add" and action["plan_id"] in action["description"]
    assert emu.count("lead", TITLE="Agent on the server") == 0

    cli = {k: v for k, v in env.items() if k != "B24_WEBHOOK_URL"}  # the reviewer needs no portal credentials
    out = subprocess.run(
        [sys.executable, "-m", "b24_tools.cli", "review", "approve", action["plan_id"], "--reviewer", "cli-ann",
         "--json"],
        env=cli, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)["status"] == "executed", out.stdout
    assert emu.count("lead", TITLE="Agent on the server") == 1
    [lead] = emu.records("lead", TITLE="Agent on the server")
    final = sdk.threads.get_state(thread)["values"]["messages"][-1]["content"]
    assert final.startswith(f"Done. crm.lead.add: {lead['ID']}") and "cli-ann" in final


async def _drive(url: str) -> None:
    from langgraph_sdk import get_client

    client = get_client(url=url)
    graphs = {a["graph_id"] for a in await client.assistants.search()}
    assert {"agent", "executor", "scripted_agent"} <= graphs
    for title, decision in (
        ("Via SDK approved", {"type": "approve", "reviewer": "sdk-reviewer"}),
        ("Via SDK rejected", {"type": "reject", "message": "not today"}),
    ):
        thread = await client.threads.create()
        await client.runs.wait(
            thread["thread_id"],
            "executor",
            input={"request": {"method": "crm.lead.add", "params": {"fields": {"TITLE": title}}}},
        )
        state = await client.threads.get_state(thread["thread_id"])
        [interrupt] = state["tasks"][0]["interrupts"]
        value = interrupt["value"]
        assert value["action_requests"][0]["name"] == "crm.lead.add"
        assert value["review_configs"][0]["allowed_decisions"][:3] == ["approve", "edit", "reject"]
        out = await client.runs.wait(
            thread["thread_id"], "executor", command={"resume": {interrupt["id"]: {"decisions": [decision]}}}
        )
        assert out["status"] == ("executed" if decision["type"] == "approve" else "rejected"), out
