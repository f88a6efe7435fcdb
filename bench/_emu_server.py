"""The benchmark's emulator process: one b24_tools emulator served over TLS on loopback, driven by JSON lines.

Runs in its own process (so clients never share its CPU/GIL). Commands on stdin, one JSON object a line;
each answer is one stdout line starting with ``EMU ``:

    {"op": "start", "leads": N, "config": {...EmulatorConfig kwargs}, "certfile":..., "keyfile":...}
        -> {"base_url", "webhook_url", "expected": {count, unique, ids_sha256}, "seed_s"}
    {"op": "stats"}            -> {"requests", "throttled"}
    {"op": "count", "entity": "lead"} -> {"count"}
    {"op": "ids", "entity": "lead"}   -> {count, unique, ids_sha256}
    {"op": "stop"}             -> {}   (shuts the server and drops the emulator: the next start is fresh)
    {"op": "quit"}

A fresh emulator per client run means fresh seed data and an empty leaky bucket for every figure: each data set
is seeded once into a template file, and every run opens its own pristine copy.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "clients"))

from _child import ids_digest  # noqa: E402


def _stats(emu: Any) -> dict[str, Any]:
    st = emu.stats
    if callable(st):
        st = st()
    keys = ("requests", "throttled", "operating_blocked", "errors", "batch_commands")
    if isinstance(st, dict):
        out: dict[str, Any] = {k: int(st.get(k, 0)) for k in keys}
    else:
        out = {k: int(getattr(st, k, 0)) for k in keys}
    out["cpu_s"] = time.process_time()  # the emulator process's CPU time (all threads): how busy it was
    return out


def _ids(emu: Any, entity: str) -> dict[str, Any]:
    return ids_digest(r.get("ID", r.get("id")) for r in emu.records(entity))


def main() -> None:
    from b24_tools.emulator import Emulator, EmulatorConfig

    emu: Any = None
    stack: contextlib.ExitStack | None = None
    tmp = tempfile.TemporaryDirectory(prefix="b24bench-emu-")
    templates: dict[tuple[int, int], tuple[Path, dict[str, Any]]] = {}

    def template(leads: int, seed: int) -> tuple[Path, dict[str, Any]]:
        """Seed each data set once; every run then starts from a pristine copy of it (same data, fresh state)."""
        if (leads, seed) not in templates:
            path = Path(tmp.name) / f"template-{leads}-{seed}.sqlite"
            seeded = Emulator(db_path=str(path))
            seeded.seed(leads=leads, users=5, seed=seed)
            expected = _ids(seeded, "lead")
            seeded.close()
            templates[(leads, seed)] = (path, expected)
        return templates[(leads, seed)]

    def reply(obj: dict[str, Any]) -> None:
        sys.stdout.write("EMU " + json.dumps(obj) + "\n")
        sys.stdout.flush()

    def stop() -> None:
        nonlocal emu, stack
        if stack is not None:
            stack.close()
        if emu is not None and hasattr(emu, "close"):
            emu.close()
        stack, emu = None, None

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        op = cmd.get("op")
        try:
            if op == "start":
                stop()
                t0 = time.perf_counter()
                for old in Path(tmp.name).glob("run-*.sqlite*"):
                    old.unlink()
                src, expected = template(int(cmd.get("leads", 0)), int(cmd.get("seed", 42)))
                db = Path(tmp.name) / f"run-{time.time_ns()}.sqlite"
                shutil.copyfile(src, db)
                emu = Emulator(db_path=str(db), config=EmulatorConfig(**(cmd.get("config") or {})))
                seed_s = time.perf_counter() - t0
                stack = contextlib.ExitStack()
                base_url = stack.enter_context(
                    emu.serve(
                        host="127.0.0.1", port=0, certfile=cmd.get("certfile"), keyfile=cmd.get("keyfile")
                    )
                )
                cfg = emu.config if hasattr(emu, "config") else None
                path = f"/rest/{getattr(cfg, 'user_id', 1)}/{getattr(cfg, 'webhook_code', 'emulator-secret-code')}/"
                reply(
                    {
                        "base_url": str(base_url).rstrip("/"),
                        "webhook_url": str(base_url).rstrip("/") + path,
                        "expected": expected,
                        "seed_s": seed_s,
                        "before": _stats(emu),
                    }
                )
            elif op == "stats":
                reply(_stats(emu))
            elif op == "count":
                reply({"count": int(emu.count(cmd.get("entity", "lead")))})
            elif op == "ids":
                reply(_ids(emu, cmd.get("entity", "lead")))
            elif op == "stop":
                stop()
                reply({})
            elif op == "quit":
                stop()
                reply({})
                break
            else:
                reply({"error": f"unknown op {op!r}"})
        except Exception as exc:  # noqa: BLE001 - reported to the harness
            reply({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]})
    tmp.cleanup()


if __name__ == "__main__":
    main()
