"""A separate process that plans, decides or recovers plans (cross-process and kill -9 tests).

    python _worker.py '{"action": "submit", "backend": {...}, "webhook": URL, ...}'

Prints one JSON line with the SubmitResult (or the error). `approve_and_hang` approves with a stage hook that
touches `marker` at `stage` ("claimed" = after the ledger claim, "called" = after the portal answered, before the
ledger completion) and then sleeps, so the parent can kill -9 it right there.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    cfg: dict[str, Any] = json.loads(sys.argv[1])
    from b24_tools import Approvals, B24Client, B24Error, Policy

    client = B24Client.from_webhook(cfg["webhook"], max_retries=1)
    on_stage = None
    if cfg["action"] == "approve_and_hang":

        def on_stage(stage: str, plan_id: str) -> None:
            if stage == cfg["stage"]:
                Path(cfg["marker"]).write_text(plan_id)
                time.sleep(120)

    backend = {k: v for k, v in cfg["backend"].items() if k in ("sqlite_path", "database_url")}
    with Approvals.open(client=client, policy=Policy(), on_stage=on_stage, **backend) as approvals:
        try:
            action = cfg["action"]
            if action == "submit":
                res = approvals.submit(cfg["method"], cfg["params"], requested_by="worker")
            elif action in ("approve", "approve_and_hang"):
                if cfg.get("wait_for"):
                    while not Path(cfg["wait_for"]).exists():
                        time.sleep(0.005)
                res = approvals.approve(cfg["plan_id"], reviewer=cfg.get("reviewer", "worker"))
            elif action == "recover":
                res = approvals.recover(stale_after=0)
                print(json.dumps([dataclasses.asdict(r) for r in res], default=str))
                return
            else:
                raise SystemExit(f"unknown action {action}")
            print(json.dumps(dataclasses.asdict(res), default=str))
        except B24Error as exc:
            print(json.dumps({"status": "error", "error": str(exc), "type": type(exc).__name__}))


if __name__ == "__main__":
    main()
