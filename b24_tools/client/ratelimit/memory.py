"""In-process leaky bucket (threads and asyncio tasks of one process share it)."""

from __future__ import annotations

import threading
import time

from . import _asleep, _check, _sleep, drain

__all__ = ["MemoryRateLimiter"]


class MemoryRateLimiter:
    """Leaky bucket per key held in memory. `acquire` blocks the thread; `aacquire` sleeps the task."""

    def __init__(self, *, rate: float = 1.9, burst: float = 48.0) -> None:
        _check(rate, burst)
        self.rate = float(rate)
        self.burst = float(burst)
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def reserve(self, key: str) -> float:
        """Take a slot now; return how long to wait before sending."""
        now = time.monotonic()
        with self._lock:
            level, ts = self._state.get(key, (0.0, now))
            level, wait = drain(level, now - ts, self.rate, self.burst)
            self._state[key] = (level, now)
        return wait

    def acquire(self, key: str) -> float:
        return _sleep(self.reserve(key))

    async def aacquire(self, key: str) -> float:
        return await _asleep(self.reserve(key))
