"""`python -m b24_tools.inbox serve|hash-password` (the same commands as `b24 review serve|hash-password`)."""

from __future__ import annotations

import typer

from ._serve import hash_password_command, serve_command

app = typer.Typer(help="Reviewer inbox.", no_args_is_help=True, add_completion=False)
app.command("serve")(serve_command)
app.command("hash-password")(hash_password_command)

if __name__ == "__main__":
    app()
