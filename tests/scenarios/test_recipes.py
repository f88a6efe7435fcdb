"""The twenty-six recipes name real tools of the packs they claim, with the catalog's risk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from b24_tools.catalog import PACKS, get_catalog

RECIPES = sorted((Path(__file__).resolve().parents[2] / "prompts" / "recipes").glob("*.md"))
STEP = re.compile(r"`(\w+)` — `([\w.]+)` \((\w+)")
PARAM_DEPENDENT = {"batch", "event.offline.get"}  # risk follows the params (inner commands / clear=0)


def test_there_are_twenty_six_numbered_recipes():
    assert [p.name[:2] for p in RECIPES] == [f"{i:02d}" for i in range(1, 27)]


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_steps_match_the_catalog(path):
    text = path.read_text()
    packs = re.search(r"Pack: `([^`]+)`", text).group(1).replace(" ", "").split("+")
    assert set(packs) <= set(PACKS)
    steps = STEP.findall(text)
    assert steps, "a recipe lists its tool calls"
    cat = get_catalog()
    for tool, method, risk in steps:
        spec = cat.get(method)
        assert spec is not None, method
        assert spec.tool_name == tool
        assert spec.pack in packs, (method, spec.pack, packs)
        if method not in PARAM_DEPENDENT:
            assert spec.risk == risk, (method, spec.risk, risk)


def test_recipes_load_through_the_prompts_api():
    from b24_tools.prompts import load

    for path in RECIPES:
        assert load(f"recipes/{path.stem}") == path.read_text()
