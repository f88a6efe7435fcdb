"""`b24 --help` stays cheap: it imports neither settings, the HTTP client, LangGraph nor the inbox server.

(How long it takes is measured by bench/startup.py, not here.)"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "pydantic_settings",
    "httpx",
    "langgraph",
    "langchain_core",
    "starlette",
    "uvicorn",
    "b24_tools.approval",
)


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys, json\n"
        "from b24_tools.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        + repr(HEAVY)
        + " or m.startswith('b24_tools.approval'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded == []
