"""Render BENCHMARKS.md (and PNG charts) from bench/results/*.json.

    python bench/report.py [--results-dir bench/results] [--out BENCHMARKS.md]

The hand-written parts live beside this file: report_intro.md (top of the report) and report_notes.md
(findings, after the figures). Results of the other benchmark scripts (footprint.*, approval_overhead.*) are
included when present.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from report_speed import speed_section

__all__ = ["render", "verdicts"]

BENCH_DIR = Path(__file__).resolve().parent
LATENCY_S = 0.030  # the emulator's per-request latency in every run (bench/_harness.py LATENCY_MS)


def _load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def _f(v: Any, fmt: str = "{:.2f}", none: str = "–") -> str:
    return none if v is None else fmt.format(v)


def _int(v: Any) -> str:
    return "–" if v is None else f"{round(v):,}"


def _upper_ratio(v: float | None) -> str:
    if v is None:
        return "–"
    return "< 0.01x" if v < 0.01 else f"≤ {v:.2f}x"


def _fastest_peer(medians: list[dict], n: int, clients: dict[str, dict]) -> dict | None:
    peers = [
        m
        for m in medians
        if m["n"] == n and clients.get(m["client"], {}).get("peer") and m["status"] == "ok" and m["wall_s"]
    ]
    return min(peers, key=lambda m: m["wall_s"]) if peers else None


def _probe(medians: list[dict], n: int, clients: dict[str, dict]) -> dict | None:
    for m in medians:
        if m["n"] == n and clients.get(m["client"], {}).get("probe") and m["status"] == "ok":
            return m
    return None


def verdicts(export: dict | None, write: dict | None, limiter: dict | None) -> list[dict[str, Any]]:
    """The issue's targets, each with met / not met and the figures behind the answer."""
    out: list[dict[str, Any]] = []
    if export:
        clients = {c["key"]: c for c in export["clients"]}
        med = export["medians"]
        limits = {x["n"]: x for x in export["limit_lines"]}
        for n in sorted(limits):
            ours = next((m for m in med if m["n"] == n and m["client"] == "b24tools_fast"), None)
            best_ours = min(
                (
                    m
                    for m in med
                    if m["n"] == n
                    and clients.get(m["client"], {}).get("ours")
                    and m["status"] == "ok"
                    and m["wall_s"]
                ),
                key=lambda m: m["wall_s"],
                default=None,
            )
            peer = _fastest_peer(med, n, clients)
            probe = _probe(med, n, clients)
            lim = limits[n]
            if ours and ours["status"] == "ok":
                req_ratio = ours["http_requests"] / lim["min_requests"]
                floor = ""
                if probe and (probe["http_requests"] or 0) > lim["min_requests"]:
                    floor = (
                        f"; the probe needs {_int(probe['http_requests'])}: at an exact multiple of 2,500 the end "
                        "of the data is only seen with one more request"
                    )
                out.append(
                    {
                        "target": f"N={n:,}: b24-tools fast mode within 10% of the minimum requests",
                        "met": req_ratio <= 1.10,
                        "detail": f"{_int(ours['http_requests'])} requests vs minimum {lim['min_requests']} "
                        f"({req_ratio:.2f}x){floor}",
                    }
                )
                if probe and probe["wall_s"]:
                    t_ratio = ours["wall_s"] / probe["wall_s"]
                    extra = (ours["http_requests"] or 0) - (probe["http_requests"] or 0)
                    why = f"; {extra:.0f} more requests than the probe" if extra > 0 else ""
                    out.append(
                        {
                            "target": f"N={n:,}: b24-tools fast mode within 10% of the limit-line time",
                            "met": t_ratio <= 1.10,
                            "detail": f"{ours['wall_s']:.2f} s vs probe floor {probe['wall_s']:.2f} s "
                            f"({t_ratio:.2f}x){why}",
                        }
                    )
            else:
                out.append(
                    {
                        "target": f"N={n:,}: b24-tools fast mode export correct",
                        "met": False,
                        "detail": (ours or {}).get("reason") or "not run",
                    }
                )
            projected = [
                sk
                for sk in export.get("skipped", [])
                if sk["n"] == n and clients.get(sk["client"], {}).get("peer")
            ]
            if best_ours and peer and any(sk["lower_bound_s"] < peer["wall_s"] for sk in projected):
                peer = None  # a peer that was not run might have been the fastest: no verdict
            if best_ours and peer:
                speedup = peer["wall_s"] / best_ours["wall_s"]
                out.append(
                    {
                        "target": f"N={n:,}: ahead of every peer",
                        "met": speedup > 1.0,
                        "detail": f"best b24-tools ({best_ours['label']}) {best_ours['wall_s']:.2f} s vs fastest "
                        f"peer ({peer['label']}) {peer['wall_s']:.2f} s = {speedup:.2f}x",
                    }
                )
                if n == max(limits):
                    ceiling = ""
                    emu_cpu = probe.get("emulator_cpu_s") if probe else None
                    if emu_cpu and peer.get("client_cpu_s") is not None:
                        # load-independent: a sequential peer costs emulator CPU + its own CPU + one latency per
                        # request; a perfectly overlapped client costs the emulator CPU alone
                        quiet = emu_cpu + peer["client_cpu_s"] + (peer["http_requests"] or 0) * LATENCY_S
                        ceiling = (
                            f"; ceiling: the emulator alone needs {emu_cpu:.2f} s of CPU for the minimal request "
                            f"set, the fastest peer costs {emu_cpu:.2f} + {peer['client_cpu_s']:.2f} (its CPU) + "
                            f"{(peer['http_requests'] or 0) * LATENCY_S:.2f} (latency) = {quiet:.2f} s on an idle "
                            f"machine, so no client can be more than {quiet / emu_cpu:.2f}x faster here"
                        )
                    out.append(
                        {
                            "target": f"N={n:,}: >= 1.5x faster than the fastest peer",
                            "met": speedup >= 1.5,
                            "detail": f"{speedup:.2f}x{ceiling}",
                        }
                    )
        thr = [m for m in med if clients.get(m["client"], {}).get("ours") and m["throttled"]]
        out.append(
            {
                "target": "export: zero QUERY_LIMIT_EXCEEDED for b24-tools",
                "met": not thr,
                "detail": ", ".join(f"{m['label']} N={m['n']}: {m['throttled']}" for m in thr)
                or "0 in every run",
            }
        )
    if write:
        clients = {c["key"]: c for c in write["clients"]}
        ours = [m for m in write["medians"] if clients.get(m["client"], {}).get("ours")]
        bad = [m for m in ours if m["status"] != "ok" or m["throttled"]]
        out.append(
            {
                "target": "write: exactly 1,000 leads, zero throttle answers for b24-tools",
                "met": bool(ours) and not bad,
                "detail": "; ".join(
                    f"{m['label']}: {m['reason'] or str(m['throttled']) + ' throttled'}" for m in bad
                )
                or "all runs created exactly the requested leads, 0 throttled",
            }
        )
    if limiter:
        for r in limiter["runs"]:
            if r.get("status") != "ok":
                out.append(
                    {
                        "target": f"shared limiter ({r['kind']}): >= 90% utilisation, zero throttles",
                        "met": False,
                        "detail": r.get("reason"),
                    }
                )
                continue
            met = r["utilisation_steady"] >= 0.90 and r["throttled"] == 0
            out.append(
                {
                    "target": f"shared limiter ({r['kind']}, {r['procs']} processes): >= 90% utilisation, zero throttles",
                    "met": met,
                    "detail": f"{r['utilisation_steady']:.0%} of the drain rate, {r['throttled']} throttled",
                }
            )
    return out


def _charts(results_dir: Path, export: dict | None, limiter: dict | None) -> list[str]:
    """PNG charts next to the results; returns their file names."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names: list[str] = []
    if export:
        clients = [c for c in export["clients"]]
        ns = sorted({m["n"] for m in export["medians"]})
        fig, axes = plt.subplots(1, len(ns), figsize=(4.2 * len(ns), 4.2), squeeze=False)
        for ax, n in zip(axes[0], ns, strict=False):
            rows = []
            for c in clients:
                m = next((x for x in export["medians"] if x["n"] == n and x["client"] == c["key"]), None)
                if m and m["wall_s"]:
                    rows.append((c["label"], m["wall_s"], c))
            labels = [r[0] for r in rows]
            vals = [r[1] for r in rows]
            colors = ["#1f77b4" if r[2]["ours"] else "#7f7f7f" if r[2]["probe"] else "#ff7f0e" for r in rows]
            ax.barh(labels, vals, color=colors)
            log = bool(vals) and max(vals) / max(min(vals), 1e-9) > 10
            if log:
                ax.set_xscale("log")
            else:
                ax.set_xlim(0, max(vals) * 1.25 if vals else 1)
            for y, v in enumerate(vals):
                ax.text(v, y, f" {v:.2f}", va="center", fontsize=7)
            ax.invert_yaxis()
            ax.set_title(f"export N={n:,}: wall time (s{', log' if log else ''})", fontsize=10)
            ax.tick_params(axis="y", labelsize=8)
        fig.text(0.01, 0.01, "blue: b24-tools   orange: peers   grey: limit-line probe", fontsize=8)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        fig.savefig(results_dir / "export_wall.png", dpi=90)
        plt.close(fig)
        names.append("export_wall.png")
    if limiter and any(r.get("status") == "ok" for r in limiter["runs"]):
        runs = [r for r in limiter["runs"] if r.get("status") == "ok"]
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.bar([r["kind"] for r in runs], [r["utilisation_steady"] * 100 for r in runs], color="#1f77b4")
        ax.axhline(90, color="red", linestyle="--", label="target 90%")
        ax.set_ylim(0, 110)
        ax.set_ylabel("% of the bucket's drain rate")
        ax.set_title(f"{runs[0]['procs']} processes, one portal")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(results_dir / "limiter_utilisation.png", dpi=90)
        plt.close(fig)
        names.append("limiter_utilisation.png")
    return names


def _headline(export: dict) -> list[str]:
    """One row per N: the best b24-tools variant against the fastest peer and the limit line."""
    clients = {c["key"]: c for c in export["clients"]}
    med = export["medians"]
    lines = [
        "## Headline",
        "",
        "| N | best b24-tools | fastest peer | speed-up | b24-tools fast: requests / minimum | fast_bitrix24 | "
        "b24pysdk as_list |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for lim in export["limit_lines"]:
        n = lim["n"]
        ok = [m for m in med if m["n"] == n and m["status"] == "ok" and m["wall_s"]]
        ours = min((m for m in ok if clients[m["client"]]["ours"]), key=lambda m: m["wall_s"], default=None)
        peer = _fastest_peer(med, n, clients)
        fast = next((m for m in ok if m["client"] == "b24tools_fast"), None)

        def vs(key: str, n: int = n, ours: dict | None = ours, ok: list = ok) -> str:
            m = next((x for x in ok if x["client"] == key), None)
            if m and ours:
                return f"{m['wall_s'] / ours['wall_s']:.1f}x slower"
            sk = next((x for x in export.get("skipped", []) if x["n"] == n and x["client"] == key), None)
            if sk and ours:
                return f"≥ {sk['lower_bound_s'] / ours['wall_s']:.0f}x slower (projected)"
            return "–"

        best = f"{ours['label']} {ours['wall_s']:.2f} s" if ours else "–"
        rival = f"{peer['label']} {peer['wall_s']:.2f} s" if peer else "–"
        speedup = _f(peer["wall_s"] / ours["wall_s"] if (peer and ours) else None, "{:.2f}x")
        reqs = f"{_int(fast['http_requests']) if fast else '–'} / {lim['min_requests']}"
        lines.append(
            f"| {n:,} | {best} | {rival} | {speedup} | {reqs} | {vs('fast_bitrix24')} | {vs('b24pysdk_as_list')} |"
        )
    return lines + [""]


def _export_section(export: dict, meta: dict, img: str) -> list[str]:
    clients = {c["key"]: c for c in export["clients"]}
    limits = {x["n"]: x for x in export["limit_lines"]}
    lines = ["## 1. Bulk export of N leads (`crm.lead.list`, select ID + TITLE)", ""]
    lines += [
        "Columns: HTTP requests and `QUERY_LIMIT_EXCEEDED` answers are counted by the emulator for that run; "
        "wall time is measured inside the client process from client construction to the last record "
        "(median of the repetitions, min–max in brackets); peak RSS is the client process's own. "
        "*vs fastest peer* = fastest peer's time / this client's time (> 1 is faster). "
        "*client CPU* / *emulator CPU* = CPU seconds the client process / the emulator process spent on that run. "
        "*vs limit* = requests / minimum requests, time / limit-line probe time.",
        "",
    ]
    for n in sorted(limits):
        lim = limits[n]
        peer = _fastest_peer(export["medians"], n, clients)
        probe = _probe(export["medians"], n, clients)
        lines += [f"### N = {n:,}", ""]
        lines += [
            f"Limit line: at least **{lim['min_requests']}** requests (2,500 records per batch request); the bucket "
            f"(burst {meta['emulator']['burst']}, drain {meta['emulator']['rate']:g}/s) adds "
            f"{lim['bucket_wait_s']:.1f} s of waiting for them, and a sequential chain pays "
            f"{lim['sequential_latency_s']:.2f} s of latency ({meta['emulator']['latency_ms']:g} ms each). "
            + (
                f"The limit-line probe (that minimal request sequence replayed by a bare httpx loop, so it includes "
                f"the emulator's service time) takes **{probe['wall_s']:.2f} s**, of which the emulator process was "
                f"busy {_f(probe.get('emulator_cpu_s'))} s on CPU — a floor for any client, however parallel."
                if probe
                else ""
            ),
            "",
            "| client | status | HTTP requests | 503 QUERY_LIMIT_EXCEEDED | wall s (min–max) | records/s | peak RSS MB "
            "| client CPU s | emulator CPU s | vs fastest peer | vs limit (requests / time) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c in export["clients"]:
            m = next((x for x in export["medians"] if x["n"] == n and x["client"] == c["key"]), None)
            skipped = next(
                (s for s in export.get("skipped", []) if s["n"] == n and s["client"] == c["key"]), None
            )
            if m is None:
                if skipped:
                    bound = skipped["lower_bound_s"]
                    lines.append(
                        f"| {c['label']} | not run (projected) | – | – | ≥ {bound:,.0f} | ≤ {n / bound:,.0f} | – | – | – "
                        f"| {_upper_ratio(peer['wall_s'] / bound if peer else None)} | – |"
                    )
                continue
            name = f"**{c['label']}**" if c["ours"] else c["label"]
            status = "ok" if m["status"] == "ok" else f"**FAILED** ({m['reason']})"
            vs_peer = f"{peer['wall_s'] / m['wall_s']:.2f}x" if (peer and m["wall_s"]) else "–"
            vs_req = m["http_requests"] / lim["min_requests"] if m["http_requests"] is not None else None
            vs_time = (m["wall_s"] / probe["wall_s"]) if (probe and m["wall_s"]) else None
            wall = f"{m['wall_s']:.2f} ({m['wall_min_s']:.2f}–{m['wall_max_s']:.2f})" if m["wall_s"] else "–"
            lines.append(
                f"| {name} | {status} | {_int(m['http_requests'])} | {_int(m['throttled'])} | {wall} | "
                f"{_int(m['records_per_s'])} | {_f(m['peak_rss_mb'], '{:.0f}')} | {_f(m.get('client_cpu_s'))} | "
                f"{_f(m.get('emulator_cpu_s'))} | "
                f"{vs_peer} | {_f(vs_req, '{:.2f}x')} / {_f(vs_time, '{:.2f}x')} |"
            )
        lines.append("")
        for sk in export.get("skipped", []):
            if sk["n"] == n:
                lines.append(
                    f"- {sk['label']} not run at this N to keep `make bench` in budget: {sk['note']}."
                )
        lines.append("")
    lines += [f"![export wall time]({img}/export_wall.png)", ""]
    return lines


def _operating_section(op: dict) -> list[str]:
    n = op["n"]
    lines = [
        f"### 1b. When the operating-time budget runs out (N = {n:,})",
        "",
        "A portal also limits the server time each method may use: 480 s per method per 10 minutes "
        "(limits.md), after which it answers `OPERATION_TIME_LIMIT` (HTTP 429). Counted list pages (`start >= 0`) "
        "are expensive (huge-data.md), so a big export by offsets runs out of budget. To show what each client "
        "does then without waiting for it, this run lets the emulator account the modelled cost in full but not "
        "sleep it (`cost_sleep_scale=0`); one run per client (a behaviour check, not a timing). The ID-cursor "
        "clients (b24-tools fast and parallel, b24pysdk as_list_fast) never count, spend next to nothing of "
        "the budget and complete: section 1 runs them at this N with the cost model on.",
        "",
        "| client | outcome | records returned | HTTP requests | OPERATION_TIME_LIMIT answers | what the caller sees |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in op["runs"]:
        if r["status"] == "ok":
            outcome, seen = "complete", "all records"
        elif r.get("exported") is not None:
            outcome = "**silently incomplete**"
            seen = f"{r['exported']:,} of {n:,} records and no error"
        else:
            outcome = "error raised"
            seen = (r.get("reason") or "").replace("client error: ", "").replace("|", "/")[:160]
        returned = "–" if r.get("exported") is None else f"{r['exported']:,}"
        lines.append(
            f"| {r['label']} | {outcome} | {returned} | {_int(r['http_requests'])} | "
            f"{_int(r.get('operating_blocked'))} | {seen} |"
        )
    return lines + [""]


def _write_section(write: dict, meta: dict) -> list[str]:
    lines = [f"## 2. Bulk write: {meta.get('write_n', 1000):,} × `crm.lead.add`", ""]
    lines += [
        "Each run starts from an empty emulator; afterwards the emulator's own lead count must equal the number "
        "requested and match the IDs the client reports, or the run is FAILED.",
        "",
        "| client | status | HTTP requests | 503 QUERY_LIMIT_EXCEEDED | wall s (min–max) | leads/s | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for c in write["clients"]:
        m = next((x for x in write["medians"] if x["client"] == c["key"]), None)
        if not m:
            continue
        name = f"**{c['label']}**" if c["ours"] else c["label"]
        status = "ok" if m["status"] == "ok" else f"**FAILED** ({m['reason']})"
        wall = f"{m['wall_s']:.2f} ({m['wall_min_s']:.2f}–{m['wall_max_s']:.2f})" if m["wall_s"] else "–"
        lines.append(
            f"| {name} | {status} | {_int(m['http_requests'])} | {_int(m['throttled'])} | {wall} | "
            f"{_int(m['records_per_s'])} | {_f(m['peak_rss_mb'], '{:.0f}')} |"
        )
    return lines + [""]


def _limiter_section(limiter: dict, meta: dict, img: str) -> list[str]:
    lines = ["## 3. Shared limiter utilisation", ""]
    lines += [
        "Several processes, each with its own `B24Client`, share one limiter backend and call one portal "
        "(`crm.lead.list`, one page, `start=-1`) as fast as the limiter lets them. The limiter runs at the "
        "library's default, a small safety margin under the portal's bucket (B24Settings: rate 1.9/s, burst 48). "
        "*Steady* = calls completed in the second half of the window ÷ half the window ÷ the bucket's drain rate "
        "(2/s); *window* = calls completed in the window ÷ what the bucket allows from empty (burst + rate × "
        "duration).",
        "",
        "| backend | processes | window s | calls in window | achieved req/s | steady utilisation | window utilisation "
        "| 503 QUERY_LIMIT_EXCEEDED | calls per process | status |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in limiter["runs"]:
        if r.get("status") != "ok" and "http_requests" not in r:
            lines.append(f"| {r['kind']} | – | – | – | – | – | – | – | – | **FAILED** ({r.get('reason')}) |")
            continue
        status = "ok" if r["status"] == "ok" else f"**FAILED** ({r.get('reason')})"
        lines.append(
            f"| {r['kind']} | {r['procs']} | {r['duration_s']:.0f} | {r['completed_in_window']} | "
            f"{r['achieved_rps']:.2f} | {r['utilisation_steady']:.0%} | {r['utilisation_window']:.0%} | "
            f"{r['throttled']} | {', '.join(str(x) for x in r['per_process'])} | {status} |"
        )
    lines += ["", f"![limiter utilisation]({img}/limiter_utilisation.png)", ""]
    return lines


def _included(results_dir: Path, stem: str, title: str) -> list[str]:
    md = results_dir / f"{stem}.md"
    js = results_dir / f"{stem}.json"
    if md.exists():
        body = md.read_text().strip()
        # demote the included file's headings below ours
        body = "\n".join(("##" + ln) if ln.startswith("#") else ln for ln in body.splitlines())
        return [f"## {title}", "", f"(from `bench/results/{stem}.md`)", "", body, ""]
    if js.exists():
        return [f"## {title}", "", "```json", js.read_text().strip()[:6000], "```", ""]
    return [f"## {title}", "", f"Not available in this run (`bench/results/{stem}.md` missing).", ""]


def render(results_dir: str | Path, out: str | Path) -> Path:
    results_dir, out = Path(results_dir), Path(out)
    meta = _load(results_dir / "meta.json") or {}
    export = _load(results_dir / "export.json")
    write = _load(results_dir / "write.json")
    operating = _load(results_dir / "operating.json")
    limiter = _load(results_dir / "limiter.json")
    _charts(results_dir, export, limiter)
    intro = BENCH_DIR / "report_intro.md"
    notes = BENCH_DIR / "report_notes.md"
    emu = meta.get("emulator", {})
    lines: list[str] = [intro.read_text().rstrip() if intro.exists() else "# Benchmarks", ""]
    lines += [
        "## Setup of this run",
        "",
        f"- Generated: **{meta.get('generated_at', '?')}** by `make bench` (`bench/run_all.py`); whole run "
        f"{_f(meta.get('bench_wall_s'), '{:.0f}')} s.",
        f"- Machine: {meta.get('machine', {}).get('cpus', '?')} CPUs, Python {meta.get('machine', {}).get('python', '?')}.",
        f"- Emulator: `b24_tools.emulator` in its own process, served over TLS on 127.0.0.1 "
        f"(self-signed CA trusted by each client), leaky bucket **burst {emu.get('burst')} / drain {emu.get('rate')}/s**, "
        f"**{emu.get('latency_ms')} ms latency per request**, cost model {'on' if emu.get('cost_model') else 'off'}. "
        "A fresh emulator (fresh seed data, empty bucket) for every single client run.",
        f"- Each figure: median of **{meta.get('reps', '?')}** repetitions, clients interleaved (the order rotates "
        "every repetition); each client runs in its own process.",
        f"- Peers: {', '.join(f'{k} {v}' for k, v in (meta.get('peer_versions') or {}).items()) or 'not run'} "
        "(installed into `bench/.venv-peers`, never a dependency of b24-tools).",
        "",
    ]
    if export:
        lines += _headline(export)
    vs = verdicts(export, write, limiter)
    if vs:
        lines += ["## Targets", "", "| target | met | figures |", "|---|---|---|"]
        for v in vs:
            lines.append(f"| {v['target']} | {'yes' if v['met'] else '**no**'} | {v['detail']} |")
        lines.append("")
    img = os.path.relpath(results_dir.resolve(), out.resolve().parent)
    lines += speed_section(results_dir)
    if export:
        lines += _export_section(export, meta, img)
    if operating:
        lines += _operating_section(operating)
    if write:
        lines += _write_section(write, meta)
    if limiter:
        lines += _limiter_section(limiter, meta, img)
    lines += _included(results_dir, "approval_overhead", "4. Approval overhead")
    lines += _included(results_dir, "footprint", "5. Tool prompt footprint")
    lines += _included(results_dir, "tool_output", "5b. Tool output cost")
    lines += _included(results_dir, "portals_scale", "6. Many portals")
    lines += _included(results_dir, "startup", "7. Command start-up")
    lines += _included(results_dir, "soak", "8. Soak: writes under faults, several processes, both backends")
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    out.write_text("\n".join(lines).rstrip() + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results-dir", default=str(BENCH_DIR / "results"))
    ap.add_argument("--out", default=str(BENCH_DIR.parent / "BENCHMARKS.md"))
    a = ap.parse_args()
    print(render(a.results_dir, a.out))


if __name__ == "__main__":
    main()
