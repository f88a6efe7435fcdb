"""The benchmark harness end to end on a tiny workload (N=200, our client only, no peers' virtualenv).

Timings are never asserted here; only that the harness measures, counts and - above all - catches a wrong
answer: a fast client that returns the wrong records, or creates the wrong number of leads, is FAILED.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import _harness as h  # noqa: E402
import run_all  # noqa: E402

pytest.importorskip("trustme")

WRONG = h.ClientSpec("wrong", "wrong but fast", str(Path(__file__).with_name("wrong_client.py")))
FAST = next(c for c in h.EXPORT_CLIENTS if c.key == "b24tools_fast")
CALL_MANY = next(c for c in h.WRITE_CLIENTS if c.key == "b24tools_call_many")


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return h.make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def emu(tls, tmp_path_factory):
    with h.EmulatorProcess(tls, log_path=tmp_path_factory.mktemp("emu") / "emulator.log") as proc:
        yield proc


def test_an_export_is_counted_and_checked_and_a_fast_wrong_answer_is_flagged_failed(emu, tls):
    rows = h.run_export_round(emu, [FAST, WRONG], 200, 1, tls=tls, log=lambda _m: None)
    ours = next(r for r in rows if r["client"] == "b24tools_fast")
    assert ours["status"] == "ok", ours["reason"]
    assert ours["exported"] == ours["unique"] == 200
    assert ours["http_requests"] >= 1 and ours["throttled"] == 0 and ours["peak_rss_mb"] > 0
    wrong = next(r for r in rows if r["client"] == "wrong")
    assert wrong["status"] == "FAILED"
    assert "exported 199 records, seeded 200" in wrong["reason"]
    assert wrong["records_per_s"] is None
    medians = {m["client"]: m for m in h.aggregate(rows)}
    assert medians["wrong"]["status"] == "FAILED" and medians["wrong"]["wall_s"] is None
    assert medians["b24tools_fast"]["status"] == "ok" and medians["b24tools_fast"]["wall_s"] > 0


def test_a_bulk_write_is_checked_against_the_emulators_own_lead_count(emu, tls):
    rows = h.run_write_round(emu, [CALL_MANY, WRONG], 40, 1, tls=tls, log=lambda _m: None)
    ours = next(r for r in rows if r["client"] == "b24tools_call_many")
    wrong = next(r for r in rows if r["client"] == "wrong")
    assert ours["status"] == "ok", ours["reason"]
    assert ours["created_in_emulator"] == 40
    assert wrong["status"] == "FAILED"
    assert "39 leads in the emulator, requested 40" in wrong["reason"]


def test_the_check_rejects_duplicates_and_foreign_ids_even_when_the_count_is_right():
    expected = h.ids_digest(range(1, 11))
    dup = {"ok": True, **h.ids_digest([1, 2, 3, 4, 5, 6, 7, 8, 9, 9])}
    foreign = {"ok": True, **h.ids_digest(range(2, 12))}
    assert "unique" in h.check_export(dup, expected)
    assert "differ" in h.check_export(foreign, expected)
    assert h.check_export({"ok": True, **expected}, expected) is None


def test_the_limit_line_is_the_minimum_requests_and_the_buckets_allowance():
    assert h.limit_line(2_500)["min_requests"] == 1
    assert h.limit_line(50_000)["min_requests"] == 20
    assert h.limit_line(50_000)["bucket_wait_s"] == 0  # 20 requests fit the burst of 50
    assert h.limit_line(250_000)["bucket_wait_s"] == (100 - 50) / 2


@pytest.mark.slow
def test_run_all_writes_results_and_a_report_with_the_targets(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    code = run_all.main(
        [
            "--ns", "200", "--reps", "1", "--only", "export,limiter", "--no-peers", "--clients", "b24tools_fast",
            "--limiter-duration", "1", "--limiter-procs", "2", "--limiter-kinds", "file",
            "--results-dir", str(tmp_path), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    export = json.loads((tmp_path / "export.json").read_text())
    assert [m["status"] for m in export["medians"]] == ["ok"]
    limiter = json.loads((tmp_path / "limiter.json").read_text())
    assert limiter["runs"][0]["status"] == "ok", limiter["runs"][0].get("reason")
    assert limiter["runs"][0]["throttled"] == 0
    text = out.read_text()
    assert "## Targets" in text and "## 1. Bulk export" in text and "## 3. Shared limiter" in text
    assert "## 4. Approval overhead" in text  # included, or said to be missing
    assert "**FAILED** (" not in text  # no figure failed its check
