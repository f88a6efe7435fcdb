from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from b24_tools import B24Settings
from b24_tools.inbox import create_app, hash_password

from .fake_approvals import FakeApprovals

TOKEN = "reviewer-token-for-tests-1234"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


@pytest.fixture
def approvals() -> FakeApprovals:
    return FakeApprovals()


@pytest.fixture
def settings() -> B24Settings:
    return B24Settings(
        _env_file=None,
        reviewer_token=SecretStr(TOKEN),
        reviewer_password_hash=SecretStr(hash_password(PASSWORD, iterations=1000)),
        session_secret=SecretStr("session-secret-for-tests"),
    )


@pytest.fixture
def make_client(approvals: FakeApprovals, settings: B24Settings) -> Callable[..., TestClient]:
    def _make(**kw) -> TestClient:
        app = create_app(approvals, settings=settings, cookie_secure=False, **kw)
        return TestClient(app, follow_redirects=False)

    return _make


def sign_in(client: TestClient, name: str = "alice", *, token: str = TOKEN, password: str = "") -> TestClient:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "name": name, "token": token, "password": password, "next": "/"},
    )
    assert r.status_code == 303, r.text
    return client


@pytest.fixture
def client(make_client) -> TestClient:
    return sign_in(make_client())
