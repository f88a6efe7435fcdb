"""Fuzz `b24 call METHOD --params …`: any text gives a documented exit code (never a traceback), and without a
confirmation nothing reaches the portal — a write hidden in odd JSON, or inside a batch, never passes as a read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from b24_tools.cli import _common as cli_common
from b24_tools.cli import app
from b24_tools.cli._common import CliFail, parse_json_option

from .conftest import budget
from .strategies import json_values, nasty_text

DOCUMENTED_EXITS = {0, 2, 3, 4, 5, 6}
WRITES = ["crm.lead.add", "crm.lead.update", "crm.lead.delete", "CRM.Lead.Add", " crm.lead.delete "]


@budget(1.0)
@given(text=st.one_of(nasty_text, json_values().map(json.dumps)))
def test_params_parser_returns_json_or_one_clear_usage_error(text: str) -> None:
    try:
        value = parse_json_option(text)
    except CliFail as exc:
        assert exc.code == 2 and exc.message.startswith("Error: ") and "\n" not in exc.message
        return
    json.dumps(value)


@pytest.fixture
def cli(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, emulator: Any) -> Any:
    state = tmp_path / ".runtime"
    monkeypatch.chdir(tmp_path)
    for key in ("B24_WEBHOOK_URL", "B24_PACKS", "B24_METHOD_ALLOWLIST", "B24_REQUIRE_PLAN", "B24_AUTH_MODE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("B24_RUNTIME_DIR", str(state))
    monkeypatch.setenv("B24_SQLITE_PATH", str(state / "b24.sqlite"))
    monkeypatch.setenv("B24_RATE_LIMITER", "off")
    monkeypatch.setattr(cli_common, "client_factory", lambda settings, use_emulator: emulator.client())
    runner = CliRunner()

    def run(*args: str) -> int:
        return runner.invoke(app, list(args), catch_exceptions=False).exit_code

    return run


def _snapshot(emu: Any) -> tuple[int, int, int]:
    return emu.count("lead"), emu.count("deal"), emu.stats.by_method.get("crm.lead.delete", 0)


commands = st.fixed_dictionaries(
    {},
    optional={
        "a": st.sampled_from(["crm.lead.add?fields[TITLE]=x", "crm.lead.delete?id=1", "crm.deal.add?fields[TITLE]=y"]),
        "b": st.sampled_from(["crm.lead.list", "user.current", "CRM.LEAD.DELETE?ID=2", " crm.lead.update?id=1&fields[TITLE]=z"]),
        "c": st.tuples(st.sampled_from(["crm.lead.delete", "crm.lead.get"]), st.dictionaries(st.just("id"), st.integers(1, 5))).map(list),
        "d": st.fixed_dictionaries({"method": st.sampled_from(["crm.lead.add", "batch"]), "params": json_values(8)}),
        "e": json_values(5),
    },
)  # fmt: skip
batch_params = st.one_of(
    st.fixed_dictionaries({"cmd": commands}, optional={"halt": st.sampled_from([0, 1, "Y", None])}),
    st.fixed_dictionaries({"CMD": commands}),
    st.fixed_dictionaries(
        {"cmd": st.lists(st.sampled_from(["crm.lead.delete?id=1", "user.current"]), max_size=3)}
    ),
    st.fixed_dictionaries(
        {"cmd": st.sampled_from(["a=crm.lead.delete%3Fid%3D1", "a=user.current", "[", ""])}
    ),
)


@budget(0.2)
@given(
    method=st.sampled_from([*WRITES, "batch", "crm.lead.list"]),
    params=st.one_of(nasty_text, json_values(10).map(json.dumps), batch_params.map(json.dumps)),
)
def test_no_params_text_makes_the_cli_crash_or_write_without_confirmation(
    cli: Any, emulator: Any, method: str, params: str
) -> None:
    before = _snapshot(emulator)
    code = cli("call", method, "--params", params, "--json")
    assert code in DOCUMENTED_EXITS
    assert _snapshot(emulator) == before, "a write reached the portal without confirmation"
