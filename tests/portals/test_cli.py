"""The whole lifecycle from the shell, offline: `b24 app serve` and `b24 emulator serve --portals 3 --install`,
then `b24 app list`, an uninstall through the emulator, and `b24 app plan` / `forget`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from b24_tools.cli import app as cli

SECRET = "cli-test-secret-value"
CLIENT = "app.clitest.00000001"


def _free_run(n: int) -> int:
    """A base port with n consecutive free ports after it."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n > 65000:
            continue
        try:
            held = []
            for p in range(base, base + n):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        return base
    raise RuntimeError("no free port run")


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    app_port, emu_port = _free_run(1), _free_run(4)
    values = {
        "B24_CLIENT_ID": CLIENT, "B24_CLIENT_SECRET": SECRET, "B24_ENCRYPTION_KEY": "0123456789abcdef",
        "B24_OAUTH_SERVER": f"http://127.0.0.1:{emu_port}", "B24_RATE_LIMITER": "memory",
        "B24_RUNTIME_DIR": str(tmp_path / ".runtime"), "B24_AUDIT_FILE": str(tmp_path / "audit.jsonl"),
        "B24_EVENTS_DB": str(tmp_path / "events.sqlite"),
    }  # fmt: skip
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    full = {**os.environ, **values}
    b24 = [sys.executable, "-m", "b24_tools.cli"]
    app = subprocess.Popen([*b24, "app", "serve", "--port", str(app_port)], env=full, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    emu = None
    try:
        _wait(f"http://127.0.0.1:{app_port}/healthz")
        emu = subprocess.Popen(
            [*b24, "emulator", "serve", "--portals", "3", "--port", str(emu_port), "--client-id", CLIENT,
             "--client-secret", SECRET, "--app-install-url", f"http://127.0.0.1:{app_port}/install", "--install",
             "--seed-leads", "3"],
            env=full, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        yield {"oauth": f"http://127.0.0.1:{emu_port}", **values}
    finally:
        for proc in (emu, app):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)


def _list(*args: str) -> list[dict]:
    out = CliRunner().invoke(cli, ["app", "list", "--json", *args])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


@pytest.mark.slow
def test_the_lifecycle_runs_from_the_shell(env: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    while len(rows := _list()) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(rows) == 3 and {r["status"] for r in rows} == {"installed"}
    assert SECRET not in json.dumps(rows)
    second = sorted(rows, key=lambda r: r["domain"])[1]

    # --portal picks the installed portal a command works on; each has its own data
    runner = CliRunner()
    added = runner.invoke(cli, ["call", "crm.lead.add", "--portal", second["domain"], "--confirm-write", "--json",
                                "--params", '{"fields": {"TITLE": "only on portal 2"}}'])  # fmt: skip
    assert added.exit_code == 0, added.output
    counts = {}
    for row in rows:
        listed = runner.invoke(cli, ["call", "crm.lead.list", "--portal", row["member_id"], "--json"])
        assert listed.exit_code == 0, listed.output
        counts[row["member_id"]] = len(json.loads(listed.stdout)["result"])
    assert counts[second["member_id"]] == 4 and sorted(counts.values()) == [3, 3, 4]

    answer = httpx.post(f"{env['oauth']}/_farm/uninstall/2", timeout=30)
    assert answer.status_code == 200 and answer.json()["uninstall"]["event"]["status"] == 200
    assert [r["member_id"] for r in _list()] == [r["member_id"] for r in sorted(rows, key=lambda r: r["domain"])
                                                  if r["member_id"] != second["member_id"]]  # fmt: skip
    gone = [r for r in _list("--all") if r["member_id"] == second["member_id"]]
    assert gone[0]["status"] == "uninstalled" and gone[0]["uninstalled_at"]

    first = sorted(rows, key=lambda r: r["domain"])[0]["member_id"]
    planned = CliRunner().invoke(cli, ["app", "plan", first, "enterprise", "--json"])
    assert planned.exit_code == 0 and json.loads(planned.stdout)["plan"] == "enterprise"
    refused = CliRunner().invoke(cli, ["app", "plan", second["member_id"], "enterprise"])
    assert refused.exit_code == 3 and "no longer installed" in refused.output
    gone_call = CliRunner().invoke(cli, ["call", "user.current", "--portal", second["member_id"]])
    assert gone_call.exit_code == 3 and "no longer installed" in gone_call.output
