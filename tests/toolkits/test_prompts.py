"""Shipped prompts: the system prompt and one short guide per pack, loadable from the repo and the wheel."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from b24_tools import B24ValidationError
from b24_tools.catalog import PACKS, get_catalog
from b24_tools.prompts import load, names, system_prompt
from b24_tools.toolkits import DISCOVERY_TOOL_NAMES
from b24_tools.toolkits._footprint import tokenizer

REPO = Path(__file__).resolve().parents[2]
TOOL_REF = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`")


def test_system_prompt_loads_and_is_short():
    text = load("system")
    assert text.startswith("# ") and "pending review" in text and "b24_find_methods" in text
    _, count = tokenizer()
    assert count(text) <= 700


@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_has_a_short_guide(pack):
    text = load(f"packs/{pack}")
    assert text.startswith(f"# Pack: {pack}")
    assert "Pitfalls" in text and "Key recipes" in text
    _, count = tokenizer()
    assert count(text) <= 600


_NOT_TOOLS = {
    "auto_detect_section",
    "is_meeting",
    "skip_time",
    "timezone_from",
    "timezone_to",
    "auth_connector",
    "rest_offline_extended",
    "rest_auth_connector",
    "company_calendar",
    "insufficient_scope",
}


@pytest.mark.parametrize("pack", PACKS)
def test_guides_name_only_tools_that_exist(pack):
    known = {s.tool_name for s in get_catalog().curated()} | set(DISCOVERY_TOOL_NAMES)
    for name in TOOL_REF.findall(load(f"packs/{pack}")):
        if name.upper() == name or name in _NOT_TOOLS:
            continue  # field names and codes, not tools
        assert name in known, f"{pack} guide names unknown tool {name}"


def test_load_accepts_the_md_suffix_and_recipes():
    assert load("packs/core.md") == load("packs/core")
    assert load("recipes/01-lead-from-web-form").startswith("#")
    assert "system" in names() and "packs/core" in names()


@pytest.mark.parametrize("bad", ["../pyproject", "packs/../../README", ".hidden", "", "/"])
def test_load_refuses_paths_outside_the_prompts(bad):
    with pytest.raises(B24ValidationError):
        load(bad)


def test_unknown_prompt_names_the_available_ones():
    with pytest.raises(B24ValidationError, match="packs/core"):
        load("packs/nope")


def test_system_prompt_appends_the_pack_guides():
    text = system_prompt(("core", "comms"))
    assert text.index("# Working with Bitrix24") < text.index("# Pack: core") < text.index("# Pack: comms")


@pytest.mark.slow
def test_prompts_and_catalog_load_from_an_installed_wheel(tmp_path):
    wheel_dir, site = tmp_path / "wheel", tmp_path / "site"
    pip = [sys.executable, "-m", "pip"]
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-q", str(REPO), "-w", str(wheel_dir)],
        check=True,
        env=env,
        capture_output=True,
    )
    wheel = next(wheel_dir.glob("b24_tools-*.whl"))
    subprocess.run(
        [*pip, "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        env=env,
        capture_output=True,
    )
    code = (
        "import b24_tools, b24_tools.prompts as p; from b24_tools.catalog import get_catalog;"
        f"assert b24_tools.__file__.startswith({str(site)!r}), b24_tools.__file__;"
        "print(p.load('packs/core').splitlines()[0]); print(get_catalog().get('crm.lead.add').risk)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == ["# Pack: core — CRM, tasks, users, events, batch", "write"]
