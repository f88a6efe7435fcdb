"""Every pack's tools stay within their prompt-token budget (counts, not timings)."""

from __future__ import annotations

import pytest

from b24_tools.toolkits._footprint import FOOTPRINT_TARGETS, measure, tokenizer

DATA = measure()


@pytest.mark.parametrize("row", DATA["packs"], ids=lambda r: r["pack"])
def test_each_pack_stays_within_its_token_budget(row):
    assert row["tokens"] <= row["target"], (
        f"{row['pack']}: {row['tokens']} tokens > {row['target']} ({row['largest']})"
    )


def test_budgets_are_the_issue_targets():
    assert FOOTPRINT_TARGETS["core"] == 3000 and FOOTPRINT_TARGETS["discovery"] == 800
    assert FOOTPRINT_TARGETS["_default"] == 2000
    assert {r["pack"] for r in DATA["packs"]} >= {"core", "comms", "diagnostics", "discovery"}


def test_the_tokenizer_is_named_in_the_results():
    name, count = tokenizer()
    assert DATA["tokenizer"] == name
    assert count("crm_lead_add") > 0


def test_the_bench_script_writes_json_and_markdown(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "footprint.py"
    spec = importlib.util.spec_from_file_location("footprint_bench", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--results-dir", str(tmp_path)]) == 0
    md = (tmp_path / "footprint.md").read_text()
    assert md.startswith("# Tool prompt footprint") and "| core |" in md
    assert (tmp_path / "footprint.json").exists()
