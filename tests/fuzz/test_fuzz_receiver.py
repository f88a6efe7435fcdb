"""Fuzz the events receiver: any body, any content type → 200/400/401/413, never 500; nothing is queued without
the application token; a parser failure is a `BodyError` (the 400), never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from b24_tools.events import EventQueue, HandlerRegistry, JsonlAudit, create_receiver_app
from b24_tools.events._receiver import BodyError, parse_body

from .conftest import budget
from .strategies import json_values, keys, nasty_text

TOKEN = "fuzz-application-token-0123456789"
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "",
    ]
)
form_pairs = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=8).flatmap(
            lambda base: st.lists(st.text(max_size=6), max_size=6).map(
                lambda path: base + "".join(f"[{p}]" for p in path)
            )
        ),
        st.text(max_size=20),
    ),
    max_size=12,
)


def _form(pairs: list[tuple[str, str]]) -> bytes:
    from urllib.parse import quote

    return "&".join(f"{quote(k, safe='[]')}={quote(v)}" for k, v in pairs).encode()


bodies = st.one_of(
    st.binary(max_size=400),
    nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_values().map(lambda v: json.dumps(v).encode()),
    st.dictionaries(keys, json_values(), max_size=5).map(lambda v: json.dumps(v).encode()),
    form_pairs.map(_form),
)


@budget(1.0)
@given(raw=bodies, content_type=CONTENT_TYPES)
def test_parse_body_returns_a_dict_or_raises_body_error(raw: bytes, content_type: str) -> None:
    try:
        parsed = parse_body(raw, content_type)
    except BodyError:
        return
    assert isinstance(parsed, dict)
    json.dumps(parsed)  # what the queue stores must serialize


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("fuzz-receiver")
    queue = EventQueue(tmp / "events.sqlite")
    audit = JsonlAudit(tmp / "audit.jsonl")
    app = create_receiver_app(application_token=TOKEN, queue=queue, registry=HandlerRegistry(), audit=audit)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, queue, audit


@budget(1.0)
@given(raw=bodies, content_type=CONTENT_TYPES)
def test_any_body_gets_an_answer_and_only_a_signed_event_is_queued(
    receiver: Any, raw: bytes, content_type: str
):
    client, queue, audit = receiver
    before_rows, before_audit = len(queue.rows()), len(audit.rows())
    r = client.post("/events", content=raw, headers={"content-type": content_type})
    assert r.status_code in (200, 400, 401, 413), r.text
    assert len(queue.rows()) == before_rows  # no example carries the token: nothing is queued
    assert len(audit.rows()) == before_audit + 1  # and each refusal leaves one audit line


@budget(0.5)
@given(data=json_values(), event=st.text(max_size=30), ts=json_values(max_leaves=2))
def test_a_signed_event_with_any_data_is_queued_or_refused_cleanly(
    receiver: Any, data: Any, event: str, ts: Any
):
    client, queue, _ = receiver
    body = {"event": event, "data": data, "ts": ts, "auth": {"application_token": TOKEN}}
    before = len(queue.rows())
    r = client.post("/events", content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert len(queue.rows()) == before
    else:
        assert r.json()["status"] in ("queued", "duplicate")
