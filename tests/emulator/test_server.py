"""Serving over a real loopback socket: uvicorn thread, TLS with a self-signed certificate, dropped connections,
and the `b24 emulator` CLI."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from b24_tools.emulator import Emulator, make_self_signed


def test_serve_answers_over_a_loopback_socket(emu: Emulator) -> None:
    emu.seed(leads=3, users=1)
    with emu.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert emu.webhook_url.startswith(base_url)
        r = httpx.post(f"{emu.webhook_url}crm.lead.list", json={"select": ["ID"]})
    assert [x["ID"] for x in r.json()["result"]] == ["1", "2", "3"]


def test_serve_with_tls_and_a_self_signed_certificate(emu: Emulator, tmp_path: Path) -> None:
    certfile, keyfile, ca_file = make_self_signed(tmp_path)
    with emu.serve(certfile=certfile, keyfile=keyfile) as base_url:
        assert base_url.startswith("https://")
        with httpx.Client(verify=ssl.create_default_context(cafile=str(ca_file))) as client:
            assert client.post(f"{emu.webhook_url}server.time").status_code == 200
        with pytest.raises(httpx.ConnectError):  # untrusted without the CA
            httpx.post(f"{emu.webhook_url}server.time")


def test_drop_after_commit_over_a_socket_closes_without_an_answer(emu: Emulator) -> None:
    emu.faults.add("crm.deal.add", "drop_after_commit")
    with emu.serve(), httpx.Client() as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(f"{emu.webhook_url}crm.deal.add", json={"fields": {"TITLE": "written"}})
        assert client.post(f"{emu.webhook_url}server.time").status_code == 200  # the server lives on
    assert emu.count("deal") == 1


def test_cli_cert_writes_the_three_files(tmp_path: Path) -> None:
    from b24_tools.cli import app

    result = CliRunner().invoke(app, ["emulator", "cert", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {
        "emulator-cert.pem",
        "emulator-key.pem",
        "emulator-ca.pem",
    }


def test_cli_serve_refuses_a_non_loopback_host() -> None:
    from b24_tools.cli import app

    result = CliRunner().invoke(app, ["emulator", "serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "loopback" in result.output


@pytest.mark.slow
def test_cli_serve_prints_the_webhook_url_and_keeps_state(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "portal.sqlite"
    cmd = [sys.executable, "-m", "b24_tools.cli", "emulator", "serve", "--port", str(port), "--db", str(db),
           "--seed-leads", "7", "--webhook-code", "cli-code"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ}
    )
    try:
        lines = []
        while len(lines) < 2:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, "".join(lines)
            lines.append(line)
        assert f"Webhook URL: http://127.0.0.1:{port}/rest/1/cli-code/" in "".join(lines)
        url = f"http://127.0.0.1:{port}/rest/1/cli-code/crm.lead.list"
        for _ in range(100):
            try:
                body = httpx.post(url).json()
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert body["total"] == 7
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    with Emulator(db) as again:
        assert again.count("lead") == 7


def test_serve_refuses_a_non_loopback_host_unless_allowed(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="loopback"), emu.serve(host="0.0.0.0"):
        pass


@pytest.mark.slow
def test_cli_serve_self_signed_prints_the_ca_to_trust(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "b24_tools.cli", "emulator", "serve", "--port", str(port), "--self-signed"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        lines: list[str] = []
        while not any("Trust this CA" in line for line in lines):
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, "".join(lines)
            lines.append(line)
        ca_file = next(line for line in lines if "Trust this CA" in line).split(":", 1)[1].split()[0]
        context = ssl.create_default_context(cafile=str(tmp_path / ca_file))
        for _ in range(100):
            try:
                r = httpx.post(
                    f"https://127.0.0.1:{port}/rest/1/emulator-secret-code/server.time", verify=context
                )
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
