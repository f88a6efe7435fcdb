"""Benchmark client: fast_bitrix24 (peer). Runs in bench/.venv-peers.

export: ``Bitrix.get_all("crm.lead.list", {"select": ["ID", "TITLE"]})`` with the library's default polite
throttling (pool 50, 2 req/s, the portal's own numbers). write: ``Bitrix.call("crm.lead.add", [...])``.
TLS: the emulator's CA is trusted through SSL_CERT_FILE (aiohttp's default context honours it).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child import ids_digest, record_id, run_child  # noqa: E402
from fast_bitrix24 import Bitrix  # noqa: E402  (imported before timing, like every client)


def job(spec: dict) -> dict:
    t0 = time.perf_counter()
    bx = Bitrix(spec["webhook_url"], verbose=False)
    if spec["task"] == "export":
        rows = bx.get_all("crm.lead.list", {"select": ["ID", "TITLE"]})
        wall = time.perf_counter() - t0
        return {"wall_s": wall, **ids_digest(record_id(r) for r in rows)}
    if spec["task"] == "write":
        items = [{"fields": f} for f in spec["records"]]
        res = bx.call("crm.lead.add", items)
        wall = time.perf_counter() - t0
        res = res if isinstance(res, (list, tuple)) else [res]
        return {"wall_s": wall, "created_ids": [int(x) for x in res]}
    raise ValueError(f"unknown task {spec['task']!r}")


if __name__ == "__main__":
    run_child(job)
