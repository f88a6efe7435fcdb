"""A separate agent process for the kill -9 test: resume an agent thread whose plan a reviewer approved, and hang.

    python _agent_worker.py '{"backend": {...}, "webhook": URL, "thread": T, "stage": "claimed", "marker": PATH}'

The engine's stage hook touches `marker` at `stage` ("claimed" = after the ledger claim, "called" = after the
portal answered, before the ledger completion) and sleeps, so the parent can kill -9 the process right there.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    cfg: dict[str, Any] = json.loads(sys.argv[1])
    from b24_tools import B24Client, B24Settings, Policy, build_agent, resume_decided
    from b24_tools.approval import Engine
    from b24_tools.approval._persistence import open_persistence
    from b24_tools.cli.demo import ScriptedChatModel

    def on_stage(stage: str, plan_id: str) -> None:
        if stage == cfg["stage"]:
            Path(cfg["marker"]).write_text(plan_id)
            time.sleep(120)

    backend = {k: v for k, v in cfg["backend"].items() if k in ("sqlite_path", "database_url")}
    settings = B24Settings(_env_file=None, rate_limiter="off", **backend)
    client = B24Client.from_webhook(cfg["webhook"], max_retries=1)
    with open_persistence(settings) as p:
        engine = Engine(client, policy=Policy(), store=p.store, table=p.table, on_stage=on_stage)
        agent = build_agent(
            settings, model=ScriptedChatModel(), client=client, engine=engine, checkpointer=p.checkpointer
        )
        resume_decided(agent, cfg["thread"], approvals=engine)
    print(json.dumps({"status": "finished without reaching the stage"}))


if __name__ == "__main__":
    main()
