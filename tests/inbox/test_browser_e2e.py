"""End to end in headless Chromium: an agent plans writes through the approval graph; a reviewer signs in to the
inbox, edits one field of a plan, approves it, and the emulator shows the entity written exactly once.

Also takes screenshots of the inbox and a plan page: into the test's tmp dir, and into docs/screenshots/ (the
README's pictures) when B24_UPDATE_SCREENSHOTS=1, so a plain `make test` leaves the work tree clean.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from b24_tools.inbox import create_app

from .browser_support import chromium, serve
from .conftest import TOKEN
from .graph_support import graph_settings, open_approvals, with_reviewer_auth

pytestmark = [pytest.mark.browser, pytest.mark.slow]

README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def screenshots(tmp_path: Path):
    """Where the test writes its PNGs; copied to docs/screenshots/ when B24_UPDATE_SCREENSHOTS=1."""
    out = tmp_path / "screenshots"
    out.mkdir()
    yield out
    if os.environ.get("B24_UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for png in out.glob("*.png"):
            shutil.copy(png, README_SCREENSHOTS / png.name)


def _plan_some_work(approvals) -> str:
    """What an agent would leave for review; returns the plan the test edits."""
    approvals.submit(
        "crm.deal.update",
        {"id": 3, "fields": {"STAGE_ID": "WON", "OPPORTUNITY": 48000}},
        requested_by="sales-agent",
    )
    approvals.submit_bulk(
        "crm.contact.add",
        [{"fields": {"NAME": f"Guest {i}", "LAST_NAME": "Expo 2026"}} for i in range(120)],
        requested_by="import-agent",
    )
    approvals.submit("crm.contact.delete", {"id": 7}, requested_by="cleanup-agent")
    approvals.submit(
        "crm.lead.add",
        {"fields": {"TITLE": "<script>alert(1)</script> from the web form", "NAME": "Mallory"}},
        requested_by="intake-agent",
    )
    target = approvals.submit(
        "crm.lead.add",
        {
            "fields": {
                "TITLE": "Acme Corp — 40 seats",
                "NAME": "Jane",
                "LAST_NAME": "Doe",
                "OPPORTUNITY": 12000,
                "CURRENCY_ID": "USD",
                "SOURCE_ID": "WEB",
            }
        },
        requested_by="sales-agent",
    )
    assert target.status == "pending", target
    return target.plan_id


def test_reviewer_edits_one_field_and_approves_in_a_real_browser(emulator, tmp_path, screenshots):
    settings = with_reviewer_auth(graph_settings(tmp_path), TOKEN)
    dialogs: list[str] = []
    with open_approvals(emulator, settings) as approvals:
        plan_id = _plan_some_work(approvals)
        leads_before = emulator.count("lead")
        app = create_app(approvals, settings=settings, cookie_secure=False)
        with chromium() as browser, serve(app) as base:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

            page.goto(base + "/")
            assert "/login" in page.url
            page.fill("input[name=name]", "alice")
            page.fill("input[name=token]", TOKEN)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            assert page.locator("table.plans tbody tr").count() == 5
            page.screenshot(path=str(screenshots / "inbox.png"), full_page=True)

            page.click(f"a[href='/plans/{plan_id}']")
            page.wait_for_selector("[data-testid=summary]")
            assert "Lead Title" in page.inner_text("table.params")  # the portal's title for TITLE
            page.screenshot(path=str(screenshots / "plan.png"), full_page=True)
            assert (screenshots / "inbox.png").stat().st_size > 10_000

            page.click("[data-testid=edit]")
            title = page.locator('input[name=\'p:["fields", "TITLE"]\']')
            assert title.input_value() == "Acme Corp — 40 seats"
            title.fill("Acme Corp — 45 seats")
            page.click("[data-testid=preview]")
            diff = page.inner_text("[data-testid=diff]")
            assert "40 seats" in diff and "45 seats" in diff and "OPPORTUNITY" not in diff
            assert emulator.count("lead") == leads_before  # nothing runs before the confirm step
            confirm_form = {
                name: page.locator(f"main form input[name={name}]").input_value()
                for name in ("csrf", "mode", "params_json", "base_hash")
            }
            page.click("[data-testid=confirm]")
            page.wait_for_selector("[data-testid=flash]")
            assert "Edited and approved: executed." in page.inner_text("[data-testid=flash]")
            assert "Execution result" in page.inner_text("[data-testid=result]")

            # the same confirm form sent again (a double click, a resent POST): decided, nothing written twice
            again = page.request.post(
                f"{base}/plans/{plan_id}/edit/confirm", form=confirm_form, max_redirects=0
            )
            assert again.status == 303
            page.goto(f"{base}/plans/{plan_id}")
            assert "already decided by alice" in page.inner_text("[data-testid=flash]")

        titles = [r["TITLE"] for r in emulator.records("lead")]
        assert titles.count("Acme Corp — 45 seats") == 1 and "Acme Corp — 40 seats" not in titles
        assert emulator.count("lead") == leads_before + 1
        plan = approvals.get_plan(plan_id)
        assert plan.status == "executed" and plan.decided_by == "alice"
        assert any(
            e.get("event") == "decision" and e.get("actor") == "alice"
            for e in approvals.audit.events(plan_id=plan_id)
        )
    assert dialogs == []  # the <script> title never ran
