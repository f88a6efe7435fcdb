"""`b24 call`, `packs`, `diag`, `export`, `bulk`, `demo`: the operator commands (modules: _call, _diag,
_export; shared plumbing and the exit-code table in _common)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._call import CALL_EPILOG, call_command
from ._common import EXIT_CODES_HELP, OneLineUsage
from ._diag import diag_command, packs_command
from ._export import BULK_HELP, EXPORT_HELP, bulk_command, export_command

__all__ = ["register_ops_commands"]


def demo_command(
    keep: Annotated[bool, typer.Option("--keep/--fresh", help="Reuse the last demo directory")] = False,
) -> None:
    """Run the three-scenario demo against the in-process emulator (what `make demo` runs)."""
    from .demo import main as demo_main

    raise typer.Exit(demo_main(keep=keep))


def register_ops_commands(app: typer.Typer) -> None:
    """Add the top-level operator commands to `app` (usage errors print one line and exit 2)."""
    one: dict[str, Any] = {"cls": OneLineUsage}
    app.command("call", epilog=CALL_EPILOG, context_settings={"help_option_names": ["-h", "--help"]}, **one)(
        call_command
    )
    app.command("packs", epilog=EXIT_CODES_HELP, **one)(packs_command)
    app.command("diag", epilog="Example: b24 diag --pack core --pack comms. " + EXIT_CODES_HELP, **one)(
        diag_command
    )
    app.command("export", epilog=EXPORT_HELP + ". " + EXIT_CODES_HELP, **one)(export_command)
    app.command("bulk", epilog=BULK_HELP, **one)(bulk_command)
    app.command("demo", **one)(demo_command)
