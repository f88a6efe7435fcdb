"""The agent skill shipped with b24-tools: `SKILL.md`, the agent manifest and the prompt guides as references.

`install(directory)` writes `directory/b24-tools/` in the layout skill runtimes read (Claude Code's
`~/.claude/skills/`, Codex, OpenClaw): `SKILL.md`, `agents/openai.yaml`, `references/…` (the pack guides,
`operations.md`, the recipes and the system prompt, from `b24_tools.prompts`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["SKILL_NAME", "skill_text", "install"]

SKILL_NAME = "b24-tools"
_FILES = ("SKILL.md", "agents/openai.yaml")


def _read(name: str) -> str:
    node = resources.files(__name__)
    for part in name.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def skill_text() -> str:
    """The shipped SKILL.md."""
    return _read("SKILL.md")


def install(directory: str | Path) -> list[Path]:
    """Write the skill under `directory/b24-tools/` (refreshing our files, leaving others alone)."""
    from .. import prompts

    root = Path(directory).expanduser() / SKILL_NAME
    written: list[Path] = []
    contents = {name: _read(name) for name in _FILES}
    for name in prompts.names():
        contents[f"references/{name}.md"] = prompts.load(name)
    for rel, text in contents.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
