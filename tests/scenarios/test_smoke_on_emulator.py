"""The env-gated real-portal smoke tests, pointed at the emulator on a loopback socket, so they cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from b24_tools import Emulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_integration_smoke_passes_against_the_emulator_served_over_http(tmp_path):
    emu = Emulator()
    emu.seed(leads=130, users=2)
    with emu.serve() as url:
        env = {
            **os.environ,
            "B24_RUN_INTEGRATION": "1",
            "B24_SMOKE_WRITE": "1",
            "B24_RATE_LIMITER": "off",
            "B24_WEBHOOK_URL": f"{url}/rest/1/emulator-secret-code/",
            "B24_RUNTIME_DIR": str(tmp_path),
        }
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(ROOT / "tests" / "test_integration_smoke.py"),
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-1000:]
    assert "5 passed" in r.stdout
    emu.close()
