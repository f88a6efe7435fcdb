"""(filled in below)"""

from __future__ import annotations

from .._registry import Registry

__all__ = ["register"]


def register(reg: Registry) -> None:
    return None
