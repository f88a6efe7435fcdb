"""`b24 events …` (owned by the events work)."""

from __future__ import annotations

import typer

events_app = typer.Typer(help="Receive outgoing webhooks and process offline events.", no_args_is_help=True)
