"""The emulator's pytest fixtures work for a user whose pytest-asyncio runs in strict mode (its default)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USER_TEST = """
import pytest

pytest_plugins = ["b24_tools.emulator.pytest_plugin"]


def test_the_emulator_fixture_is_pre_seeded(b24_client) -> None:
    assert b24_client.call("crm.lead.list").total == 30


@pytest.mark.asyncio
async def test_the_async_client_fixture_in_strict_mode(b24_aclient) -> None:
    assert (await b24_aclient.call("crm.deal.list")).total == 12
"""


def test_fixtures_work_in_pytest_asyncio_strict_mode(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout


def test_a_fresh_portal_has_the_chat_the_readme_writes_to() -> None:
    """README: `b24 call im.message.add --params '{"DIALOG_ID":"chat1","MESSAGE":"hello"}'` on a fresh emulator."""
    from b24_tools.emulator import Emulator

    emu = Emulator()
    emu.seed()
    with emu.client() as b24:
        message_id = b24.call("im.message.add", {"DIALOG_ID": "chat1", "MESSAGE": "hello"}).result
    assert int(message_id) >= 1
    emu.close()
