"""Portal event → receiver → durable queue → shipped handler → a follow-up plan waiting for review.

The emulator delivers a real form-encoded outgoing event (api-reference/events/index.md) over loopback HTTP to the
receiver served by uvicorn; nothing is written to the portal until a reviewer approves the plan.
"""

from __future__ import annotations

import time

import httpx
import pytest

from b24_tools import Approvals, B24Client, B24Settings, Emulator, OAuthAuth, Policy
from b24_tools.emulator._server import serve_in_thread
from b24_tools.events import (
    EventQueue,
    HandlerContext,
    HandlerRegistry,
    JsonlAudit,
    create_receiver_app,
    register_default_handlers,
)


def _wait(predicate, what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_new_lead_event_becomes_a_follow_up_plan_and_a_forged_one_leaves_only_an_audit_line(tmp_path):
    emu = Emulator()
    emu.seed(leads=3, users=3)
    client_id, _ = emu.oauth.register_app(scopes={"crm", "task", "user"})
    app_token = emu.oauth.app(client_id)["application_token"]
    app_client = B24Client(
        emu.base_url,
        auth=OAuthAuth(emu.oauth.issue_tokens(client_id)["access_token"]),
        transport=emu.transport(),
    )
    hook = emu.client()
    settings = B24Settings(
        _env_file=None, sqlite_path=tmp_path / "b24.sqlite", runtime_dir=tmp_path, rate_limiter="off"
    )
    queue = EventQueue(tmp_path / "events.sqlite")
    audit = JsonlAudit(tmp_path / "events_audit.jsonl")
    with Approvals.open(settings, client=hook, policy=Policy(packs=("core",))) as approvals:
        receiver = create_receiver_app(
            application_token=app_token,
            queue=queue,
            registry=register_default_handlers(HandlerRegistry()),
            context=HandlerContext(client=hook, approvals=approvals),
            audit=audit,
        )
        with serve_in_thread(receiver, host="127.0.0.1", port=0) as url:
            app_client.call("event.bind", {"event": "ONCRMLEADADD", "handler": f"{url}/events"})
            lead_id = hook.call(
                "crm.lead.add", {"fields": {"TITLE": "From the portal's own web form", "ASSIGNED_BY_ID": 2}}
            ).result
            emu.events.wait_idle()
            _wait(lambda: queue.counts()["done"] == 1, "the handler to finish")
            forged = httpx.post(
                f"{url}/events",
                data={"event": "ONCRMLEADADD", "data[FIELDS][ID]": "1", "auth[application_token]": "forged"},
            )
            assert forged.status_code == 401
        [plan] = approvals.list_pending(method="tasks.task.add")
        assert plan.params["fields"]["UF_CRM_TASK"] == [f"L_{lead_id}"]
        assert plan.requested_by == "events:new-lead"
        tasks_before = emu.count("task")
        assert emu.count("task") == tasks_before  # nothing written before review
        assert approvals.approve(plan.plan_id, reviewer="tester").status == "executed"
        assert emu.count("task") == tasks_before + 1
    assert [r["status"] for r in queue.rows()] == ["done"]  # the forged event never reached the queue
    kinds = [r["kind"] for r in audit.rows()]
    assert kinds.count("event_received") == 1 and kinds.count("event_rejected") == 1
    assert app_token not in (tmp_path / "events_audit.jsonl").read_text()
    app_client.close()
    hook.close()
    emu.close()
