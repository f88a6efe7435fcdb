"""One worker process of the refresh test: waits for the go file, then calls every portal once.

Prints one JSON line: {"ok": [member_id, ...], "refreshes": {member_id: n}}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from b24_tools.portals import Portals


def main() -> None:
    cfg = json.loads(sys.argv[1])
    go = Path(cfg.pop("go"))
    members = cfg.pop("members")
    with Portals.open(**cfg) as portals:
        clients = {m: portals.client(m) for m in members}  # each loads the (expired) stored pair
        while not go.exists():
            time.sleep(0.005)
        ok = [m for m, c in clients.items() if c.call("user.current").result.get("ID")]
        print(json.dumps({"ok": ok, "refreshes": {m: c.stats.refreshes for m, c in clients.items()}}))


if __name__ == "__main__":
    main()
