from __future__ import annotations

from typing import Any

import pytest

from b24_tools import B24APIError
from b24_tools.events import EventQueue, HandlerRegistry, OfflineWorker, parse_offline_get


class FakeClient:
    """Records calls; answers event.offline.get from a scripted list (api-reference/events/event-offline-get.md)."""

    def __init__(self, batches: list[Any]) -> None:
        self.batches = list(batches)
        self.calls: list[tuple[str, dict]] = []

    def call(self, method: str, params: dict | None = None):
        self.calls.append((method, dict(params or {})))
        if method == "event.offline.get":
            return self.batches.pop(0) if self.batches else {"process_id": None, "events": []}
        return True

    def of(self, method):
        return [p for m, p in self.calls if m == method]


def _item(mid, name="ONCRMLEADADD", data=None):
    return {
        "ID": mid,
        "TIMESTAMP_X": "2026-11-25T10:00:00+00:00",
        "EVENT_NAME": name,
        "EVENT_DATA": data if data is not None else {"FIELDS": {"ID": mid}},
        "EVENT_ADDITIONAL": False,
        "MESSAGE_ID": f"m{mid}",
    }


def _worker(batches, handler=None, **kw):
    reg = HandlerRegistry()
    if handler:
        reg.on("*")(handler)
    client = FakeClient(batches)
    return OfflineWorker(client, queue=EventQueue(), registry=reg, **kw), client


def test_get_reserves_with_clear_0_and_clears_what_succeeded():
    handled = []
    w, c = _worker(
        [{"process_id": "p1", "events": [_item("1"), _item("2")]}], lambda ev, ctx: handled.append(ev)
    )
    report = w.run_once()
    assert c.of("event.offline.get")[0]["clear"] == 0
    assert [e.message_id for e in handled] == ["m1", "m2"]
    assert c.of("event.offline.clear") == [{"process_id": "p1", "message_id": ["m1", "m2"]}]
    assert c.of("event.offline.error") == []
    assert report.cleared == ["m1", "m2"]


def test_an_empty_queue_makes_no_clear_call():
    w, c = _worker([{"process_id": None, "events": []}])
    assert w.run_once().fetched == 0
    assert [m for m, _ in c.calls] == ["event.offline.get"]


def test_a_transient_failure_is_retried_under_the_same_process_id():
    attempts = {"n": 0}

    def flaky(ev, ctx):
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise RuntimeError("try later")

    w, c = _worker(
        [{"process_id": "p1", "events": [_item("1")]}, {"process_id": "p1", "events": [_item("1")]}], flaky
    )
    r1 = w.run_once()
    assert r1.retrying == ["m1"]
    assert c.of("event.offline.clear") == []
    w.run_once()
    assert c.of("event.offline.get")[1]["process_id"] == "p1"
    assert c.of("event.offline.clear") == [{"process_id": "p1", "message_id": ["m1"]}]


def test_exhausted_retries_go_to_the_dead_letters_and_offline_error():
    def boom(ev, ctx):
        raise RuntimeError("boom")

    w, c = _worker([{"process_id": "p1", "events": [_item("1")]}], boom, max_retries=1)
    report = w.run_once()
    assert report.dead == ["m1"]
    assert c.of("event.offline.error") == [{"process_id": "p1", "message_id": ["m1"]}]
    [dl] = w.queue.dead_letters()
    assert "boom" in dl["error"]


def test_a_malformed_record_is_dead_lettered_and_marked_error():
    bad = _item("9")
    bad["EVENT_NAME"] = None
    w, c = _worker([{"process_id": "p1", "events": [bad]}], lambda ev, ctx: None)
    w.run_once()
    assert c.of("event.offline.error") == [{"process_id": "p1", "message_id": ["m9"]}]
    assert w.queue.dead_letters()[0]["error"].startswith("INVALID_EVENT_SCHEMA")


def test_an_already_handled_record_is_cleared_without_running_handlers_again():
    handled = []
    batch = {"process_id": "p1", "events": [_item("1")]}
    w, c = _worker([batch, {"process_id": "p2", "events": [_item("1")]}], lambda ev, ctx: handled.append(1))
    w.run_once()
    report = w.run_once()  # e.g. the first clear was lost: the portal hands the record out again
    assert handled == [1]
    assert report.skipped_duplicates == ["m1"]
    assert c.of("event.offline.clear")[-1] == {"process_id": "p2", "message_id": ["m1"]}


def test_auth_connector_is_sent_and_given_to_handlers():
    got = []
    w, c = _worker(
        [{"process_id": "p", "events": [_item("1")]}],
        lambda ev, ctx: got.append(ctx.auth_connector),
        auth_connector="b24tools",
    )
    w.run_once()
    assert c.of("event.offline.get")[0]["auth_connector"] == "b24tools"
    assert got == ["b24tools"]


def test_a_wrong_application_token_on_a_record_is_never_handled_or_cleared():
    item = _item("1")
    item["auth"] = {"application_token": "forged"}
    handled = []
    w, c = _worker(
        [{"process_id": "p", "events": [item]}],
        lambda ev, ctx: handled.append(1),
        application_token="real-token-123",
    )
    w.run_once()
    assert handled == []
    assert c.of("event.offline.clear") == []


def test_an_invalid_get_answer_raises_a_typed_error():
    w, _ = _worker([["not", "an", "object"]])
    with pytest.raises(B24APIError) as exc:
        w.run_once()
    assert exc.value.code == "INVALID_OFFLINE_RESPONSE_SCHEMA"


def test_parse_offline_get_reads_events_and_process_id():
    pid, events = parse_offline_get({"process_id": "abc", "events": [_item("1")]})
    assert pid == "abc" and events[0]["MESSAGE_ID"] == "m1"
    with pytest.raises(ValueError, match="process_id"):
        parse_offline_get({"process_id": [1], "events": []})
