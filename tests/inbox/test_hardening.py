"""Inbox hardening: proxy headers only from a named proxy, a throttle per peer and per name, server-side sessions
(sign-out, rotation and expiry revoke them), Secure cookies over TLS.

The first tests serve the inbox with uvicorn on a loopback socket with the options `b24 review serve` uses, so the
proxy-header behaviour is uvicorn's own, not a stand-in.
"""

from __future__ import annotations

import time

import httpx
import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from b24_tools import B24Settings
from b24_tools.emulator._server import serve_in_thread
from b24_tools.inbox import SESSION_COOKIE, SessionStore, create_app, hash_password, uvicorn_options
from b24_tools.inbox._auth import LoginThrottle, ReviewerAuth

from .conftest import PASSWORD, TOKEN, csrf_of, sign_in


def _serve(app, **kw):
    opts = uvicorn_options("127.0.0.1", 0, log_level="warning", **kw)
    opts.pop("host"), opts.pop("port"), opts.pop("log_level")
    return serve_in_thread(app, lifespan="on", **opts)


def _failed_login(http: httpx.Client, name: str, headers: dict[str, str]) -> int:
    page = http.get("/login")
    r = http.post(
        "/login", data={"csrf": csrf_of(page.text), "name": name, "token": "wrong"}, headers=headers
    )
    return r.status_code


def test_forwarded_for_does_not_bypass_the_sign_in_throttle(approvals, settings) -> None:
    """Issue reproduction: `X-Forwarded-For: 10.0.0.$i` on every attempt. Without a named proxy the header is
    ignored, so the peer (127.0.0.1) is throttled after `login_attempts` failures, names varying too."""
    app = create_app(approvals, settings=settings, cookie_secure=False, login_attempts=3)
    with _serve(app) as url, httpx.Client(base_url=url) as http:
        codes = [_failed_login(http, f"user{i}", {"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(6)]
        assert codes[:3] == [401, 401, 401]
        assert codes[3:] == [429, 429, 429]
        page = http.get("/login")
        right = http.post(
            "/login",
            data={"csrf": csrf_of(page.text), "name": "alice", "token": TOKEN},
            headers={"X-Forwarded-For": "10.0.0.99"},
        )
        assert right.status_code == 429  # the right token does not get past the throttle either


def test_uvicorn_gets_proxy_headers_off_unless_a_proxy_is_named() -> None:
    assert uvicorn_options("127.0.0.1", 8790)["proxy_headers"] is False
    named = uvicorn_options("127.0.0.1", 8790, forwarded_allow_ips="10.1.2.3")
    assert named["proxy_headers"] is True and named["forwarded_allow_ips"] == "10.1.2.3"


def test_a_named_proxy_is_believed_and_the_throttle_still_counts_per_name(approvals, settings) -> None:
    """Behind a trusted proxy each client address has its own budget, but one name guessed from many addresses
    is throttled as well; the proxy's https makes the cookie Secure."""
    app = create_app(approvals, settings=settings, cookie_secure=False, login_attempts=3)
    with _serve(app, forwarded_allow_ips="127.0.0.1") as url, httpx.Client(base_url=url) as http:
        codes = [_failed_login(http, "alice", {"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(4)]
        assert codes == [401, 401, 401, 429]
        # another name from a fresh address still gets its own tries
        assert _failed_login(http, "bob", {"X-Forwarded-For": "10.0.0.50"}) == 401
        r = httpx.get(url + "/login", headers={"X-Forwarded-Proto": "https"})  # a fresh browser
        assert "secure" in r.headers["set-cookie"].lower()


def test_throttle_blocks_on_any_of_its_keys() -> None:
    throttle = LoginThrottle(limit=2, window=60)
    throttle.fail("peer:a", "name:x")
    throttle.fail("peer:b", "name:x")
    assert throttle.blocked("peer:c", "name:x")
    assert not throttle.blocked("peer:c", "name:y")
    throttle.reset("peer:c", "name:x")
    assert not throttle.blocked("peer:c", "name:x")


# -- server-side sessions ----------------------------------------------------------------------------------------


def _post_logout(client: TestClient) -> httpx.Response:
    page = client.get("/")
    return client.post("/logout", data={"csrf": csrf_of(page.text)})


def test_old_cookie_after_logout_is_redirected_to_sign_in(make_client) -> None:
    """Issue reproduction: after POST /logout the old session cookie must not get 200."""
    c = sign_in(make_client())
    old = c.cookies.get(SESSION_COOKIE)
    assert c.get("/").status_code == 200
    assert _post_logout(c).status_code == 303
    replay = make_client()
    replay.cookies.set(SESSION_COOKIE, old)
    r = replay.get("/")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert replay.get("/plans/anything").status_code == 303


def test_a_rotated_token_ends_the_sessions_opened_with_it(approvals, settings) -> None:
    store = SessionStore()
    first = TestClient(
        create_app(approvals, settings=settings, cookie_secure=False, sessions=store), follow_redirects=False
    )
    sign_in(first)
    cookie = first.cookies.get(SESSION_COOKIE)
    rotated = settings.model_copy(update={"reviewer_token": SecretStr("a-brand-new-token-5678")})
    after = TestClient(
        create_app(approvals, settings=rotated, cookie_secure=False, sessions=store), follow_redirects=False
    )
    after.cookies.set(SESSION_COOKIE, cookie)
    assert after.get("/").status_code == 303
    assert store.count() == 0  # revoked, not just refused


def test_a_new_password_hash_ends_only_that_reviewers_sessions(approvals) -> None:
    alice_hash = hash_password("alice-password", iterations=1000)

    def settings_with(bob_password: str) -> B24Settings:
        hashes = f"alice={alice_hash},bob={hash_password(bob_password, iterations=1000)}"
        return B24Settings(
            _env_file=None,
            reviewer_password_hash=SecretStr(hashes),
            session_secret=SecretStr("session-secret-for-tests"),
        )

    store = SessionStore()
    old = create_app(approvals, settings=settings_with("bob-password-1"), cookie_secure=False, sessions=store)
    alice = sign_in(TestClient(old, follow_redirects=False), "alice", token="", password="alice-password")
    bob = sign_in(TestClient(old, follow_redirects=False), "bob", token="", password="bob-password-1")
    new = create_app(approvals, settings=settings_with("bob-password-2"), cookie_secure=False, sessions=store)
    for who, expected in ((alice, 200), (bob, 303)):
        c = TestClient(new, follow_redirects=False)
        c.cookies.set(SESSION_COOKIE, who.cookies.get(SESSION_COOKIE))
        assert c.get("/").status_code == expected


def test_sessions_expire_on_the_server_even_if_the_cookie_lives_on(make_client) -> None:
    c = sign_in(make_client(session_max_age=3600, sessions=SessionStore(max_age=0.5)))
    assert c.get("/").status_code == 200
    time.sleep(0.7)
    assert c.get("/").status_code == 303


def test_the_cookie_carries_no_reviewer_name_and_the_table_no_session_id(make_client, approvals, settings):
    store = SessionStore()
    c = sign_in(make_client(sessions=store), "alice")
    import base64
    import json

    payload = c.cookies.get(SESSION_COOKIE).split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) >= {"sid", "csrf"} and "reviewer" not in data
    rows = store._db.execute("SELECT sid_hash FROM inbox_sessions").fetchall()
    assert rows and data["sid"] not in {r[0] for r in rows}


def test_sessions_survive_a_restart_in_the_file_store(tmp_path, approvals, settings) -> None:
    path = tmp_path / "sessions.sqlite"
    app = create_app(approvals, settings=settings, cookie_secure=False, sessions=path)
    c = sign_in(TestClient(app, follow_redirects=False))
    cookie = c.cookies.get(SESSION_COOKIE)
    again = TestClient(
        create_app(approvals, settings=settings, cookie_secure=False, sessions=path), follow_redirects=False
    )
    again.cookies.set(SESSION_COOKIE, cookie)
    assert again.get("/").status_code == 200
    assert path.stat().st_mode & 0o777 == 0o600


def test_password_sign_in_and_token_sign_in_record_different_credentials() -> None:
    auth = ReviewerAuth(token="tok-123456", password_hash=hash_password(PASSWORD, iterations=1000))
    by_token = auth.verify("alice", token="tok-123456")
    by_password = auth.verify("alice", password=PASSWORD)
    assert by_token and by_password and by_token != by_password
    assert "tok-123456" not in by_token
    assert auth.still_valid("alice", by_token) and auth.still_valid("alice", by_password)
    assert auth.verify("alice", token="nope") is None


# -- Secure cookies over TLS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cookie_secure", [False, True])
def test_cookie_is_secure_on_every_tls_request(approvals, settings, cookie_secure) -> None:
    app = create_app(approvals, settings=settings, cookie_secure=cookie_secure)
    https = TestClient(app, base_url="https://127.0.0.1", follow_redirects=False)
    assert "secure" in https.get("/login").headers["set-cookie"].lower()
    plain = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
    assert ("secure" in plain.get("/login").headers["set-cookie"].lower()) is cookie_secure
