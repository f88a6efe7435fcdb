"""No secret reaches a persisted byte: SQLite file, Postgres tables, audit JSONL, logs, exceptions."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest

from b24_tools import B24Client, Policy
from b24_tools._redact import register_secret
from b24_tools.emulator import Emulator, EmulatorConfig


def _pg_rows(url: str) -> list[bytes]:
    import psycopg

    out: list[bytes] = []
    with psycopg.connect(url) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
            )
        ]
        assert {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "store", "b24_cas"} <= set(tables)
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        out.append(bytes(value))
                    else:
                        out.append(str(value).encode())
    return out


def _sqlite_bytes(path: str) -> list[bytes]:
    return [p.read_bytes() for p in Path(path).parent.glob(Path(path).name + "*")]


def test_no_secret_in_any_persisted_byte(backend: dict[str, Any], make_approvals, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    code = "whk-" + uuid.uuid4().hex
    token = "tok-" + uuid.uuid4().hex
    app_token = "app-" + uuid.uuid4().hex
    with Emulator(tmp_path / "portal.sqlite", EmulatorConfig(webhook_code=code)) as emu:
        client = B24Client.from_webhook(emu.webhook_url, transport=emu.transport(), max_retries=1)
        register_secret(token)
        register_secret(app_token)
        approvals = make_approvals(client, policy=Policy())
        ok = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Secret scan"}})
        approvals.approve(ok.plan_id, reviewer="alice")
        # a secret an agent copied into params is refused before anything is stored
        leaked = approvals.submit(
            "crm.lead.add", {"fields": {"TITLE": "x", "COMMENTS": f"see {emu.webhook_url}"}}
        )
        assert leaked.status == "refused" and code not in leaked.error
        assert approvals.submit("crm.lead.add", {"auth": token, "fields": {"TITLE": "y"}}).status == "refused"
        assert approvals.submit_bulk("crm.lead.add", [{"fields": {"TITLE": app_token}}]).status == "refused"
        # a read carrying a secret runs, but its checkpoint and audit line are scrubbed
        approvals.submit("crm.lead.list", {"filter": {"TITLE": token}})
        emu.faults.add(method="crm.lead.add", kind="drop_after_commit")
        lost = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Lost answer"}})
        approvals.approve(lost.plan_id, reviewer="alice")
        rejected = approvals.submit("crm.lead.add", {"fields": {"TITLE": "No"}})
        approvals.reject(rejected.plan_id, f"contains {token}", reviewer="bob")
        export = tmp_path / "audit.jsonl"
        assert approvals.audit.export(export) > 5
        blobs = [export.read_bytes(), caplog.text.encode()]
        for plan in approvals.list_plans():
            blobs.append(repr(approvals.show(plan.plan_id).to_dict()).encode())
        if backend["kind"] == "sqlite":
            blobs += _sqlite_bytes(backend["sqlite_path"])
        else:
            blobs += _pg_rows(backend["database_url"])
    assert sum(len(b) for b in blobs) > 10_000
    for secret in (code, token, app_token):
        hits = [i for i, blob in enumerate(blobs) if secret.encode() in blob]
        assert hits == [], f"secret found in persisted blob(s) {[blobs[i][:3000] for i in hits]}"
    assert b"Secret scan" in b"".join(blobs)  # the scan does see plaintext data


def test_checkpoints_are_encrypted_at_rest_when_a_key_is_set(tmp_path) -> None:
    pytest.importorskip("Crypto")
    from approval_helpers import FakeClient

    from b24_tools import Approvals, B24Settings

    settings = B24Settings(
        encryption_key="0123456789abcdef0123456789abcdef", sqlite_path=tmp_path / "enc.sqlite"
    )
    with Approvals.open(settings, client=FakeClient(), policy=Policy()) as approvals:
        res = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Plaintext-marker-QX"}})
        assert approvals.approve(res.plan_id, reviewer="alice").status == "executed"
        rows = approvals.checkpointer.conn.execute("SELECT type, checkpoint FROM checkpoints").fetchall()
        assert rows and all(t.endswith("+aes") for t, _ in rows)
        assert all(b"Plaintext-marker-QX" not in blob for _, blob in rows)
    with Approvals.open(settings, client=FakeClient(), policy=Policy()) as again:  # readable with the key
        snap = again.graph.get_state({"configurable": {"thread_id": res.thread_id}})
        assert snap.values["status"] == "executed"
