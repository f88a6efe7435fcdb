"""The inbox in a real browser against the in-memory reviewer API: sign-in, escaping, CSRF-protected decisions."""

from __future__ import annotations

import pytest

from b24_tools.inbox import create_app

from .browser_support import chromium, serve
from .conftest import TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_browser_signs_in_escapes_titles_and_rejects_with_a_reason(approvals, settings):
    xss = "<script>alert(1)</script>"
    plan = approvals.add_plan(params={"fields": {"TITLE": xss}}, summary=f"Create lead {xss}")
    dialogs: list[str] = []
    app = create_app(approvals, settings=settings, cookie_secure=False)
    with chromium() as browser, serve(app) as base:
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/")
        assert "/login" in page.url
        page.fill("input[name=name]", "dora")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        assert page.inner_text("[data-testid=reviewer]") == "dora"
        page.click("a.summary-link")
        assert page.inner_text("[data-testid=summary]") == f"Create lead {xss}"
        page.fill("input[name=reason]", "duplicate of an existing lead")
        page.click("[data-testid=reject]")
        page.wait_for_selector("[data-testid=flash]")
        assert "Rejected: rejected." in page.inner_text("[data-testid=flash]")
    assert dialogs == []  # the title never ran as script
    assert plan.status == "rejected" and plan.decided_by == "dora"
    assert approvals.executed == []
