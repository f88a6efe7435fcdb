"""`b24 call`, `packs`, `diag`, `export`, `bulk`, `demo` (owned by the operator-CLI work)."""

from __future__ import annotations

import typer


def register_ops_commands(app: typer.Typer) -> None:
    """Add the top-level operator commands to `app`."""
