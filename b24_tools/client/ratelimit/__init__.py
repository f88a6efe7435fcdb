"""Client-side leaky bucket per portal, so a webhook never trips the portal's own bucket.

Bitrix24 counts requests per portal in a leaky bucket (limits.md: standard plans drain 2/s with a burst of 50,
enterprise 5/s and 250). Every backend here models the same bucket: a request adds one unit; the level drains at
`rate` per second; a request that would lift the level above `burst` waits until it fits. Waiters reserve their
slot first (the level may exceed `burst` while they sleep), so concurrent callers are served in arrival order and
the level seen by the portal at send time never exceeds `burst`.

    RateLimiter (protocol): acquire(key) -> seconds waited ; await aacquire(key)
    ├── NoopRateLimiter       kind "off"
    ├── MemoryRateLimiter     kind "memory": one process, threads and asyncio tasks
    ├── FileRateLimiter       kind "file":   SQLite file under .runtime/, many processes on one host
    └── RedisRateLimiter      kind "redis":  one atomic Lua script, many hosts
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..._errors import B24ConfigError

__all__ = [
    "RateLimiter",
    "NoopRateLimiter",
    "MemoryRateLimiter",
    "FileRateLimiter",
    "RedisRateLimiter",
    "make_rate_limiter",
    "drain",
]


@runtime_checkable
class RateLimiter(Protocol):
    """Wait until one more request to `key` (a portal host) fits the bucket; return the seconds waited.

    `burst` is the bucket's size (requests that may go at once); clients size their concurrency by it.
    """

    burst: float

    def acquire(self, key: str) -> float: ...

    async def aacquire(self, key: str) -> float: ...


def drain(level: float, elapsed: float, rate: float, burst: float) -> tuple[float, float]:
    """One step of the bucket: drain by `elapsed`, add one request. Returns (new level, seconds to wait).

    Shared by every backend (the Redis Lua script repeats it in Lua).
    """
    level = max(0.0, level - max(0.0, elapsed) * rate) + 1.0
    wait = (level - burst) / rate if level > burst else 0.0
    return level, wait


class NoopRateLimiter:
    """No client-side limit (`B24_RATE_LIMITER=off`, the in-process emulator)."""

    rate = float("inf")
    burst = float("inf")

    def acquire(self, key: str) -> float:
        return 0.0

    async def aacquire(self, key: str) -> float:
        return 0.0


def _sleep(seconds: float) -> float:
    if seconds > 0:
        time.sleep(seconds)
    return seconds


async def _asleep(seconds: float) -> float:
    if seconds > 0:
        await asyncio.sleep(seconds)
    return seconds


def _check(rate: float, burst: float) -> None:
    if not rate > 0 or not burst >= 1:
        raise B24ConfigError(
            f"rate limiter needs rate > 0 and burst >= 1 (got rate={rate}, burst={burst})",
            hint="fix B24_RATE_LIMITER_RATE / B24_RATE_LIMITER_BURST",
        )


def make_rate_limiter(
    kind: str,
    *,
    rate: float = 1.9,
    burst: float = 48.0,
    path: str | Path | None = None,
    redis_url: str | None = None,
    key_prefix: str = "b24:ratelimit:",
    ttl_sec: float = 3600.0,
) -> RateLimiter:
    """Build a limiter by name: "memory", "file" (SQLite at `path`), "redis" (`redis_url`) or "off"."""
    kind = (kind or "off").strip().lower()
    if kind in ("off", "none", "noop", ""):
        return NoopRateLimiter()
    _check(rate, burst)
    if kind == "memory":
        from .memory import MemoryRateLimiter

        return MemoryRateLimiter(rate=rate, burst=burst)
    if kind == "file":
        from .file import FileRateLimiter

        return FileRateLimiter(
            path or Path(".runtime/bitrix24_rate_limiter.sqlite"), rate=rate, burst=burst, ttl_sec=ttl_sec
        )
    if kind == "redis":
        from .redis import RedisRateLimiter

        return RedisRateLimiter(
            redis_url or "redis://127.0.0.1:6379/0", rate=rate, burst=burst, key_prefix=key_prefix
        )
    raise B24ConfigError(
        f"unknown rate limiter {kind!r}", hint="set B24_RATE_LIMITER to one of: file, memory, redis, off"
    )


def __getattr__(name: str) -> object:
    if name == "MemoryRateLimiter":
        from .memory import MemoryRateLimiter

        return MemoryRateLimiter
    if name == "FileRateLimiter":
        from .file import FileRateLimiter

        return FileRateLimiter
    if name == "RedisRateLimiter":
        from .redis import RedisRateLimiter

        return RedisRateLimiter
    raise AttributeError(name)
