"""Refresh locks, one per portal: whoever holds it refreshes that portal's token; the others wait and reuse it.

    FileRefreshLocks(dir)      `flock` on one file per portal: every process on one host
    RedisRefreshLocks(url)     `SET NX PX` with an owner token, released by a compare-and-delete script: many hosts

Both hand out a `PortalLock` with `acquire(blocking) -> bool` / `release()`, the two methods the OAuth flow
calls on its token store while it refreshes (see `client/_auth.py`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from .._errors import B24ConfigError, require_extra

__all__ = ["PortalLock", "RefreshLocks", "FileRefreshLocks", "RedisRefreshLocks", "make_refresh_locks"]


class PortalLock(Protocol):
    def acquire(self, blocking: bool = True) -> bool: ...

    def release(self) -> None: ...


class RefreshLocks(Protocol):
    def for_portal(self, member_id: str) -> PortalLock: ...


def _safe_name(member_id: str) -> str:
    return hashlib.sha256(member_id.encode()).hexdigest()[:32]


class _FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fds: list[int] = []
        self._guard = threading.Lock()

    def acquire(self, blocking: bool = True) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        with self._guard:
            self._fds.append(fd)
        return True

    def release(self) -> None:
        with self._guard:
            fd = self._fds.pop() if self._fds else None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class FileRefreshLocks:
    """One lock file per portal under `directory` (default `.runtime/portal-locks/`)."""

    def __init__(self, directory: str | Path = ".runtime/portal-locks") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._locks: dict[str, _FileLock] = {}
        self._guard = threading.Lock()

    def for_portal(self, member_id: str) -> PortalLock:
        with self._guard:
            lock = self._locks.get(member_id)
            if lock is None:
                lock = self._locks[member_id] = _FileLock(self.directory / f"{_safe_name(member_id)}.lock")
            return lock


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class _RedisLock:
    def __init__(self, owner: RedisRefreshLocks, key: str) -> None:
        self.owner = owner
        self.key = key
        self._tokens: list[str] = []

    def acquire(self, blocking: bool = True) -> bool:
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self.owner.wait_sec
        while True:
            if self.owner.redis.set(self.key, token, nx=True, px=int(self.owner.ttl_sec * 1000)):
                self._tokens.append(token)
                return True
            if not blocking:
                return False
            if time.monotonic() > deadline:
                raise B24ConfigError(
                    f"waited {self.owner.wait_sec:.0f}s for another worker's token refresh of one portal",
                    hint="check that the OAuth server answers; the lock expires by itself after its TTL",
                )
            time.sleep(0.02)

    def release(self) -> None:
        if self._tokens:
            self.owner.release_script(keys=[self.key], args=[self._tokens.pop()])


class RedisRefreshLocks:
    """Locks as Redis keys `{prefix}{member_id hash}`; a crashed holder's lock expires after `ttl_sec`."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "b24:refresh:",
        ttl_sec: float = 30.0,
        wait_sec: float = 60.0,
    ) -> None:
        require_extra("Redis refresh locks", "redis", "redis")
        import redis

        self.redis: Any = redis.Redis.from_url(url)
        self.release_script = self.redis.register_script(_RELEASE)
        self.prefix = prefix
        self.ttl_sec = ttl_sec
        self.wait_sec = wait_sec

    def for_portal(self, member_id: str) -> PortalLock:
        return _RedisLock(self, self.prefix + _safe_name(member_id))

    def close(self) -> None:
        self.redis.close()


def make_refresh_locks(kind: str, *, directory: str | Path, redis_url: str | None = None) -> RefreshLocks:
    """ "file" (one host) or "redis" (many hosts)."""
    if kind == "redis":
        return RedisRefreshLocks(redis_url or "redis://127.0.0.1:6379/0")
    if kind == "file":
        return FileRefreshLocks(directory)
    raise B24ConfigError(f"unknown refresh lock kind {kind!r}", hint="use file or redis")
