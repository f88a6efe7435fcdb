"""Clients built without a limiter share one in-process bucket per process, even when made at the same moment."""

from __future__ import annotations

import threading
import time

import httpx

from b24_tools import B24Client
from b24_tools.client import _core
from b24_tools.client._auth import WebhookAuth
from b24_tools.client.ratelimit import memory


def test_threads_making_their_first_clients_together_share_one_bucket(monkeypatch) -> None:
    monkeypatch.setattr(_core, "_SHARED_LIMITER", None)
    built: list[object] = []
    real = memory.MemoryRateLimiter

    class SlowToBuild(real):  # widens the window in which an unlocked check-then-set races
        def __init__(self, *args: object, **kwargs: object) -> None:
            time.sleep(0.05)
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(memory, "MemoryRateLimiter", SlowToBuild)
    start = threading.Barrier(8)
    clients: list[B24Client] = []
    lock = threading.Lock()

    def make() -> None:
        start.wait()
        c = B24Client(
            "https://portal.example.com",
            auth=WebhookAuth(1, "code"),
            transport=httpx.MockTransport(lambda r: httpx.Response(500)),
        )
        with lock:
            clients.append(c)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(built) == 1
        assert len({id(c._limiter) for c in clients}) == 1
        assert clients[0]._limiter is built[0]
    finally:
        for c in clients:
            c.close()
