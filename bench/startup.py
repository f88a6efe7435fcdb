"""Start-up cost of the `b24` command: process CPU time (user + sys) of `b24 --help` and of one read call.

    python bench/startup.py [--runs 7] [--results-dir bench/results]

The read call is `b24 call crm.lead.list` through a webhook against an emulator served in its own process
(`b24 emulator serve`), so the figure is what a shell user pays per command. CPU time, not wall time, so a busy
machine disturbs it little. Targets (issue "a newcomer's first hour"): --help <= 0.2 s, a read call <= 0.5 s.
Writes bench/results/startup.json and bench/results/startup.md. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TARGETS = {"b24 --help": 0.2, "b24 call (read)": 0.5}


def _cpu_of(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, proc.returncode


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--results-dir", default=str(BENCH / "results"))
    args = ap.parse_args(argv)
    b24 = [sys.executable, "-m", "b24_tools.cli"]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="b24bench-start-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("B24_")}
        env.update(B24_RUNTIME_DIR=str(Path(tmp) / ".runtime"), B24_RATE_LIMITER="off")
        port = _free_port()
        server = subprocess.Popen(
            [*b24, "emulator", "serve", "--port", str(port), "--db", str(Path(tmp) / "emu.sqlite")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp,
        )
        try:
            url = None
            deadline = time.monotonic() + 60
            while url is None and time.monotonic() < deadline:
                line = server.stdout.readline() if server.stdout else ""
                found = re.search(r"(http://127\.0\.0\.1:\d+/rest/\d+/[^/\s]+/)", line)
                url = found.group(1) if found else None
            if url is None:
                raise SystemExit("the emulator did not print its webhook URL")
            env["B24_WEBHOOK_URL"] = url
            commands = {
                "b24 --help": [*b24, "--help"],
                "b24 call (read)": [*b24, "call", "crm.lead.list", "--params", '{"select":["ID"]}', "--json"],
            }
            for name, cmd in commands.items():
                _cpu_of(cmd, env)  # warm the file cache and byte code
                runs = []
                for _ in range(args.runs):
                    cpu, rc = _cpu_of(cmd, env)
                    if rc != 0:
                        raise SystemExit(f"{name} exited {rc}")
                    runs.append(cpu)
                results[name] = {
                    "median_cpu_s": statistics.median(runs),
                    "runs": runs,
                    "target_s": TARGETS[name],
                }
        finally:
            server.terminate()
            server.wait(timeout=10)
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "startup.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"Process CPU time (user + sys), median of {args.runs} runs after one warm-up; the read call goes through "
        "a webhook to an emulator served in its own process.",
        "",
        "| command | median CPU | target | met |",
        "|---|---:|---:|---|",
    ]
    for name, r in results.items():
        met = "yes" if r["median_cpu_s"] <= r["target_s"] else "**no**"
        lines.append(f"| `{name}` | {r['median_cpu_s']:.3f} s | ≤ {r['target_s']:.1f} s | {met} |")
    (out / "startup.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
