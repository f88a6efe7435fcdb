"""Single calls on the wire: URLs, bodies, envelopes, error mapping (general-principles.md, authorization.md)."""

from __future__ import annotations

import json

import httpx
import pytest

from b24_tools import (
    B24AccessDenied,
    B24APIError,
    B24AuthError,
    B24BadRequest,
    B24Client,
    B24MethodConfirmWaiting,
    B24MethodNotFound,
    B24NotFound,
    B24PortalDeleted,
    B24ScopeError,
    B24ServerError,
    B24ValidationError,
)
from b24_tools.client._auth import MemoryTokenStore, OAuthAuth, WebhookAuth
from b24_tools.client.ratelimit import NoopRateLimiter

from .fakeportal import WEBHOOK_CODE, FakePortal


def _client(handler, **kw) -> B24Client:
    kw.setdefault("auth", WebhookAuth(1, WEBHOOK_CODE))
    kw.setdefault("limiter", NoopRateLimiter())
    return B24Client(
        "https://portal.example.com",
        transport=httpx.MockTransport(handler),
        backoff_base=0.001,
        **kw,
    )


def test_webhook_call_posts_json_to_the_user_and_code_path(client: B24Client, portal: FakePortal) -> None:
    resp = client.call("crm.lead.add", {"fields": {"TITLE": "ACME & Co"}})
    assert resp.result == 7
    req = portal.requests[-1]
    assert req.method == "POST"
    assert str(req.url) == f"https://portal.example.com/rest/1/{WEBHOOK_CODE}/crm.lead.add"
    assert req.headers["content-type"] == "application/json"
    assert json.loads(req.content) == {"fields": {"TITLE": "ACME & Co"}}


def test_response_exposes_result_total_next_and_typed_time(client: B24Client, portal: FakePortal) -> None:
    portal.tables["crm.lead.list"] = [{"ID": str(i)} for i in range(1, 121)]
    resp = client.call("crm.lead.list", {"start": 0})
    assert len(resp.result) == 50 and resp.total == 120 and resp.next == 50
    assert resp.time is not None and resp.time.operating == 0.1 and resp.time.operating_reset_at == 1724917459
    assert resp.time.date_start == "2024-08-29T10:34:19+02:00" and resp.raw["total"] == 120


def test_oauth_call_puts_the_token_in_the_body_and_no_user_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"result": True, "time": {}})

    auth = OAuthAuth("access-token-aaaaaa", store=MemoryTokenStore())
    with _client(handler, auth=auth) as c:
        c.call("crm.lead.update", {"id": 5, "fields": {"TITLE": "x"}})
    assert str(seen[0].url) == "https://portal.example.com/rest/crm.lead.update"
    assert json.loads(seen[0].content) == {"id": 5, "fields": {"TITLE": "x"}, "auth": "access-token-aaaaaa"}


def test_rest_v3_calls_go_to_rest_api_with_the_webhook_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"result": {"item": {"id": 42}}, "time": {}})

    with _client(handler, rest_v3=True) as c:
        assert c.call("tasks.task.get", {"id": 42}).result == {"item": {"id": 42}}
    assert seen[0].url.path == f"/rest/api/1/{WEBHOOK_CODE}/tasks.task.get"


def test_from_webhook_parses_the_url_and_hides_the_code_in_repr() -> None:
    c = B24Client.from_webhook(
        f"https://portal.example.com/rest/7/{WEBHOOK_CODE}/", limiter=NoopRateLimiter()
    )
    assert c.portal == "https://portal.example.com" and c.webhook_user_id == 7
    assert WEBHOOK_CODE not in repr(c)
    c.close()


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (401, {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}, B24AuthError),
        (401, {"error": "invalid_token", "error_description": "Token expired or invalid"}, B24AuthError),
        (400, {"error": "INVALID_REQUEST", "error_description": "Https required"}, B24BadRequest),
        (
            403,
            {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"},
            B24AuthError,
        ),
        (403, {"error": "user_access_error", "error_description": "no access"}, B24AuthError),
        (404, {"error": "ERROR_MANIFEST_IS_NOT_AVAILABLE", "error_description": "Manifest"}, B24NotFound),
        (
            403,
            {"error": "METHOD_CONFIRM_DENIED", "error_description": "Method call denied"},
            B24MethodConfirmWaiting,
        ),
        (400, {"error": "0", "error_description": "Invalid sorting key (internal error)"}, B24BadRequest),
        (403, {"error": "insufficient_scope", "error_description": ""}, B24ScopeError),
        (
            403,
            {"error": "ACCESS_DENIED", "error_description": "REST API is available only on commercial plans"},
            B24AccessDenied,
        ),
        (
            404,
            {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"},
            B24MethodNotFound,
        ),
        (400, {"error": "", "error_description": "Not found"}, B24NotFound),
        (400, {"error": "", "error_description": "Access denied."}, B24AccessDenied),
        (400, {"error": "ERROR_CORE", "error_description": "Task title is not specified<br>"}, B24BadRequest),
        (
            401,
            {"error": "METHOD_CONFIRM_WAITING", "error_description": "Waiting for confirmation"},
            B24MethodConfirmWaiting,
        ),
        (
            403,
            {"error": "WRONG_AUTH_TYPE", "error_description": "Current authorization type is denied"},
            B24AuthError,
        ),
        (500, {"error": "PORTAL_DELETED", "error_description": "Portal was deleted"}, B24PortalDeleted),
        (
            400,
            {
                "error": {
                    "code": "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION",
                    "message": "Validation failed",
                    "validation": [{"message": "Required field `id` is not specified", "field": "id"}],
                }
            },
            B24BadRequest,
        ),
        (
            400,
            {
                "error": {
                    "code": "BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION",
                    "message": "Task not found",
                }
            },
            B24NotFound,
        ),
    ],
)
def test_error_envelopes_map_to_typed_errors(status: int, body: dict, cls: type) -> None:
    with _client(lambda r: httpx.Response(status, json=body)) as c, pytest.raises(cls) as info:
        c.call("crm.deal.get", {"id": 1})
    err = info.value
    assert isinstance(err, B24APIError) and err.status == status and err.method == "crm.deal.get"
    assert err.hint
    if isinstance(body["error"], dict) and "validation" in body["error"]:
        assert "id: Required field `id` is not specified" in str(err)


def test_an_error_body_with_http_200_still_raises() -> None:
    with _client(
        lambda r: httpx.Response(200, json={"error": "ACCESS_DENIED", "error_description": "no"})
    ) as c:
        with pytest.raises(B24AccessDenied):
            c.call("crm.lead.get", {"id": 1})


def test_a_non_json_answer_to_a_read_is_a_server_error_after_retries() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(502, text="<html>bad gateway</html>")

    with _client(handler, max_retries=2) as c, pytest.raises(B24ServerError):
        c.call("crm.lead.list")
    assert len(calls) == 3 and c.stats.retries == 2


def test_webhook_code_never_appears_in_error_messages() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "", "error_description": f"bad url {request.url}"})

    with _client(handler) as c, pytest.raises(B24BadRequest) as info:
        c.call("crm.lead.get", {"id": 1})
    assert WEBHOOK_CODE not in str(info.value)


@pytest.mark.parametrize("bad", ["crm.lead.add;", "", "crm lead", "../etc", "crm..lead"])
def test_bad_method_names_are_refused_before_any_request(bad: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be reached
        raise AssertionError("no request expected")

    with _client(handler) as c, pytest.raises(B24ValidationError):
        c.call(bad)


def test_params_must_be_a_mapping() -> None:
    with _client(lambda r: httpx.Response(200, json={"result": 1})) as c, pytest.raises(B24ValidationError):
        c.call("crm.lead.list", ["ID"])  # type: ignore[arg-type]


def test_default_limiter_is_a_shared_bucket_for_portals_and_off_for_the_local_emulator() -> None:
    from b24_tools.client.ratelimit import MemoryRateLimiter, NoopRateLimiter

    a = B24Client("https://a.example.com", auth=WebhookAuth(1, WEBHOOK_CODE))
    b = B24Client("https://b.example.com", auth=WebhookAuth(1, WEBHOOK_CODE))
    local = B24Client("http://127.0.0.1:8765", auth=WebhookAuth(1, WEBHOOK_CODE))
    assert isinstance(a.limiter, MemoryRateLimiter) and a.limiter is b.limiter
    assert a.limiter.rate < 2.0 and a.limiter.burst < 50
    assert isinstance(local.limiter, NoopRateLimiter)
    for c in (a, b, local):
        c.close()


def test_limiter_waits_are_logged_at_info_with_the_reason(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    import b24_tools.client.ratelimit as rl
    from b24_tools.client.ratelimit import MemoryRateLimiter

    monkeypatch.setattr(rl.time, "sleep", lambda s: None)  # count the waits, don't sleep them
    with caplog.at_level(logging.INFO, logger="b24_tools.client"):
        with _client(
            lambda r: httpx.Response(200, json={"result": 1}), limiter=MemoryRateLimiter(rate=1, burst=1)
        ) as c:
            for _ in range(3):
                c.call("crm.lead.list")
    waits = [r for r in caplog.records if "rate limiter: waited" in r.getMessage()]
    assert len(waits) == 2 and all(r.levelno == logging.INFO for r in waits)
    assert "bucket full" in waits[0].getMessage() and c.stats.limiter_wait > 0


@pytest.mark.parametrize(
    ("body", "status", "cls"),
    [
        (
            {"error": "OVERLOAD_LIMIT", "error_description": "REST API is blocked due to overload"},
            503,
            "B24RateLimited",
        ),
        ({"error": "ERROR_UNEXPECTED_ANSWER", "error_description": "unexpected"}, 500, "B24ServerError"),
        (
            {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"},
            500,
            "B24ServerError",
        ),
        (
            {"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"},
            400,
            "B24BatchError",
        ),
    ],
)
def test_retryable_and_batch_level_errors_surface_typed_after_retries(
    body: dict, status: int, cls: str
) -> None:
    import b24_tools

    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(status, json=body)

    with _client(handler, max_retries=2) as c, pytest.raises(getattr(b24_tools, cls)):
        c.call("crm.lead.list")
    assert len(seen) == (1 if status < 500 else 3)  # 4xx is final; 503/5xx reads are retried


def test_a_method_refused_inside_batch_is_a_typed_per_command_error() -> None:
    from b24_tools import B24BatchError

    body = {
        "result": {
            "result": {"b": 1},
            "result_error": {
                "a": {
                    "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
                    "error_description": "Method is not allowed for batch usage",
                }
            },
            "result_total": [],
            "result_next": [],
            "result_time": [],
        }
    }
    with _client(lambda r: httpx.Response(200, json=body)) as c:
        res = c.batch({"a": "disk.file.upload", "b": "user.current"})
    assert isinstance(res.errors["a"], B24BatchError) and res.errors["a"].method == "disk.file.upload"
    assert res.results == {"b": 1}
