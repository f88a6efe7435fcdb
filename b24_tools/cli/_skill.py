"""`b24 skill show|install`: the agent skill (SKILL.md + manifest + references) that teaches a coding agent
to drive `b24` within its guard rails."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import JsonOption, OneLineUsage, emit, handle_errors, want_json

__all__ = ["skill_app"]

skill_app = typer.Typer(help="The agent skill for Claude Code, Codex and the like.", no_args_is_help=True)


@skill_app.command("show", cls=OneLineUsage)
def skill_show() -> None:
    """Print the shipped SKILL.md."""
    from ..skill import skill_text

    typer.echo(skill_text(), nl=False)


@skill_app.command(
    "install",
    cls=OneLineUsage,
    epilog="Example: b24 skill install ~/.claude/skills (writes ~/.claude/skills/b24-tools/SKILL.md, …)",
)
def skill_install(
    directory: Annotated[Path, typer.Argument(help="Skills folder, e.g. ~/.claude/skills or .claude/skills")],
    json_out: JsonOption = False,
) -> None:
    """Write DIRECTORY/b24-tools/ (SKILL.md, agents/openai.yaml, references/); re-run to refresh."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        from ..skill import install

        files = install(directory)
        root = files[0].parent
        emit(
            {"path": str(root), "files": len(files)},
            as_json=as_json,
            render=lambda o: typer.echo(f"installed the b24-tools skill in {o['path']} ({o['files']} files)"),
        )
