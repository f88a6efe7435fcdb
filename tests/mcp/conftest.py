"""MCP tests: a FastMCP server over the emulator and a temp plan store, reached by a real `mcp.ClientSession`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import Implementation

from b24_tools import B24Settings
from b24_tools.approval import Approvals
from b24_tools.mcp import build_server
from b24_tools.policy._policy import Policy


@dataclass
class McpRig:
    """The portal (`emu`), the plan store (`approvals`) and the policy a server is built over."""

    emu: Any
    client: Any
    approvals: Any
    policy: Policy
    settings: B24Settings

    def server(self, **kw: Any) -> Any:
        return build_server(self.approvals, policy=self.policy, client=self.client, **kw)

    @asynccontextmanager
    async def session(
        self, server: Any = None, *, name: str = "test-client", **kw: Any
    ) -> AsyncIterator[Any]:
        async with create_connected_server_and_client_session(
            server or self.server(), client_info=Implementation(name=name, version="1.0"), **kw
        ) as session:
            yield session

    def leads_titled(self, title: str) -> list[dict[str, Any]]:
        return self.client.call(
            "crm.lead.list", {"filter": {"TITLE": title}, "select": ["ID", "TITLE"]}
        ).result


@pytest.fixture
def rig(emulator: Any, tmp_path: Path) -> Iterator[McpRig]:
    settings = B24Settings(
        _env_file=None, sqlite_path=tmp_path / "b24.sqlite", runtime_dir=tmp_path, rate_limiter="off"
    )
    policy = Policy(packs=("core",))
    client = emulator.client()
    with Approvals.open(settings, client=client, policy=policy) as approvals:
        yield McpRig(emulator, client, approvals, policy, settings)
    client.close()
