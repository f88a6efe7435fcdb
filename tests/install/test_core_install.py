"""`pip install b24-tools` without extras: the client, toolkits and approval engine import and run for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from b24_tools.emulator import Emulator

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def core_run() -> dict:
    emu = Emulator()
    try:
        with emu.serve() as base:
            proc = subprocess.run(
                [sys.executable, str(HERE / "_core_only.py"), emu.webhook_url],
                capture_output=True,
                text=True,
                timeout=240,
                cwd=HERE.parents[1],
            )
            assert base
    finally:
        emu.close()
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_core_closure_leaves_out_every_server_and_agent_package(core_run: dict) -> None:
    core = set(core_run["core"])
    assert {"httpx", "pydantic", "langchain-core", "langgraph", "langgraph-checkpoint-sqlite"} <= core
    assert not core & {"starlette", "uvicorn", "jinja2", "itsdangerous", "python-multipart", "langchain"}
    assert not core & {"psycopg", "redis", "langgraph-checkpoint-postgres", "mcp", "trustme"}


def test_core_client_reads_and_writes_on_a_served_portal(core_run: dict) -> None:
    assert core_run["server_time"] is True
    assert core_run["lead_title"] == "core install"


def test_core_toolkit_tools_run(core_run: dict) -> None:
    assert core_run["tool_count"] > 10
    assert "core install" in core_run["tool_listing"]


def test_core_approval_on_sqlite_executes_an_approved_write_once(core_run: dict) -> None:
    assert core_run["submitted"] == "pending"
    assert core_run["approved"] == "executed"
    assert core_run["after_approval"] == "approved"


def test_server_parts_name_the_extra_to_install(core_run: dict) -> None:
    missing = core_run["missing"]
    assert set(missing) == {"emulator", "Emulator", "inbox", "events"}
    for text in missing.values():
        assert text.startswith("server: ")
        assert "pip install 'b24-tools[server]'" in text


def test_the_cli_loads_and_names_the_extra_for_the_emulator(core_run: dict) -> None:
    assert core_run["cli_help"] == 0
    code, last = core_run["cli_emulator_serve"]
    assert code != 0
    assert "b24-tools[server]" in last[0]


def test_the_blocker_really_refused_server_packages(core_run: dict) -> None:
    """Proves the run was core-only: the optional parts tried to load their packages and were refused."""
    assert "starlette" in core_run["refused"]
