"""A missing prerequisite is one line naming the variable, before anything is recorded or sent."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from b24_tools.cli import _common as _cli_common
from b24_tools.cli import app


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setattr(_cli_common, "client_factory", None)
    monkeypatch.chdir(tmp_path)  # no .env from anywhere else
    for var in (
        "B24_WEBHOOK_URL",
        "B24_DOMAIN",
        "B24_WEBHOOK_CODE",
        "B24_APPLICATION_TOKEN",
        "B24_ENCRYPTION_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("B24_RUNTIME_DIR", str(tmp_path / ".runtime"))
    monkeypatch.setenv("B24_SQLITE_PATH", str(tmp_path / ".runtime" / "b24.sqlite"))
    monkeypatch.setenv("B24_RATE_LIMITER", "off")

    def run(*args: str):
        return CliRunner().invoke(app, list(args), catch_exceptions=False)

    return run


def _pending_plan(cli) -> str:
    r = cli(
        "call", "crm.lead.add", "--params", '{"fields":{"TITLE":"Needs review"}}', "--plan-only", "--emulator"
    )
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["plan_id"]


@pytest.mark.parametrize("decision", [["approve"], ["edit", "--params", '{"fields":{"TITLE":"Fixed"}}']])
def test_deciding_without_a_webhook_names_it_and_leaves_the_plan_pending(cli, decision):
    """`b24 review approve|edit` execute here: with no B24_WEBHOOK_URL they used to record the decision, then
    fail, leaving an approved plan that never ran. Now: exit 2, one line naming the variable, still pending."""
    plan_id = _pending_plan(cli)
    r = cli("review", decision[0], plan_id, *decision[1:])
    assert r.exit_code == 2
    assert "B24_WEBHOOK_URL" in r.stderr and "--emulator" in r.stderr
    assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1
    listed = cli("review", "list", "--json")
    assert [p["plan_id"] for p in json.loads(listed.stdout)] == [plan_id]
    done = cli("review", decision[0], plan_id, *decision[1:], "--emulator", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "executed"


def test_events_serve_without_an_application_token_names_it(cli):
    r = cli("events", "serve", "--port", "0")
    assert r.exit_code == 2
    assert "B24_APPLICATION_TOKEN" in r.stderr and "Traceback" not in r.output


def test_a_bad_encryption_key_names_the_variable_and_its_format(cli, monkeypatch):
    monkeypatch.setenv("B24_ENCRYPTION_KEY", "short")
    plan_id = _pending_plan_with_key_unset(cli, monkeypatch)
    r = cli("review", "approve", plan_id, "--emulator")
    assert r.exit_code == 2
    assert "B24_ENCRYPTION_KEY" in r.stderr and "16, 24 or 32" in r.stderr
    assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1


def _pending_plan_with_key_unset(cli, monkeypatch) -> str:
    monkeypatch.delenv("B24_ENCRYPTION_KEY")
    plan_id = _pending_plan(cli)
    monkeypatch.setenv("B24_ENCRYPTION_KEY", "short")
    return plan_id


def test_make_demo_with_a_bad_encryption_key_is_one_line_naming_it(cli, monkeypatch, capsys):
    """`make demo` with a bad B24_ENCRYPTION_KEY dumped a traceback; now one line with the expected format."""
    from b24_tools.cli.demo import main

    monkeypatch.setenv("B24_ENCRYPTION_KEY", "short")
    assert main() == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "B24_ENCRYPTION_KEY" in err[0] and "16, 24 or 32" in err[0]


def test_the_demo_prints_b24_as_it_can_be_typed_here(tmp_path, monkeypatch):
    """The demo's closing commands: bare `b24` only when it is on PATH, else the environment's own script."""
    import os
    import shutil
    import sys
    from pathlib import Path

    from b24_tools.cli.demo import b24_command

    script = Path(sys.executable).parent / "b24"
    monkeypatch.setenv("PATH", str(script.parent) + os.pathsep + os.environ.get("PATH", ""))
    assert b24_command() == "b24"
    monkeypatch.setenv("PATH", str(tmp_path))
    printed = b24_command()
    assert printed != "b24" and shutil.which(printed) is not None and Path(printed).name == "b24"
