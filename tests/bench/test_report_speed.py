"""The "fastest by default" report judges each target from the results, met or not, with its figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from report_speed import speed_section  # noqa: E402


def _m(client: str, label: str, n: int, wall: float, *, requests: int = 5, throttled: int = 0) -> dict:
    return {
        "client": client, "label": label, "n": n, "wall_s": wall, "status": "ok", "reps": 3, "reps_ok": 3,
        "http_requests": requests, "throttled": throttled, "client_cpu_s": 0.5,
    }  # fmt: skip


CLIENTS = [
    {"key": "b24tools_fast", "label": "b24-tools defaults", "ours": True},
    {"key": "b24pysdk_as_list_fast", "label": "b24pysdk as_list_fast", "peer": True},
]


def test_each_target_is_judged_from_the_medians(tmp_path: Path) -> None:
    export = {
        "clients": CLIENTS,
        "medians": [
            _m("b24tools_fast", "b24-tools defaults", 10_000, 0.40, requests=5),
            _m("b24pysdk_as_list_fast", "b24pysdk as_list_fast", 10_000, 0.64),
            _m("b24tools_fast", "b24-tools defaults", 50_000, 1.50, requests=23),
            _m("b24pysdk_as_list_fast", "b24pysdk as_list_fast", 50_000, 1.80),
        ],
    }
    write = {
        "medians": [
            {**_m("b24tools_call_many", "b24-tools call_many", 1000, 0.20), "task": "write"},
            {**_m("b24tools_approved_bulk", "b24-tools approved bulk plan", 1000, 0.30), "task": "write"},
            {**_m("fast_bitrix24", "fast_bitrix24 call(list)", 1000, 0.51), "task": "write"},
        ]
    }
    overhead = {
        "results": [
            {"backend": "sqlite", "added_ms": {"p50": 8.0}},
            {"backend": "postgres", "added_ms": {"p50": 20.0}},
        ]
    }
    for name, doc in (("export", export), ("write", write), ("approval_overhead", overhead)):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    (tmp_path / "meta.json").write_text(json.dumps({"bench_wall_s": 600}))
    text = "\n".join(speed_section(tmp_path))
    assert (
        "| standard profile, N=10,000: defaults ≥ 1.3x the fastest peer | yes | 0.40 s vs b24pysdk as_list_fast 0.64 s = 1.60x |"
        in text
    )
    assert (
        "| standard profile, N=50,000: defaults ≥ 1.3x the fastest peer | **no** | 1.50 s vs b24pysdk as_list_fast 1.80 s = 1.20x |"
        in text
    )
    assert (
        "| standard profile, N=50,000: 0 throttles, requests ≤ ceil(N/2,500)+1 | **no** | 0 throttled, 23 requests (limit 21) |"
        in text
    )
    assert "| per-record cost: export at defaults | **no** | not run |" in text
    assert "call_many at defaults ≥ 1.5x fast_bitrix24 call(list) | yes | 0.20 s vs 0.51 s = 2.55x |" in text
    assert "an approved bulk plan within 1.3x of call_many | **no** | 0.30 s vs 0.20 s = 1.50x |" in text
    assert "| approval overhead p50, sqlite ≤ 10 ms | yes | 8.0 ms |" in text
    assert "| approval overhead p50, postgres ≤ 15 ms | **no** | 20.0 ms |" in text
    assert "| `make bench` ≤ 15 minutes | yes | 10.0 min |" in text
    assert "| standard | 10,000 | b24-tools defaults | 0.50 s | 0.50 s |" in text
