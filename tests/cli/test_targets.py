"""Where `b24` sends its calls: `--emulator` (in process, state under .runtime/) or B24_WEBHOOK_URL (any portal,
here the emulator served on loopback)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from b24_tools import Emulator
from b24_tools.cli import _common as _cli_common
from b24_tools.cli import app


def _run(*args, env=None):
    r = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def _isolate(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_cli_common, "client_factory", None)
    for key in (
        "B24_WEBHOOK_URL",
        "B24_DOMAIN",
        "B24_PACKS",
        "B24_REQUIRE_PLAN",
        "B24_WEBHOOK_CODE",
        "B24_WEBHOOK_USER_ID",
        "B24_SQLITE_PATH",
        "B24_RUNTIME_DIR",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("B24_RATE_LIMITER", "off")


def test_emulator_flag_keeps_portal_state_between_invocations(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    code, out, err = _run(
        "call",
        "crm.lead.add",
        "--params",
        '{"fields": {"TITLE": "Persisted"}}',
        "--confirm-write",
        "--emulator",
        "--json",
    )
    assert code == 0, err
    lead_id = json.loads(out)["result"]
    assert (tmp_path / ".runtime" / "emulator.sqlite").exists()
    code, out, _ = _run(
        "call", "crm.lead.get", "--params", json.dumps({"id": lead_id}), "--emulator", "--json"
    )
    assert code == 0 and json.loads(out)["result"]["TITLE"] == "Persisted"


def test_without_settings_the_error_names_the_variables_and_the_emulator_flag(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    code, _, err = _run("call", "user.current")
    assert code == 2
    assert "B24_WEBHOOK_URL" in err and "--emulator" in err


def test_webhook_url_can_point_at_a_served_emulator(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    emu = Emulator()
    emu.seed(users=2)
    with emu.serve() as url:
        code, out, err = _run(
            "call", "user.current", "--json", env={"B24_WEBHOOK_URL": f"{url}/rest/1/emulator-secret-code/"}
        )
    assert code == 0, err
    assert json.loads(out)["result"]["ID"] == "1"
    assert "emulator-secret-code" not in out + err
    emu.close()


def test_terminal_output_renders_without_error(tmp_path, monkeypatch, capsys):
    from b24_tools.cli._call import _render

    _render(
        {
            "status": "pending",
            "method": "crm.lead.add",
            "risk": "write",
            "plan_id": "pl_x",
            "result": None,
            "next": {"approve": "b24 review approve pl_x"},
        }
    )
    assert "b24 review approve pl_x" in capsys.readouterr().out


def test_terminal_output_renders_lists_as_a_table_with_paging(capsys):
    from b24_tools.cli._call import _render

    _render(
        {
            "status": "ok",
            "method": "crm.lead.list",
            "risk": "read",
            "total": 120,
            "next": 50,
            "result": [{"ID": "1", "TITLE": "A", "PHONE": [{"VALUE": "+1"}]}, {"ID": "2", "TITLE": "B"}],
        }
    )
    out = capsys.readouterr().out
    assert "TITLE" in out and "total 120" in out and "start=50" in out
