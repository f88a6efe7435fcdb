"""`make bench`: every benchmark against one TLS emulator process, then BENCHMARKS.md and the charts.

    python bench/run_all.py                       # the full run (peers venv created when missing)
    python bench/run_all.py --quick               # a short development run (N=2,500, 1 rep, 10 s limiter)
    python bench/run_all.py --only export --ns 2500 --reps 3 --clients b24tools_fast,fast_bitrix24

Results land in bench/results/*.json (raw runs + medians); the report is rendered from them by bench/report.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import report  # noqa: E402

SECTIONS = ("export", "records", "operating", "write", "limiter", "companions")
# The second export profile (a per-record server cost, bench/_harness.py RECORD_COST_MS): our defaults and
# each peer at its best mode.
RECORD_CLIENTS = (
    "b24tools_fast",
    "b24tools_sequential",
    "fast_bitrix24",
    "b24pysdk_as_list_fast",
    "floor_probe",
)
# The operating-time check: which clients finish a big export when the portal's operating-time budget counts.
# (the ID-cursor clients never spend that budget: their pages cost nothing to count; section 1 shows them at 50,000)
OPERATING_CLIENTS = ("b24tools_offset", "fast_bitrix24", "b24pysdk_as_list")
# Other issues' benchmark scripts: run when present, their results/*.md included in the report.
COMPANIONS = ("footprint.py", "approval_overhead.py", "startup.py")
# Companions that load every core themselves: run after the others, alone.
SOLO = ("portals_scale.py",)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ns", default="2500,10000,50000", help="export sizes, comma separated")
    ap.add_argument(
        "--reps", type=int, default=3, help="repetitions per figure (median; >= 3 for the report)"
    )
    ap.add_argument("--records-ns", default="10000,50000", help="export sizes of the per-record-cost profile")
    ap.add_argument("--write-n", type=int, default=1000, help="leads created by the write benchmark")
    ap.add_argument("--limiter-duration", type=float, default=60.0, help="seconds each limiter run hammers")
    ap.add_argument("--limiter-procs", type=int, default=4)
    ap.add_argument("--limiter-kinds", default="file,redis")
    ap.add_argument("--redis-url", default=os.environ.get("B24_REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument(
        "--only", default=",".join(SECTIONS), help=f"sections to run (default: {','.join(SECTIONS)})"
    )
    ap.add_argument("--clients", default="", help="only these client keys (default: all)")
    ap.add_argument("--no-caps", action="store_true", help="run offset pagers at every N (hours at 50,000)")
    ap.add_argument("--no-peers", action="store_true", help="skip the peer clients (no peers' virtualenv)")
    ap.add_argument("--no-tls", action="store_true", help="serve plain http (b24pysdk cannot run then)")
    ap.add_argument("--results-dir", default=str(h.BENCH_DIR / "results"))
    ap.add_argument("--out", default=str(h.REPO_DIR / "BENCHMARKS.md"))
    ap.add_argument("--no-report", action="store_true")
    ap.add_argument("--quick", action="store_true", help="development run: N=2500, 1 rep, 10 s limiter")
    args = ap.parse_args(argv)
    if args.quick:
        args.ns, args.reps, args.limiter_duration = "2500", 1, 10.0
        args.only = ",".join(x for x in args.only.split(",") if x not in ("operating", "companions"))
        args.records_ns = "2500"
    return args


def _select(clients: tuple[h.ClientSpec, ...], args: argparse.Namespace) -> list[h.ClientSpec]:
    wanted = {k for k in args.clients.split(",") if k}
    out = [c for c in clients if (not wanted or c.key in wanted) and not (args.no_peers and c.peer)]
    if args.no_tls:
        out = [c for c in out if not c.script.startswith("b24pysdk")]
    return out


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    t_start = time.perf_counter()
    results_dir = Path(args.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    only = {s for s in args.only.split(",") if s}
    ns = [int(x) for x in args.ns.split(",") if x]
    work = h.runtime_dir()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", flush=True)

    export_clients = _select(h.EXPORT_CLIENTS, args)
    if args.no_caps:
        export_clients = [dataclasses.replace(c, max_n=None) for c in export_clients]
    write_clients = _select(h.WRITE_CLIENTS, args)
    if any(c.peer for c in export_clients + write_clients):
        h.ensure_peer_venv(log=log)
    tls = None if args.no_tls else h.make_tls(work / "tls")
    config = h.bench_emulator_config()
    meta = {
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "emulator": config,
        "tls": tls is not None,
        "reps": args.reps,
        "ns": ns,
        "write_n": args.write_n,
        "limiter": {"procs": args.limiter_procs, "duration_s": args.limiter_duration},
        "sections": sorted(only),
        "peer_versions": _peer_versions() if any(c.peer for c in export_clients) else {},
    }
    with h.EmulatorProcess(tls, log_path=work / "emulator.log") as emu:
        if "export" in only:
            runs: list[dict] = []
            for n in ns:
                log(f"export N={n}: {len(export_clients)} clients x {args.reps} reps")
                runs += h.run_export_round(emu, export_clients, n, args.reps, tls=tls, config=config, log=log)
            skipped = [
                {"client": c.key, "label": c.label, "n": n, **h.offset_projection(n, c.projection)}
                for c in export_clients
                for n in ns
                if c.max_n is not None and n > c.max_n and not args.no_caps
            ]
            h.dump(
                results_dir / "export.json",
                {
                    "runs": runs,
                    "medians": h.aggregate(runs),
                    "skipped": skipped,
                    "limit_lines": [h.limit_line(n) for n in ns],
                    "clients": [_client_meta(c) for c in export_clients],
                },
            )
        if "records" in only:
            rec_ns = [int(x) for x in args.records_ns.split(",") if x]
            rec_clients = [c for c in export_clients if c.key in RECORD_CLIENTS]
            rec_config = h.bench_emulator_config(per_record_latency_ms=h.RECORD_COST_MS)
            meta["records_profile"] = {"ns": rec_ns, "per_record_ms": h.RECORD_COST_MS}
            runs = []
            for n in rec_ns:
                log(f"export with a per-record cost, N={n}: {len(rec_clients)} clients x {args.reps} reps")
                runs += h.run_export_round(
                    emu, rec_clients, n, args.reps, tls=tls, config=rec_config, log=log
                )
            h.dump(
                results_dir / "export_records.json",
                {
                    "config": rec_config,
                    "runs": runs,
                    "medians": h.aggregate(runs),
                    "skipped": [
                        {"client": c.key, "label": c.label, "n": n, **h.offset_projection(n, c.projection)}
                        for c in rec_clients
                        for n in rec_ns
                        if c.max_n is not None and n > c.max_n and not args.no_caps
                    ],
                    "limit_lines": [h.limit_line(n) for n in rec_ns],
                    "clients": [_client_meta(c) for c in rec_clients],
                },
            )
        if "operating" in only:
            op_n = max(ns)
            op_clients = [c for c in export_clients if c.key in OPERATING_CLIENTS]
            op_clients = [dataclasses.replace(c, max_n=None) for c in op_clients]
            op_config = h.bench_emulator_config(cost_sleep_scale=0.0)
            log(f"operating-time check at N={op_n}: {len(op_clients)} clients, cost accounted, not slept")
            runs = h.run_export_round(emu, op_clients, op_n, 1, tls=tls, config=op_config, log=log)
            h.dump(
                results_dir / "operating.json",
                {
                    "n": op_n,
                    "config": op_config,
                    "runs": runs,
                    "clients": [_client_meta(c) for c in op_clients],
                },
            )
        if "write" in only and write_clients:
            log(f"write {args.write_n} leads: {len(write_clients)} clients x {args.reps} reps")
            runs = h.run_write_round(
                emu, write_clients, args.write_n, args.reps, tls=tls, config=config, log=log
            )
            h.dump(
                results_dir / "write.json",
                {
                    "runs": runs,
                    "medians": h.aggregate(runs),
                    "clients": [_client_meta(c) for c in write_clients],
                },
            )
        companions = _start_companions(results_dir, log) if "companions" in only else []
        if "limiter" in only:
            lim = []
            for kind in [k for k in args.limiter_kinds.split(",") if k]:
                log(
                    f"shared limiter: {args.limiter_procs} processes, {kind} backend, {args.limiter_duration:.0f} s"
                )
                try:
                    res = h.run_limiter(
                        emu,
                        kind,
                        procs=args.limiter_procs,
                        duration=args.limiter_duration,
                        tls=tls,
                        workdir=work,
                        redis_url=args.redis_url,
                        config=config,
                    )
                except Exception as exc:  # noqa: BLE001 - reported, the other sections still count
                    res = {"kind": kind, "status": "FAILED", "reason": f"{type(exc).__name__}: {exc}"}
                log(f"  {kind}: {res}")
                lim.append(res)
            h.dump(results_dir / "limiter.json", {"runs": lim})
        _finish_companions(companions, log)
        if "companions" in only:
            _finish_companions(_start_companions(results_dir, log, SOLO), log)
    meta["bench_wall_s"] = time.perf_counter() - t_start
    h.dump(results_dir / "meta.json", meta)
    if not args.no_report:
        out = report.render(results_dir, Path(args.out))
        log(f"wrote {out}")
    log(f"done in {time.perf_counter() - t_start:.0f} s")
    return 0


def _start_companions(
    results_dir: Path, log, scripts: tuple[str, ...] = COMPANIONS
) -> list[tuple[str, subprocess.Popen, float]]:
    """Start the other issues' benchmark scripts in the background.

    They run during the shared-limiter section, which keeps the CPU almost idle (a few requests a second), so
    neither disturbs the other much, and `make bench` saves their minute or so.
    """
    started = []
    for script in scripts:
        path = h.BENCH_DIR / script
        if path.exists():
            log(f"starting {script} in the background")
            proc = subprocess.Popen(
                [sys.executable, str(path), "--results-dir", str(results_dir)],
                cwd=str(h.REPO_DIR),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            started.append((script, proc, time.perf_counter()))
    return started


def _finish_companions(started: list[tuple[str, subprocess.Popen, float]], log) -> None:
    for script, proc, t0 in started:
        try:
            out, _ = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {(out or '')[-500:]}"
        log(f"{script}: {status} ({time.perf_counter() - t0:.0f} s since start)")


def _client_meta(c: h.ClientSpec) -> dict:
    return {"key": c.key, "label": c.label, "peer": c.peer, "ours": c.ours, "probe": c.probe}


def _peer_versions() -> dict[str, str]:
    code = "import importlib.metadata as m; print(m.version('fast-bitrix24'), m.version('b24pysdk'))"
    out = subprocess.run([str(h.PEER_PYTHON), "-c", code], capture_output=True, text=True)
    parts = out.stdout.split()
    return {"fast-bitrix24": parts[0], "b24pysdk": parts[1]} if len(parts) == 2 else {}


if __name__ == "__main__":
    raise SystemExit(main())
