"""Benchmark harness: one TLS emulator process, one subprocess per client run, correctness checks, medians.

Used by ``bench/run_all.py`` (what ``make bench`` runs) and by the smoke test in tests/bench/.
Every figure is checked before it counts: an export must return exactly the seeded IDs (no gaps, no
duplicates), a bulk write must leave exactly the requested number of leads in the emulator. A run that fails
its check is recorded with ``status="FAILED"`` and a reason, and its timing is never used for a median.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BENCH_DIR",
    "ClientSpec",
    "EmulatorProcess",
    "EXPORT_CLIENTS",
    "WRITE_CLIENTS",
    "PEER_PYTHON",
    "TlsFiles",
    "aggregate",
    "bench_emulator_config",
    "check_export",
    "check_write",
    "ensure_peer_venv",
    "ids_digest",
    "limit_line",
    "offset_projection",
    "make_tls",
    "run_client",
    "run_export_round",
    "run_limiter",
    "run_write_round",
    "write_records",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
CLIENTS_DIR = BENCH_DIR / "clients"
PEER_VENV = BENCH_DIR / ".venv-peers"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_PACKAGES = ("fast-bitrix24==1.8.14", "b24pysdk==1.3.2")
MAIN_PYTHON = Path(sys.executable)

if str(CLIENTS_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENTS_DIR))
from _child import ids_digest  # noqa: E402

# The standard portal bucket and the per-request latency every run uses (recorded in the report).
RATE = 2.0
BURST = 50
LATENCY_MS = 30.0
PAGE = 50
PER_REQUEST = 50 * PAGE  # one batch of 50 list pages


# The second profile's server cost per returned record. Official figures: limits.md shows an answer with
# `"processing": 0.0323` s; huge-data.md times an uncounted page of 50 on a 2.4M-row table at ~0.07-0.1 s.
# We take the lower one as the cost of a page of 50 (0.65 ms a record): a list page of 50 then costs more
# than an empty call, as on a real portal, and a 50-page batch ~1.6 s of server time.
RECORD_COST_MS = 0.65


def bench_emulator_config(**overrides: Any) -> dict[str, Any]:
    """EmulatorConfig kwargs for every benchmark: standard bucket, 30 ms latency, cost model on."""
    cfg: dict[str, Any] = {"rate": RATE, "burst": BURST, "latency_ms": LATENCY_MS, "cost_model": True}
    cfg.update(overrides)
    return cfg


# --------------------------------------------------------------------------- peers' virtualenv


def ensure_peer_venv(*, log=print) -> Path:
    """Create bench/.venv-peers with the peer clients unless it already imports them. Returns its python."""
    probe = [str(PEER_PYTHON), "-c", "import fast_bitrix24, b24pysdk"]
    if PEER_PYTHON.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return PEER_PYTHON
    log(f"creating {PEER_VENV.relative_to(REPO_DIR)} with {', '.join(PEER_PACKAGES)} ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_PYTHON), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    subprocess.run(probe, check=True)
    return PEER_PYTHON


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class TlsFiles:
    cafile: str
    certfile: str
    keyfile: str


def make_tls(directory: str | Path) -> TlsFiles:
    """A throwaway CA and a server certificate for 127.0.0.1 (trustme); clients trust the CA file."""
    import trustme

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(
        cafile=str(directory / "ca.pem"),
        certfile=str(directory / "server.pem"),
        keyfile=str(directory / "server.key"),
    )
    ca.cert_pem.write_to_path(files.cafile)
    cert.cert_chain_pems[0].write_to_path(files.certfile)
    for extra in cert.cert_chain_pems[1:]:
        with open(files.certfile, "ab") as fh:
            fh.write(extra.bytes())
    cert.private_key_pem.write_to_path(files.keyfile)
    return files


# --------------------------------------------------------------------------- emulator process


class EmulatorProcess:
    """The emulator in its own process (bench/_emu_server.py), restarted fresh for every client run."""

    def __init__(self, tls: TlsFiles | None, *, log_path: str | Path | None = None) -> None:
        self.tls = tls
        self._log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [str(MAIN_PYTHON), str(BENCH_DIR / "_emu_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=str(REPO_DIR),
            env=env,
            text=True,
            bufsize=1,
        )

    def _ask(self, cmd: dict[str, Any], timeout: float = 300.0) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"emulator process exited (code {self.proc.poll()}); see its log")
            if line.startswith("EMU "):
                answer = json.loads(line[4:])
                if "error" in answer:
                    raise RuntimeError(f"emulator: {answer['error']}\n{answer.get('traceback', '')}")
                return answer
        raise TimeoutError(f"emulator did not answer {cmd.get('op')!r}")

    def start(self, *, leads: int, config: dict[str, Any] | None = None, seed: int = 42) -> dict[str, Any]:
        cmd: dict[str, Any] = {
            "op": "start",
            "leads": leads,
            "config": config or bench_emulator_config(),
            "seed": seed,
        }
        if self.tls:
            cmd.update(certfile=self.tls.certfile, keyfile=self.tls.keyfile)
        return self._ask(cmd)

    def stats(self) -> dict[str, int]:
        return self._ask({"op": "stats"})

    def count(self, entity: str = "lead") -> int:
        return int(self._ask({"op": "count", "entity": entity})["count"])

    def ids(self, entity: str = "lead") -> dict[str, Any]:
        return self._ask({"op": "ids", "entity": entity})

    def stop(self) -> None:
        self._ask({"op": "stop"})

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._ask({"op": "quit"}, timeout=30)
            except Exception:  # noqa: BLE001
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self._log is not subprocess.DEVNULL:
            self._log.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class ClientSpec:
    """One benchmarked client: which script, which interpreter, which variant."""

    key: str
    label: str
    script: str  # path relative to bench/clients, or absolute
    variant: str = ""
    peer: bool = False  # runs in the peers' virtualenv; counts for "ratio to the fastest peer"
    ours: bool = False
    probe: bool = False  # the limit-line probe (not a competitor)
    max_n: int | None = None  # larger exports are not run (reported with a projected lower bound)
    projection: str = ""  # offset_projection style for the exports it skips
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return PEER_PYTHON if self.peer else MAIN_PYTHON

    @property
    def script_path(self) -> Path:
        p = Path(self.script)
        return p if p.is_absolute() else CLIENTS_DIR / p


# The emulator's cost model (EmulatorConfig defaults, from settings/performance/huge-data.md): a counted list page
# (start >= 0) costs COUNT_COST x table rows + OFFSET_COST x start seconds; the portal's operating-time budget
# is OPERATING_LIMIT seconds per method per 10 minutes (limits.md).
COUNT_COST = 2.1e-5
OFFSET_COST = 1.0e-5
OPERATING_LIMIT = 480.0


def offset_projection(n: int, style: str) -> dict[str, Any]:
    """Lower bound for an export by start offsets under the cost model (used where a run would not fit the budget).

    style: "sequential" (pages one after another), "concurrent" (batches of 50 pages in flight together: the most
    expensive single batch bounds it), "naive" (one page per request behind a 2/s, burst-10 token bucket).
    """
    pages = math.ceil(n / PAGE)
    costs = [COUNT_COST * n + OFFSET_COST * PAGE * k for k in range(pages)]
    operating = sum(costs)
    if style == "concurrent":
        bound = sum(costs[-50:])
    elif style == "naive":
        bound = max(sum(costs), max(0, pages - 10) / 2.0)
    else:
        bound = sum(costs)
    note = f"≥ {bound:,.0f} s by the cost model ({pages:,} counted pages)"
    if operating > OPERATING_LIMIT:
        note += (
            f"; {operating:,.0f} s of crm.lead.list operating time > the {OPERATING_LIMIT:.0f} s budget per 10 min, "
            "so a portal answers OPERATION_TIME_LIMIT before the export ends"
        )
    if style == "naive":
        note += f"; its own 2/s bucket alone needs {max(0, pages - 10) / 2.0:,.0f} s"
    return {"lower_bound_s": bound, "operating_s": operating, "note": note}


EXPORT_CLIENTS: tuple[ClientSpec, ...] = (
    # the defaults, exactly as a user writes it: iter_list("crm.lead.list", {"select": [...]})
    ClientSpec("b24tools_fast", "b24-tools defaults", "b24tools_client.py", "defaults", ours=True),
    ClientSpec(
        "b24tools_sequential",
        "b24-tools parallel=1",
        "b24tools_client.py",
        "parallel",
        ours=True,
        extra={"parallel": 1},
    ),
    ClientSpec(
        "b24tools_offset",
        "b24-tools offset",
        "b24tools_client.py",
        "offset",
        ours=True,
        max_n=2_500,
        projection="sequential",
    ),
    ClientSpec(
        "fast_bitrix24",
        "fast_bitrix24 get_all",
        "fast_bitrix24_client.py",
        peer=True,
        max_n=10_000,
        projection="concurrent",
    ),
    ClientSpec(
        "b24pysdk_as_list",
        "b24pysdk as_list",
        "b24pysdk_client.py",
        "as_list",
        peer=True,
        max_n=2_500,
        projection="sequential",
    ),
    ClientSpec(
        "b24pysdk_as_list_fast", "b24pysdk as_list_fast", "b24pysdk_client.py", "as_list_fast", peer=True
    ),
    ClientSpec(
        "naive", "naive start/next loop", "naive_client.py", peer=True, max_n=2_500, projection="naive"
    ),
    ClientSpec("floor_probe", "limit-line probe", "floor_probe.py", probe=True),
)

WRITE_CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec("b24tools_call_many", "b24-tools call_many", "b24tools_client.py", "call_many", ours=True),
    ClientSpec(
        "b24tools_approved_bulk",
        "b24-tools approved bulk plan",
        "b24tools_client.py",
        "approved_bulk",
        ours=True,
    ),
    ClientSpec("fast_bitrix24", "fast_bitrix24 call(list)", "fast_bitrix24_client.py", peer=True),
    ClientSpec("b24pysdk", "b24pysdk call_batches", "b24pysdk_client.py", peer=True),
)


def run_client(client: ClientSpec, spec: dict[str, Any], *, timeout: float = 900.0) -> dict[str, Any]:
    """Run one client script in its own process; return its RESULT dict (``ok`` False on any failure)."""
    payload = {**spec, "variant": client.variant, **client.extra}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if spec.get("cafile"):
        env.update(SSL_CERT_FILE=spec["cafile"], REQUESTS_CA_BUNDLE=spec["cafile"])
    env.pop("B24_DOMAIN", None)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(client.python), str(client.script_path)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(REPO_DIR),
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    result: dict[str, Any] | None = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
    if result is None:
        return {"ok": False, "error": f"no RESULT line (exit {proc.returncode}): {proc.stderr[-1500:]}"}
    result["process_s"] = time.perf_counter() - t0
    return result


# --------------------------------------------------------------------------- correctness checks


def check_export(result: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """None when the export returned exactly the seeded records; else the reason it FAILED."""
    if not result.get("ok"):
        return f"client error: {result.get('error', '?')}"
    if result.get("count") != expected["count"]:
        return f"exported {result.get('count')} records, seeded {expected['count']}"
    if result.get("unique") != expected["unique"]:
        return f"exported {result.get('unique')} unique IDs of {result.get('count')} records, seeded {expected['unique']}"
    if result.get("ids_sha256") != expected["ids_sha256"]:
        return "exported IDs differ from the seeded IDs"
    return None


def check_write(
    result: dict[str, Any], created_in_emulator: int, requested: int, emu_ids: dict[str, Any]
) -> str | None:
    """None when exactly `requested` leads exist and the client saw each one created; else why it FAILED."""
    if not result.get("ok"):
        return f"client error: {result.get('error', '?')}"
    if created_in_emulator != requested:
        return f"{created_in_emulator} leads in the emulator, requested {requested}"
    ids = result.get("created_ids")
    if ids is not None:
        got = ids_digest(ids)
        if got["unique"] != requested or got["ids_sha256"] != emu_ids["ids_sha256"]:
            return (
                f"client reported {got['unique']} unique created IDs that do not match the emulator's leads"
            )
    if result.get("errors"):
        return f"{result['errors']} batch errors"
    return None


def write_records(n: int, run_tag: str) -> list[dict[str, Any]]:
    """The leads a write benchmark creates: deterministic, each recognisable by run."""
    return [
        {
            "TITLE": f"Bench lead {i}",
            "NAME": f"Name{i}",
            "LAST_NAME": "Bench",
            "SOURCE_ID": "WEB",
            "COMMENTS": f"run {run_tag}",
        }
        for i in range(n)
    ]


# --------------------------------------------------------------------------- rounds


def _rotated(seq: Sequence[Any], k: int) -> list[Any]:
    k %= max(1, len(seq))
    return list(seq[k:]) + list(seq[:k])


def run_export_round(
    emu: EmulatorProcess,
    clients: Sequence[ClientSpec],
    n: int,
    reps: int,
    *,
    tls: TlsFiles | None,
    config: dict[str, Any] | None = None,
    log=print,
) -> list[dict[str, Any]]:
    """Export N leads with every client `reps` times, interleaved (the order rotates each repetition)."""
    runs: list[dict[str, Any]] = []
    active = [c for c in clients if c.max_n is None or n <= c.max_n]
    for rep in range(reps):
        for client in _rotated(active, rep):
            info = emu.start(leads=n, config=config)
            spec = {
                "task": "export",
                "n": n,
                "webhook_url": info["webhook_url"],
                "cafile": tls.cafile if tls else None,
            }
            result = run_client(client, spec)
            after = emu.stats()
            emu.stop()
            reason = check_export(result, info["expected"])
            row = _row(client, "export", n, rep, result, info, after, reason)
            runs.append(row)
            log(_fmt_row(row))
    return runs


def run_write_round(
    emu: EmulatorProcess,
    clients: Sequence[ClientSpec],
    n: int,
    reps: int,
    *,
    tls: TlsFiles | None,
    config: dict[str, Any] | None = None,
    log=print,
) -> list[dict[str, Any]]:
    """Create N leads with every client `reps` times, interleaved; count what the emulator holds."""
    runs: list[dict[str, Any]] = []
    for rep in range(reps):
        for client in _rotated(clients, rep):
            info = emu.start(leads=0, config=config)
            tag = uuid.uuid4().hex[:8]
            spec = {
                "task": "write",
                "n": n,
                "records": write_records(n, tag),
                "webhook_url": info["webhook_url"],
                "cafile": tls.cafile if tls else None,
            }
            result = run_client(client, spec)
            after = emu.stats()
            created = emu.count("lead") - info["expected"]["count"]
            emu_ids = emu.ids("lead")
            emu.stop()
            reason = check_write(result, created, n, emu_ids)
            row = _row(client, "write", n, rep, result, info, after, reason)
            row["created_in_emulator"] = created
            runs.append(row)
            log(_fmt_row(row))
    return runs


def _row(
    client: ClientSpec,
    task: str,
    n: int,
    rep: int,
    result: dict[str, Any],
    info: dict[str, Any],
    after: dict[str, int],
    reason: str | None,
) -> dict[str, Any]:
    before = info.get("before") or {"requests": 0, "throttled": 0}
    wall = result.get("wall_s")
    return {
        "task": task,
        "client": client.key,
        "label": client.label,
        "n": n,
        "rep": rep,
        "status": "FAILED" if reason else "ok",
        "reason": reason,
        "wall_s": wall,
        "records_per_s": (n / wall) if (wall and not reason) else None,
        "http_requests": after["requests"] - before["requests"],
        "throttled": after["throttled"] - before["throttled"],
        "operating_blocked": after.get("operating_blocked", 0) - before.get("operating_blocked", 0),
        "emulator_cpu_s": (after["cpu_s"] - before["cpu_s"])
        if "cpu_s" in after and "cpu_s" in before
        else None,
        "server_time_s": result.get("server_time_s"),
        "client_cpu_s": result.get("client_cpu_s"),
        "client_requests": result.get("client_requests"),
        "client_throttled": result.get("client_throttled"),
        "peak_rss_mb": result.get("peak_rss_mb"),
        "seed_s": info.get("seed_s"),
        "exported": result.get("count"),
        "unique": result.get("unique"),
    }


def _fmt_row(row: dict[str, Any]) -> str:
    wall = f"{row['wall_s']:.2f}s" if row.get("wall_s") is not None else "-"
    extra = f"  FAILED: {row['reason']}" if row["status"] != "ok" else ""
    return (
        f"  {row['task']:6} N={row['n']:>6} rep={row['rep']} {row['label']:<30} {wall:>9} "
        f"req={row['http_requests']:<5} 503={row['throttled']:<4} rss={row.get('peak_rss_mb') or 0:.0f}MB{extra}"
    )


# --------------------------------------------------------------------------- limiter utilisation


def run_limiter(
    emu: EmulatorProcess,
    kind: str,
    *,
    procs: int,
    duration: float,
    tls: TlsFiles | None,
    workdir: str | Path,
    redis_url: str = "redis://127.0.0.1:6379/0",
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`procs` processes share one limiter backend and hammer one portal for `duration` seconds."""
    info = emu.start(leads=100, config=config)
    before = info["before"]
    barrier = Path(tempfile.mkdtemp(prefix="barrier-", dir=workdir))
    spec = {
        "barrier": str(barrier),
        "task": "hammer",
        "kind": kind,
        "webhook_url": info["webhook_url"],
        "cafile": tls.cafile if tls else None,
        "duration": duration,
        "path": str(Path(workdir) / f"limiter-{uuid.uuid4().hex[:8]}.sqlite"),
        "redis_url": redis_url,
        "key_prefix": f"b24bench:{uuid.uuid4().hex[:10]}:",
    }
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SSL_CERT_FILE": spec["cafile"] or ""}
    children = [
        subprocess.Popen(
            [str(MAIN_PYTHON), str(CLIENTS_DIR / "limiter_hammer.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(REPO_DIR),
            env=env,
        )
        for _ in range(procs)
    ]
    for i, child in enumerate(children):
        assert child.stdin is not None
        child.stdin.write(json.dumps({**spec, "worker": i}))
        child.stdin.close()
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < procs and time.monotonic() < deadline:
        if any(c.poll() is not None for c in children):
            break
        time.sleep(0.02)
    (barrier / "go.tmp").write_text(repr(time.time() + 0.5))
    (barrier / "go.tmp").rename(barrier / "go")
    outs = []
    for child in children:
        out = child.stdout.read() if child.stdout else ""
        err = child.stderr.read() if child.stderr else ""
        child.wait(timeout=duration + 120)
        outs.append((out, err))
    after = emu.stats()
    emu.stop()
    results: list[dict[str, Any]] = []
    for out, err in outs:
        res = None
        for line in out.splitlines():
            if line.startswith("RESULT "):
                res = json.loads(line[7:])
        results.append(res or {"ok": False, "error": err[-1500:]})
    sends = sorted(t for r in results for t in r.get("sends", ()) if 0 <= t < duration)
    total = after["requests"] - before["requests"]
    throttled = after["throttled"] - before["throttled"]
    rate = (config or bench_emulator_config())["rate"]
    burst = (config or bench_emulator_config())["burst"]
    half = duration / 2
    steady = [t for t in sends if half <= t < duration]
    steady_rps = len(steady) / (duration - half) if duration > half else 0.0
    failed = [r.get("error") for r in results if not r.get("ok")]
    return {
        "kind": kind,
        "procs": procs,
        "duration_s": duration,
        "http_requests": total,
        "throttled": throttled,
        "completed_in_window": len(sends),
        "achieved_rps": len(sends) / duration,
        "steady_rps": steady_rps,
        "utilisation_steady": steady_rps / rate,
        "utilisation_window": len(sends) / (burst + rate * duration),
        "per_process": [r.get("calls") for r in results],
        "client_throttled": sum(int(r.get("client_throttled") or 0) for r in results),
        "status": "FAILED" if failed else "ok",
        "reason": "; ".join(str(f) for f in failed)[:2000] or None,
    }


# --------------------------------------------------------------------------- aggregation and the limit line


def limit_line(
    n: int, *, rate: float = RATE, burst: int = BURST, latency_ms: float = LATENCY_MS
) -> dict[str, Any]:
    """Minimum requests for N records (2,500 per request) and the time the leaky bucket allows for them."""
    req = math.ceil(n / PER_REQUEST)
    bucket_s = max(0, req - burst) / rate
    return {
        "n": n,
        "min_requests": req,
        "bucket_wait_s": bucket_s,
        "sequential_latency_s": req * latency_ms / 1000.0,
        "min_time_s": bucket_s + req * latency_ms / 1000.0,
    }


def _median(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def aggregate(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median per (task, client, n) over the repetitions that passed their check; FAILED if any did not."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["task"], r["client"], r["n"]), []).append(r)
    out = []
    for (task, client, n), rows in groups.items():
        good = [r for r in rows if r["status"] == "ok"]
        failed = [r for r in rows if r["status"] != "ok"]
        out.append(
            {
                "task": task,
                "client": client,
                "label": rows[0]["label"],
                "n": n,
                "reps": len(rows),
                "reps_ok": len(good),
                "status": "FAILED" if failed else "ok",
                "reason": failed[0]["reason"] if failed else None,
                "wall_s": _median(r["wall_s"] for r in good),
                "wall_min_s": min((r["wall_s"] for r in good), default=None),
                "wall_max_s": max((r["wall_s"] for r in good), default=None),
                "records_per_s": _median(r["records_per_s"] for r in good),
                "http_requests": _median(r["http_requests"] for r in good)
                if good
                else _median(r["http_requests"] for r in rows),
                "throttled": max((r["throttled"] for r in rows), default=0),
                "operating_blocked": max((r.get("operating_blocked") or 0 for r in rows), default=0),
                "emulator_cpu_s": _median(r.get("emulator_cpu_s") for r in good),
                "server_time_s": _median(r.get("server_time_s") for r in good),
                "client_cpu_s": _median(r.get("client_cpu_s") for r in good),
                "peak_rss_mb": _median(r["peak_rss_mb"] for r in good),
            }
        )
    return out


def runtime_dir() -> Path:
    d = BENCH_DIR / ".runtime"
    d.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=d))


def dump(path: str | Path, obj: Any) -> None:
    Path(path).write_text(
        json.dumps(
            obj, indent=2, default=lambda o: asdict(o) if hasattr(o, "__dataclass_fields__") else str(o)
        )
        + "\n"
    )
