"""Bulk execution on a terminal shows a Rich progress bar; --json output keeps its shape and has no bar."""

from __future__ import annotations

import io
import json

from rich.console import Console

from b24_tools.approval import BulkProgress
from b24_tools.cli._progress import bulk_progress_bar


def _file(tmp_path, n: int, tag: str):
    src = tmp_path / f"{tag}.jsonl"
    src.write_text("".join(json.dumps({"TITLE": f"{tag} {i}"}) + "\n" for i in range(n)))
    return src


def test_bar_renders_done_total_rate_and_failures_on_a_terminal():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with bulk_progress_bar("crm.lead.add ×30", 30, console=console) as hook:
        hook(BulkProgress("pl_x", done=0, total=30))
        hook(BulkProgress("pl_x", done=20, total=30))
        hook(BulkProgress("pl_x", done=28, total=30, failed=2))
    text = out.getvalue()
    assert "crm.lead.add ×30" in text and "30/30" in text
    assert "rec/s" in text and "2 failed" in text


def test_bar_of_a_resumed_job_starts_at_the_finished_count():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with bulk_progress_bar("resumed", 40, console=console) as hook:
        hook(BulkProgress("pl_x", done=20, total=40, replayed=10))
        hook(BulkProgress("pl_x", done=40, total=40, replayed=10))
    frames = out.getvalue().split("\r")
    shown = [f for f in frames if "/40" in f]
    assert "20/40" in shown[-2] and "40/40" in shown[-1]  # jumps to the earlier run's count, then on


def test_bulk_confirm_write_on_a_terminal_shows_the_bar_with_final_counts(b24, tmp_path, monkeypatch):
    from b24_tools.cli import _export as _cli_export

    monkeypatch.setattr(_cli_export, "want_json", lambda force: False)
    before = b24.emu.count("lead")
    r = b24("bulk", "add", "lead", "--from", str(_file(tmp_path, 7, "Barred")), "--confirm-write")
    assert r.code == 0, r.stderr
    assert "crm.lead.add ×7" in r.stdout and "7/7" in r.stdout and "rec/s" in r.stdout
    assert "executed: 7 × crm.lead.add" in r.stdout
    assert b24.emu.count("lead") == before + 7


def test_bulk_confirm_write_with_json_has_no_bar_and_the_same_shape(b24, tmp_path):
    r = b24("bulk", "add", "lead", "--from", str(_file(tmp_path, 3, "Plain")), "--confirm-write", "--json")
    assert r.code == 0, r.stderr
    assert "rec/s" not in r.stdout and len(r.stdout.strip().splitlines()) == 1
    assert set(r.json) == {"status", "method", "records", "plan_id", "idempotency_prefix", "result"}
    assert r.json["status"] == "executed" and r.json["result"]["done"] == 3


def test_review_approve_of_a_bulk_plan_on_a_terminal_shows_the_bar(b24, tmp_path, monkeypatch):
    from b24_tools.cli import _review as _cli_approval

    pending = b24("bulk", "add", "lead", "--from", str(_file(tmp_path, 5, "Reviewed")), "--json")
    assert pending.code == 5
    monkeypatch.setattr(_cli_approval, "want_json", lambda force: False)
    r = b24("review", "approve", pending.json["plan_id"], "--reviewer", "ann")
    assert r.code == 0, r.stderr
    assert "crm.lead.add ×5" in r.stdout and "5/5" in r.stdout
    assert f"executed: plan {pending.json['plan_id']}" in r.stdout


def test_review_approve_with_json_keeps_its_shape(b24, tmp_path):
    pending = b24("bulk", "add", "lead", "--from", str(_file(tmp_path, 2, "Quiet")), "--json")
    r = b24("review", "approve", pending.json["plan_id"], "--json")
    assert r.code == 0, r.stderr
    assert set(r.json) == {"status", "plan_id", "result"} and r.json["result"]["done"] == 2
    assert "rec/s" not in r.stdout
