"""Stdlib-only helpers shared by every benchmark client script (runs in either virtualenv).

A client script reads one JSON spec from stdin, does its job, and prints one JSON line starting with
``RESULT `` on stdout. Peak RSS is measured here, in the child, so each client's footprint is its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ids_digest", "peak_rss_mb", "run_child"]


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def ids_digest(ids: Iterable[Any]) -> dict[str, Any]:
    """Count, unique count and a digest of the sorted unique integer IDs (compared with the seeded set)."""
    seen: list[int] = []
    total = 0
    for raw in ids:
        total += 1
        seen.append(int(raw))
    unique = sorted(set(seen))
    digest = hashlib.sha256(",".join(map(str, unique)).encode()).hexdigest()
    return {"count": total, "unique": len(unique), "ids_sha256": digest}


def record_id(rec: Any) -> Any:
    """The ID of one exported record, whatever the casing."""
    if isinstance(rec, dict):
        for key in ("ID", "id", "Id"):
            if key in rec:
                return rec[key]
    raise ValueError(f"record without an ID: {rec!r:.200}")


def run_child(job: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Read the spec, run ``job(spec)`` timed, print the RESULT line; exit 0 even on failure (the harness judges)."""
    spec = json.loads(sys.stdin.read() or "{}")
    for key, value in (spec.get("env") or {}).items():
        os.environ[key] = value
    out: dict[str, Any] = {"ok": False}
    t0 = time.perf_counter()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        out.update(job(spec))
        out["ok"] = True
    except BaseException as exc:  # noqa: BLE001 - any failure is reported, not raised
        out["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        out["traceback"] = traceback.format_exc()[-4000:]
    out.setdefault("wall_s", time.perf_counter() - t0)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    # CPU the client process burnt on the job (all its threads), setup of the spec included
    out["client_cpu_s"] = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    out["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.flush()
    print("RESULT " + json.dumps(out), flush=True)
