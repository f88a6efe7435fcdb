"""Run a limiter from several real processes and check the merged timestamps against the bucket."""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from typing import Any


def _worker(kind: str, kw: dict[str, Any], key: str, count: int, barrier: Any, out: Any) -> None:
    from b24_tools.client.ratelimit import make_rate_limiter

    limiter = make_rate_limiter(kind, **kw)
    limiter.acquire("warm-up-" + key)  # open connections before the race starts
    barrier.wait()
    stamps = []
    for _ in range(count):
        limiter.acquire(key)
        stamps.append(time.time())
    out.put(stamps)


def run_processes(kind: str, kw: dict[str, Any], key: str, *, processes: int, count: int) -> list[float]:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes)
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(kind, kw, key, count, barrier, out)) for _ in range(processes)]
    for p in procs:
        p.start()
    stamps: list[float] = []
    for _ in procs:
        stamps.extend(out.get(timeout=120))
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return sorted(stamps)


def worst_windows(stamps: list[float], windows: list[float]) -> dict[float, int]:
    """For each window length, the most requests any window [t, t + w] starting at a request contains."""
    out: dict[float, int] = {}
    for w in windows:
        best, j = 0, 0
        for i, t in enumerate(stamps):
            while j < len(stamps) and stamps[j] <= t + w:
                j += 1
            best = max(best, j - i)
        out[w] = best
    return out


def check_bucket(
    stamps: list[float], *, rate: float, burst: float, label: str, processes: int
) -> dict[float, tuple[int, int]]:
    """Assert passed <= burst + rate * window + 1 for every window; return {window: (allowed, observed)}."""
    span = stamps[-1] - stamps[0]
    windows = [0.25, 0.5, 1.0, 2.0, span]
    figures = {}
    for w, observed in worst_windows(stamps, windows).items():
        allowed = math.floor(burst + rate * w + 1 + 1e-9)
        figures[round(w, 2)] = (allowed, observed)
        assert observed <= allowed, (
            f"{label}: {observed} requests in a {w:.2f}s window, bucket allows {allowed}"
        )
    print(
        f"\n[{label}] processes={processes} requests={len(stamps)} rate={rate}/s burst={burst} "
        + " ".join(f"window={w}s allowed={a} observed={o}" for w, (a, o) in figures.items())
    )
    return figures
