"""`b24 emulator …` (owned by the emulator work)."""

from __future__ import annotations

import typer

emulator_app = typer.Typer(help="Run the local Bitrix24 REST emulator.", no_args_is_help=True)
