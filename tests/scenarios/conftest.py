"""The twenty scenarios drive the toolkit's tools (as an agent would) through the approval graph.

`scenario(packs)` gives an emulator-backed world: `.tool(name, **args)` invokes a tool and returns its artifact;
`.write(name, **args)` expects a pending plan, checks what the reviewer sees, approves it through the reviewer
API and returns the executed result. Assertions then read the emulator's stored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from b24_tools import Approvals, B24Settings, B24Toolkit, Emulator, Policy


class Scenario:
    def __init__(self, emu: Emulator, approvals: Approvals, client: Any, packs: tuple[str, ...]) -> None:
        self.emu = emu
        self.approvals = approvals
        self.client = client
        self.packs = packs
        self.tools = {t.name: t for t in B24Toolkit(client, packs=packs, approvals=approvals).get_tools()}
        self.plans: list[str] = []
        self._n = 0

    def tool(self, name: str, /, **args: Any) -> dict[str, Any]:
        """Invoke a tool like an agent's tool call; returns the artifact (full payload)."""
        assert name in self.tools, f"{name} not among the {self.packs} tools"
        self._n += 1
        msg = self.tools[name].invoke(
            {"type": "tool_call", "id": f"call-{self._n}", "name": name, "args": args}
        )
        assert getattr(msg, "status", "success") != "error", msg.content
        return msg.artifact

    def read(self, name: str, /, **args: Any) -> Any:
        art = self.tool(name, **args)
        assert self.tools[name].metadata["risk"] == "read"
        return art["result"]

    def write(self, name: str, /, *, _reviewer: str = "scenario-reviewer", **args: Any) -> Any:
        """A write pauses as a plan; the reviewer sees the method and params, approves; it runs once."""
        art = self.tool(name, **args)
        assert art["status"] == "pending", art
        plan_id = art["plan_id"]
        view = self.approvals.show(plan_id)
        plan = self.approvals.get_plan(plan_id)
        assert plan.method == self.tools[name].metadata["method"]
        assert plan.status == "pending" and view is not None
        res = self.approvals.approve(plan_id, reviewer=_reviewer)
        assert res.status == "executed", (res.status, res.error)
        self.plans.append(plan_id)
        return res.result

    def audit_methods(self) -> list[str]:
        return [e["method"] for e in self.approvals.audit.events() if e.get("event") == "result"]


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Callable[..., Scenario]]:
    opened: list[Any] = []

    def make(*packs: str, seed: dict[str, int] | None = None) -> Scenario:
        emu = Emulator()
        emu.seed(
            **(seed or {"leads": 12, "deals": 12, "contacts": 6, "companies": 3, "tasks": 6, "users": 4})
        )
        client = emu.client()
        settings = B24Settings(
            _env_file=None,
            sqlite_path=tmp_path / f"b24-{len(opened)}.sqlite",
            runtime_dir=tmp_path,
            rate_limiter="off",
        )
        cm = Approvals.open(settings, client=client, policy=Policy(packs=packs))
        approvals = cm.__enter__()
        opened.append((cm, client, emu))
        return Scenario(emu, approvals, client, packs)

    yield make
    for cm, client, emu in reversed(opened):
        cm.__exit__(None, None, None)
        client.close()
        emu.close()
