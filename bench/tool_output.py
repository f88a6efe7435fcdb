"""Tool output cost: tokens of the tool results a model reads, over the twenty-six scenarios.

    python bench/tool_output.py [--results-dir bench/results]

Runs the scenario tests (tests/scenarios: the reference's 26 user scenarios, each through the toolkit's tools and
the approval graph against the emulator) and counts, for every tool call, the tokens of the text the model is
given back (`ToolMessage.content`; the full answer travels as the artifact and costs no prompt tokens). Writes
bench/results/tool_output.json and tool_output.md (included in BENCHMARKS.md by bench/report.py): median and
p95 per tool call, overall and per tool. Counts, not timings: the figures do not depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    "tests/scenarios/test_crm_scenarios.py",
    "tests/scenarios/test_collab_scenarios.py",
    "tests/scenarios/test_ops_scenarios.py",
    "tests/scenarios/test_further_scenarios.py",
]


def _p95(values: list[int]) -> int:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def collect() -> tuple[str, list[tuple[str, int]], int]:
    """Run the scenarios with `BaseTool.invoke` observed; returns (tokenizer, [(tool, tokens)], pytest exit code)."""
    import pytest
    from langchain_core.messages import ToolMessage
    from langchain_core.tools import BaseTool

    from b24_tools.toolkits._footprint import tokenizer

    name, count = tokenizer()
    calls: list[tuple[str, int]] = []
    original = BaseTool.invoke

    def observed(self: BaseTool, input: Any, config: Any = None, **kwargs: Any) -> Any:
        out = original(self, input, config, **kwargs)
        content = out.content if isinstance(out, ToolMessage) else out
        if isinstance(content, str):
            calls.append((self.name, count(content)))
        return out

    BaseTool.invoke = observed  # type: ignore[method-assign]
    try:
        code = pytest.main(
            ["-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT), *(str(ROOT / s) for s in SCENARIOS)]
        )
    finally:
        BaseTool.invoke = original  # type: ignore[method-assign]
    return name, calls, int(code)


def summarise(tokenizer_name: str, calls: list[tuple[str, int]]) -> dict[str, Any]:
    per: dict[str, list[int]] = defaultdict(list)
    for tool, tokens in calls:
        per[tool].append(tokens)
    all_tokens = [t for _, t in calls]
    rows = [
        {"tool": tool, "calls": len(v), "median": statistics.median(v), "p95": _p95(v), "max": max(v)}
        for tool, v in per.items()
    ]
    rows.sort(key=lambda r: (-r["p95"], r["tool"]))
    return {
        "tokenizer": tokenizer_name,
        "scenarios": SCENARIOS,
        "calls": len(all_tokens),
        "median": statistics.median(all_tokens) if all_tokens else 0,
        "p95": _p95(all_tokens) if all_tokens else 0,
        "max": max(all_tokens, default=0),
        "total": sum(all_tokens),
        "tools": rows,
    }


def render(data: dict[str, Any], top: int = 15) -> str:
    lines = [
        "# Tool output cost",
        "",
        f"Tokenizer: **{data['tokenizer']}**. Measured: the text each tool call gives back to the model "
        f"(`ToolMessage.content`) over the twenty-six scenarios ({data['calls']} tool calls; reads, pending-review "
        "notices, refusals). Lists are cut to 20 records and 6,000 characters; full answers travel as the artifact.",
        "",
        "| tool calls | median tokens per call | p95 | max | all calls together |",
        "|---:|---:|---:|---:|---:|",
        f"| {data['calls']} | {data['median']:g} | {data['p95']:,} | {data['max']:,} | {data['total']:,} |",
        "",
        f"The {min(top, len(data['tools']))} tools with the costliest answers (p95):",
        "",
        "| tool | calls | median | p95 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in data["tools"][:top]:
        lines.append(f"| `{r['tool']}` | {r['calls']} | {r['median']:g} | {r['p95']:,} | {r['max']:,} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--results-dir", type=Path, default=Path(__file__).resolve().parent / "results")
    args = ap.parse_args(argv)
    name, calls, code = collect()
    if code != 0 or not calls:
        print(f"scenario run failed (pytest exit {code}); nothing written", file=sys.stderr)
        return 1
    data = summarise(name, calls)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "tool_output.json").write_text(json.dumps(data, indent=2) + "\n")
    md = render(data)
    (args.results_dir / "tool_output.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
