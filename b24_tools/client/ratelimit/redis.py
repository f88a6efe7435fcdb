"""Leaky bucket shared by many hosts through Redis: one Lua script reserves a slot atomically.

The script uses the Redis server clock (`TIME`), so hosts with skewed clocks still agree.
Needs the `redis` extra: `pip install 'b24-tools[redis]'`.
"""

from __future__ import annotations

from typing import Any

from ..._errors import B24ConfigError
from . import _asleep, _check, _sleep

__all__ = ["RedisRateLimiter", "LUA_RESERVE"]

# KEYS[1] bucket key; ARGV rate, burst, ttl seconds. Returns the wait in seconds as a string (Lua floats
# would be truncated to integers on the way back).
LUA_RESERVE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level = tonumber(v[1]) or 0
local ts = tonumber(v[2]) or now
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
level = level - elapsed * rate
if level < 0 then level = 0 end
level = level + 1
local wait = 0
if level > burst then wait = (level - burst) / rate end
redis.call('HSET', KEYS[1], 'level', string.format('%.6f', level), 'ts', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], ttl)
return string.format('%.6f', wait)
"""


def _import_redis() -> Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - the dev install has it
        raise B24ConfigError(
            "the redis rate limiter needs the redis package", hint="pip install 'b24-tools[redis]'"
        ) from exc
    return redis


class RedisRateLimiter:
    """Leaky bucket per key in Redis (`{key_prefix}{key}` hash with level and ts)."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        rate: float = 1.9,
        burst: float = 48.0,
        key_prefix: str = "b24:ratelimit:",
        ttl_sec: int = 3600,
    ) -> None:
        _check(rate, burst)
        self.url = url
        self.rate = float(rate)
        self.burst = float(burst)
        self.key_prefix = key_prefix
        self.ttl_sec = int(ttl_sec)
        self._redis: Any = None
        self._aredis: Any = None
        self._script: Any = None
        self._ascript: Any = None

    def _args(self) -> list[str]:
        return [repr(self.rate), repr(self.burst), str(self.ttl_sec)]

    def reserve(self, key: str) -> float:
        if self._redis is None:
            redis = _import_redis()
            self._redis = redis.Redis.from_url(self.url)
            self._script = self._redis.register_script(LUA_RESERVE)
        return float(self._script(keys=[self.key_prefix + key], args=self._args()))

    async def areserve(self, key: str) -> float:
        if self._aredis is None:
            _import_redis()
            import redis.asyncio as aredis

            self._aredis = aredis.Redis.from_url(self.url)
            self._ascript = self._aredis.register_script(LUA_RESERVE)
        return float(await self._ascript(keys=[self.key_prefix + key], args=self._args()))

    def acquire(self, key: str) -> float:
        return _sleep(self.reserve(key))

    async def aacquire(self, key: str) -> float:
        return await _asleep(await self.areserve(key))

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()
            self._redis = None

    async def aclose(self) -> None:
        if self._aredis is not None:
            await self._aredis.aclose()
            self._aredis = None
