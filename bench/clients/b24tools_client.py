"""Benchmark client: b24-tools (this project). Runs in the project's own virtualenv.

export variants: ``defaults`` (``iter_list(method, params)`` with no options: the ID cursor, several cursors at
once when the data fills more than one chain), ``fast`` (mode="fast"), ``offset`` (start offsets), ``parallel``
(fast mode with ``parallel=spec["parallel"]``). write variants: ``call_many`` and ``approved_bulk`` (Approvals.submit_bulk, then
approve as a reviewer, then the plan executes). The client uses its default limiter arithmetic
(B24Settings().limiter_rate_burst(), in memory) and trusts the emulator's CA through an httpx transport.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402  (imported before timing, like every client)
from _child import ids_digest, record_id, run_child  # noqa: E402

from b24_tools import B24Client, B24Settings  # noqa: E402
from b24_tools.client.ratelimit import make_rate_limiter  # noqa: E402


def make_client(spec: dict, *, limiter_kind: str = "memory", **limiter_kw):
    rate, burst = B24Settings().limiter_rate_burst()
    limiter = make_rate_limiter(limiter_kind, rate=rate, burst=burst, **limiter_kw)
    transport = httpx.HTTPTransport(verify=spec["cafile"]) if spec.get("cafile") else None
    return B24Client.from_webhook(spec["webhook_url"], limiter=limiter, transport=transport, timeout=60.0)


def _stats(client) -> dict:
    st = getattr(client, "stats", None)
    if st is None:
        return {}
    return {
        "client_requests": int(st.requests),
        "client_throttled": int(st.throttled),
        "client_retries": int(st.retries),
    }


def export(spec: dict) -> dict:
    variant = spec.get("variant", "fast")
    t0 = time.perf_counter()
    with make_client(spec) as client:
        if variant == "defaults":
            rows = client.iter_list("crm.lead.list", {"select": ["ID", "TITLE"]})
        elif variant == "fast":
            rows = client.iter_list("crm.lead.list", {"select": ["ID", "TITLE"]}, mode="fast")
        elif variant == "offset":
            rows = client.iter_list("crm.lead.list", {"select": ["ID", "TITLE"]}, mode="offset")
        elif variant == "parallel":
            rows = client.iter_list(
                "crm.lead.list",
                {"select": ["ID", "TITLE"]},
                mode="fast",
                parallel=int(spec.get("parallel", 4)),
            )
        else:
            raise ValueError(f"unknown export variant {variant!r}")
        ids = [record_id(r) for r in rows]
        wall = time.perf_counter() - t0
        return {"wall_s": wall, **ids_digest(ids), **_stats(client)}


def write(spec: dict) -> dict:
    variant = spec.get("variant", "call_many")
    records = spec["records"]
    if variant == "approved_bulk":
        from b24_tools import Approvals, Policy  # imported before timing, like every client's package
    t0 = time.perf_counter()
    with make_client(spec) as client:
        if variant == "call_many":
            res = client.call_many("crm.lead.add", [{"fields": f} for f in records])
            ids = [int(v) for v in res.results.values()]
            errors = len(res.errors)
        elif variant == "approved_bulk":
            with tempfile.TemporaryDirectory(prefix="b24bench-appr-") as tmp:
                policy = Policy(packs=("core",))
                with Approvals.open(
                    client=client, policy=policy, sqlite_path=str(Path(tmp) / "plans.sqlite")
                ) as ap:
                    sub = ap.submit_bulk(
                        "crm.lead.add", [{"fields": f} for f in records], requested_by="bench"
                    )
                    if sub.status != "pending":
                        raise RuntimeError(f"submit_bulk returned {sub.status}: {sub.error}")
                    done = ap.approve(sub.plan_id, reviewer="bench-reviewer")
                    if done.status != "executed":
                        raise RuntimeError(f"approve returned {done.status}: {done.error}")
                    ids = _ids_from_bulk_result(done.result)
                    errors = 0
        else:
            raise ValueError(f"unknown write variant {variant!r}")
        wall = time.perf_counter() - t0
        return {"wall_s": wall, "created_ids": ids, "errors": errors, **_stats(client)}


def _ids_from_bulk_result(result) -> list[int]:
    """Created IDs out of an executed bulk plan's result (a BatchResult-like object or its dict form)."""
    if hasattr(result, "results"):
        result = result.results
    if isinstance(result, dict) and "results" in result:
        result = result["results"]
    values = result.values() if isinstance(result, dict) else result
    out: list[int] = []
    for v in values:
        if isinstance(v, dict) and "results" in v:
            out.extend(_ids_from_bulk_result(v))
        else:
            out.append(int(v))
    return out


def job(spec: dict) -> dict:
    if spec["task"] == "export":
        return export(spec)
    if spec["task"] == "write":
        return write(spec)
    raise ValueError(f"unknown task {spec['task']!r}")


if __name__ == "__main__":
    run_child(job)
