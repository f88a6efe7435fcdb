"""Many portals at scale: 50 emulated portals, 8 worker processes, PostgreSQL token store, Redis buckets and locks.

    python bench/portals_scale.py [--portals 50] [--workers 8] [--threads 4] [--duration 30]

One emulator farm (one process, one socket per portal, its own OAuth server) with the leaky bucket of a standard
plan on every portal (2/s, burst 50; settings/performance/limits.md). The application server installs every
portal through the farm's install flow (install callback confirmed with the OAuth server, then ONAPPINSTALL).
Then N worker processes, each with a few threads, call random portals through `Portals.client(member_id)`:
every portal holds one marker lead whose title is its own member_id, and every answer is checked against the
portal asked for (a mismatch would be a cross-portal leak). Halfway through, every portal's access token expires:
each must be refreshed exactly once across all workers. Throttles are counted on both sides (503 answers the
portals sent, throttled answers the clients saw).

Writes bench/results/portals_scale.json and .md. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

PG_URL = os.environ.get("B24_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("B24_REDIS_URL", "redis://127.0.0.1:6379/0")
KEY = "bench-portals-key-0123456789abcd"


def _worker(opts: dict[str, Any], markers: dict[str, int], threads: int, window: Any, ready: Any,
            out: Any) -> None:  # fmt: skip
    from b24_tools import B24Error
    from b24_tools.portals import Portals

    members = sorted(markers)
    counts: dict[str, float] = {"calls": 0, "leaks": 0, "errors": 0, "throttled": 0, "refreshes": 0,
                                "limiter_wait": 0.0}  # fmt: skip
    lock = threading.Lock()
    latencies: list[float] = []
    with Portals.open(**opts) as portals:
        clients = {m: portals.client(m) for m in members}
        ready.put(os.getpid())
        while window[0] == 0.0:  # the main process opens the window once every worker is ready
            time.sleep(0.005)
        start_at, stop_at = window[0], window[1]

        def run(seed: int) -> None:
            rng = random.Random(seed)
            mine = {"calls": 0, "leaks": 0, "errors": 0}
            lat: list[float] = []
            while time.time() < start_at:
                time.sleep(0.005)
            while time.time() < stop_at:
                member = rng.choice(members)
                t0 = time.perf_counter()
                try:
                    lead = clients[member].call("crm.lead.get", {"id": markers[member]}).result
                except B24Error:
                    mine["errors"] += 1
                    continue
                lat.append(time.perf_counter() - t0)
                mine["calls"] += 1
                if lead.get("TITLE") != member:
                    mine["leaks"] += 1
            with lock:
                for k, v in mine.items():
                    counts[k] += v
                latencies.extend(lat)

        pool = [threading.Thread(target=run, args=(os.getpid() * 100 + i,)) for i in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        for c in clients.values():
            counts["throttled"] += c.stats.throttled
            counts["refreshes"] += c.stats.refreshes
            counts["limiter_wait"] += c.stats.limiter_wait
    out.put({**counts, "latencies": latencies})


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=50)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--results-dir", default=str(BENCH / "results"))
    args = ap.parse_args(argv)

    import psycopg
    import redis

    from b24_tools.emulator import EmulatorConfig
    from b24_tools.emulator._farm import EmulatorFarm
    from b24_tools.emulator._transport import LoopThread, SyncASGITransport
    from b24_tools.portals import Portals, create_app_server

    schema = "b24bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    store_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    loop = LoopThread()
    result: dict[str, Any] = {}
    members: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, EmulatorFarm(
            args.portals, config=EmulatorConfig(rate=2.0, burst=50),
            install_url="http://127.0.0.1:9/install", handler_url="http://127.0.0.1:9/events",
        ) as farm, farm.serve():  # fmt: skip
            opts = {
                "client_id": farm.client_id, "client_secret": farm.client_secret, "encryption_key": KEY,
                "database_url": store_url, "runtime_dir": tmp, "oauth_server": farm.oauth_url,
                "limiter": "redis", "redis_url": REDIS_URL,
            }  # fmt: skip
            t0 = time.perf_counter()
            with Portals.open(**opts) as portals:
                farm.use_app_transport(SyncASGITransport(create_app_server(portals), loop))
                farm.install_all()
                install_s = time.perf_counter() - t0
                installed = len(portals.list())
            markers = {}
            members = [emu.config.member_id for emu in farm.portals]
            for emu in farm.portals:
                with emu.client() as hook:  # the marker lead, written through the portal's own webhook
                    markers[emu.config.member_id] = hook.call(
                        "crm.lead.add", {"fields": {"TITLE": emu.config.member_id}}
                    ).result
            for emu in farm.portals:
                emu.stats.reset()
            refreshes_before = dict(farm.refreshes)
            ctx = mp.get_context("spawn")
            out, ready = ctx.Queue(), ctx.Queue()
            window = ctx.Array("d", [0.0, 0.0])
            procs = [
                ctx.Process(target=_worker, args=(opts, markers, args.threads, window, ready, out))
                for _ in range(args.workers)
            ]
            for p in procs:
                p.start()
            for _ in procs:
                ready.get(timeout=300)
            start_at = time.time() + 0.5
            stop_at = start_at + args.duration
            window[1], window[0] = stop_at, start_at

            def expire() -> None:
                time.sleep(max(0.0, start_at + args.duration / 2 - time.time()))
                for emu in farm.portals:
                    emu.oauth.expire_all()

            expirer = threading.Thread(target=expire)
            expirer.start()
            parts = [out.get(timeout=args.duration + 120) for _ in procs]
            for p in procs:
                p.join(timeout=30)
            expirer.join()
            lat = sorted(x for part in parts for x in part["latencies"])
            calls = sum(p["calls"] for p in parts)
            refreshes = {m: farm.refreshes.get(m, 0) - refreshes_before.get(m, 0) for m in markers}
            result = {
                "portals": args.portals, "workers": args.workers, "threads_per_worker": args.threads,
                "duration_s": args.duration, "installed": installed, "install_s": round(install_s, 2),
                "calls": calls, "throughput_rps": round(calls / args.duration, 1),
                "ceiling_rps": round(args.portals * 2.0 + args.portals * 50 / args.duration, 1),
                "leaks": sum(p["leaks"] for p in parts), "errors": sum(p["errors"] for p in parts),
                "client_throttled": sum(p["throttled"] for p in parts),
                "portal_throttled": sum(emu.stats.throttled for emu in farm.portals),
                "portal_requests": sum(emu.stats.requests for emu in farm.portals),
                "refreshes_per_portal": sorted(set(refreshes.values())),
                "client_refreshes": sum(p["refreshes"] for p in parts),
                "limiter_wait_s": round(sum(p["limiter_wait"] for p in parts), 1),
                "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
                "p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 1) if lat else None,
                "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}",
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            }  # fmt: skip
    finally:
        loop.close()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        r = redis.Redis.from_url(REDIS_URL)  # this run's buckets (its refresh locks are gone already)
        for member in members:
            r.delete(f"b24:ratelimit:standard:portal:{member}")
    _write(Path(args.results_dir), result)
    print(json.dumps(result, indent=2))
    return result


def _write(results: Path, r: dict[str, Any]) -> None:
    results.mkdir(parents=True, exist_ok=True)
    (results / "portals_scale.json").write_text(json.dumps(r, indent=2) + "\n")
    md = f"""### Many portals: {r["portals"]} emulated portals, {r["workers"]} worker processes

PostgreSQL token store (tokens sealed), Redis buckets and refresh locks, one emulator farm process enforcing a
standard plan's bucket on every portal (2/s, burst 50). {r["workers"]} processes × {r["threads_per_worker"]} threads call random
portals for {r["duration_s"]:.0f} s; every answer is checked against the portal asked for; halfway through, every
portal's access token expires. {r["machine"]}, {r["date"]}.

| figure | value |
|---|---:|
| portals installed through the install flow | {r["installed"]} in {r["install_s"]} s |
| calls completed | {r["calls"]} |
| throughput | {r["throughput_rps"]} calls/s |
| bucket ceiling of {r["portals"]} standard portals over the run | {r["ceiling_rps"]} calls/s |
| latency p50 / p95 (incl. limiter waits) | {r["p50_ms"]} ms / {r["p95_ms"]} ms |
| cross-portal leaks (answer from another portal) | **{r["leaks"]}** |
| 503 QUERY_LIMIT_EXCEEDED sent by the portals | **{r["portal_throttled"]}** |
| throttled answers seen by the clients | {r["client_throttled"]} |
| token refreshes per portal at expiry (all workers together) | {", ".join(str(x) for x in r["refreshes_per_portal"])} |
| seconds spent waiting in the per-portal buckets (all threads) | {r["limiter_wait_s"]} |
| errors | {r["errors"]} |
"""
    (results / "portals_scale.md").write_text(md)


if __name__ == "__main__":
    main()
