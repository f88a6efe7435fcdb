from __future__ import annotations

from b24_tools.events import EventQueue, dedup_key_for


def test_a_second_delivery_of_the_same_event_is_a_duplicate(tmp_path):
    q = EventQueue(tmp_path / "q.sqlite")
    assert q.put("ONCRMLEADADD", {"FIELDS": {"ID": "7"}}, ts="100")[0] is True
    accepted, _ = q.put("onCrmLeadAdd", {"FIELDS": {"ID": "7"}}, ts="100")
    assert accepted is False
    assert q.counts()["pending"] == 1
    assert q.counts()["duplicates"] == 1


def test_the_same_object_changed_at_another_time_is_a_new_event():
    q = EventQueue()
    q.put("ONCRMLEADUPDATE", {"FIELDS": {"ID": "7"}}, ts="100")
    q.put("ONCRMLEADUPDATE", {"FIELDS": {"ID": "7"}}, ts="101")
    assert q.counts()["pending"] == 2


def test_the_queue_survives_a_restart(tmp_path):
    path = tmp_path / "q.sqlite"
    EventQueue(path).put("ONTASKADD", {"FIELDS_AFTER": {"ID": 3}}, ts="1")
    q2 = EventQueue(path)
    [ev] = q2.claim()
    assert ev.event == "ONTASKADD"
    assert ev.data == {"FIELDS_AFTER": {"ID": 3}}


def test_claimed_rows_are_not_claimed_twice_and_ack_finishes_them():
    q = EventQueue()
    q.put("A", {}, ts="1")
    [ev] = q.claim()
    assert q.claim() == []
    q.ack(ev.id)
    assert q.counts()["done"] == 1


def test_failures_return_to_pending_until_attempts_run_out():
    q = EventQueue()
    q.put("A", {}, ts="1")
    [ev] = q.claim()
    assert q.fail(ev.id, "boom", max_attempts=2) == "pending"
    [ev] = q.claim()
    assert q.fail(ev.id, "boom again", max_attempts=2) == "dead"
    assert q.rows("dead")[0]["last_error"] == "boom again"


def test_auth_secrets_never_reach_the_stored_payload():
    q = EventQueue()
    q.put("A", {"FIELDS": {"ID": 1}, "auth": {"access_token": "tok-123456"}}, ts="1")
    assert "tok-123456" not in str(q.rows())


def test_offline_dedup_key_is_the_message_id():
    assert dedup_key_for("X", {}, message_id="42") == "offline:42"
    assert dedup_key_for("x", {"a": 1}, ts="5") == dedup_key_for("X", {"a": 1}, ts="5")
