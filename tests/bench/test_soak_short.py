"""The soak, short: writes by 4 worker processes through the approval engine while the emulator (its own process,
loopback) injects 500s, drops after commit, a 503 storm, token expiry and a worker `kill -9` — on SQLite and on
PostgreSQL. Timings are not asserted; the invariants are (`bench/soak.py` raises when one breaks): exactly N
leads, no duplicate, every plan final, ledger and audit consistent with the portal's records."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import soak  # noqa: E402

WRITES = int(os.environ.get("B24_SOAK_SHORT_WRITES", "120"))


def _need_postgres() -> None:
    try:
        import psycopg

        with psycopg.connect(soak.PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        msg = f"PostgreSQL at {soak.PG_URL} is not reachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip("LOUD SKIP: " + msg)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_short_soak_loses_nothing_and_duplicates_nothing(backend: str) -> None:
    if backend == "postgres":
        _need_postgres()
    report = soak.run_soak(backend, writes=WRITES, workers=4, fault_rate=0.10, kill=True)
    assert report["checks"] == "passed"
    assert report["leads"] == WRITES and report["duplicates"] == 0
    assert set(report["plan_statuses"]) <= {"executed", "failed", "rejected"}
    assert report["plan_statuses"]["executed"] == WRITES
    faults = report["faults"]
    assert faults["worker kill -9 (portal written, ledger not)"] == 1
    assert report["worker_counters"]["resumed_after_kill"] == 1  # the replacement finished the killed plan
    assert faults["503 storm (5 requests each)"] >= 1 and faults["token expiry (all tokens)"] >= 1
