"""Shared-limiter worker: one of several processes that call one portal as fast as their shared limiter allows.

Every worker builds a B24Client whose limiter is the shared backend (``file``: one SQLite file; ``redis``: one
Redis key), signals it is ready, waits for the common start time, then calls ``crm.lead.list`` (one page, no count) until the window
closes. It reports its calls and when each completed, relative to the window's start.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child import run_child  # noqa: E402
from b24tools_client import make_client  # noqa: E402


def job(spec: dict) -> dict:
    kind = spec["kind"]
    kw = (
        {"path": spec["path"]}
        if kind == "file"
        else {"redis_url": spec["redis_url"], "key_prefix": spec["key_prefix"]}
    )
    client = make_client(spec, limiter_kind=kind, **kw)
    # barrier: say we are ready, then wait for the harness to announce the common start time
    Path(spec["barrier"], f"ready-{spec['worker']}").touch()
    go = Path(spec["barrier"], "go")
    deadline = time.time() + 120
    while not go.exists():
        if time.time() > deadline:
            raise TimeoutError("no start signal")
        time.sleep(0.01)
    start_at, duration = float(go.read_text()), float(spec["duration"])
    time.sleep(max(0.0, start_at - time.time()))
    sends: list[float] = []
    calls = 0
    params = {"select": ["ID"], "start": -1}
    while True:
        now = time.time()
        if now >= start_at + duration:
            break
        client.call("crm.lead.list", params)
        calls += 1
        sends.append(time.time() - start_at)  # completion time: what the portal has served by then
    st = client.stats
    client.close()
    return {
        "calls": calls,
        "sends": sends,
        "client_throttled": int(st.throttled),
        "client_requests": int(st.requests),
    }


if __name__ == "__main__":
    run_child(job)
