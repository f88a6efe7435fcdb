"""The tool-output-cost bench summarises per-call token counts (counts, not timings)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "bench" / "tool_output.py"
_SPEC = importlib.util.spec_from_file_location("tool_output_bench", _PATH)
assert _SPEC and _SPEC.loader
bench = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bench)


def test_median_and_p95_per_call_overall_and_per_tool():
    calls = [("crm_lead_list", t) for t in (100, 300)] + [("user_current", 10)] * 18
    data = bench.summarise("test tokenizer", calls)
    assert (data["calls"], data["median"], data["p95"], data["max"], data["total"]) == (20, 10, 100, 300, 580)
    [lead, user] = data["tools"]
    assert (lead["tool"], lead["calls"], lead["median"], lead["p95"]) == ("crm_lead_list", 2, 200, 300)
    assert (user["tool"], user["median"], user["p95"]) == ("user_current", 10, 10)
    md = bench.render(data)
    assert md.startswith("# Tool output cost") and "| 20 | 10 | 100 | 300 | 580 |" in md
    assert "| `crm_lead_list` | 2 | 200 | 300 | 300 |" in md


def test_the_bench_covers_the_twenty_six_scenarios():
    root = _PATH.parents[1]
    names = []
    for rel in bench.SCENARIOS:
        names += [line for line in (root / rel).read_text().splitlines() if line.startswith("def test_")]
    numbered = sorted({int(n[9:11]) for n in names if n[9:11].isdigit()})
    assert numbered == list(range(1, 27))
