"""The MCP tool list's prompt footprint (token counts, not timings), and its place in the footprint report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from b24_tools.mcp._footprint import MCP_FOOTPRINT_TARGET, measure_mcp
from b24_tools.toolkits._footprint import measure

DATA = measure_mcp()


def test_the_default_server_stays_within_its_budget() -> None:
    default = DATA["servers"][0]
    assert default["packs"] == ["core"]
    assert default["model_tokens"] <= MCP_FOOTPRINT_TARGET, default
    assert DATA["ok"] is True


def test_the_mcp_list_costs_about_what_the_same_toolkit_does() -> None:
    packs = {r["pack"]: r for r in measure()["packs"]}
    toolkit = packs["core"]["tokens"] + packs["discovery"]["tokens"]
    default = DATA["servers"][0]
    assert default["tools"] == packs["core"]["tools"] + packs["discovery"]["tools"] + 1  # + b24_plan_status
    assert 0.8 * toolkit <= default["model_tokens"] <= 1.2 * toolkit
    assert default["wire_tokens"] > default["model_tokens"]  # annotations travel on the wire too


def test_more_packs_cost_more() -> None:
    tokens = [r["model_tokens"] for r in DATA["servers"]]
    assert tokens == sorted(tokens) and len(set(tokens)) == len(tokens)


def test_the_bench_script_reports_the_mcp_rows(tmp_path: Path) -> None:
    path = Path(__file__).resolve().parents[2] / "bench" / "footprint.py"
    spec = importlib.util.spec_from_file_location("footprint_bench_mcp", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--results-dir", str(tmp_path)]) == 0
    md = (tmp_path / "footprint.md").read_text()
    assert f"| `b24 mcp serve` (core, the default) | {DATA['servers'][0]['tools']} |" in md
    assert (
        json.loads((tmp_path / "footprint.json").read_text())["mcp"]["servers"][0]["tools"]
        == DATA["servers"][0]["tools"]
    )
