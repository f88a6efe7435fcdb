"""The reference worker's flags on `b24 events worker` (`--sleep`, `--once`, `--max-retries`, `--state-file`,
`--dlq-file`, `--application-token`) and `b24 events dlq list|replay|drop` for its dead letters."""

from __future__ import annotations

import json
import sqlite3

import pytest
from reference_helpers import WORKER

from b24_tools import B24Client, OAuthAuth
from b24_tools.cli import _common as cli_common
from b24_tools.events import registry

DLQ_FIELDS = {
    "tenant": str,
    "event": str,
    "message_id": str,
    "retry_count": int,
    "error": str,
    "payload": dict,
}


@pytest.fixture
def app_env(ref, monkeypatch):
    """OAuth application settings (offline events need application context) and an offline binding."""
    client_id, secret = ref.emu.oauth.register_app(scopes={"crm", "user", "task"})
    tokens = ref.emu.oauth.issue_tokens(client_id)
    with B24Client(ref.url, auth=OAuthAuth(tokens["access_token"]), transport=ref.emu.transport()) as app:
        app.call("event.bind", {"event": "ONCRMDEALADD", "event_type": "offline"})
    ref.env.update(
        {
            "B24_AUTH_MODE": "oauth",
            "B24_ACCESS_TOKEN": tokens["access_token"],
            "B24_REFRESH_TOKEN": None,
            "B24_WEBHOOK_USER_ID": None,
            "B24_WEBHOOK_CODE": None,
        }
    )
    monkeypatch.setattr(registry, "_handlers", {k: list(v) for k, v in registry._handlers.items()})
    return ref


def _fail_deals(monkeypatch, calls):
    def boom(event, ctx):
        calls.append(event.message_id)
        raise RuntimeError("boom")

    registry.add("ONCRMDEALADD", boom)
    return boom


def _new_deal(ref, title="Offline deal"):
    return ref.emu.client().call("crm.deal.add", {"fields": {"TITLE": title}}).result


def test_retries_then_dead_letters_into_the_dlq_file(app_env, monkeypatch, tmp_path):
    ref, calls = app_env, []
    _fail_deals(monkeypatch, calls)
    deal = _new_deal(ref)
    state, dlq = tmp_path / "offline_retry_state.sqlite", tmp_path / "offline_dlq.jsonl"
    line = f"{WORKER} --once --max-retries 2 --state-file {state} --dlq-file {dlq} --sleep 0.5"
    first = ref(line)
    assert first.code == 0, first.stderr
    assert first.json["retrying"] and not dlq.exists()  # one failure of two allowed: still reserved
    second = ref(line)
    assert second.json["errored"] == second.json["dead"] and len(calls) == 2
    with sqlite3.connect(state) as conn:  # the retry state lives in the --state-file database
        assert conn.execute("SELECT status, attempts FROM b24_events").fetchall() == [("dead", 2)]
    [row] = [json.loads(x) for x in dlq.read_text().splitlines()]
    for name, kind in DLQ_FIELDS.items():
        assert isinstance(row[name], kind), name
    assert isinstance(row["ts"], int) and row["retry_count"] == 2 and "boom" in row["error"]
    assert row["event"] == "ONCRMDEALADD" and row["tenant"] == ref.url.split("://", 1)[1]
    assert row["payload"]["EVENT_NAME"] == "ONCRMDEALADD"
    assert str(row["payload"]["EVENT_DATA"]["FIELDS"]["ID"]) == str(deal)
    third = ref(line)  # marked with event.offline.error: the portal keeps it aside, not offered again
    assert third.json["fetched"] == 0


def test_dlq_list_replay_and_drop(app_env, monkeypatch, tmp_path):
    ref, calls = app_env, []
    boom = _fail_deals(monkeypatch, calls)
    _new_deal(ref, "one")
    _new_deal(ref, "two")
    opts = ["--state-file", str(tmp_path / "q.sqlite"), "--dlq-file", str(tmp_path / "dlq.jsonl")]
    assert ref(f"{WORKER} --once --max-retries 1", *opts).code == 0
    listed = ref(["events", "dlq", "list", *opts, "--json"])
    assert listed.code == 0, listed.stderr
    letters = listed.json
    assert len(letters) == 2 and {d["error"] for d in letters} == {"RuntimeError: boom"}

    unknown = ref(["events", "dlq", "replay", "nope", *opts])
    assert unknown.code == 2 and "no dead letter with id nope" in unknown.stderr
    assert ref(["events", "dlq", "replay", *opts]).code == 2  # ids or --all

    registry._handlers["ONCRMDEALADD"].remove(boom)
    handled: list[str] = []
    registry.add("ONCRMDEALADD", lambda ev, ctx: handled.append(ev.message_id))
    replay = ref(["events", "dlq", "replay", letters[0]["id"], *opts, "--json"])
    assert replay.code == 0, replay.stderr
    assert replay.json["requeued"] == [letters[0]["id"]] and replay.json["queue"]["pending"] == 1
    drained = ref(["events", "worker", "--local", *opts, "--json"])
    assert drained.code == 0 and drained.json["handled"] == 1
    assert handled == [letters[0]["message_id"]]
    assert [d["id"] for d in ref(["events", "dlq", "list", *opts, "--json"]).json] == [letters[1]["id"]]

    dropped = ref(["events", "dlq", "drop", "--all", *opts, "--json"])
    assert dropped.json["dropped"] == [letters[1]["id"]]
    assert ref(["events", "dlq", "list", *opts, "--json"]).json == []


def test_dlq_in_the_queue_database_by_default(app_env, monkeypatch):
    ref, calls = app_env, []
    _fail_deals(monkeypatch, calls)
    _new_deal(ref)
    assert ref(f"{WORKER} --once --max-retries 1").code == 0
    [letter] = ref(["events", "dlq", "list", "--json"]).json
    assert letter["retry_count"] == 1 and letter["event"] == "ONCRMDEALADD"
    assert ref(["events", "dlq", "drop", letter["id"]]).code == 0
    assert ref(["events", "dlq", "list", "--json"]).json == []


def test_a_reference_json_retry_state_file_is_refused(app_env, tmp_path):
    old = tmp_path / "offline_retry_state.json"
    old.write_text("{}")
    r = app_env(f"{WORKER} --once --state-file {old}")
    assert r.code == 2 and "not an SQLite database" in r.stderr
    assert old.read_text() == "{}"


class _ScriptedPortal:
    """event.offline.get answers carrying an auth block (as records relayed from handlers do)."""

    def __init__(self, token: str) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.token = token

    def call(self, method, params=None):
        self.calls.append((method, dict(params or {})))
        if method == "event.offline.get":
            item = {
                "ID": "1",
                "MESSAGE_ID": "m1",
                "EVENT_NAME": "ONCRMDEALADD",
                "EVENT_DATA": {"FIELDS": {"ID": "7"}},
                "TIMESTAMP_X": "2026-01-01T00:00:00+00:00",
                "auth": {"application_token": self.token},
            }
            return {"process_id": "p1", "events": [item]}
        return True

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


@pytest.mark.parametrize(("expected", "handled"), [("right-token", True), ("other-token", False)])
def test_application_token_flag(app_env, monkeypatch, expected, handled):
    seen: list[str] = []
    registry.add("ONCRMDEALADD", lambda ev, ctx: seen.append(ev.message_id))
    portal = _ScriptedPortal("right-token")
    monkeypatch.setattr(cli_common, "client_factory", lambda settings, emulator: portal)
    r = app_env(f"{WORKER} --once --application-token {expected}")
    assert r.code == 0, r.stderr
    cleared = [p for m, p in portal.calls if m == "event.offline.clear"]
    if handled:
        assert seen == ["m1"] and cleared == [{"process_id": "p1", "message_id": ["m1"]}]
    else:  # neither handled nor cleared: it stays reserved on the portal
        assert seen == [] and cleared == [] and r.json["retrying"] == ["m1"]
    assert expected not in r.stdout + r.stderr
