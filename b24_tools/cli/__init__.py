"""The `b24` operator CLI: calls, plans and reviews, exports and bulk writes, events, the emulator, the demo.

Each command group lives in its own module; `_app` assembles them into one Typer app.
"""

from __future__ import annotations

from ._app import app, main

__all__ = ["app", "main"]
