"""The "fastest by default" part of BENCHMARKS.md: targets at defaults, the per-record-cost profile, client CPU.

Rendered from bench/results/{export,export_records,write,approval_overhead,meta}.json by bench/report.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

DEFAULTS = "b24tools_fast"  # the export client that calls iter_list(method, params) with no options
EXPORT_TARGET = 1.3
WRITE_TARGET = 1.5
BULK_WITHIN = 1.3
OVERHEAD_TARGET_MS = {"sqlite": 10.0, "postgres": 15.0}
BENCH_BUDGET_S = 15 * 60


def _load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def _ok(medians: list[dict], key: str, n: int) -> dict | None:
    return next(
        (m for m in medians if m["client"] == key and m["n"] == n and m["status"] == "ok" and m["wall_s"]),
        None,
    )


def _fastest_peer(doc: dict, n: int) -> dict | None:
    peers = {c["key"] for c in doc["clients"] if c.get("peer")}
    runs = [
        m
        for m in doc["medians"]
        if m["client"] in peers and m["n"] == n and m["status"] == "ok" and m["wall_s"]
    ]
    return min(runs, key=lambda m: m["wall_s"]) if runs else None


def _export_rows(doc: dict | None, profile: str, ns: tuple[int, ...]) -> list[tuple[str, bool, str]]:
    rows: list[tuple[str, bool, str]] = []
    if not doc:
        return [(f"{profile}: export at defaults", False, "not run")]
    for n in ns:
        ours = _ok(doc["medians"], DEFAULTS, n)
        peer = _fastest_peer(doc, n)
        if ours is None:
            rows.append((f"{profile}, N={n:,}: export at defaults", False, "not run or FAILED"))
            continue
        unrun = [
            s
            for s in doc.get("skipped", [])
            if s["n"] == n and (peer is None or s["lower_bound_s"] < peer["wall_s"])
        ]
        if peer is None or unrun:
            rows.append(
                (f"{profile}, N={n:,}: defaults ≥ {EXPORT_TARGET}x the fastest peer", False, "no peer figure")
            )
        else:
            ratio = peer["wall_s"] / ours["wall_s"]
            rows.append(
                (
                    f"{profile}, N={n:,}: defaults ≥ {EXPORT_TARGET}x the fastest peer",
                    ratio >= EXPORT_TARGET,
                    f"{ours['wall_s']:.2f} s vs {peer['label']} {peer['wall_s']:.2f} s = {ratio:.2f}x",
                )
            )
        limit = math.ceil(n / 2500) + 1
        reqs = ours["http_requests"] or 0
        rows.append(
            (
                f"{profile}, N={n:,}: 0 throttles, requests ≤ ceil(N/2,500)+1",
                ours["throttled"] == 0 and reqs <= limit,
                f"{ours['throttled']} throttled, {reqs:.0f} requests (limit {limit})",
            )
        )
    return rows


def _write_rows(doc: dict | None) -> list[tuple[str, bool, str]]:
    if not doc:
        return [("1,000 adds", False, "not run")]
    med = doc["medians"]
    n = max(m["n"] for m in med)
    many, bulk, fb = (
        _ok(med, k, n) for k in ("b24tools_call_many", "b24tools_approved_bulk", "fast_bitrix24")
    )
    rows = []
    if many and fb:
        ratio = fb["wall_s"] / many["wall_s"]
        rows.append(
            (
                f"{n:,} adds: call_many at defaults ≥ {WRITE_TARGET}x fast_bitrix24 call(list)",
                ratio >= WRITE_TARGET,
                f"{many['wall_s']:.2f} s vs {fb['wall_s']:.2f} s = {ratio:.2f}x",
            )
        )
    if many and bulk:
        ratio = bulk["wall_s"] / many["wall_s"]
        rows.append(
            (
                f"{n:,} adds: an approved bulk plan within {BULK_WITHIN}x of call_many",
                ratio <= BULK_WITHIN,
                f"{bulk['wall_s']:.2f} s vs {many['wall_s']:.2f} s = {ratio:.2f}x",
            )
        )
    for m in (many, bulk):
        if m:
            rows.append(
                (
                    f"{n:,} adds, {m['label']}: exact count, 0 throttles",
                    m["status"] == "ok" and m["throttled"] == 0,
                    f"{m['reps_ok']}/{m['reps']} runs exact, {m['throttled']} throttled",
                )
            )
    return rows or [(f"{n:,} adds", False, "a client FAILED: see section 2")]


def _overhead_rows(doc: dict | None) -> list[tuple[str, bool, str]]:
    if not doc:
        return [("approval overhead", False, "not run")]
    rows = []
    for r in doc.get("results", []):
        target = OVERHEAD_TARGET_MS.get(r["backend"])
        if target is None:
            continue
        p50 = r["added_ms"]["p50"]
        rows.append(
            (f"approval overhead p50, {r['backend']} ≤ {target:.0f} ms", p50 <= target, f"{p50:.1f} ms")
        )
    return rows


def _cpu_rows(export: dict | None, records: dict | None) -> list[str]:
    lines = ["| profile | N | client | client CPU | CPU per 10,000 records |", "|---|---:|---|---:|---:|"]
    for profile, doc in (("standard", export), ("per-record cost", records)):
        if not doc:
            continue
        for m in sorted(doc["medians"], key=lambda m: (m["n"], m["client"])):
            if m["status"] != "ok" or m.get("client_cpu_s") is None or m["client"] == "floor_probe":
                continue
            per = m["client_cpu_s"] / m["n"] * 10_000
            lines.append(
                f"| {profile} | {m['n']:,} | {m['label']} | {m['client_cpu_s']:.2f} s | {per:.2f} s |"
            )
    return lines


def _records_table(doc: dict) -> list[str]:
    lines = [
        "| N | client | wall | requests | 503s | vs defaults |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n in sorted({m["n"] for m in doc["medians"]}):
        ours = _ok(doc["medians"], DEFAULTS, n)
        for m in sorted((m for m in doc["medians"] if m["n"] == n), key=lambda m: m["wall_s"] or 1e9):
            if m["status"] != "ok":
                lines.append(f"| {n:,} | {m['label']} | FAILED | | | |")
                continue
            vs = f"{m['wall_s'] / ours['wall_s']:.2f}x" if ours else "–"
            lines.append(
                f"| {n:,} | {m['label']} | {m['wall_s']:.2f} s | {m['http_requests']:.0f} | {m['throttled']} | {vs} |"
            )
        for s in doc.get("skipped", []):
            if s["n"] == n:
                lines.append(f"| {n:,} | {s['label']} | not run: {s['note']} | | | |")
    return lines


def speed_section(results_dir: Path) -> list[str]:
    """Markdown lines of the "fastest by default" section (empty when no export was run)."""
    export = _load(results_dir / "export.json")
    records = _load(results_dir / "export_records.json")
    write = _load(results_dir / "write.json")
    overhead = _load(results_dir / "approval_overhead.json")
    meta = _load(results_dir / "meta.json") or {}
    if not (export or records or write):
        return []
    rows = _export_rows(export, "standard profile", (10_000, 50_000))
    rows += _export_rows(records, "per-record cost", (10_000, 50_000))
    rows += _write_rows(write) + _overhead_rows(overhead)
    wall = meta.get("bench_wall_s")
    if wall:
        rows.append(("`make bench` ≤ 15 minutes", wall <= BENCH_BUDGET_S, f"{wall / 60:.1f} min"))
    lines = [
        "## Fastest by default",
        "",
        'Every figure here is a call with no tuning: `iter_list("crm.lead.list", {"select": ["ID", "TITLE"]})`, '
        '`call_many("crm.lead.add", records)`, an approved bulk plan; each peer at its best mode. Ratios are '
        "medians of interleaved runs in this one run.",
        "",
        "| target | met | figures |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {'yes' if ok else '**no**'} | {d} |" for t, ok, d in rows]
    if records:
        per = (records.get("config") or {}).get("per_record_latency_ms")
        lines += [
            "",
            f"### Export with a per-record server cost ({per} ms a record)",
            "",
            "The emulator charges server time for every record it returns (bench/_harness.py `RECORD_COST_MS`: "
            'limits.md shows `"processing": 0.0323` s for one answer, huge-data.md ~0.07–0.1 s for an uncounted '
            "page of 50; the lower figure, taken for a page of 50). A list page then costs more than an empty call, "
            "as on a real portal, and reading several ID ranges at once pays off.",
            "",
            *_records_table(records),
        ]
    lines += ["", "### Client CPU", "", *_cpu_rows(export, records), ""]
    return lines
