"""Diagnostics pack: profile, server.time, scope, methods, method.get, feature.get, app.info, events.

Docs (api-reference/…): common/system/*.md, events/events.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .core.events import KNOWN_EVENTS
from .core.users import ensure_user

__all__ = ["register"]


def profile(ctx: Ctx, params: dict[str, Any]) -> Any:
    data = ensure_user(ctx, ctx.user_id)
    return {
        "ID": str(ctx.user_id), "ADMIN": bool(data.get("IS_ADMIN")), "NAME": data.get("NAME"),
        "LAST_NAME": data.get("LAST_NAME"), "PERSONAL_GENDER": "", "PERSONAL_PHOTO": "", "TIME_ZONE": "",
        "TIME_ZONE_OFFSET": 0,
    }  # fmt: skip


def server_time(ctx: Ctx, params: dict[str, Any]) -> Any:
    return ctx.portal.clock.iso()


def scope(ctx: Ctx, params: dict[str, Any]) -> Any:
    if params.get("full") in (True, "true", "1", 1, "Y"):
        from .._config import ALL_SCOPES

        return sorted(ALL_SCOPES)
    return sorted(ctx.scopes)


def methods(ctx: Ctx, params: dict[str, Any]) -> Any:
    full = params.get("full") in (True, "true", "1", 1, "Y")
    only = params.get("scope")
    out = []
    for m in ctx.portal.registry:
        if only and m.scope != only:
            continue
        if full or m.allowed(ctx.scopes):
            out.append(m.name)
    return out


def method_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    name = params.get("name") or params.get("NAME") or ""
    mdef = ctx.portal.registry.get(str(name)) if name else None
    if mdef is None:
        return {"isExisting": False, "isAvailable": False}
    available = mdef.allowed(ctx.scopes)
    if mdef.app_only and ctx.auth_kind != "oauth":
        available = False
    return {"isExisting": True, "isAvailable": available}


_FEATURES = {"rest_offline_extended": "Y", "rest_auth_connector": "Y"}


def feature_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    code = params.get("CODE") or params.get("code")
    if not code:
        raise ApiError("CODE_EMPTY", "CODE can't be empty", 400)
    return {"value": _FEATURES.get(str(code), "N")}


def app_info(ctx: Ctx, params: dict[str, Any]) -> Any:
    app = ctx.portal.oauth.app(ctx.client_id or "") or {}
    return {
        "ID": app.get("id", 1), "CODE": app.get("code", "emulator.app"), "VERSION": 1, "STATUS": "L",
        "INSTALLED": True, "PAYMENT_EXPIRED": "N", "DAYS": None, "LANGUAGE_ID": "en", "LICENSE": "en_project",
        "LICENSE_TYPE": "project", "LICENSE_FAMILY": "project",
    }  # fmt: skip


def events_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return sorted(KNOWN_EVENTS)


def register(reg: Registry) -> None:
    reg.add("profile", profile, scope="basic", pack="diagnostics")
    reg.add("server.time", server_time, scope="basic", pack="diagnostics")
    reg.add("scope", scope, scope="basic", pack="diagnostics")
    reg.add("methods", methods, scope="basic", pack="diagnostics")
    reg.add("method.get", method_get, scope="basic", pack="diagnostics")
    reg.add("feature.get", feature_get, scope="basic", pack="diagnostics")
    reg.add("app.info", app_info, scope="basic", app_only=True, pack="diagnostics")
    reg.add("events", events_list, scope="basic", pack="diagnostics")
