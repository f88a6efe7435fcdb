"""Real-portal smoke tests, env-gated as in the reference.

    B24_RUN_INTEGRATION=1 B24_WEBHOOK_URL=https://PORTAL/rest/1/CODE/ pytest tests/test_integration_smoke.py -v
    B24_SMOKE_WRITE=1 …   # also crm.lead.add + crm.lead.update (through the approval graph; the lead is deleted)

Without B24_RUN_INTEGRATION=1 they are skipped. The same checks run against the local emulator in the rest of
the suite; here they prove the wire format against a live portal.
"""

from __future__ import annotations

import os
import time

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("B24_RUN_INTEGRATION") != "1", reason="set B24_RUN_INTEGRATION=1 (real portal)"
    ),
]
WRITE = os.environ.get("B24_SMOKE_WRITE") == "1"


@pytest.fixture(scope="module")
def client():
    from b24_tools import B24Client, B24Settings

    settings = B24Settings().require_portal()
    with B24Client.from_settings(settings) as c:
        yield c


def test_user_current(client):
    me = client.call("user.current").result
    assert str(me["ID"]).isdigit()


def test_method_get_reports_existence_and_availability(client):
    info = client.call("method.get", {"name": "user.get"}).result
    assert set(info) >= {"isExisting", "isAvailable"}
    assert info["isExisting"] is True


def test_lead_list_with_select_and_start(client):
    resp = client.call("crm.lead.list", {"select": ["ID", "TITLE"], "start": 0})
    assert isinstance(resp.result, list)
    assert resp.total is None or resp.total >= len(resp.result)


def test_fast_paging_returns_ascending_ids(client):
    ids = [
        int(r["ID"])
        for _, r in zip(range(120), client.iter_list("crm.lead.list", {"select": ["ID"]}), strict=False)
    ]
    assert ids == sorted(ids)


@pytest.mark.skipif(not WRITE, reason="set B24_SMOKE_WRITE=1 to run the write flow")
def test_write_flow_add_then_update_through_the_approval_graph(client, tmp_path):
    from b24_tools import Approvals, B24Settings, Policy

    settings = B24Settings(sqlite_path=tmp_path / "b24.sqlite", runtime_dir=tmp_path)
    stamp = int(time.time())
    with Approvals.open(settings, client=client, policy=Policy(packs=("core",))) as approvals:
        res = approvals.submit(
            "crm.lead.add",
            {
                "fields": {
                    "TITLE": f"b24-tools smoke {stamp}",
                    "ORIGINATOR_ID": "b24-tools-smoke",
                    "ORIGIN_ID": str(stamp),
                }
            },
            requested_by="smoke",
        )
        assert res.status == "pending"
        done = approvals.approve(res.plan_id, reviewer="smoke")
        assert done.status == "executed", done.error
        lead_id = int(done.result)
        upd = approvals.submit(
            "crm.lead.update",
            {"id": lead_id, "fields": {"COMMENTS": "Updated by smoke test"}},
            requested_by="smoke",
        )
        assert approvals.approve(upd.plan_id, reviewer="smoke").status == "executed"
    assert client.call("crm.lead.get", {"id": lead_id}).result["COMMENTS"] == "Updated by smoke test"
    client.call("crm.lead.delete", {"id": lead_id})
