"""Curated catalog entries of the diagnostics pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from ._shared import Curated, _Empty, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ diagnostics
    Curated(
        method="method.get",
        pack="diagnostics",
        risk="read",
        description="Is a method available here? -> isExisting, isAvailable.",
        params=_m("MethodGet", name=(str, ..., "e.g. crm.lead.add")),
        result="object",
        scope=("basic",),
        example={"name": "crm.lead.add"},
    ),
    Curated(
        method="scope",
        pack="diagnostics",
        risk="read",
        description="Scopes this webhook/app has (full=true: all).",
        params=_m("Scope", full=(bool, None, "true = all portal scopes")),
        result="list",
        scope=("basic",),
    ),
    Curated(
        method="methods",
        pack="diagnostics",
        risk="read",
        description="Methods available (deprecated; prefer method.get).",
        params=_m("Methods", scope=(str, None, "e.g. crm"), full=(bool, None, "all methods")),
        result="list",
        scope=("basic",),
    ),
    Curated(
        method="feature.get",
        pack="diagnostics",
        risk="read",
        description="Is a portal feature on? (rest_offline_extended, rest_auth_connector)",
        params=_m("FeatureGet", CODE=(str, ..., "feature code")),
        result="object",
        scope=("basic",),
        example={"CODE": "rest_auth_connector"},
    ),
    Curated(
        method="server.time",
        pack="diagnostics",
        risk="read",
        description="Portal server time.",
        params=_Empty,
        result="str",
        scope=("basic",),
    ),
    Curated(
        method="events",
        pack="diagnostics",
        risk="read",
        description="Events this app can bind.",
        params=_m("Events", SCOPE=(str, None, "e.g. crm"), FULL=(bool, None, "all events")),
        result="list",
        scope=("basic",),
    ),
    Curated(
        method="app.info",
        pack="diagnostics",
        risk="read",
        description="Application info (app auth only).",
        params=_Empty,
        result="object",
        scope=("basic",),
    ),
    Curated(
        method="profile",
        pack="diagnostics",
        risk="read",
        description="Basic info about the current user (no scope).",
        params=_Empty,
        result="object",
        scope=("basic",),
    ),
)
