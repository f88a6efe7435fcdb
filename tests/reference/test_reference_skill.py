"""The shipped skill: SKILL.md and the agent manifest, installed with the references they point at; every `b24`
command line in SKILL.md is a real command with real flags."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml
from typer.testing import CliRunner

from b24_tools.cli import app
from b24_tools.prompts import load
from b24_tools.skill import install, skill_text


def _front_matter(text: str) -> dict:
    m = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert m, "SKILL.md starts with YAML front matter"
    return yaml.safe_load(m.group(1))


def test_skill_front_matter_names_and_describes_it():
    meta = _front_matter(skill_text())
    assert meta["name"] == "b24-tools"
    assert "Bitrix24" in meta["description"] and len(meta["description"]) < 1024


def test_install_writes_the_skill_manifest_and_every_reference(tmp_path):
    r = CliRunner().invoke(app, ["skill", "install", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.stderr
    root = tmp_path / "b24-tools"
    assert (root / "SKILL.md").read_text() == skill_text()
    manifest = yaml.safe_load((root / "agents" / "openai.yaml").read_text())
    assert manifest["interface"]["display_name"] == "b24-tools" and manifest["interface"]["default_prompt"]
    for ref in re.findall(r"`references/([\w\-/<>.*]+\.md)`", skill_text()):
        if "<" in ref or "*" in ref:
            continue
        assert (root / "references" / ref).is_file(), ref
    assert (root / "references" / "packs" / "core.md").read_text() == load("packs/core")
    assert (root / "references" / "operations.md").read_text() == load("operations")
    again = install(tmp_path)  # refresh in place
    assert len(again) == len(list(p for p in root.rglob("*") if p.is_file()))


def _skill_commands() -> list[list[str]]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", skill_text(), re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("b24 "):
                lines.append(shlex.split(line.replace("<plan_id>", "PLAN_ID"))[1:])
    return lines


@pytest.mark.parametrize("argv", _skill_commands(), ids=lambda a: " ".join(a[:2]))
def test_every_command_of_the_skill_parses(argv):
    """Each command line the skill teaches is accepted by the CLI's parser (checked with --help appended)."""
    r = CliRunner().invoke(app, [*argv, "--help"])
    assert r.exit_code == 0, (argv, r.stderr)
    assert "No such option" not in r.stdout + r.stderr


def test_the_skill_names_the_guard_rail_flags_and_exit_codes():
    text = skill_text()
    for needle in (
        "--no-idempotency",
        "--no-audit",
        "--no-mask-secrets",
        "--allow-unlisted",
        "| 6 |",
        "| 5 |",
    ):
        assert needle in text
