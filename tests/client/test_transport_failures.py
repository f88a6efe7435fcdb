"""Transport failures that cannot succeed on retry fail at once with a hint naming the fix."""

from __future__ import annotations

import socket
import ssl
import time

import httpx
import pytest

from b24_tools import B24Client, B24ConnectionError
from b24_tools.client._auth import WebhookAuth
from b24_tools.client.ratelimit import NoopRateLimiter


def _client(url: str, handler) -> B24Client:
    return B24Client(
        url,
        auth=WebhookAuth(1, "code"),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(handler),
        backoff_base=0.5,
    )


def _raiser(cause: BaseException, message: str = "connect failed"):
    def handler(request: httpx.Request) -> httpx.Response:
        try:
            raise cause
        except BaseException as inner:
            raise httpx.ConnectError(message, request=request) from inner

    return handler


@pytest.mark.parametrize(
    ("url", "cause", "hint"),
    [
        (
            "https://127.0.0.1:8443",
            ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate"),
            "SSL_CERT_FILE",
        ),
        (
            "https://no-such-portal.invalid",
            socket.gaierror(-2, "Name or service not known"),
            "B24_WEBHOOK_URL",
        ),
        (
            "http://127.0.0.1:9",
            ConnectionRefusedError(111, "Connection refused"),
            "b24 emulator serve --port 9",
        ),
    ],
)
def test_a_failure_no_retry_can_fix_is_raised_at_once_with_the_fix(url, cause, hint) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return _raiser(cause)(request)

    t0 = time.monotonic()
    with _client(url, handler) as c, pytest.raises(B24ConnectionError) as info:
        c.call("user.current")
    assert len(calls) == 1 and time.monotonic() - t0 < 0.4  # no backoff sleeps (backoff_base is 0.5 s)
    assert hint in (info.value.hint or "") and "not retried" in str(info.value)


def test_a_refused_connection_to_a_remote_portal_is_still_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            return _raiser(ConnectionRefusedError(111, "Connection refused"))(request)
        return httpx.Response(200, json={"result": {"ID": "1"}, "time": {}})

    with B24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, "code"),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(handler),
        backoff_base=0.001,
    ) as c:
        assert c.call("user.current").result == {"ID": "1"}
    assert len(calls) == 3
