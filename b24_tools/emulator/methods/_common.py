"""Small helpers the pack modules share: defaults for table-made rows and a pre-check wrapper."""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry

__all__ = ["now", "uid", "typed_missing", "wrap"]


def now(ctx: Ctx) -> str:
    return ctx.portal.clock.iso()


def uid(ctx: Ctx) -> int:
    return ctx.user_id


def typed_missing(name: str, method: str) -> ApiError:
    """The typed (camelCase) APIs' answer for a missing required field."""
    return ApiError("ERROR_CORE", f"Required field '{name}' is not specified", 400)


def wrap(reg: Registry, names: tuple[str, ...], before: Any) -> None:
    """Run `before(ctx, params)` ahead of a table-made handler (a check or a lazy default row)."""
    for name in names:
        mdef = reg.get(name)
        assert mdef is not None
        inner = mdef.handler

        def wrapped(ctx: Ctx, params: dict[str, Any], inner: Any = inner) -> Any:
            before(ctx, params)
            return inner(ctx, params)

        reg.add(name, wrapped, scope=mdef.scope, write=mdef.write, pack=mdef.pack)
