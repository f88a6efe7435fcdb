"""The limit-line probe: the minimal request sequence for a full export, replayed by a bare loop.

Each HTTP request is one ``batch`` of 50 chained ``crm.lead.list`` pages (ID cursor: order ID ASC,
``filter[>ID]`` = the previous page's last ID via ``$result[...]``, ``start=-1``) = 2,500 records, so
N records take ceil(N/2,500) requests (+1 when N is a multiple of 2,500, to see the end). One persistent
httpx connection, JSON decode, nothing else: its wall time is the floor the portal (latency + service time)
allows a sequential client; the leaky bucket adds nothing while the requests fit the burst.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402  (imported before timing, like every client)
from _child import ids_digest, run_child  # noqa: E402

from b24_tools.client._phpquery import encode  # noqa: E402

PAGES = 50


def _page_query(last: str) -> str:
    return encode({"order": {"ID": "ASC"}, "filter": {">ID": last}, "select": ["ID", "TITLE"], "start": -1})


def job(spec: dict) -> dict:
    t0 = time.perf_counter()
    base = spec["webhook_url"].rstrip("/") + "/"
    ids: list[str] = []
    requests = 0
    server_time = 0.0  # the emulator's own time.duration, summed
    with httpx.Client(verify=spec.get("cafile") or True, timeout=60.0) as http:
        last = "0"
        while True:
            cmd = {"p0": "crm.lead.list?" + _page_query(last)}
            for k in range(1, PAGES):
                cmd[f"p{k}"] = "crm.lead.list?" + _page_query(f"$result[p{k - 1}][49][ID]")
            resp = http.post(base + "batch.json", json={"halt": 0, "cmd": cmd})
            requests += 1
            resp.raise_for_status()
            envelope = resp.json()
            server_time += float((envelope.get("time") or {}).get("duration") or 0.0)
            body = envelope["result"]
            results = body.get("result") or {}
            short = False
            for k in range(PAGES):
                page = results.get(f"p{k}") if isinstance(results, dict) else None
                page = page or []
                ids.extend(r["ID"] for r in page)
                if len(page) < 50:
                    short = True
                    break
            if short:
                break
            last = str(ids[-1])
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "client_requests": requests, "server_time_s": server_time, **ids_digest(ids)}


if __name__ == "__main__":
    run_child(job)
