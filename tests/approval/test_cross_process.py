"""Separate processes: plan in one, approve in another; kill -9 between claim and completion; racing reviewers.

The emulator is served on loopback (`emu.serve()`), so every process talks to the same portal over HTTP and
the counts below are what the portal stored.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from approval_helpers import FakeClient

from b24_tools import B24PlanError
from b24_tools.emulator import Emulator, EmulatorConfig

WORKER = str(Path(__file__).with_name("_worker.py"))
CRASH_RUNS = int(os.environ.get("B24_CRASH_RUNS", "3"))
SECRET = "xp-secret-" + uuid.uuid4().hex[:10]


@pytest.fixture
def served(tmp_path):
    with (
        Emulator(tmp_path / "portal.sqlite", EmulatorConfig(webhook_code=SECRET)) as emu,
        emu.serve() as _url,
    ):
        yield emu


def _cfg(backend: dict[str, Any], emu: Emulator, **kw: Any) -> str:
    return json.dumps({"backend": backend, "webhook": emu.webhook_url, **kw})


def _run(cfg: str, timeout: float = 60) -> Any:
    out = subprocess.run([sys.executable, WORKER, cfg], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_plan_in_one_process_and_approve_in_another_executes_once(served, backend) -> None:
    title = "XP " + uuid.uuid4().hex[:6]
    planned = _run(
        _cfg(backend, served, action="submit", method="crm.lead.add", params={"fields": {"TITLE": title}})
    )
    assert planned["status"] == "pending"
    assert served.count("lead", TITLE=title) == 0
    done = _run(_cfg(backend, served, action="approve", plan_id=planned["plan_id"], reviewer="bob"))
    assert done["status"] == "executed"
    assert served.count("lead", TITLE=title) == 1
    again = _run(_cfg(backend, served, action="approve", plan_id=planned["plan_id"], reviewer="carol"))
    assert again["status"] == "error" and "bob" in again["error"]
    assert served.count("lead", TITLE=title) == 1


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["claimed", "called"])
def test_kill_9_between_claim_and_completion_then_resume_no_duplicate_no_loss(
    served, backend, stage, tmp_path, make_approvals
) -> None:
    reviewer = make_approvals(served.client(max_retries=1))
    killed = 0
    for run in range(CRASH_RUNS):
        title = f"Crash {stage} {run} {uuid.uuid4().hex[:6]}"
        planned = reviewer.submit("crm.lead.add", {"fields": {"TITLE": title}})
        marker = tmp_path / f"marker-{stage}-{run}"
        proc = subprocess.Popen(
            [
                sys.executable,
                WORKER,
                _cfg(
                    backend,
                    served,
                    action="approve_and_hang",
                    plan_id=planned.plan_id,
                    stage=stage,
                    marker=str(marker),
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.time() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            assert time.time() < deadline, "the worker never reached the stage"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        killed += 1
        expected_before = 1 if stage == "called" else 0
        assert served.count("lead", TITLE=title) == expected_before
        assert reviewer.get_plan(planned.plan_id).status in ("approved", "executing")
        results = {r.plan_id: r for r in reviewer.recover(stale_after=0)}
        assert results[planned.plan_id].status == "executed"
        assert served.count("lead", TITLE=title) == 1, "no duplicate, no loss"
        assert reviewer.recover(stale_after=0) == []  # nothing left to do; a second recovery changes nothing
        assert served.count("lead", TITLE=title) == 1
    print(
        f"\ncrash-test runs ({backend['kind']}, stage={stage}): {killed} kill -9, {killed} recovered exactly once"
    )


@pytest.mark.slow
def test_concurrent_reviewers_in_processes_exactly_one_wins(
    served, backend, tmp_path, make_approvals
) -> None:
    planner = make_approvals(served.client())
    title = "Race " + uuid.uuid4().hex[:6]
    planned = planner.submit("crm.lead.add", {"fields": {"TITLE": title}})
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                WORKER,
                _cfg(
                    backend,
                    served,
                    action="approve",
                    plan_id=planned.plan_id,
                    reviewer=f"r{i}",
                    wait_for=str(go),
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    time.sleep(2.5)  # let every interpreter start and wait at the line
    go.write_text("go")
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=60)
        assert p.returncode == 0, stderr[-3000:]
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    winners = [o for o in outs if o["status"] == "executed"]
    losers = [o for o in outs if o["status"] == "error"]
    assert len(winners) == 1 and len(losers) == 3
    winner = planner.get_plan(planned.plan_id).decided_by
    assert all(winner in o["error"] and o["type"] == "B24PlanError" for o in losers)
    assert served.count("lead", TITLE=title) == 1


def test_concurrent_reviewers_in_threads_exactly_one_wins(make_approvals) -> None:
    client = FakeClient()
    reviewers = [make_approvals(client) for _ in range(6)]
    planned = reviewers[0].submit("crm.lead.add", {"fields": {"TITLE": "thread race"}})
    barrier = threading.Barrier(len(reviewers))
    results: list[Any] = []

    def decide(i: int) -> None:
        barrier.wait()
        try:
            if i % 2:
                results.append(reviewers[i].reject(planned.plan_id, "no", reviewer=f"r{i}"))
            else:
                results.append(reviewers[i].approve(planned.plan_id, reviewer=f"r{i}"))
        except B24PlanError as exc:
            results.append(exc)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(len(reviewers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    decided = [r for r in results if not isinstance(r, B24PlanError)]
    assert len(results) == 6 and len(decided) == 1
    assert client.count() == (1 if decided[0].status == "executed" else 0)
    winner = reviewers[0].get_plan(planned.plan_id).decided_by
    assert all(winner in str(r) for r in results if isinstance(r, B24PlanError))
