"""Portal limits: the leaky bucket (503 QUERY_LIMIT_EXCEEDED) and operating time (429 OPERATION_TIME_LIMIT).

Doc: settings/performance/limits.md. The bucket is per portal: each request adds one, the counter drains at
`rate` per second, and a request that would push it past `burst` is refused. Operating time is kept per
method per webhook/app in ten one-minute baskets; the check happens before a call, so the call that crosses
the limit completes and the next one is blocked until the oldest basket leaves the window.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ._clock import Clock

__all__ = ["LeakyBucket", "OperatingTime", "Stats"]


class LeakyBucket:
    def __init__(self, clock: Clock, rate: float | None, burst: int) -> None:
        self.clock = clock
        self.rate = rate
        self.burst = burst
        self.level = 0.0
        self.last = clock.now()
        self._lock = threading.Lock()

    def configure(self, rate: float | None, burst: int | None = None) -> None:
        with self._lock:
            self.rate = rate
            if burst is not None:
                self.burst = burst
            self.level = 0.0

    def admit(self) -> bool:
        """Count one request; False when the bucket is full (the request is refused, not counted)."""
        if self.rate is None:
            return True
        with self._lock:
            now = self.clock.now()
            self.level = max(0.0, self.level - (now - self.last) * self.rate)
            self.last = now
            if self.level + 1 > self.burst:
                return False
            self.level += 1
            return True


class OperatingTime:
    """Seconds of server work per (auth key, method) in ten one-minute baskets."""

    WINDOW = 600.0

    def __init__(self, clock: Clock, limit: float) -> None:
        self.clock = clock
        self.limit = limit
        self._baskets: dict[tuple[str, str], list[list[float]]] = {}  # [basket_start, seconds]
        self._lock = threading.Lock()

    def _live(self, key: tuple[str, str], now: float) -> list[list[float]]:
        baskets = [b for b in self._baskets.get(key, []) if now - b[0] < self.WINDOW]
        self._baskets[key] = baskets
        return baskets

    def state(self, auth_key: str, method: str) -> tuple[float, int | None]:
        """(operating seconds in the window, operating_reset_at or None)."""
        now = self.clock.now()
        with self._lock:
            baskets = self._live((auth_key, method), now)
            total = sum(b[1] for b in baskets)
            reset = int(baskets[0][0] + self.WINDOW) if baskets else None
        return total, reset

    def blocked(self, auth_key: str, method: str) -> bool:
        total, _ = self.state(auth_key, method)
        return total > self.limit

    def add(self, auth_key: str, method: str, seconds: float) -> None:
        now = self.clock.now()
        with self._lock:
            baskets = self._live((auth_key, method), now)
            if baskets and now - baskets[-1][0] < 60.0:
                baskets[-1][1] += seconds
            else:
                baskets.append([now, seconds])

    def reset(self) -> None:
        with self._lock:
            self._baskets.clear()


@dataclass
class Stats:
    """Counters for tests and benchmarks."""

    requests: int = 0
    throttled: int = 0  # QUERY_LIMIT_EXCEEDED answers
    operating_blocked: int = 0  # OPERATION_TIME_LIMIT answers
    errors: int = 0
    dropped: int = 0
    batch_commands: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.requests = self.throttled = self.operating_blocked = self.errors = self.dropped = 0
        self.batch_commands = 0
        self.by_method.clear()
