"""Events are verified against the token of the portal they claim to come from
(api-reference/events/safe-event-handlers.md); install callbacks are confirmed with the OAuth server."""

from __future__ import annotations

import httpx

from b24_tools.client._phpquery import encode

from .conftest import APP, World


def _post(world: World, path: str, payload: dict, query: str = "") -> httpx.Response:
    with httpx.Client(transport=world.farm.app_transport) as http:
        return http.post(
            f"{APP}{path}{'?' + query if query else ''}",
            content=encode(payload).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


def _event(world: World, n: int, *, event: str = "ONCRMLEADADD", token_of: int | None = None) -> dict:
    farm = world.farm
    return {
        "event": event,
        "data": {"FIELDS": {"ID": "7"}},
        "ts": "1766047124",
        "auth": {
            "domain": farm[n].config.portal_domain,
            "member_id": farm.member_id(n),
            "application_token": farm[token_of or n].oauth.application_token(farm.client_id),
        },
    }


def test_a_portal_event_reaches_the_handler_tagged_with_its_portal(world: World) -> None:
    world.farm.install_all()
    client = world.portals.client(world.member(2))
    client.call("event.bind", {"event": "ONCRMLEADADD", "handler": f"{APP}/events"})
    lead = client.call("crm.lead.add", {"fields": {"TITLE": "evented"}}).result
    assert world.farm[2].events.wait_idle(5)
    assert (world.member(2), "ONCRMLEADADD", {"FIELDS": {"ID": str(lead)}}) in world.events
    assert all(member == world.member(2) for member, _, _ in world.events)


def test_an_event_with_another_portals_token_is_refused(world: World) -> None:
    world.farm.install_all()
    forged = _post(
        world, "/events", _event(world, 2, token_of=1)
    )  # claims portal 2, carries portal 1's token
    assert forged.status_code == 401 and forged.json()["error"] == "INVALID_TOKEN"
    assert world.events == []
    rejected = [row for row in world.audit if row["kind"] == "event_rejected"]
    assert rejected and rejected[-1]["member_id"] == world.member(2)
    genuine = _post(world, "/events", _event(world, 2))
    assert genuine.status_code == 200 and world.events == [
        (world.member(2), "ONCRMLEADADD", {"FIELDS": {"ID": "7"}})
    ]


def test_a_forged_uninstall_leaves_the_portal_installed(world: World) -> None:
    world.farm.install_all()
    forged = _post(world, "/events", _event(world, 3, event="ONAPPUNINSTALL", token_of=1))
    assert forged.status_code == 401
    assert world.portals.store.get(world.member(3)).installed
    assert world.portals.client(world.member(3)).call("user.current").result


def test_events_from_unknown_or_uninstalled_portals_are_refused(world: World) -> None:
    world.farm.install(1)
    assert _post(world, "/events", _event(world, 2)).status_code == 401  # never installed
    world.farm.uninstall(1)
    assert _post(world, "/events", _event(world, 1)).status_code == 401  # its token was erased
    assert world.events == []


def test_a_second_onappinstall_cannot_replace_the_application_token(world: World) -> None:
    world.farm.install(1)
    replay = _event(world, 1, event="ONAPPINSTALL")
    replay["auth"]["application_token"] = "attacker-chosen-token"
    assert _post(world, "/events", replay).status_code == 401
    assert world.portals.store.application_token(world.member(1)) == world.farm[1].oauth.application_token(
        world.farm.client_id
    )


def test_an_install_callback_the_oauth_server_does_not_confirm_stores_nothing(world: World) -> None:
    form = {"AUTH_ID": "x" * 48, "REFRESH_ID": "y" * 48, "member_id": world.member(1), "status": "L"}
    answer = _post(world, "/install", form, "DOMAIN=evil.example")
    assert answer.status_code == 401 and answer.json()["error"] == "INSTALL_NOT_CONFIRMED"
    assert world.portals.store.get(world.member(1)) is None


def test_an_install_callback_cannot_claim_another_portals_member_id(world: World) -> None:
    world.farm.install(1)
    tokens = world.farm[2].oauth.issue_tokens(world.farm.client_id, 1)  # genuine tokens of portal 2 ...
    form = {"AUTH_ID": tokens["access_token"], "REFRESH_ID": tokens["refresh_token"],
            "member_id": world.member(1), "status": "L"}  # ... presented as portal 1  # fmt: skip
    answer = _post(world, "/install", form)
    assert answer.status_code == 401
    assert world.portals.store.get(world.member(2)) is None
    assert world.portals.client(world.member(1)).call("user.current").result  # portal 1 untouched


def test_the_authorization_code_flow_installs_a_portal(world: World) -> None:
    farm = world.farm
    with httpx.Client(transport=farm.app_transport, follow_redirects=False) as http:
        start = http.get(f"{APP}/oauth/start", params={"domain": farm[1].base_url})
        assert start.status_code == 302
        location = httpx.URL(start.headers["location"])
        assert location.path == "/oauth/authorize/" and location.params["client_id"] == farm.client_id
        code = farm[1].oauth.authorize_code(farm.client_id)
        state = location.params["state"]
        done = http.get(f"{APP}/oauth/callback", params={"code": code, "state": state,
                                                         "domain": farm[1].base_url})  # fmt: skip
        assert done.status_code == 200, done.text
        bad = http.get(f"{APP}/oauth/callback", params={"code": code, "state": "1.deadbeef",
                                                        "domain": farm[1].base_url})  # fmt: skip
        assert bad.status_code == 401
    assert world.portals.client(farm.member_id(1)).call("user.current").result
