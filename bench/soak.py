"""Soak: thousands of writes through the approval engine, several worker processes, an emulator injecting faults.

    python bench/soak.py                                  # 5,000 writes, 4 workers, SQLite and PostgreSQL
    python bench/soak.py --writes 400 --backend sqlite    # a quick one
    make soak                                             # the full run; the table goes to BENCHMARKS.md

The emulator runs as `b24 emulator serve` in its own process on loopback (SQLite state file). Each worker process
opens `Approvals` on the shared backend and, for its share of the records, submits `crm.lead.add` and approves it
(a reviewer in the same process) until the record is written. Faults, about 10% of the writes:

- `500`: crm.lead.add answers 500 INTERNAL_SERVER_ERROR without writing (the engine proves the write absent by its
  origin marker and sends it once more; a second 500 parks it, and the worker — as the reviewer would — checks the
  portal and resolves it);
- `drop_after_commit`: the lead is written, then the connection drops (the engine finds it by its origin marker);
- 503 storms: every request gets QUERY_LIMIT_EXCEEDED for a while (the client waits and re-sends);
- token expiry: every OAuth access token expires (the workers share one refreshed pair through the token file);
- `kill -9`: one worker is killed right after the portal answered a write and before the ledger recorded it;
  a replacement resumes its plans.

At the end, with every process stopped: exactly N leads carrying the run's titles, no duplicate title or origin
marker, every plan in a final state, every idempotency key done with the ID of the lead the portal holds, and an
audit trail whose result/reconcile events name exactly those leads. `--json FILE` writes the report.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
PG_URL = os.environ.get("B24_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
FINAL_OK = ("executed", "failed", "rejected")


# ----------------------------------------------------------------------------------------------- worker process


def worker(cfg: dict[str, Any]) -> dict[str, Any]:
    """One worker: submit and approve its share of the records until each is written; returns its counters."""
    from b24_tools import Approvals, B24Client, B24PlanError, Policy
    from b24_tools.client._auth import FileTokenStore, OAuthAuth
    from b24_tools.client.ratelimit import NoopRateLimiter

    me = f"soak-w{cfg['slot']}"
    tokens = cfg["tokens"]
    auth = OAuthAuth(
        tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        client_id=tokens["client_id"],
        client_secret=tokens["client_secret"],
        oauth_server=cfg["base_url"],
        store=FileTokenStore(cfg["token_file"]),
    )
    client = B24Client(
        cfg["base_url"],
        auth=auth,
        limiter=NoopRateLimiter(),
        max_retries=12,
        backoff_base=0.05,
        backoff_max=0.5,
    )
    counters: Counter[str] = Counter()
    token = auth.access_token
    hang_after = cfg.get("hang_after")
    progress = Path(cfg["progress"])

    def on_stage(stage: str, plan_id: str) -> None:
        if hang_after is not None and stage == "called" and counters["written"] >= hang_after:
            Path(cfg["marker"]).write_text(plan_id)
            time.sleep(600)  # the orchestrator kills this process here: portal written, ledger not

    backend = (
        {"sqlite_path": cfg["sqlite_path"]}
        if cfg.get("sqlite_path")
        else {"database_url": cfg["database_url"]}
    )
    with Approvals.open(client=client, policy=Policy(), on_stage=on_stage, **backend) as approvals:
        if cfg.get("recover"):
            for plan in approvals.list_plans(["approved", "executing"]):
                if plan.requested_by == me:
                    done = approvals.resume(plan.plan_id)
                    counters["resumed_after_kill"] += 1
                    counters[f"resumed_{done.status}"] += 1
        with progress.open("a", encoding="utf-8") as log:
            for i in range(cfg["slot"], cfg["writes"], cfg["workers"]):
                how = _write_one(approvals, client, cfg["run"], i, me, counters, B24PlanError)
                counters["written"] += 1
                if auth.access_token != token:  # renewed here, or taken from another worker's refresh
                    counters["token_renewals_seen"] += 1
                    token = auth.access_token
                log.write(json.dumps({"i": i, "how": how}) + "\n")
                log.flush()
    counters["client_retries"] = int(getattr(client.stats, "retries", 0) or 0)
    counters["client_throttled"] = int(getattr(client.stats, "throttled", 0) or 0)
    counters["token_refreshes"] = auth.refresh_count
    client.close()
    return dict(counters)


def _write_one(
    approvals: Any, client: Any, run: str, i: int, me: str, counters: Counter[str], plan_error: Any
) -> str:
    key, title = f"soak-{run}:{i}", f"soak {run} #{i}"
    for _ in range(20):
        res = approvals.submit(
            "crm.lead.add", {"fields": {"TITLE": title}}, idempotency_key=key, requested_by=me
        )
        if res.status == "replayed":
            counters["replayed"] += 1
            return "replayed"
        if res.status != "pending" or res.plan_id is None:
            raise RuntimeError(f"record {i}: submit gave {res.status}: {res.error}")
        try:
            out = approvals.approve(res.plan_id, reviewer=me)
        except plan_error:  # decided already (a resumed plan): finish it
            out = approvals.resume(res.plan_id)
        if out.status == "executed":
            return "executed"
        if out.status == "failed":
            counters["failed_then_resubmitted"] += 1
            continue
        if out.status == "unknown_outcome":
            # the reviewer's job: look the lead up in the portal by the plan's origin marker, then resolve
            plan = approvals.get_plan(res.plan_id)
            origin = plan.params["fields"]["ORIGIN_ID"]
            rows = client.call("crm.lead.list", {"filter": {"ORIGIN_ID": origin}, "select": ["ID"]}).result
            if rows:
                approvals.resolve(res.plan_id, happened=True, reviewer=me, result=int(rows[0]["ID"]))
                counters["parked_resolved_found"] += 1
                return "resolved"
            approvals.resolve(res.plan_id, happened=False, reviewer=me)
            counters["parked_resolved_absent"] += 1
            continue
        raise RuntimeError(f"record {i}: approve gave {out.status}: {out.error}")
    raise RuntimeError(f"record {i}: not written after 20 attempts")


# ----------------------------------------------------------------------------------------------- orchestrator


class Emulator:
    """`b24 emulator serve` in a subprocess, plus its admin endpoints."""

    def __init__(self, workdir: Path) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.db = workdir / "portal.sqlite"
        self.base_url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "b24_tools.cli",
            "emulator",
            "serve",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
        ]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir
        )
        import httpx

        self.http = httpx.Client(base_url=self.base_url, timeout=30)
        deadline = time.time() + 60
        while True:
            try:
                self.http.get("/")
                break
            except httpx.TransportError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(
                        "the emulator did not start: " + (self.proc.stdout.read() if self.proc.stdout else "")
                    ) from None
                time.sleep(0.1)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        r = self.http.request(method, "/_emulator/" + path, json=body)
        r.raise_for_status()
        return r.json()

    def stop(self) -> None:
        self.http.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _spawn(cfg: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE), "--worker", json.dumps(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _pg_schema() -> tuple[str, str]:
    import psycopg

    schema = "b24soak_" + uuid.uuid4().hex[:10]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{PG_URL}?options=-csearch_path%3D{schema}"


def _drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def run_soak(
    backend: str, *, writes: int = 5000, workers: int = 4, fault_rate: float = 0.10, kill: bool = True
) -> dict[str, Any]:
    """One soak on `backend` ("sqlite" or "postgres"); returns the report (raises if an invariant fails)."""
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="b24-soak-") as tmp:
        workdir = Path(tmp)
        schema = None
        store: dict[str, str]
        if backend == "postgres":
            schema, url = _pg_schema()
            store = {"database_url": url}
        else:
            store = {"sqlite_path": str(workdir / "b24.sqlite")}
        emu = Emulator(workdir)
        try:
            report = _drive(
                emu, workdir, run, store, writes=writes, workers=workers, fault_rate=fault_rate, kill=kill
            )
        finally:
            emu.stop()
        try:
            report.update(verify(emu.db, store, run, writes))
        finally:
            if schema:
                _drop_pg_schema(schema)
        report.update(backend=backend, writes=writes, workers=workers, load=os.getloadavg())
        return report


def _drive(
    emu: Emulator,
    workdir: Path,
    run: str,
    store: dict[str, str],
    *,
    writes: int,
    workers: int,
    fault_rate: float,
    kill: bool,
) -> dict[str, Any]:
    from b24_tools import Approvals, Policy

    # create the schema once: LangGraph's PostgresSaver.setup() is not safe when 4 processes race on a new schema
    with Approvals.open(client=None, policy=Policy(), **store):
        pass
    app = emu.admin("POST", "oauth/apps", {})
    tokens = {**app["tokens"], "client_id": app["client_id"], "client_secret": app["client_secret"]}
    # about 10% of the writes meet a fault: 4.5% 500s, 3% dropped after commit, the rest storms and token expiry
    share_500, share_drop = fault_rate * 0.45, fault_rate * 0.30
    emu.admin("POST", "faults", {"method": "crm.lead.add", "kind": "500", "times": None, "rate": share_500})
    emu.admin(
        "POST",
        "faults",
        {"method": "crm.lead.add", "kind": "drop_after_commit", "times": None, "rate": share_drop},
    )
    storms = max(1, round(writes * fault_rate * 0.15 / 5))  # storms of 5 refused requests
    expiries = max(1, round(writes * fault_rate * 0.10 / workers))  # each one reaches every worker
    progress = workdir / "progress.jsonl"
    progress.touch()
    base = {
        "base_url": emu.base_url, "tokens": tokens, "token_file": str(workdir / "tokens.json"), "run": run,
        "writes": writes, "workers": workers, "progress": str(progress), **store,
    }  # fmt: skip
    share = len(range(0, writes, workers))
    marker = workdir / "hang-marker"
    started = time.perf_counter()
    procs = {}
    for slot in range(workers):
        cfg = {**base, "slot": slot}
        if kill and slot == 0:
            cfg.update(hang_after=max(1, int(share * 0.4)), marker=str(marker))
        procs[slot] = _spawn(cfg)
    injected: Counter[str] = Counter()
    stop = threading.Event()

    def chaos() -> None:
        """Storms and token expiries spread over the run by progress, not by the clock."""
        plan = sorted(
            [(writes * (k + 1) / (storms + 1), "storm") for k in range(storms)]
            + [(writes * (k + 0.5) / (expiries + 1), "expire") for k in range(expiries)]
        )
        while plan and not stop.is_set():
            done = sum(1 for _ in progress.open(encoding="utf-8"))
            while plan and plan[0][0] <= done:
                _, what = plan.pop(0)
                if what == "storm":
                    emu.admin("POST", "faults", {"method": "*", "kind": "rate_limit", "times": 5})
                    injected["503 storm (5 requests each)"] += 1
                else:
                    emu.admin("POST", "tokens/expire")
                    injected["token expiry (all tokens)"] += 1
            time.sleep(0.05)

    chaos_thread = threading.Thread(target=chaos, daemon=True)
    chaos_thread.start()
    results: dict[str, Any] = {}
    killed_at = None
    try:
        while procs:
            if kill and killed_at is None and marker.exists():
                procs[0].send_signal(signal.SIGKILL)
                procs[0].wait(timeout=30)
                injected["worker kill -9 (portal written, ledger not)"] += 1
                killed_at = marker.read_text()
                procs[0] = _spawn({**base, "slot": 0, "recover": True})
            for slot, proc in list(procs.items()):
                if proc.poll() is None:
                    continue
                out, err = proc.communicate()
                if proc.returncode != 0:
                    raise RuntimeError(f"worker {slot} failed ({proc.returncode}):\n{err[-4000:]}")
                results[f"w{slot}"] = json.loads(out.strip().splitlines()[-1])
                del procs[slot]
            time.sleep(0.05)
    finally:
        stop.set()
        chaos_thread.join(timeout=10)
        for proc in procs.values():
            proc.kill()
    elapsed = time.perf_counter() - started
    faults = emu.admin("GET", "faults")
    stats = emu.admin("GET", "stats")
    for f in faults:
        if f["kind"] == "500":
            injected["500 INTERNAL_SERVER_ERROR (no write)"] += f["fired"]
        elif f["kind"] == "drop_after_commit":
            injected["drop after commit (write kept)"] += f["fired"]
    totals: Counter[str] = Counter()
    for counters in results.values():
        totals.update(counters)
    return {
        "seconds": round(elapsed, 1),
        "writes_per_second": round(writes / elapsed, 1),
        "faults": dict(injected),
        # requests that met a fault, over the writes: 500s, drops, 5 per storm, one 401 per worker per expiry, kills
        "fault_share": round(
            (
                injected["500 INTERNAL_SERVER_ERROR (no write)"]
                + injected["drop after commit (write kept)"]
                + 5 * injected["503 storm (5 requests each)"]
                + workers * injected["token expiry (all tokens)"]
                + injected["worker kill -9 (portal written, ledger not)"]
            )
            / writes,
            3,
        ),
        "worker_counters": dict(totals),
        "emulator_requests": stats.get("requests"),
        "emulator_throttled": stats.get("throttled"),
        "killed_plan": killed_at,
    }


def verify(portal_db: Path, store: dict[str, str], run: str, writes: int) -> dict[str, Any]:
    """Check the invariants on the stopped portal and backend; raise AssertionError naming the first broken one."""
    from b24_tools import Approvals, Policy
    from b24_tools.emulator import Emulator as Portal

    with Portal(portal_db) as portal:
        leads = [r for r in portal.records("lead") if str(r.get("TITLE", "")).startswith(f"soak {run} #")]
    titles = Counter(r["TITLE"] for r in leads)
    origins = Counter(r.get("ORIGIN_ID") for r in leads)
    assert len(leads) == writes, f"{len(leads)} leads, expected {writes}"
    assert len(titles) == writes and max(titles.values()) == 1, "duplicate titles"
    assert len(origins) == writes and None not in origins, "duplicate or missing origin markers"
    lead_by_title = {r["TITLE"]: int(r["ID"]) for r in leads}

    class _Offline:  # verification reads the backend only; nothing may call the portal
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"verification tried to use the portal ({name})")

    with Approvals.open(client=_Offline(), policy=Policy(), **store) as approvals:
        plans = approvals.list_plans()
        statuses = Counter(p.status for p in plans)
        not_final = {s: n for s, n in statuses.items() if s not in FINAL_OK}
        assert not not_final, f"plans not in a final state: {not_final}"
        executed: dict[str, list[Any]] = {}
        for p in plans:
            if p.status == "executed":
                executed.setdefault(p.idempotency_key, []).append(p)
        assert len(executed) == writes, f"{len(executed)} keys executed, expected {writes}"
        assert all(len(v) == 1 for v in executed.values()), "a key executed by two plans"
        for i in range(writes):
            key, title = f"soak-{run}:{i}", f"soak {run} #{i}"
            claim = approvals.ledger.lookup(key)
            assert claim is not None and claim.state == "done", f"ledger key {key} is {claim and claim.state}"
            assert _lead_id(claim.result) == lead_by_title[title], f"ledger {key} names another lead"
            assert _lead_id(executed[key][0].result) == lead_by_title[title], (
                f"plan for {key} names another lead"
            )
        events = approvals.audit.events()
        kinds = Counter(e.get("event") or e.get("kind") for e in events)
        proof: dict[str, int] = {}
        for e in events:
            kind, outcome = e.get("event") or e.get("kind"), e.get("outcome")
            if (kind == "result" and outcome == "ok") or (kind == "reconcile" and outcome == "found"):
                proof[e["plan_id"]] = proof.get(e["plan_id"], 0) + 1
            if kind == "decision" and e.get("decision") == "resolve" and outcome == "executed":
                proof[e["plan_id"]] = proof.get(e["plan_id"], 0) + 1
        executed_ids = {v[0].plan_id for v in executed.values()}
        assert set(proof) == executed_ids, "audit proof and executed plans differ"
        assert all(n == 1 for n in proof.values()), "a plan with two results in the audit"
        decided = {e["plan_id"] for e in events if (e.get("event") or e.get("kind")) == "decision"}
        assert executed_ids <= decided, "an executed plan without a decision in the audit"
    return {
        "leads": len(leads),
        "duplicates": sum(n - 1 for n in titles.values()),
        "plans": len(plans),
        "plan_statuses": dict(statuses),
        "audit_events": len(events),
        "audit_by_kind": dict(kinds),
        "checks": "passed",
    }


def _lead_id(result: Any) -> int:
    if isinstance(result, dict):
        result = result.get("result", result.get("ID"))
    return int(result)


def _table(reports: list[dict[str, Any]]) -> str:
    """Three tables: the run per backend, faults injected by kind, recoveries by kind."""
    cols = [r["backend"] for r in reports]
    head = "| | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols)
    lines = [
        "| backend | writes | workers | wall time | writes/s | leads in the portal | duplicates | plans by final state | audit events | load (1/5/15 min) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(r["plan_statuses"].items()))
        load = "/".join(f"{x:.1f}" for x in r["load"])
        lines.append(
            f"| {r['backend']} | {r['writes']:,} | {r['workers']} | {r['seconds']} s | {r['writes_per_second']} | "
            f"{r['leads']:,} | {r['duplicates']} | {statuses} | {r['audit_events']:,} | {load} |"
        )
    kinds = sorted({k for r in reports for k in r["faults"]})
    lines += ["", "Faults injected, by kind:", "", head]
    lines += [f"| {k} | " + " | ".join(str(r["faults"].get(k, 0)) for r in reports) + " |" for k in kinds]
    lines.append(
        "| share of writes that met a fault | "
        + " | ".join(f"{r['fault_share']:.1%}" for r in reports)
        + " |"
    )

    def recoveries(r: dict[str, Any]) -> dict[str, int]:
        c, audit = r["worker_counters"], r["audit_by_kind"]
        return {
            "answers lost or refused mid-write, settled by looking the lead up by its origin marker (audit `reconcile`: a 500 → absent, a drop → found, the killed plan → found)": audit.get(
                "reconcile", 0
            ),
            "audit `retry` lines (a write proven absent sent once more, or the client re-sending after a 503)": audit.get(
                "retry", 0
            ),
            "requests re-sent by the client after 503": c.get("client_retries", 0),
            "token refreshes (the other workers took the new pair from the shared token file)": c.get(
                "token_refreshes", 0
            ),
            "plans parked after two proven-absent 500s, resolved by the reviewer and resubmitted": c.get(
                "parked_resolved_found", 0
            )
            + c.get("parked_resolved_absent", 0),
            "plans of the killed worker finished by its replacement": c.get("resumed_after_kill", 0),
            "records the replacement found already written (ledger replay)": c.get("replayed", 0),
        }

    rec = [recoveries(r) for r in reports]
    lines += ["", "Recoveries, by kind:", "", head]
    lines += [f"| {k} | " + " | ".join(str(x[k]) for x in rec) + " |" for k in rec[0]] if rec else []
    return "\n".join(lines)


def _section(reports: list[dict[str, Any]]) -> str:
    """The report section (bench/results/soak.md, included in BENCHMARKS.md by bench/report.py)."""
    import platform

    first = reports[0] if reports else {}
    lines = [
        f"Run {first.get('finished', '?')} from a fresh clone at commit `{first.get('commit', '?')}` "
        f"(`python bench/soak.py --results bench/results`, what `make soak` runs) on {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, one backend after the other. The machine was shared with other "
        "work (load averages below), so the throughput is a floor, not a benchmark. Every check passed; a failed "
        "check stops the run.",
        "",
        _table(reports),
        "",
        "Checked after every process stopped: exactly N leads with the run's titles and no duplicate title or "
        "origin marker in the portal; every plan executed, or failed and resubmitted — none pending, approved, "
        "executing or unknown; each idempotency key done in the ledger with the ID of the lead the portal holds, "
        "executed by one plan only; one audit proof (`result` ok, `reconcile` found, or a reviewer's `resolve`) "
        "per executed plan, and a decision line for each. The two backends met the same faults (the emulator's "
        "fault generator is seeded).",
        "",
    ]
    return "\n".join(lines)


def _stamp(report: dict[str, Any]) -> dict[str, Any]:
    import subprocess as sp

    commit = sp.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE.parent)
    return {
        **report,
        "commit": commit.stdout.strip() or "?",
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 of a worker")
    parser.add_argument("--results", type=Path, help="write soak.json and soak.md (the report section) here")
    parser.add_argument("--render", type=Path, help="only re-render soak.md from this soak.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.render:
        reports = json.loads(args.render.read_text(encoding="utf-8"))
        args.render.with_suffix(".md").write_text(_section(reports), encoding="utf-8")
        return 0
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    reports = []
    for backend in backends:
        print(
            f"soak on {backend}: {args.writes} writes, {args.workers} workers …", file=sys.stderr, flush=True
        )
        report = run_soak(
            backend,
            writes=args.writes,
            workers=args.workers,
            fault_rate=args.fault_rate,
            kill=not args.no_kill,
        )
        print(json.dumps(report, default=str), file=sys.stderr, flush=True)
        reports.append(_stamp(report))
    if args.results:
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / "soak.json").write_text(
            json.dumps(reports, indent=2, default=str) + "\n", encoding="utf-8"
        )
        (args.results / "soak.md").write_text(_section(reports), encoding="utf-8")
    print(_table(reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
