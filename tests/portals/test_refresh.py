"""At expiry, four processes call two portals at once: each portal's token is refreshed exactly once, under that
portal's lock (file locks on one host, Redis locks across hosts); every process ends up with the new token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from b24_tools.emulator._farm import EmulatorFarm
from b24_tools.emulator._transport import LoopThread, SyncASGITransport
from b24_tools.portals import Portals, create_app_server

from .conftest import APP, KEY

WORKER = Path(__file__).with_name("refresh_worker.py")


@pytest.mark.slow
@pytest.mark.parametrize("lock", ["file", "redis"])
def test_four_processes_at_expiry_refresh_each_portal_once(
    lock: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # file locks with the SQLite store (one host); Redis locks with the PostgreSQL store (many hosts)
    store = f"sqlite:///{tmp_path / 'p.sqlite'}" if lock == "file" else request.getfixturevalue("pg_url")
    redis_url = request.getfixturevalue("redis_url") if lock == "redis" else None
    loop = LoopThread()
    with EmulatorFarm(2, install_url=f"{APP}/install", handler_url=f"{APP}/events") as farm, farm.serve():
        opts = {
            "client_id": farm.client_id, "client_secret": farm.client_secret, "encryption_key": KEY,
            "database_url": store, "runtime_dir": str(tmp_path), "oauth_server": farm.oauth_url,
            "limiter": "memory", "lock": lock, "redis_url": redis_url,
        }  # fmt: skip
        with Portals.open(**opts) as portals:
            farm.use_app_transport(SyncASGITransport(create_app_server(portals), loop))
            farm.install_all()
        members = [farm.member_id(1), farm.member_id(2)]
        refreshes_at_install = dict(farm.refreshes)  # the install callback confirms each portal once
        for emu in farm.portals:
            emu.oauth.expire_all()
        go = tmp_path / "go"
        arg = json.dumps({**opts, "members": members, "go": str(go)})
        procs = [
            subprocess.Popen(
                [sys.executable, str(WORKER), arg],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=tmp_path,
            )  # fmt: skip
            for _ in range(4)
        ]
        import time

        time.sleep(1.5)  # every worker has loaded the expired pair and waits for the go file
        go.touch()
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        loop.close()
    assert all(sorted(o["ok"]) == sorted(members) for o in outputs)
    for member in members:
        assert farm.refreshes[member] - refreshes_at_install.get(member, 0) == 1
        assert sum(o["refreshes"][member] for o in outputs) == 1
