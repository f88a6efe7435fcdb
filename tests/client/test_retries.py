"""Retries, unknown outcomes, operating-time waits, moved portals and REST 3.0 idempotency on the wire."""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest

from b24_tools import (
    B24Client,
    B24ConnectionError,
    B24OperationTimeLimit,
    B24RateLimited,
    B24Timeout,
    B24UnknownOutcome,
)
from b24_tools.client._auth import WebhookAuth
from b24_tools.client._core import default_is_read
from b24_tools.client.ratelimit import NoopRateLimiter

from .fakeportal import WEBHOOK_CODE

LIMIT = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
OK = {"result": [{"ID": "1"}], "total": 1, "time": {"start": 1.0}}


class Script:
    """Answers from a list, one per request; exceptions are raised as transport failures."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer


def _client(script: Script, **kw) -> B24Client:
    return B24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(script),
        backoff_base=0.001,
        **kw,
    )


def test_reads_are_retried_on_query_limit_exceeded_then_succeed() -> None:
    s = Script(httpx.Response(503, json=LIMIT), httpx.Response(503, json=LIMIT), httpx.Response(200, json=OK))
    with _client(s) as c:
        c._cfg.backoff_base = 0.0001
        assert c.call("crm.lead.list").total == 1
    assert len(s.requests) == 3
    assert (c.stats.requests, c.stats.retries, c.stats.throttled) == (3, 2, 2)


def test_query_limit_waits_at_least_half_a_second_and_logs_why(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", lambda s: slept.append(s))
    s = Script(httpx.Response(503, json=LIMIT), httpx.Response(200, json=OK))
    with caplog.at_level(logging.INFO, logger="b24_tools.client"), _client(s) as c:
        c._cfg.backoff_base = 0.5  # the default
        c.call("crm.lead.list")
    assert slept and slept[0] >= 0.5
    assert any("QUERY_LIMIT_EXCEEDED" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def test_retries_give_up_after_max_retries_with_the_typed_error() -> None:
    s = Script(httpx.Response(503, json=LIMIT))
    with _client(s, max_retries=3) as c, pytest.raises(B24RateLimited):
        c.call("crm.lead.list")
    assert len(s.requests) == 4 and c.stats.retries == 3 and c.stats.throttled == 4


def test_a_throttled_write_is_resent_because_the_portal_never_ran_it() -> None:
    s = Script(httpx.Response(503, json=LIMIT), httpx.Response(200, json={"result": 5}))
    with _client(s) as c:
        assert c.call("crm.lead.add", {"fields": {"TITLE": "x"}}).result == 5
    assert len(s.requests) == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("peer closed"), httpx.ReadError("reset")],
)
def test_reads_are_retried_after_timeouts_and_dropped_connections(failure: Exception) -> None:
    s = Script(failure, httpx.Response(200, json=OK))
    with _client(s) as c:
        assert c.call("crm.lead.get", {"id": 1}).result == [{"ID": "1"}]
    assert len(s.requests) == 2 and c.stats.retries == 1


def test_reads_that_keep_timing_out_raise_b24timeout() -> None:
    s = Script(httpx.ReadTimeout("read timed out"))
    with _client(s, max_retries=2) as c, pytest.raises(B24Timeout):
        c.call("crm.lead.list")
    assert len(s.requests) == 3


def test_connection_refused_is_retried_even_for_writes_because_nothing_was_sent() -> None:
    s = Script(httpx.ConnectError("refused"), httpx.Response(200, json={"result": 9}))
    with _client(s) as c:
        assert c.call("crm.lead.add", {"fields": {}}).result == 9
    assert len(s.requests) == 2


def test_connection_errors_exhaust_into_b24connectionerror() -> None:
    with (
        _client(Script(httpx.ConnectError("refused")), max_retries=1) as c,
        pytest.raises(B24ConnectionError),
    ):
        c.call("crm.lead.list")


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.Response(
            500, json={"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}
        ),
        httpx.Response(502, text="bad gateway"),
    ],
)
def test_writes_that_may_have_reached_the_portal_raise_unknown_outcome_and_are_not_resent(
    failure: object,
) -> None:
    s = Script(failure, httpx.Response(200, json={"result": 1}))
    with _client(s) as c, pytest.raises(B24UnknownOutcome) as info:
        c.call("crm.deal.add", {"fields": {"TITLE": "once"}})
    assert len(s.requests) == 1
    assert "crm.deal.add" in str(info.value) and "ORIGIN_ID" in info.value.hint


def test_rest_v3_write_with_idempotency_key_is_resent_with_the_same_key() -> None:
    replay = httpx.Response(
        200,
        json={"result": {"item": {"id": 42}}},
        headers={"Idempotency-Key": "plan-1", "Idempotent-Replayed": "true"},
    )
    s = Script(httpx.ReadTimeout("lost"), replay)
    with _client(s) as c:
        resp = c.call("tasks.task.add", {"fields": {"title": "x"}}, idempotency_key="plan-1", v3=True)
    assert resp.replayed and resp.result == {"item": {"id": 42}}
    assert [r.headers["Idempotency-Key"] for r in s.requests] == ["plan-1", "plan-1"]
    assert all(r.url.path.startswith("/rest/api/1/") for r in s.requests)
    assert json.loads(s.requests[0].content) == json.loads(s.requests[1].content)


def test_idempotency_key_on_classic_rest_does_not_make_a_write_resendable() -> None:
    s = Script(httpx.ReadTimeout("lost"), httpx.Response(200, json={"result": 1}))
    with _client(s) as c, pytest.raises(B24UnknownOutcome):
        c.call("crm.lead.add", {"fields": {}}, idempotency_key="k1")
    assert "Idempotency-Key" not in s.requests[0].headers


def test_idempotency_key_must_be_printable_ascii() -> None:
    from b24_tools import B24ValidationError

    with _client(Script(httpx.Response(200, json=OK))) as c, pytest.raises(B24ValidationError):
        c.call("tasks.task.add", {}, idempotency_key="ключ", v3=True)


def test_idempotency_key_reused_with_another_body_is_typed() -> None:
    from b24_tools import B24IdempotencyKeyReused

    body = {"error": {"code": "BITRIX_REST_V3_EXCEPTION_IDEMPOTENCYKEYREUSEDEXCEPTION", "message": "reused"}}
    with _client(Script(httpx.Response(422, json=body))) as c, pytest.raises(B24IdempotencyKeyReused):
        c.call("tasks.task.add", {}, idempotency_key="k", v3=True)


def test_operation_time_limit_waits_until_reset_when_within_the_bound(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", lambda s: slept.append(s))
    reset = time.time() + 20
    blocked = {
        "error": "OPERATION_TIME_LIMIT",
        "error_description": "Method is blocked due to operation time limit.",
        "time": {"operating_reset_at": reset},
    }
    s = Script(
        httpx.Response(429, json=blocked), httpx.Response(200, json={"result": 1, "time": {"operating": 470}})
    )
    with caplog.at_level(logging.INFO, logger="b24_tools.client"), _client(s, operating_wait_max=60) as c:
        assert c.call("crm.lead.add", {"fields": {}}).result == 1
    assert 19 <= slept[0] <= 21 and c.stats.throttled == 1
    assert any("OPERATION_TIME_LIMIT" in r.getMessage() for r in caplog.records)


def test_operation_time_limit_beyond_the_bound_raises_with_the_reset_time() -> None:
    reset = time.time() + 400
    blocked = {
        "error": "OPERATION_TIME_LIMIT",
        "error_description": "blocked",
        "time": {"operating_reset_at": reset},
    }
    with _client(Script(httpx.Response(429, json=blocked)), operating_wait_max=60) as c:
        with pytest.raises(B24OperationTimeLimit) as info:
            c.call("crm.lead.list")
    assert info.value.reset_at == reset and "resets at" in str(info.value) and info.value.status == 429


def test_operation_time_limit_uses_the_last_seen_reset_for_that_method(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", lambda s: slept.append(s))
    reset = time.time() + 5
    s = Script(
        httpx.Response(200, json={"result": [], "time": {"operating": 479, "operating_reset_at": reset}}),
        httpx.Response(429, json={"error": "OPERATION_TIME_LIMIT", "error_description": "blocked"}),
        httpx.Response(200, json={"result": []}),
    )
    with _client(s) as c:
        c.call("crm.lead.list")
        c.call("crm.lead.list")
    assert len(slept) == 1 and 4 <= slept[0] <= 6


def test_a_moved_portal_gets_the_post_re_sent_to_the_new_address(caplog: pytest.LogCaptureFixture) -> None:
    s = Script(
        httpx.Response(
            302, headers={"Location": f"https://new.example.com/rest/1/{WEBHOOK_CODE}/crm.lead.add"}
        ),
        httpx.Response(200, json={"result": 77}),
    )
    with caplog.at_level(logging.INFO, logger="b24_tools.client"), _client(s) as c:
        assert c.call("crm.lead.add", {"fields": {"TITLE": "moved"}}).result == 77
        assert c.portal == "https://new.example.com"
    second = s.requests[1]
    assert second.method == "POST" and second.url.host == "new.example.com"
    assert second.url.path == f"/rest/1/{WEBHOOK_CODE}/crm.lead.add"
    assert json.loads(second.content) == {"fields": {"TITLE": "moved"}}
    moved = [r.getMessage() for r in caplog.records if "moved" in r.getMessage()]
    assert moved and WEBHOOK_CODE not in " ".join(moved)


def test_a_redirect_to_plain_http_elsewhere_is_refused() -> None:
    from b24_tools import B24ConfigError

    s = Script(httpx.Response(302, headers={"Location": "http://evil.example.com/rest/x"}))
    with _client(s) as c, pytest.raises(B24ConfigError):
        c.call("crm.lead.list")


def test_endless_redirects_end_with_a_connection_error() -> None:
    s = Script(httpx.Response(302, headers={"Location": "https://portal.example.com/rest/x"}))
    with _client(s) as c, pytest.raises(B24ConnectionError):
        c.call("crm.lead.list")


@pytest.mark.parametrize(
    ("method", "read"),
    [
        ("crm.lead.list", True),
        ("crm.lead.get", True),
        ("user.current", True),
        ("crm.lead.fields", True),
        ("crm.lead.add", False),
        ("disk.file.moveto", False),
        ("crm.lead.delete", False),
        ("event.bind", False),
        ("tasks.task.complete", False),
    ],
)
def test_reads_are_recognised_conservatively(method: str, read: bool) -> None:
    assert default_is_read(method, {}) is read


def test_batch_is_read_only_when_every_command_is() -> None:
    assert default_is_read("batch", {"cmd": {"a": "crm.lead.list?x=1", "b": "user.current"}})
    assert not default_is_read("batch", {"cmd": {"a": "crm.lead.list", "b": "crm.lead.delete?id=1"}})


def test_a_custom_is_read_rule_is_used() -> None:
    s = Script(httpx.ReadTimeout("x"), httpx.Response(200, json={"result": 1}))
    with _client(s, is_read=lambda m, p: True) as c:
        assert c.call("crm.lead.add", {}).result == 1


def test_preferring_rest_v3_falls_back_to_classic_rest_for_methods_it_lacks() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.startswith("/rest/api/") and "crm.lead" in request.url.path:
            return httpx.Response(
                404,
                json={
                    "error": {
                        "code": "BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION",
                        "message": "Method not found",
                    }
                },
            )
        return httpx.Response(200, json={"result": 1})

    with _client(Script(httpx.Response(200)), rest_v3=True) as c:
        c._http._transport = httpx.MockTransport(handler)
        assert c.call("crm.lead.add", {"fields": {}}).result == 1
        assert c.call("crm.lead.add", {"fields": {}}).result == 1
        assert c.call("tasks.task.add", {"fields": {}}).result == 1
    prefix = f"/rest/1/{WEBHOOK_CODE}/"
    assert seen == [
        f"/rest/api/1/{WEBHOOK_CODE}/crm.lead.add",
        prefix + "crm.lead.add",
        prefix + "crm.lead.add",
        f"/rest/api/1/{WEBHOOK_CODE}/tasks.task.add",
    ]
    assert c.stats.retries == 0


def test_an_explicit_v3_call_to_a_missing_method_raises() -> None:
    from b24_tools import B24MethodNotFound

    body = {
        "error": {"code": "BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION", "message": "Method not found"}
    }
    s = Script(httpx.Response(404, json=body))
    with _client(s) as c, pytest.raises(B24MethodNotFound):
        c.call("crm.lead.add", {}, v3=True)
    assert len(s.requests) == 1


def test_paging_always_uses_the_classic_rest() -> None:
    opening = {"result": {"result": {"p0": [{"ID": "1"}], "max": [{"ID": "1"}]}, "result_error": []}}
    s = Script(
        httpx.Response(200, json={"result": [{"ID": "1"}], "total": 1}), httpx.Response(200, json=opening)
    )
    with _client(s, rest_v3=True) as c:
        assert [r["ID"] for r in c.iter_list("crm.lead.list", mode="offset")] == ["1"]
        assert [r["ID"] for r in c.iter_list("crm.lead.list")] == ["1"]
    assert all(not r.url.path.startswith("/rest/api/") for r in s.requests)
