"""Bad input never crashes a handler: every method answers garbage with a Bitrix24 error (4xx), not a 500."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator

GARBAGE = [
    {},
    {"id": "abc", "fields": "x", "filter": "y", "select": "z", "order": "q", "start": "w", "limit": "x",
     "clear": "q", "process_id": 5, "message_id": "x", "event": 1, "handler": 2, "cmd": 5},
    {"id": 1, "fields": {"TITLE": "t"}},
    {"ID": [1, 2], "FIELDS": [1], "params": "x", "items": "bad", "order": {"x": "y"}},
    {"entityTypeId": "x", "id": None, "select": [1, {}]},
]  # fmt: skip


def test_every_method_answers_garbage_without_a_server_error(emulator: Emulator) -> None:
    client_id, _ = emulator.oauth.register_app()
    token = emulator.oauth.issue_tokens(client_id)["access_token"]
    failures = []
    with (
        emulator.http(base_url=emulator.webhook_url) as hook,
        emulator.http(base_url=f"{emulator.base_url}/rest/") as app,
    ):
        for method in emulator.portal.registry:
            for payload in GARBAGE:
                if method.app_only:
                    r = app.post(method.name, json={**payload, "auth": token})
                else:
                    r = hook.post(method.name, json=payload)
                if r.status_code >= 500:
                    failures.append((method.name, payload, r.text[:200]))
    assert failures == []
    assert emulator.stats.errors > 0


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2"])
def test_broken_bodies_are_treated_as_no_params(http: httpx.Client, body: bytes) -> None:
    r = http.post("server.time", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
