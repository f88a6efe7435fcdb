"""`b24 review …` and `b24 audit …` against plans in a SQLite file and the local emulator."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from b24_tools import Approvals, Policy
from b24_tools.approval._audit import EXPORT_FIELDS, REFERENCE_FIELDS
from b24_tools.cli import app
from b24_tools.emulator import Emulator


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("B24_RUNTIME_DIR", str(tmp_path / ".runtime"))
    monkeypatch.setenv("B24_SQLITE_PATH", str(tmp_path / ".runtime" / "b24.sqlite"))
    monkeypatch.setenv("B24_AUDIT_FILE", str(tmp_path / ".runtime" / "audit.jsonl"))
    monkeypatch.delenv("B24_DATABASE_URL", raising=False)
    (tmp_path / ".runtime").mkdir()
    emu = Emulator(tmp_path / ".runtime" / "emulator.sqlite")
    emu.seed(leads=1)
    with Approvals.open(
        client=emu.client(), policy=Policy(), sqlite_path=tmp_path / ".runtime" / "b24.sqlite"
    ) as a:
        ids = [
            a.submit("crm.lead.add", {"fields": {"TITLE": f"CLI {i}"}}, requested_by="bot").plan_id
            for i in range(3)
        ]
    yield {"ids": ids, "emu": emu, "tmp": tmp_path}
    emu.close()


def _json(result):
    assert result.exit_code in (0, 3, 4, 5, 6), result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_review_list_show_approve_edit_reject_and_audit(env) -> None:
    runner = CliRunner()
    ids = env["ids"]
    rows = _json(runner.invoke(app, ["review", "list", "--json"]))
    assert [r["plan_id"] for r in rows] == ids and rows[0]["requested_by"] == "bot"
    view = _json(runner.invoke(app, ["review", "show", ids[0], "--json"]))
    assert view["plan"]["method"] == "crm.lead.add" and view["events"][0]["event"] == "plan"

    ok = runner.invoke(app, ["review", "approve", ids[0], "--emulator", "--reviewer", "ann", "--json"])
    assert ok.exit_code == 0 and _json(ok)["status"] == "executed"
    again = runner.invoke(app, ["review", "approve", ids[0], "--emulator", "--json"])
    assert again.exit_code == 3 and "ann" in again.stderr

    bad = runner.invoke(app, ["review", "edit", ids[1], "--params", "{nope", "--emulator"])
    assert bad.exit_code == 2 and "Invalid JSON" in bad.stderr
    edited = runner.invoke(
        app,
        ["review", "edit", ids[1], "--params", '{"fields": {"TITLE": "CLI edited"}}', "--emulator", "--json"],
    )
    assert edited.exit_code == 0, edited.output
    assert env["emu"].count("lead", TITLE="CLI edited") == 1

    rejected = runner.invoke(app, ["review", "reject", ids[2], "--reason", "not now", "--json"])
    assert rejected.exit_code == 0 and _json(rejected)["status"] == "rejected"
    assert _json(runner.invoke(app, ["review", "list", "--json"])) == []
    assert len(_json(runner.invoke(app, ["review", "list", "--status", "rejected", "--json"]))) == 1

    tail = _json(runner.invoke(app, ["audit", "tail", "-n", "3", "--json"]))
    assert len(tail) == 3 and tail[-1]["event"] == "decision"
    exported = _json(runner.invoke(app, ["audit", "export", "--json"]))
    lines = (env["tmp"] / ".runtime" / "audit.jsonl").read_text().splitlines()
    assert exported["events"] == len(lines) > 5
    first = json.loads(lines[0])
    # the reference's sixteen fields first (its readers parse them unchanged), then this package's own
    assert list(first)[: len(REFERENCE_FIELDS)] == list(REFERENCE_FIELDS)
    assert set(EXPORT_FIELDS) <= set(first) and first["event"] == "plan"
    assert _json(runner.invoke(app, ["review", "recover", "--emulator", "--json"])) == []


def test_review_show_of_an_unknown_plan_is_refused(env) -> None:
    result = CliRunner().invoke(app, ["review", "show", "pl_nope", "--json"])
    assert result.exit_code == 3 and "not found" in result.stderr


def test_review_list_renders_a_table_on_a_terminal(env, monkeypatch) -> None:
    monkeypatch.setattr("b24_tools.cli._review.want_json", lambda force: force)
    result = CliRunner().invoke(app, ["review", "list"])
    assert result.exit_code == 0 and "3 plan(s)" in result.stdout and "CLI 0" in result.stdout
    shown = CliRunner().invoke(app, ["review", "show", env["ids"][0]])
    assert shown.exit_code == 0 and "audit" in shown.stdout


def test_review_resolve_settles_an_unknown_outcome_plan(env) -> None:
    emu = env["emu"]
    with Approvals.open(
        client=emu.client(max_retries=1), policy=Policy(), sqlite_path=env["tmp"] / ".runtime" / "b24.sqlite"
    ) as a:
        res = a.submit("crm.lead.update", {"id": 1, "fields": {"TITLE": "Lost update"}})
        emu.faults.add(method="crm.lead.update", kind="drop_after_commit")
        assert a.approve(res.plan_id, reviewer="ann").status == "unknown_outcome"
    runner = CliRunner()
    parked = runner.invoke(app, ["review", "list", "--status", "unknown_outcome", "--json"])
    assert [r["plan_id"] for r in _json(parked)] == [res.plan_id]
    out = runner.invoke(app, ["review", "resolve", res.plan_id, "--happened", "--result", "true", "--json"])
    assert out.exit_code == 0 and _json(out)["status"] == "executed"


@pytest.mark.parametrize("command", [["review", "list"], ["audit", "tail", "-n", "5"]])
def test_tables_fit_80_columns_and_never_break_a_plan_id(env, monkeypatch, command) -> None:
    monkeypatch.setattr("b24_tools.cli._review.want_json", lambda force: force)
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for plan_id in env["ids"]:
        assert any(plan_id in line for line in lines), f"{plan_id} is not on one line:\n{result.stdout}"
