"""The receiver under hostile bodies: the size cap holds while streaming (chunked or not), and parser failures of
any kind (nesting, encoding, malformed JSON) are a 400 with an audit line — never a 500, never a queued event."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.testclient import TestClient

from b24_tools.events import EventQueue, HandlerRegistry, JsonlAudit, create_receiver_app
from b24_tools.events._receiver import MAX_BODY, MAX_DEPTH

TOKEN = "app-token-limits-0123456789"
FORM = "content-type", "application/x-www-form-urlencoded"


@pytest.fixture
def parts(tmp_path):
    queue = EventQueue(tmp_path / "events.sqlite")
    audit = JsonlAudit(tmp_path / "audit.jsonl")
    app = create_receiver_app(application_token=TOKEN, queue=queue, registry=HandlerRegistry(), audit=audit)
    return app, queue, audit


def _run_asgi(app, chunks, headers):
    """Drive the ASGI app with a body that arrives in `chunks` (an iterator); count what the app pulled."""
    pulled = {"bytes": 0, "messages": 0}
    sent: list[dict] = []
    it = iter(chunks)

    async def receive():
        try:
            chunk = next(it)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled["bytes"] += len(chunk)
        pulled["messages"] += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/events", "raw_path": b"/events", "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers], "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000), "root_path": "",
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, pulled


def test_a_chunked_body_without_content_length_is_cut_off_at_the_cap(parts) -> None:
    """Issue reproduction: a 250 MB chunked body with no Content-Length. The receiver stops pulling the stream
    just past MAX_BODY and answers 413, so memory stays bounded (it never holds more than the cap + a chunk)."""
    app, queue, audit = parts
    chunk = b"a" * 65536
    endless = (chunk for _ in range(250 * 16))  # 250 MB if anyone read it all
    status, pulled = _run_asgi(app, endless, [FORM, ("transfer-encoding", "chunked")])
    assert status == 413
    assert pulled["bytes"] <= MAX_BODY + len(chunk)
    assert queue.rows() == []
    assert audit.rows()[-1]["reason"] == "body too large"


def test_a_lying_content_length_does_not_lift_the_cap(parts) -> None:
    app, queue, _ = parts
    chunk = b"b" * 65536
    status, pulled = _run_asgi(app, (chunk for _ in range(100)), [FORM, ("content-length", "10")])
    assert status == 413 and pulled["bytes"] <= MAX_BODY + len(chunk)
    assert queue.rows() == []


def test_a_streamed_body_over_the_cap_through_a_client_is_413(parts) -> None:
    app, queue, audit = parts

    def body():
        for _ in range(40):
            yield b"x" * 65536

    r = TestClient(app).post("/events", content=body(), headers=dict([FORM]))
    assert r.status_code == 413 and queue.rows() == []


@pytest.mark.parametrize(
    ("name", "content_type", "body"),
    [
        ("deep JSON", "application/json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        ("deep JSON within the parser's reach", "application/json", b'{"a":' * 500 + b"1" + b"}" * 500),
        ("deep form", FORM[1], b"event=X&data" + b"[a]" * 50_000 + b"=1"),
        ("deep form just over the limit", FORM[1], b"event=X&data" + b"[a]" * MAX_DEPTH + b"=1"),
        ("not UTF-8", FORM[1], b"event=\xff\xfe&auth[application_token]=x"),
        ("broken JSON", "application/json", b'{"event": '),
        ("a JSON list", "application/json", b"[1, 2, 3]"),
        ("too many fields", FORM[1], b"&".join(b"f%d=1" % i for i in range(5_000))),
    ],
)
def test_unparseable_bodies_are_400_with_an_audit_line(parts, name, content_type, body) -> None:
    """Issue reproduction (deep nesting gave 500 with a RecursionError and no audit line)."""
    app, queue, audit = parts
    r = TestClient(app, raise_server_exceptions=True).post(
        "/events", content=body, headers={"content-type": content_type}
    )
    assert r.status_code == 400, name
    assert r.json()["error"] == "INVALID_REQUEST"
    assert queue.rows() == []
    [line] = audit.rows()
    assert line["kind"] == "event_rejected" and line["reason"].startswith("unparseable body")


def test_a_body_nested_within_the_limit_is_still_accepted(parts) -> None:
    app, queue, _ = parts
    data: dict = {"v": 1}
    for _ in range(MAX_DEPTH - 3):
        data = {"a": data}
    body = {"event": "ONCRMLEADADD", "data": data, "auth": {"application_token": TOKEN}}
    r = TestClient(app).post(
        "/events", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200 and len(queue.rows()) == 1
