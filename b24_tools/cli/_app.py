"""`b24`: the operator CLI. This module only assembles the command groups; each lives in its own module."""

from __future__ import annotations

import typer

from ..inbox import hash_password_command, serve_command
from ._apps import app_app
from ._emulator import emulator_app
from ._events import events_app
from ._mcp import mcp_app
from ._ops import register_ops_commands
from ._review import audit_app, review_app
from ._skill import skill_app

app = typer.Typer(
    name="b24",
    help="Bitrix24 REST for agents, safe by default: calls, plans and reviews, exports, events, emulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
register_ops_commands(app)  # call, packs, diag, export, bulk, demo
review_app.command("serve")(serve_command)
review_app.command("hash-password")(hash_password_command)
app.add_typer(review_app, name="review")
app.add_typer(audit_app, name="audit")
app.add_typer(emulator_app, name="emulator")
app.add_typer(events_app, name="events")
app.add_typer(mcp_app, name="mcp")
app.add_typer(app_app, name="app")
app.add_typer(skill_app, name="skill")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
