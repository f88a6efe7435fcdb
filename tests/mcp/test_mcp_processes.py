"""End to end across processes: a served emulator, `b24 mcp serve` over stdio and over Streamable HTTP, a real
`mcp.ClientSession`, and `b24 review approve` deciding the plan from yet another process. Also
`langchain-mcp-adapters` loading the tools into `create_agent`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from b24_tools import B24Client
from b24_tools.toolkits import B24Toolkit

pytestmark = pytest.mark.slow

WEBHOOK_CODE = "whk-code-never-shown-4d7e1f"
TOKEN = "mcp-token-never-shown-9b2c5a0e7d"
_STATE_VARS = ("B24_RUNTIME_DIR", "B24_SQLITE_PATH", "B24_AUDIT_FILE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port} after {timeout}s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
        proc.wait()


@dataclass
class Portal:
    """The served emulator and the environment every `b24` process of a test shares."""

    url: str
    env: dict[str, str]
    cwd: Path

    def client(self) -> Any:
        return B24Client.from_webhook(self.url)

    def b24(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "b24_tools.cli", *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def leads_titled(self, title: str) -> list[dict[str, Any]]:
        with self.client() as c:
            return c.call("crm.lead.list", {"filter": {"TITLE": title}, "select": ["ID", "TITLE"]}).result


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    state = tmp_path_factory.mktemp("mcp-e2e")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("B24_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "b24_tools.cli", "emulator", "serve", "--port", str(port)]
        + ["--db", str(state / "portal.sqlite"), "--seed-leads", "6", "--webhook-code", WEBHOOK_CODE],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=state,
    )
    try:
        _wait_port(port, proc)
        url = f"http://127.0.0.1:{port}/rest/1/{WEBHOOK_CODE}/"
        env.update(
            B24_WEBHOOK_URL=url,
            B24_RATE_LIMITER="off",
            B24_RUNTIME_DIR=str(state / ".runtime"),
            B24_SQLITE_PATH=str(state / ".runtime" / "b24.sqlite"),
            B24_AUDIT_FILE=str(state / ".runtime" / "audit.jsonl"),
            B24_REVIEWER="cli:ops",
        )
        yield Portal(url, env, state)
    finally:
        _stop(proc)


def _text(result: Any) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


def _toolkit_answer(portal: Portal, name: str, args: dict[str, Any]) -> Any:
    with portal.client() as c:
        tool = next(t for t in B24Toolkit(c).get_tools() if t.name == name)
        return tool.invoke({"type": "tool_call", "id": "x", "name": name, "args": args})


async def _round_trip(session: ClientSession, portal: Portal, title: str) -> list[Any]:
    """list → read → write (pending) → `b24 review approve` elsewhere → b24_plan_status; returns every answer."""
    listed = {t.name: t for t in (await session.list_tools()).tools}
    assert {"crm_lead_add", "crm_lead_list", "b24_find_methods", "b24_call_method", "b24_plan_status"} <= set(
        listed
    )
    assert listed["crm_lead_add"].inputSchema["required"] == ["fields"]
    assert listed["crm_lead_delete"].annotations.destructiveHint is True
    assert listed["crm_lead_get"].annotations.readOnlyHint is True

    args = {"select": ["ID", "TITLE"], "order": {"ID": "ASC"}}
    read = await session.call_tool("crm_lead_list", args)
    expected = _toolkit_answer(portal, "crm_lead_list", args)
    assert read.isError is False and _text(read) == expected.content
    assert read.structuredContent["result"] == expected.artifact["result"]

    write = await session.call_tool("crm_lead_add", {"fields": {"TITLE": title}})
    plan_id = write.structuredContent["plan_id"]
    assert write.structuredContent["status"] == "pending"
    assert portal.leads_titled(title) == []

    decided = portal.b24("review", "approve", plan_id, "--json")
    assert decided.returncode == 0, decided.stderr

    status = await session.call_tool("b24_plan_status", {"plan_id": plan_id})
    data = status.structuredContent
    assert data["status"] == "executed" and data["decided_by"] == "cli:ops"
    (lead,) = portal.leads_titled(title)  # exactly one written
    assert str(data["result"]) == str(lead["ID"])
    return [read, write, status]


def _no_secrets(*texts: str) -> None:
    for text in texts:
        assert WEBHOOK_CODE not in text
        assert TOKEN not in text


def _dump(results: list[Any]) -> str:
    return "\n".join(_text(r) + json.dumps(r.structuredContent, default=str) for r in results)


async def test_stdio_round_trip_with_approval_from_another_process(portal: Portal, tmp_path: Path) -> None:
    # as a desktop client starts it: another directory, the project named by --workdir (relative state paths)
    env = {k: v for k, v in portal.env.items() if k not in _STATE_VARS}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "b24_tools.cli", "mcp", "serve", "--workdir", str(portal.cwd), "--log-level", "info"],
        env=env,
        cwd=str(tmp_path),
    )
    log = tmp_path / "server.log"
    with log.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            answers = await _round_trip(session, portal, "MCP stdio lead")
    _no_secrets(_dump(answers), log.read_text())


@pytest.fixture(scope="module")
def http_server(portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("mcp-http") / "server.log"
    with log.open("w") as errlog:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "b24_tools.cli",
                "mcp",
                "serve",
                "--transport",
                "http",
                "--port",
                str(port),
            ]
            + ["--log-level", "info"],
            stdout=errlog,
            stderr=subprocess.STDOUT,
            env={**portal.env, "B24_MCP_TOKEN": TOKEN},
            cwd=portal.cwd,
        )
        try:
            _wait_port(port, proc)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            _stop(proc)
    _no_secrets(log.read_text())
    assert "/mcp" in log.read_text()  # the access log was on, and still shows no secret


async def test_http_round_trip_with_approval_from_another_process(portal: Portal, http_server: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(http_server, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        answers = await _round_trip(session, portal, "MCP http lead")
    _no_secrets(_dump(answers))


def test_http_refuses_a_missing_or_wrong_token_and_a_foreign_origin(http_server: str) -> None:
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(timeout=10) as c:
        missing = c.post(http_server, json=init, headers=accept)
        wrong = c.post(http_server, json=init, headers={**accept, "Authorization": "Bearer nope"})
        foreign = c.post(
            http_server,
            json=init,
            headers={**accept, "Authorization": f"Bearer {TOKEN}", "Origin": "https://evil.example"},
        )
        ok = c.post(http_server, json=init, headers={**accept, "Authorization": f"Bearer {TOKEN}"})
    assert (missing.status_code, wrong.status_code, foreign.status_code) == (401, 401, 403)
    assert ok.status_code == 200
    _no_secrets(missing.text, wrong.text, foreign.text, str(dict(missing.headers)))


async def test_langchain_mcp_adapters_load_the_tools_into_create_agent(
    portal: Portal, http_server: str
) -> None:
    from langchain.agents import create_agent
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
    from langchain_mcp_adapters.client import MultiServerMCPClient

    class ScriptedModel(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kw: Any) -> ScriptedModel:
            return self

    client = MultiServerMCPClient(
        {
            "b24": {
                "transport": "streamable_http",
                "url": http_server,
                "headers": {"Authorization": f"Bearer {TOKEN}"},
            }
        }
    )
    tools = await client.get_tools()
    names = {t.name for t in tools}
    assert {"crm_lead_get", "crm_lead_add", "b24_plan_status"} <= names
    script = iter(
        [
            AIMessage(content="", tool_calls=[{"name": "crm_lead_get", "args": {"id": 1}, "id": "c1"}]),
            AIMessage(
                content="",
                tool_calls=[
                    {"name": "crm_lead_add", "args": {"fields": {"TITLE": "Agent via MCP"}}, "id": "c2"}
                ],
            ),
            AIMessage(content="The new lead waits for approval."),
        ]
    )
    agent = create_agent(ScriptedModel(messages=script), tools)
    out = await agent.ainvoke({"messages": [HumanMessage("Look at lead 1, then add 'Agent via MCP'")]})
    results = {m.tool_call_id: m for m in out["messages"] if isinstance(m, ToolMessage)}
    with portal.client() as c:
        lead = c.call("crm.lead.get", {"id": 1}).result
    assert lead["TITLE"] in str(results["c1"].content)
    assert "Pending human review: plan pl_" in str(results["c2"].content)
    assert portal.leads_titled("Agent via MCP") == []
    pending = json.loads(portal.b24("review", "list", "--json").stdout)
    rows = pending if isinstance(pending, list) else pending.get("plans", pending.get("items", []))
    mine = [r for r in rows if "Agent via MCP" in r["summary"]]
    assert len(mine) == 1 and mine[0]["requested_by"].startswith("mcp:")
    assert out["messages"][-1].content == "The new lead waits for approval."


def test_http_on_loopback_without_a_token_makes_a_private_one_time_token(
    portal: Portal, tmp_path: Path
) -> None:
    port = _free_port()
    env = {k: v for k, v in portal.env.items() if k not in _STATE_VARS}
    log = tmp_path / "server.log"
    with log.open("w") as errlog:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "b24_tools.cli",
                "mcp",
                "serve",
                "--transport",
                "http",
                "--port",
                str(port),
            ],
            stdout=errlog,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
        try:
            _wait_port(port, proc)
            token_file = tmp_path / ".runtime" / "mcp_token"
            token = token_file.read_text().strip()
            assert oct(token_file.stat().st_mode & 0o777) == "0o600"
            url = f"http://127.0.0.1:{port}/mcp"
            with httpx.Client(timeout=10) as c:
                assert c.get(url).status_code == 401
                ok = c.post(
                    url,
                    json={
                        "jsonrpc": "2.0",
                        "id": 1,
                        "method": "initialize",
                        "params": {
                            "protocolVersion": "2025-06-18",
                            "capabilities": {},
                            "clientInfo": {"name": "t", "version": "1"},
                        },
                    },
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Accept": "application/json, text/event-stream",
                    },
                )
            assert ok.status_code == 200
        finally:
            _stop(proc)
    text = log.read_text()
    assert ".runtime/mcp_token" in text and token not in text
