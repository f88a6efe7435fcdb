"""Server-side reviewer sessions: the cookie carries only a random session id; the server decides what it means.

A session ends when the reviewer signs out, when it expires (`max_age` after sign-in), or when the credential it
was opened with changes (a rotated `B24_REVIEWER_TOKEN` or a new password hash for that reviewer): each session
stores a keyed fingerprint of that credential, and a session whose fingerprint no longer matches is revoked on
its next request. Only a SHA-256 of the session id is stored, so a copy of the table opens nothing.

The table is SQLite: in memory by default (sessions end at restart), or a file (0600) so sessions survive a
restart together with `B24_SESSION_SECRET`.

`SchemeAwareSessions` is Starlette's signed-cookie `SessionMiddleware` that marks the cookie `Secure` whenever the
request arrived over TLS (directly, or through a proxy named in `--forwarded-allow-ips`), and always when
`https_only` is set.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["SessionStore", "Session", "SchemeAwareSessions"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox_sessions (
    sid_hash TEXT PRIMARY KEY,
    reviewer TEXT NOT NULL,
    credential TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
)
"""


@dataclass(frozen=True)
class Session:
    reviewer: str
    credential: str
    created: float
    expires: float


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


class SessionStore:
    """Open, look up and revoke reviewer sessions (thread-safe)."""

    def __init__(self, path: str | Path | None = None, *, max_age: float = 12 * 3600) -> None:
        self.max_age = float(max_age)
        target = ":memory:" if path is None else str(path)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).touch(mode=0o600, exist_ok=True)
            os.chmod(path, 0o600)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute(_SCHEMA)

    def open(self, reviewer: str, credential: str, *, now: float | None = None) -> str:
        """A new session for `reviewer`; returns the id the cookie carries."""
        now = time.time() if now is None else now
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute("DELETE FROM inbox_sessions WHERE expires <= ?", (now,))
            self._db.execute(
                "INSERT INTO inbox_sessions VALUES (?, ?, ?, ?, ?)",
                (_digest(sid), reviewer, credential, now, now + self.max_age),
            )
        return sid

    def get(self, sid: Any, *, now: float | None = None) -> Session | None:
        """The live session for this id, or None (unknown, revoked or expired)."""
        if not isinstance(sid, str) or not sid:
            return None
        now = time.time() if now is None else now
        with self._lock:
            row = self._db.execute(
                "SELECT reviewer, credential, created, expires FROM inbox_sessions WHERE sid_hash = ?",
                (_digest(sid),),
            ).fetchone()
            if row is None:
                return None
            if row[3] <= now:
                self._db.execute("DELETE FROM inbox_sessions WHERE sid_hash = ?", (_digest(sid),))
                return None
        return Session(*row)

    def revoke(self, sid: Any) -> None:
        if isinstance(sid, str) and sid:
            with self._lock:
                self._db.execute("DELETE FROM inbox_sessions WHERE sid_hash = ?", (_digest(sid),))

    def revoke_reviewer(self, reviewer: str) -> int:
        """End every session of one reviewer (e.g. after changing their password); returns how many."""
        with self._lock:
            return self._db.execute("DELETE FROM inbox_sessions WHERE reviewer = ?", (reviewer,)).rowcount

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM inbox_sessions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class SchemeAwareSessions:
    """Signed session cookie, `Secure` over TLS (or always with `https_only`); HttpOnly, SameSite as given."""

    def __init__(self, app: ASGIApp, /, *, https_only: bool, **kwargs: Any) -> None:
        from starlette.middleware.sessions import SessionMiddleware  # the `server` extra

        self.https_only = https_only
        self._plain = SessionMiddleware(app, https_only=https_only, **kwargs)
        self._secure = SessionMiddleware(app, https_only=True, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tls = scope.get("scheme") in ("https", "wss")
        await (self._secure if tls else self._plain)(scope, receive, send)
