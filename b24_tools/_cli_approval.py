"""`b24 review …` and `b24 audit …` (owned by the approval-graph work)."""

from __future__ import annotations

import typer

review_app = typer.Typer(help="List, show, approve, edit or reject pending plans.", no_args_is_help=True)
audit_app = typer.Typer(help="Tail or export the audit trail.", no_args_is_help=True)
