"""Capability packs: the reference's per-pack allowlist patterns (fnmatch globs, lower case)."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

__all__ = [
    "PACKS",
    "PACK_PATTERNS",
    "DEFAULT_PACKS",
    "DEFAULT_ALLOWLIST",
    "pack_for",
    "parse_pack_list",
    "matches",
]

PACKS: tuple[str, ...] = (
    "core",
    "comms",
    "automation",
    "collab",
    "content",
    "boards",
    "commerce",
    "services",
    "platform",
    "sites",
    "compliance",
    "diagnostics",
)
DEFAULT_PACKS: tuple[str, ...] = ("core",)
DEFAULT_ALLOWLIST: tuple[str, ...] = ("batch",)

# The reference tool's PACK_METHOD_ALLOWLIST, plus `app.info`/`profile` for diagnostics.
PACK_PATTERNS: dict[str, tuple[str, ...]] = {
    "core": ("batch", "user.*", "department.*", "crm.*", "tasks.task.*", "task.*", "event.*"),
    "comms": (
        "im.*",
        "imbot.*",
        "imopenlines.*",
        "imconnector.*",
        "messageservice.*",
        "mailservice.*",
        "telephony.*",
    ),
    "automation": ("bizproc.*", "crm.automation.*", "lists.*"),
    "collab": ("sonet_group.*", "socialnetwork.*", "log.*", "calendar.*", "vote.*"),
    "content": ("disk.*", "file.*", "files.*", "documentgenerator.*"),
    "boards": ("tasks.api.scrum.*", "tasks.scrum.*"),
    "commerce": ("sale.*", "catalog.*"),
    "services": ("booking.*", "calendar.*", "timeman.*"),
    "platform": ("entity.*", "biconnector.*", "ai.*"),
    "sites": ("landing.*",),
    "compliance": ("userconsent.*", "sign.*"),
    "diagnostics": (
        "method.get",
        "methods",
        "events",
        "feature.get",
        "scope",
        "server.time",
        "app.info",
        "profile",
    ),
}

# Where a method that several packs' patterns match is listed (most specific pack first).
_HOME_ORDER: tuple[str, ...] = (
    "boards",  # tasks.api.scrum.* before core's task.*
    "automation",  # crm.automation.* before core's crm.*
    "services",  # calendar.* lives in services (collab allows it too)
    "core",
    "comms",
    "collab",
    "content",
    "commerce",
    "platform",
    "sites",
    "compliance",
    "diagnostics",
)


def matches(method: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Does the (normalized, lower-case) method match any glob?"""
    return any(fnmatchcase(method, p) for p in patterns)


def pack_for(method: str) -> str | None:
    """The pack a method belongs to, or None."""
    for pack in _HOME_ORDER:
        if matches(method, PACK_PATTERNS[pack]):
            return pack
    return None


def parse_pack_list(raw: str | Sequence[str] | None) -> list[str]:
    """`None`/empty → ["core"]; "none" → []; comma list lower-cased and de-duplicated; unknown → ValueError."""
    if raw is None:
        return list(DEFAULT_PACKS)
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    names = [str(p).strip().lower() for p in items if str(p).strip()]
    if not names:
        return list(DEFAULT_PACKS)
    if names == ["none"]:
        return []
    out: list[str] = []
    for name in names:
        if name == "none":
            continue
        if name not in PACK_PATTERNS:
            raise ValueError(f"unknown pack '{name}', available packs: {', '.join(PACKS)}")
        if name not in out:
            out.append(name)
    return out
