"""The README's MCP section works as written: its client configs are valid JSON whose `b24` arguments the
command accepts, and its settings exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from b24_tools import B24Settings
from b24_tools.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### 8. The same guarded tools over MCP") : README.index("## Benchmarks")]


def _configs() -> list[dict]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", SECTION, re.S)]


def test_the_section_has_claude_cursor_and_vscode_configs() -> None:
    configs = _configs()
    assert len(configs) == 2
    assert "mcpServers" in configs[0] and "servers" in configs[1]
    assert configs[1]["servers"]["bitrix24"]["type"] == "stdio"
    assert "MultiServerMCPClient" in SECTION and '"transport": "streamable_http"' in SECTION


def test_every_config_names_options_the_command_accepts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for config in _configs():
        (server,) = (config.get("mcpServers") or config["servers"]).values()
        assert server["command"].endswith("/.venv/bin/b24")
        args = [a.replace("/path/to/project", str(tmp_path)) for a in server["args"]]
        # a bad transport is refused after every other option parsed: proves the options exist
        r = CliRunner().invoke(app, [*args, "--transport", "nope"])
        assert r.exit_code == 2 and "stdio or http" in r.stderr, (args, r.stderr)


def test_the_settings_it_names_exist() -> None:
    for var in set(re.findall(r"B24_[A-Z_]+", SECTION)):
        assert var[4:].lower() in B24Settings.model_fields, var
