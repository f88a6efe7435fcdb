"""graphs/agent.py and graphs/executor.py: thin assemblies of public names that load with no model or portal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from b24_tools import B24ConfigError, B24Settings, load_model

REPO = Path(__file__).resolve().parents[2]


def test_graph_modules_import_without_a_model_or_portal(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "B24_SQLITE_PATH": str(tmp_path / "b24.sqlite"), "HOME": str(tmp_path)}
    code = (
        "import runpy; a = runpy.run_path('graphs/agent.py'); e = runpy.run_path('graphs/executor.py');"
        "print(type(a['agent']).__name__, e['graph'].name)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "CompiledStateGraph executor" in out.stdout


def test_agent_without_b24_model_raises_a_clear_error_when_invoked() -> None:
    model = load_model(B24Settings(model=None))
    with pytest.raises(B24ConfigError, match="B24_MODEL"):
        model.invoke("hi")
    broken = load_model(B24Settings(model="nosuchprovider:x"))
    with pytest.raises(B24ConfigError, match="init_chat_model"):
        broken.invoke("hi")
