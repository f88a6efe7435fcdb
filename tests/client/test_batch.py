"""batch: command encoding against settings/how-to-call-rest-api/batch.md, PHP `[]`, chunking, references."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24_tools import B24Client, B24ScopeError, B24ValidationError
from b24_tools.client._batch import encode_command, plan_batch
from b24_tools.client._phpquery import decode
from b24_tools.client._response import BatchResult

from .fakeportal import FakePortal

# batch.md, "cURL (Webhook)" example
DOC_CMD = {
    "get_user": "user.current",
    "get_department": "department.get?ID=$result[get_user][UF_DEPARTMENT][0]",
}
# batch.md, "Successful Result" example (abridged user record)
DOC_SUCCESS = {
    "result": {
        "result": {
            "get_user": {"ID": "1", "NAME": "John", "UF_DEPARTMENT": [1]},
            "get_department": [{"ID": "1", "NAME": "DEMO", "SORT": 500}],
        },
        "result_error": [],
        "result_total": {"get_department": 1},
        "result_next": [],
        "result_time": {
            "get_user": {
                "start": 1724916859.46156,
                "finish": 1724916859.464775,
                "duration": 0.0032150745391845703,
                "processing": 0.003075838088989258,
                "date_start": "2024-08-29T10:34:19+02:00",
                "date_finish": "2024-08-29T10:34:19+02:00",
            },
        },
    },
    "time": {"start": 1724916859.421475, "finish": 1724916859.471588},
}
# batch.md, "Error Example (halt = 0)": every section is PHP's empty array
DOC_ERRORS = {
    "result": {
        "result": [],
        "result_error": {
            "get_user": {"error": "insufficient_scope", "error_description": ""},
            "get_department": {"error": "insufficient_scope", "error_description": ""},
        },
        "result_total": [],
        "result_next": [],
        "result_time": [],
    },
    "time": {"start": 1724916638.077564},
}


def test_tuple_commands_encode_to_the_docs_query_strings() -> None:
    method, cmd = encode_command(("department.get", {"ID": "$result[get_user][UF_DEPARTMENT][0]"}))
    assert method == "department.get"
    # the portal parses the inner query like parse_str: same params as the docs' unencoded example
    assert decode(cmd.split("?", 1)[1]) == decode(DOC_CMD["get_department"].split("?", 1)[1])
    # and the docs' "HTTP (OAuth)" example is this command string URL-encoded once more (double encoding)
    doc_http = "department.get%3FID%3D%2524result%255Bget_user%255D%255BUF_DEPARTMENT%255D"
    assert quote(cmd, safe="").startswith(doc_http)
    assert encode_command(("user.current", {})) == ("user.current", "user.current")


def test_docs_chain_example_encodes_nested_fields_php_style() -> None:
    # batch.md "Using Results": crm.lead.add?fields[TITLE]=Test Assigned&fields[ASSIGNED_BY_ID]=$result[user_by_name][0][ID]
    _, cmd = encode_command(
        (
            "crm.lead.add",
            {"fields": {"TITLE": "Test Assigned", "ASSIGNED_BY_ID": "$result[user_by_name][0][ID]"}},
        )
    )
    assert cmd == (
        "crm.lead.add?fields%5BTITLE%5D=Test%20Assigned"
        "&fields%5BASSIGNED_BY_ID%5D=%24result%5Buser_by_name%5D%5B0%5D%5BID%5D"
    )
    assert decode(cmd.split("?", 1)[1]) == {
        "fields": {"TITLE": "Test Assigned", "ASSIGNED_BY_ID": "$result[user_by_name][0][ID]"}
    }


def test_batch_sends_halt_and_cmd_as_json(client: B24Client, portal: FakePortal) -> None:
    res = client.batch(DOC_CMD)
    body = portal.bodies[-1]
    assert portal.methods[-1] == "batch"
    assert body == {"halt": 0, "cmd": DOC_CMD}
    assert res.ok and res.results["get_department"] == [{"ID": "1", "NAME": "DEMO"}]
    assert res.totals == {"get_department": 1}
    client.batch(DOC_CMD, halt=True)
    assert portal.bodies[-1]["halt"] == 1


def _answering(body: dict):
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


def test_docs_success_example_parses_with_empty_php_sections() -> None:
    from b24_tools.client._auth import WebhookAuth
    from b24_tools.client.ratelimit import NoopRateLimiter

    with B24Client(
        "https://p.example.com",
        auth=WebhookAuth(1, "code-123456"),
        limiter=NoopRateLimiter(),
        transport=_answering(DOC_SUCCESS),
    ) as c:
        res = c.batch(DOC_CMD)
    assert res.ok and res.errors == {} and res.nexts == {}
    assert res.results["get_user"]["UF_DEPARTMENT"] == [1]
    assert res.times["get_user"].duration == pytest.approx(0.0032150745391845703)
    assert "get_department" not in res.times


def test_docs_error_example_gives_typed_errors_per_command() -> None:
    from b24_tools.client._auth import WebhookAuth
    from b24_tools.client.ratelimit import NoopRateLimiter

    with B24Client(
        "https://p.example.com",
        auth=WebhookAuth(1, "code-123456"),
        limiter=NoopRateLimiter(),
        transport=_answering(DOC_ERRORS),
    ) as c:
        res = c.batch(DOC_CMD)
    assert not res.ok and res.results == {}
    assert isinstance(res.errors["get_user"], B24ScopeError)
    assert res.errors["get_department"].method == "department.get"
    with pytest.raises(B24ScopeError):
        res.raise_for_errors()
    with pytest.raises(B24ScopeError):
        res["get_user"]


def test_numeric_names_answered_as_php_lists_are_keyed_by_name() -> None:
    body = {
        "result": {
            "result": [10, 11, 12],
            "result_error": [],
            "result_total": [],
            "result_next": [],
            "result_time": [],
        }
    }
    from b24_tools.client._auth import WebhookAuth
    from b24_tools.client.ratelimit import NoopRateLimiter

    with B24Client(
        "https://p.example.com",
        auth=WebhookAuth(1, "code-123456"),
        limiter=NoopRateLimiter(),
        transport=_answering(body),
    ) as c:
        res = c.call_many("crm.lead.add", [{"fields": {"TITLE": str(i)}} for i in range(3)])
    assert res.results == {"0": 10, "1": 11, "2": 12}


def test_more_than_50_commands_are_chunked_in_order(client: B24Client, portal: FakePortal) -> None:
    cmds = {f"c{i}": ("department.get", {"ID": i}) for i in range(120)}
    res = client.batch(cmds)
    assert portal.methods == ["batch", "batch", "batch"]
    assert [len(b["cmd"]) for b in portal.bodies] == [50, 50, 20]
    assert list(portal.bodies[1]["cmd"])[0] == "c50"
    assert list(res.results) == [f"c{i}" for i in range(120)] == res.order
    assert res.results["c119"] == [{"ID": "119", "NAME": "DEMO"}]


def test_call_many_keys_results_by_position(client: B24Client, portal: FakePortal) -> None:
    res = client.call_many("department.get", [{"ID": 5}, {"ID": 6}])
    assert portal.bodies[-1]["cmd"] == {"0": "department.get?ID=5", "1": "department.get?ID=6"}
    assert res.results["1"] == [{"ID": "6", "NAME": "DEMO"}]


def test_references_work_within_a_chunk(client: B24Client) -> None:
    res = client.batch(DOC_CMD)
    assert res.results["get_department"][0]["ID"] == "1"


def test_a_reference_across_chunks_is_refused_naming_the_command(
    client: B24Client, portal: FakePortal
) -> None:
    cmds: dict = {f"c{i}": ("department.get", {"ID": i}) for i in range(50)}
    cmds["late"] = ("department.get", {"ID": "$result[c0][0][ID]"})
    with pytest.raises(B24ValidationError, match="'late'.*another 50-command chunk"):
        client.batch(cmds)
    assert portal.requests == []


@pytest.mark.parametrize(
    ("cmds", "message"),
    [
        ({"a": ("department.get", {"ID": "$result[nope][0]"})}, "not a command of this batch"),
        ({"a": ("department.get", {"ID": "$result[b][0]"}), "b": "user.current"}, "runs after it"),
        ({"a": ("batch", {"cmd": {}})}, "nests another batch"),
        ({"a": ("crm lead", {})}, "not a Bitrix24 method name"),
        ({"a[0]": "user.current"}, "may not be empty or contain"),
        ({"a": ("crm.lead.add",)}, "must be \\(method, params\\)"),
    ],
)
def test_malformed_batches_are_refused_before_io(cmds: dict, message: str) -> None:
    with pytest.raises(B24ValidationError, match=message):
        plan_batch(cmds)


def test_halt_stops_before_later_chunks() -> None:
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        name = next(iter(body["cmd"]))
        return httpx.Response(
            200,
            json={
                "result": {
                    "result": [],
                    "result_error": {name: {"error": "ACCESS_DENIED", "error_description": "Access denied!"}},
                    "result_total": [],
                    "result_next": [],
                    "result_time": [],
                }
            },
        )

    from b24_tools.client._auth import WebhookAuth
    from b24_tools.client.ratelimit import NoopRateLimiter

    with B24Client(
        "https://p.example.com",
        auth=WebhookAuth(1, "code-123456"),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(handler),
    ) as c:
        res = c.batch({f"c{i}": "user.current" for i in range(60)}, halt=True)
    assert len(bodies) == 1 and list(res.errors) == ["c0"] and isinstance(res, BatchResult)


def test_batch_of_reads_is_retried_but_a_batch_with_a_write_is_not(client: B24Client) -> None:
    assert client._batch_call([("a", "crm.lead.list", "crm.lead.list")], False).read
    assert not client._batch_call([("a", "crm.lead.list", "x"), ("b", "crm.lead.add", "y")], False).read


@given(n=st.integers(0, 230))
@settings(max_examples=40, deadline=None)
def test_plan_batch_keeps_order_in_chunks_of_at_most_50(n: int) -> None:
    chunks = plan_batch({f"k{i}": ("user.get", {"ID": i}) for i in range(n)})
    names = [name for chunk in chunks for name, _, _ in chunk]
    assert names == [f"k{i}" for i in range(n)]
    assert all(1 <= len(c) <= 50 for c in chunks) and len(chunks) == -(-n // 50)
