"""Reviewer sign-in for the inbox: token or pbkdf2 password, CSRF tokens, a failed-login throttle.

Password hashes have the form `pbkdf2_sha256$ITERATIONS$SALT$HASH` (salt and hash url-safe base64), made by
`hash_password()` (`python -m b24_tools.inbox hash-password`). `B24_REVIEWER_PASSWORD_HASH` holds one hash
(any reviewer name may sign in with the password) or named entries `alice=HASH,bob=HASH` (then the name must
match). `B24_REVIEWER_TOKEN` is a shared token; reviewers type their name next to it. The name is what audit
records as the reviewer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Mapping

from .._errors import B24ConfigError

__all__ = [
    "ReviewerAuth",
    "hash_password",
    "verify_password",
    "new_csrf_token",
    "csrf_matches",
    "LoginThrottle",
    "valid_reviewer_name",
]

_SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000
_NAME_RE = re.compile(r"^[\w .@+-]{1,64}$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """Hash a reviewer password for `B24_REVIEWER_PASSWORD_HASH` (PBKDF2-HMAC-SHA256, random 16-byte salt)."""
    if not password:
        raise B24ConfigError("empty reviewer password", hint="choose a password of at least 8 characters")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check of `password` against a `hash_password()` string; malformed hashes never match."""
    try:
        scheme, iterations, salt, digest = encoded.strip().split("$")
        if scheme != _SCHEME:
            return False
        expected = _unb64(digest)
        actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), _unb64(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def valid_reviewer_name(name: str) -> bool:
    """Names audit can record safely: 1-64 letters, digits, space, `.@+-_`."""
    return bool(_NAME_RE.match(name))


class ReviewerAuth:
    """Checks sign-in attempts against a token and/or password hashes. Secrets stay inside this object."""

    def __init__(
        self, *, token: str | None = None, password_hash: str | None = None, pepper: bytes = b""
    ) -> None:
        self._token = token or None
        self._pepper = pepper or secrets.token_bytes(32)
        self._any_name_hash: str | None = None
        self._named: dict[str, str] = {}
        if password_hash:
            entries = [e.strip() for e in password_hash.split(",") if e.strip()]
            for entry in entries:
                name, sep, value = entry.partition("=")
                if sep and not name.startswith(_SCHEME):
                    self._named[name.strip()] = value.strip()
                else:
                    self._any_name_hash = entry
            for value in [*self._named.values(), *([self._any_name_hash] if self._any_name_hash else [])]:
                if not value.startswith(_SCHEME + "$") or value.count("$") != 3:
                    raise B24ConfigError(
                        "B24_REVIEWER_PASSWORD_HASH is not a pbkdf2_sha256$ITERATIONS$SALT$HASH value",
                        hint="make one with: python -m b24_tools.inbox hash-password",
                    )
        if not self._token and not self._any_name_hash and not self._named:
            raise B24ConfigError(
                "the reviewer inbox needs B24_REVIEWER_TOKEN or B24_REVIEWER_PASSWORD_HASH",
                hint="set one of them (python -m b24_tools.inbox hash-password makes the hash)",
            )

    @property
    def uses_token(self) -> bool:
        return self._token is not None

    @property
    def uses_password(self) -> bool:
        return self._any_name_hash is not None or bool(self._named)

    def check(self, name: str, *, token: str = "", password: str = "") -> bool:
        """True when the name is acceptable and the token or password matches."""
        return self.verify(name, token=token, password=password) is not None

    def verify(self, name: str, *, token: str = "", password: str = "") -> str | None:
        """The fingerprint of the credential that let `name` in, or None when nothing matches.

        Sessions store it; `still_valid` compares it with the current configuration, so rotating the token or a
        reviewer's password hash ends the sessions opened with the old one.
        """
        if not valid_reviewer_name(name):
            return None
        if self._token and token:
            if hmac.compare_digest(token.encode("utf-8"), self._token.encode("utf-8")):
                return self._fingerprint("token", self._token)
        if password:
            encoded = self._hash_for(name)
            if encoded is not None and verify_password(password, encoded):
                return self._fingerprint("password", encoded)
        return None

    def still_valid(self, name: str, fingerprint: str) -> bool:
        """Whether a session opened with `fingerprint` may go on under the current token and password hashes."""
        current = []
        if self._token:
            current.append(self._fingerprint("token", self._token))
        encoded = self._hash_for(name)
        if encoded is not None:
            current.append(self._fingerprint("password", encoded))
        return any(hmac.compare_digest(fingerprint, c) for c in current)

    def _hash_for(self, name: str) -> str | None:
        return self._named.get(name) if name in self._named else self._any_name_hash

    def _fingerprint(self, kind: str, secret: str) -> str:
        return hmac.new(self._pepper, f"{kind}\0{secret}".encode(), hashlib.sha256).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(session: Mapping[str, object], submitted: object) -> bool:
    """The form's token must equal the one bound to the signed session (constant-time)."""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode("ascii", "replace"), submitted.encode("ascii", "replace"))


class LoginThrottle:
    """At most `limit` failed sign-ins per key in `window` seconds (then 429 until they age out).

    The inbox counts each failure twice: under the peer address (the socket's, or the client a trusted proxy
    names) and under the reviewer name tried, so neither many names from one address nor one name from many
    addresses gets more than `limit` guesses.
    """

    def __init__(self, *, limit: int = 10, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and now - q[0] > self.window:
            q.popleft()
        if not q:
            del self._failures[key]  # keep the table bounded by the keys that failed recently
            return deque()
        return q

    def blocked(self, *keys: str) -> bool:
        with self._lock:
            now = time.monotonic()
            return any(len(self._prune(k, now)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        with self._lock:
            now = time.monotonic()
            for key in keys:
                self._prune(key, now)
                self._failures[key].append(now)

    def reset(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
