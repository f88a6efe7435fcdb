"""Benchmark client: the naive start/next loop, modelled on the reference script's client.

Stdlib only: urllib POST JSON (a new connection per request), the reference's token-bucket limiter
(2 req/s, burst 10), up to 5 attempts with 0.5 s * 2^n backoff + jitter on QUERY_LIMIT_EXCEEDED / 5xx,
and ``iter_list`` = one 50-record page per request following ``next``.
"""

from __future__ import annotations

import json
import random
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child import ids_digest, record_id, run_child  # noqa: E402


class _TokenBucket:
    """The reference limiter's arithmetic (in-process): refill rate/s up to burst; wait for one token."""

    def __init__(self, rate: float = 2.0, burst: float = 10.0) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.last = burst, time.monotonic()

    def acquire(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            time.sleep((1 - self.tokens) / self.rate)


class NaiveClient:
    def __init__(self, webhook_url: str, cafile: str | None, *, limiter: bool = True) -> None:
        self.base = webhook_url.rstrip("/") + "/"
        self.ctx = ssl.create_default_context(cafile=cafile) if cafile else None
        self.bucket = _TokenBucket() if limiter else None
        self.requests = 0
        self.throttled = 0

    def call(self, method: str, params: dict) -> dict:
        body = json.dumps(params).encode()
        for attempt in range(1, 6):
            if self.bucket:
                self.bucket.acquire()
            req = urllib.request.Request(
                self.base + method,
                data=body,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                method="POST",
            )
            self.requests += 1
            try:
                with urllib.request.urlopen(req, timeout=60, context=self.ctx) as resp:
                    return json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                payload = json.loads(exc.read() or b"{}")
                code = payload.get("error", "")
                if code == "QUERY_LIMIT_EXCEEDED":
                    self.throttled += 1
                retryable = code == "QUERY_LIMIT_EXCEEDED" or exc.code >= 500
                if not retryable or attempt == 5:
                    raise RuntimeError(f"{exc.code} {code}") from None
                time.sleep(min(0.5 * 2 ** (attempt - 1), 30.0) + random.randint(0, 250) / 1000)
        raise RuntimeError("retries exhausted")

    def iter_list(self, method: str, params: dict):
        start = 0
        while True:
            page = self.call(method, {**params, "start": start})
            result = page.get("result") or []
            yield from (result if isinstance(result, list) else result.values())
            if "next" not in page:
                return
            start = page["next"]


def job(spec: dict) -> dict:
    t0 = time.perf_counter()
    client = NaiveClient(spec["webhook_url"], spec.get("cafile"), limiter=spec.get("limiter", True))
    if spec["task"] != "export":
        raise ValueError("the naive loop only exports")
    ids = [record_id(r) for r in client.iter_list("crm.lead.list", {"select": ["ID", "TITLE"]})]
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall,
        "client_requests": client.requests,
        "client_throttled": client.throttled,
        **ids_digest(ids),
    }


if __name__ == "__main__":
    run_child(job)
