"""Benchmark client: b24pysdk, the official SDK (peer). Runs in bench/.venv-peers.

export: ``client.crm.lead.list(select=[...]).as_list()`` (start-offset batches) or ``.as_list_fast()``
(ID cursor, start=-1, $result chaining). write: ``client.call_batches([client.crm.lead.add(...), ...])``.
The SDK forces https; the emulator serves TLS and its CA is trusted through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child import ids_digest, record_id, run_child  # noqa: E402
from b24pysdk import BitrixWebhook, Client  # noqa: E402  (imported before timing, like every client)


def _client(spec: dict):
    parts = urlsplit(spec["webhook_url"])  # https://127.0.0.1:PORT/rest/1/CODE/
    seg = [s for s in parts.path.split("/") if s]
    token = BitrixWebhook(domain=parts.netloc, webhook_token=f"{seg[1]}/{seg[2]}")
    return Client(token, timeout=60)


def job(spec: dict) -> dict:
    t0 = time.perf_counter()
    client = _client(spec)
    variant = spec.get("variant", "as_list")
    if spec["task"] == "export":
        req = client.crm.lead.list(select=["ID", "TITLE"])
        if variant == "as_list_fast":
            rows = req.as_list_fast().result
        else:
            rows = req.as_list().result
        ids = [record_id(r) for r in rows]
        wall = time.perf_counter() - t0
        return {"wall_s": wall, **ids_digest(ids)}
    if spec["task"] == "write":
        reqs = [client.crm.lead.add(fields=f) for f in spec["records"]]
        batch = client.call_batches(reqs).result
        wall = time.perf_counter() - t0
        res = batch.result
        values = list(res.values()) if isinstance(res, dict) else list(res)
        errors = len(batch.result_error or ())
        return {"wall_s": wall, "created_ids": [int(x) for x in values], "errors": errors}
    raise ValueError(f"unknown task {spec['task']!r}")


if __name__ == "__main__":
    run_child(job)
