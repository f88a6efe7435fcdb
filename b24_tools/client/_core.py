"""The pure half of the client, shared by `B24Client` and `AsyncB24Client`.

URL building, parameter encoding, envelope parsing, error mapping, the retry decision after each attempt and
reads-vs-writes (batch encoding lives in `_batch.py`, paging arithmetic in `_paging.py`). Nothing here does I/O;
the two clients repeat only the sending loop.
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Self
from urllib.parse import urljoin, urlsplit

import httpx

from .._errors import (
    B24APIError,
    B24ConnectionError,
    B24MethodNotFound,
    B24OperationTimeLimit,
    B24RateLimited,
    B24ServerError,
    B24Timeout,
    B24UnknownOutcome,
    B24ValidationError,
    make_api_error,
)
from .._redact import redact_text
from .._settings import is_loopback_host, normalize_portal_url, split_webhook_url
from ._auth import OAuthAuth, WebhookAuth
from ._batch import check_method
from ._response import B24Response, B24Time, ClientStats
from .ratelimit import NoopRateLimiter, RateLimiter

__all__ = ["BaseClient", "Call", "Step", "default_is_read", "client_kwargs_from_settings"]

log = logging.getLogger("b24_tools.client")

# Last name segments that only read (the catalog decides first; unknown verbs count as writes).
_READ_VERBS = frozenset(
    "get list fields getfields userfields current getlist search count info time types".split()
)
_READ_METHODS = frozenset(
    "scope methods method.get app.info server.time feature.get profile user.current user.search event.get".split()
)
_MOVED = frozenset({301, 302, 303, 307, 308})
_SHARED_LIMITER: RateLimiter | None = None
_SHARED_LIMITER_LOCK = threading.Lock()


def _shared_limiter() -> RateLimiter:
    """One in-process bucket for clients built without a limiter, so they share each portal's allowance.

    Built once under a lock: two threads making their first clients at the same moment get the same bucket.
    """
    global _SHARED_LIMITER
    with _SHARED_LIMITER_LOCK:
        if _SHARED_LIMITER is None:
            from .ratelimit.memory import MemoryRateLimiter

            _SHARED_LIMITER = MemoryRateLimiter(rate=1.9, burst=48.0)
        return _SHARED_LIMITER


def default_is_read(method: str, params: Mapping[str, Any] | None = None) -> bool:
    """Reads are safe to retry. The catalog decides when it knows the method; otherwise a conservative name rule."""
    name = method.strip().lower()
    if name == "batch":
        cmds = (params or {}).get("cmd") or {}
        values = cmds.values() if isinstance(cmds, Mapping) else cmds
        return all(isinstance(c, str) and default_is_read(c.split("?", 1)[0]) for c in values)
    try:
        from ..catalog import get_catalog

        risk = get_catalog().risk_of(name)
    except Exception:  # catalog not installed yet or unknown shape: fall back to the name rule
        risk = None
    if risk is not None:
        return risk == "read"
    if name in _READ_METHODS:
        return True
    return name.rsplit(".", 1)[-1] in _READ_VERBS


@dataclass(slots=True)
class Call:
    """One logical call and its retry state."""

    method: str
    params: dict[str, Any]
    v3: bool
    read: bool
    idempotency_key: str | None = None
    v3_auto: bool = False  # REST 3.0 chosen by the client's preference, not by the caller
    retries: int = 0
    operating_waits: int = 0
    moves: int = 0

    @property
    def resend_safe(self) -> bool:
        return self.read or (self.v3 and bool(self.idempotency_key))


@dataclass(slots=True)
class Step:
    """What the sending loop does next."""

    action: Literal["done", "retry", "raise"]
    value: B24Response | None = None
    error: BaseException | None = None
    delay: float = 0.0
    reason: str = ""
    counts: bool = True  # a retry in the stats (moves and REST 3.0 fall-backs are not)


@dataclass(slots=True)
class _Config:
    timeout: float
    max_retries: int
    operating_wait_max: float
    backoff_base: float
    backoff_max: float
    max_moves: int = 3


class BaseClient:
    """Configuration and every decision of the Bitrix24 client; subclasses add the I/O.

    `limiter=None` means: one process-wide memory bucket per portal (standard plan, with a margin) for real
    portals, and no client-side limit for loopback hosts (the local emulator). `from_env()` uses the configured
    backend (`B24_RATE_LIMITER`, file by default, shared by every process on the host).
    """

    def __init__(
        self,
        portal: str,
        *,
        auth: WebhookAuth | OAuthAuth,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        operating_wait_max: float = 60.0,
        rest_v3: bool = False,
        is_read: Callable[[str, dict], bool] | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        if not isinstance(auth, httpx.Auth):
            raise B24ValidationError("auth must be WebhookAuth(...) or OAuthAuth(...)")
        self._portal = normalize_portal_url(portal)
        self._auth = auth
        if limiter is None:  # a polite default for real portals; the local emulator (loopback) needs none
            host = urlsplit(self._portal).hostname or ""
            limiter = NoopRateLimiter() if is_loopback_host(host) else _shared_limiter()
        self._limiter: RateLimiter = limiter
        self._rest_v3 = rest_v3
        self._is_read = is_read or default_is_read
        self._cfg = _Config(
            float(timeout),
            max(0, int(max_retries)),
            float(operating_wait_max),
            float(backoff_base),
            float(backoff_max),
        )
        self._stats = ClientStats()
        self._stats_lock = threading.Lock()
        self._reset_at: dict[str, float] = {}
        self._owns_limiter = False
        self._v2_only: set[str] = set()  # methods REST 3.0 does not have (learned from 404s)

    # -- constructors --
    @classmethod
    def from_webhook(cls, url: str, **kw: Any) -> Self:
        """From the inbound webhook URL as the portal shows it: `https://PORTAL/rest/USER_ID/CODE/`."""
        base, user_id, code = split_webhook_url(url)
        return cls(base, auth=WebhookAuth(user_id, code), **kw)

    @classmethod
    def from_settings(cls, settings: Any, **kw: Any) -> Self:
        """From `B24Settings`; `kw` overrides (e.g. `transport=`, `limiter=`)."""
        portal, kwargs = client_kwargs_from_settings(settings, kw)
        client = cls(portal, **kwargs)
        client._owns_limiter = "limiter" not in kw  # built from settings: closed with the client
        return client

    @classmethod
    def from_env(cls, settings: Any = None, **kw: Any) -> Self:
        """From the `B24_*` environment (and `.env`); see `.env.example`."""
        return cls.from_settings(settings, **kw)

    # -- public properties --
    @property
    def portal(self) -> str:
        """The portal's base URL (no secret); changes when the portal answers 302 with a new address."""
        return self._portal

    @property
    def webhook_user_id(self) -> int | None:
        return self._auth.user_id if isinstance(self._auth, WebhookAuth) else None

    @property
    def auth(self) -> WebhookAuth | OAuthAuth:
        return self._auth

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    @property
    def stats(self) -> ClientStats:
        self._stats.refreshes = getattr(self._auth, "refresh_count", 0)
        return self._stats

    def __repr__(self) -> str:
        return f"{type(self).__name__}(portal={self._portal!r}, auth={self._auth!r})"

    _before_send: Callable[
        [httpx.Request], Any
    ]  # the limiter hook: sync in B24Client, async in AsyncB24Client

    def _http_options(self) -> dict[str, Any]:
        """The httpx client options both clients use; redirects stay manual (a moved portal gets a re-POST)."""
        return {
            "timeout": self._cfg.timeout,
            "follow_redirects": False,
            "headers": {"User-Agent": "b24-tools"},
            "event_hooks": {"request": [self._before_send]},
        }

    @property
    def _limiter_key(self) -> str:
        return urlsplit(self._portal).netloc.lower()

    @staticmethod
    def _to_portal(request: httpx.Request) -> bool:
        """REST calls count against the portal's bucket; the OAuth server's /oauth/token/ does not."""
        return request.url.path.startswith("/rest/")

    # -- building requests --
    def _new_call(
        self, method: str, params: Mapping[str, Any] | None, *, v3: bool | None, idempotency_key: str | None
    ) -> Call:
        name = check_method(method)
        if params is not None and not isinstance(params, Mapping):
            raise B24ValidationError(
                f"params of {name} must be a dict, got {type(params).__name__}", method=name
            )
        body = dict(params or {})
        use_v3 = (self._rest_v3 and name.lower() not in self._v2_only) if v3 is None else v3
        if idempotency_key is not None:
            key = str(idempotency_key)
            if not (1 <= len(key) <= 255) or not key.isprintable() or not key.isascii():
                raise B24ValidationError(
                    "idempotency_key must be 1..255 printable ASCII characters (api-reference/rest-v3.md)",
                    method=name,
                )
        call = Call(name, body, use_v3, bool(self._is_read(name, body)), idempotency_key)
        call.v3_auto = v3 is None and use_v3
        return call

    def _request(self, call: Call) -> httpx.Request:
        url = f"{self._portal}/rest/{'api/' if call.v3 else ''}{call.method}"
        headers = {"Accept": "application/json"}
        if call.v3 and call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        return httpx.Request("POST", url, json=call.params, headers=headers)

    def _backoff(self, n: int) -> float:
        base = min(self._cfg.backoff_max, self._cfg.backoff_base * (2 ** max(0, n - 1)))
        return base * (0.5 + random.random() / 2)  # "equal jitter": never less than half the step

    def _bump(self, counter: str, amount: float = 1) -> None:
        with self._stats_lock:  # cursors of a parallel export update the counters from several threads
            setattr(self._stats, counter, getattr(self._stats, counter) + amount)

    def _note_limiter_wait(self, waited: float) -> None:
        if waited > 0:
            self._bump("limiter_wait", waited)
            log.info(
                "rate limiter: waited %.2fs before a request to %s (client-side bucket full)",
                waited,
                self._limiter_key,
            )

    def _log_wait(self, call: Call, step: Step) -> None:
        log.info("waiting %.2fs before re-sending %s: %s", step.delay, call.method, step.reason)

    # -- deciding after an attempt --
    def _after_exception(self, call: Call, exc: httpx.HTTPError) -> Step:
        not_sent = isinstance(
            exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.UnsupportedProtocol
        )
        timeout = isinstance(exc, httpx.TimeoutException)
        reason = f"{type(exc).__name__}: {redact_text(str(exc)) or 'no detail'}"
        if not not_sent and not call.resend_safe:
            return Step(
                "raise",
                error=B24UnknownOutcome(
                    f"{call.method}: the request was sent but no answer came back ({reason}); not resent",
                    method=call.method,
                ),
            )
        permanent = permanent_failure_hint(exc, self._portal)
        if permanent is not None:
            return Step(
                "raise",
                error=B24ConnectionError(
                    f"{call.method}: {reason} (not retried)", method=call.method, hint=permanent
                ),
            )
        if call.retries < self._cfg.max_retries and not isinstance(exc, httpx.UnsupportedProtocol):
            call.retries += 1
            return Step("retry", delay=self._backoff(call.retries), reason=reason)
        cls = B24Timeout if timeout else B24ConnectionError
        return Step(
            "raise", error=cls(f"{call.method}: {reason} (after {call.retries} retries)", method=call.method)
        )

    def _after_response(self, call: Call, response: httpx.Response) -> Step:
        status = response.status_code
        if status in _MOVED and response.headers.get("location"):
            return self._moved(call, response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if 200 <= status < 300 and isinstance(body, Mapping) and not _has_error(body):
            resp = B24Response.from_body(
                dict(body),
                status=status,
                replayed=response.headers.get("idempotent-replayed", "").lower() == "true",
            )
            if resp.time is not None and resp.time.operating_reset_at:
                self._reset_at[call.method] = resp.time.operating_reset_at
            if resp.time is not None and resp.time.operating is not None:
                self._stats.operating[call.method] = resp.time.operating
            return Step("done", value=resp)
        err = self._error_of(call, status, body)
        if call.v3_auto and isinstance(err, B24MethodNotFound):
            # "prefer REST 3.0": the method is not there, so nothing ran; use the classic REST from now on
            self._v2_only.add(call.method.lower())
            call.v3 = call.v3_auto = False
            log.info(
                "%s is not in REST 3.0 on %s; re-sending it to the classic REST", call.method, self._portal
            )
            return Step(
                "retry", reason=f"{call.method} is not in REST 3.0; using the classic REST", counts=False
            )
        if isinstance(err, B24RateLimited):
            self._bump("throttled")
            # the portal refused before running the method: re-sending is safe for writes as well
            if call.retries < self._cfg.max_retries:
                call.retries += 1
                # at least one full backoff step: the bucket drains one request per 1/rate seconds
                floor = self._cfg.backoff_base if err.code.upper() == "QUERY_LIMIT_EXCEEDED" else 0.0
                delay = max(self._backoff(call.retries), floor)
                return Step("retry", delay=delay, reason=f"{err.code or 'rate limited'} (HTTP {status})")
            return Step("raise", error=err)
        if isinstance(err, B24OperationTimeLimit):
            self._bump("throttled")
            return self._operating(call, err, body)
        if isinstance(err, B24ServerError) or status >= 500:
            if not call.resend_safe:
                unknown = B24UnknownOutcome(
                    f"{call.method}: the portal failed with {err.code or 'HTTP ' + str(status)} after receiving the "
                    "write; it may or may not have been applied, so it was not resent",
                    method=call.method,
                )
                unknown.__cause__ = err
                return Step("raise", error=unknown)
            if call.retries < self._cfg.max_retries:
                call.retries += 1
                return Step(
                    "retry",
                    delay=self._backoff(call.retries),
                    reason=f"{err.code or 'server error'} (HTTP {status})",
                )
        return Step("raise", error=err)

    def _error_of(self, call: Call, status: int, body: Any) -> B24APIError:
        reset_at = None
        if isinstance(body, Mapping):
            raw = body.get("error")
            if isinstance(raw, Mapping):  # REST 3.0 dialect {"error": {"code", "message", "validation"}}
                code = str(raw.get("code") or "")
                desc = str(raw.get("message") or "")
                validation = raw.get("validation")
                if isinstance(validation, list) and validation:
                    details = "; ".join(
                        f"{v.get('field')}: {v.get('message')}"
                        if isinstance(v, Mapping) and v.get("field")
                        else str(v.get("message") if isinstance(v, Mapping) else v)
                        for v in validation
                    )
                    desc = f"{desc} ({details})" if desc else details
            else:
                code = str(raw or "")
                desc = str(body.get("error_description") or "")
            t = B24Time.from_dict(body.get("time"))
            reset_at = t.operating_reset_at if t else None
            if reset_at is None:  # some answers carry it beside the error instead of in `time`
                beside = B24Time.from_dict({"operating_reset_at": body.get("operating_reset_at")})
                reset_at = beside.operating_reset_at if beside else None
        else:
            code = "ERROR_UNEXPECTED_ANSWER" if status < 400 else ""
            desc = f"HTTP {status} with a non-JSON body"
        if code.lower() == "operation_time_limit" or (status == 429 and not code):
            reset_at = reset_at or self._reset_at.get(call.method)
            if reset_at:
                when = datetime.fromtimestamp(reset_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
                desc = f"{desc} (operating budget resets at {when})".strip()
        payload = dict(body) if isinstance(body, Mapping) else None
        return make_api_error(
            code or ("OPERATION_TIME_LIMIT" if status == 429 else ""),
            redact_text(desc),
            status=status,
            method=call.method,
            payload=payload,
            reset_at=reset_at,
        )

    def _operating(self, call: Call, err: B24OperationTimeLimit, body: Any) -> Step:
        reset_at = err.reset_at
        wait = (reset_at - time.time() + 0.5) if reset_at else None
        if wait is not None and wait <= self._cfg.operating_wait_max and call.operating_waits < 3:
            call.operating_waits += 1
            return Step(
                "retry", delay=max(0.0, wait), reason="OPERATION_TIME_LIMIT: waiting for operating_reset_at"
            )
        return Step("raise", error=err)

    def _moved(self, call: Call, response: httpx.Response) -> Step:
        location = urljoin(str(response.request.url), response.headers["location"])
        parts = urlsplit(location)
        new_base = normalize_portal_url(f"{parts.scheme}://{parts.netloc}")
        call.moves += 1
        if new_base == self._portal or call.moves > self._cfg.max_moves:
            return Step(
                "raise",
                error=B24ConnectionError(
                    f"{call.method}: the portal keeps redirecting ({response.status_code} to {new_base})",
                    method=call.method,
                    hint="check B24_DOMAIN / B24_WEBHOOK_URL",
                ),
            )
        log.warning(
            "portal moved: %s answered %s with %s; re-sending %s there (update B24_DOMAIN/B24_WEBHOOK_URL)",
            self._portal,
            response.status_code,
            new_base,
            call.method,
        )
        self._portal = new_base
        return Step("retry", delay=0.0, reason=f"portal moved to {new_base}", counts=False)

    # -- batch --
    def _batch_call(self, chunk: list[tuple[str, str, str]], halt: bool, *, read: bool | None = None) -> Call:
        """`read=True` for paging batches: list reads by the contract of `iter_list`, no look-up needed."""
        params = {"halt": 1 if halt else 0, "cmd": {name: cmd for name, _, cmd in chunk}}
        if read is None:
            read = all(self._is_read(method, {}) for _, method, _ in chunk)
        return Call("batch", params, False, read)


def _has_error(body: Mapping[str, Any]) -> bool:
    return "error" in body and "result" not in body and body.get("error") is not None


def client_kwargs_from_settings(settings: Any, kw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(portal, constructor kwargs) from `B24Settings`; explicit `kw` (transport=, limiter=, ...) win."""
    from .._settings import B24Settings
    from ._auth import FileTokenStore
    from .ratelimit import make_rate_limiter

    s: B24Settings = settings if settings is not None else B24Settings()
    s.require_portal()
    assert s.domain is not None
    if s.auth_mode == "webhook":
        assert s.webhook_user_id is not None and s.webhook_code is not None
        auth: WebhookAuth | OAuthAuth = WebhookAuth(s.webhook_user_id, s.webhook_code.get_secret_value())
    else:
        assert s.access_token is not None
        auth = OAuthAuth(
            s.access_token.get_secret_value(),
            refresh_token=s.refresh_token.get_secret_value() if s.refresh_token else None,
            client_id=s.client_id,
            client_secret=s.client_secret.get_secret_value() if s.client_secret else None,
            oauth_server=s.oauth_server,
            store=FileTokenStore(s.token_file),
        )
    out: dict[str, Any] = {
        "auth": auth,
        "timeout": s.timeout,
        "max_retries": s.max_retries,
        "operating_wait_max": s.operating_wait_max,
        "rest_v3": s.rest_v3,
    }
    if "limiter" not in kw:
        rate, burst = s.limiter_rate_burst()
        out["limiter"] = make_rate_limiter(
            s.rate_limiter,
            rate=rate,
            burst=burst,
            path=s.rate_limiter_file,
            redis_url=s.redis_url,
            ttl_sec=s.rate_limiter_ttl_sec,
        )
    out.update(kw)
    return s.domain, out


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def permanent_failure_hint(exc: httpx.HTTPError, url: str) -> str | None:
    """A hint naming the fix when a transport failure cannot succeed on retry (an untrusted certificate, a host
    name that does not resolve, nothing listening on a loopback port); None when a retry may help."""
    if not isinstance(exc, httpx.ConnectError):
        return None
    causes = _causes(exc)
    text = " ".join(str(c) for c in causes)
    host = urlsplit(url).hostname or ""
    if (
        any(isinstance(c, ssl.SSLCertVerificationError) for c in causes)
        or "CERTIFICATE_VERIFY_FAILED" in text
    ):
        return (
            f"the certificate of {host} is not trusted: point SSL_CERT_FILE at the CA that signed it "
            "(`b24 emulator serve --self-signed` prints its CA file) or pass an httpx transport with verify=CA"
        )
    if any(isinstance(c, socket.gaierror) for c in causes) and "Temporary failure" not in text:
        return f"the host {host!r} does not resolve: check the portal address in B24_WEBHOOK_URL / B24_PORTAL"
    if is_loopback_host(host) and (
        any(isinstance(c, ConnectionRefusedError) for c in causes) or "Connection refused" in text
    ):
        port = urlsplit(url).port
        return (
            f"nothing listens on {host}:{port}: start the emulator (`b24 emulator serve --port {port}`) "
            "or fix the address in B24_WEBHOOK_URL"
        )
    return None
