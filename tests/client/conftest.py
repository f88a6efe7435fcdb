from __future__ import annotations

import pytest

from b24_tools import B24Client
from b24_tools.client._auth import WebhookAuth
from b24_tools.client.ratelimit import NoopRateLimiter

from .fakeportal import WEBHOOK_CODE, FakePortal


@pytest.fixture
def portal() -> FakePortal:
    return FakePortal()


@pytest.fixture
def client(portal: FakePortal) -> B24Client:
    c = B24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=NoopRateLimiter(),
        transport=portal.transport(),
        backoff_base=0.001,
    )
    yield c
    c.close()
