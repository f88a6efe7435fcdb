"""Envelope, routing and parsing — settings/how-to-call-rest-api/general-principles.md, api-reference/data-types.md."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator

TIME_KEYS = {
    "start",
    "finish",
    "duration",
    "processing",
    "date_start",
    "date_finish",
    "operating_reset_at",
    "operating",
}


def test_success_envelope_carries_the_full_time_block(http: httpx.Client) -> None:
    body = http.post("user.current").json()
    assert body["result"]["ID"] == "1"
    assert set(body["time"]) == TIME_KEYS  # data-types.md#time


def test_method_names_are_case_insensitive_and_json_suffix_optional(http: httpx.Client) -> None:
    for path in ("server.time", "server.time.json", "Server.Time.JSON", "server.time/"):
        assert http.get(path).status_code == 200, path


def test_unknown_method_answers_404_error_method_not_found(http: httpx.Client) -> None:
    r = http.post("crm.nothing.here")
    assert r.status_code == 404
    assert r.json()["error"] == "ERROR_METHOD_NOT_FOUND"


def test_wrong_webhook_code_answers_401_no_auth_found(emu: Emulator) -> None:
    with emu.http() as h:
        r = h.post("/rest/1/wrong-code/user.current")
    assert r.status_code == 401 and r.json()["error"] == "NO_AUTH_FOUND"  # _includes/system-errors.md


def test_wrong_user_id_for_the_code_is_refused(emu: Emulator) -> None:
    with emu.http() as h:
        r = h.post(f"/rest/2/{emu.config.webhook_code}/user.current")
    assert r.status_code == 401


@pytest.mark.parametrize("style", ["json", "form", "query", "multipart"])
def test_params_in_every_encoding_reach_the_method(http: httpx.Client, style: str) -> None:
    # settings/how-to-call-rest-api/data-encoding.md: PHP nested keys in every encoding
    fields = {
        "fields[TITLE]": "T & M",
        "fields[PHONE][0][VALUE]": "+100",
        "fields[PHONE][0][VALUE_TYPE]": "WORK",
    }
    if style == "json":
        r = http.post(
            "crm.lead.add",
            json={"fields": {"TITLE": "T & M", "PHONE": [{"VALUE": "+100", "VALUE_TYPE": "WORK"}]}},
        )
    elif style == "form":
        r = http.post("crm.lead.add", data=fields)
    elif style == "query":
        r = http.get("crm.lead.add", params=fields)
    else:
        r = http.post("crm.lead.add", files={k: (None, v) for k, v in fields.items()})
    assert r.status_code == 200, r.text
    lead = http.post("crm.lead.get", json={"id": r.json()["result"]}).json()["result"]
    assert lead["TITLE"] == "T & M"
    assert lead["PHONE"][0]["VALUE"] == "+100" and lead["PHONE"][0]["TYPE_ID"] == "PHONE"
    assert lead["HAS_PHONE"] == "Y"


def test_oauth_path_without_token_is_refused(emu: Emulator) -> None:
    with emu.http() as h:
        r = h.post("/rest/user.current")
    assert r.status_code == 401 and r.json()["error"] == "NO_AUTH_FOUND"


def test_moved_portal_answers_302_with_location(emu: Emulator, http: httpx.Client) -> None:
    # settings/how-to-call-rest-api/change-domen.md
    emu.move_to("http://127.0.0.1:9/")
    r = http.post("user.current", params={"x": "1"})
    assert r.status_code == 302
    assert r.headers["location"] == f"http://127.0.0.1:9/rest/1/{emu.config.webhook_code}/user.current?x=1"
    emu.move_to(None)
    assert http.post("user.current").status_code == 200


def test_state_survives_a_restart_with_a_file(tmp_path) -> None:
    path = tmp_path / "portal.sqlite"
    with Emulator(path) as first, first.http() as h:
        new_id = h.post(first.webhook_url + "crm.deal.add", json={"fields": {"TITLE": "kept"}}).json()[
            "result"
        ]
    with Emulator(path) as second, second.http() as h:
        got = h.post(second.webhook_url + "crm.deal.get", json={"id": new_id}).json()["result"]
    assert got["TITLE"] == "kept"
