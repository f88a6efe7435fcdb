"""Bitrix24 titles and types of entity fields (`crm.lead.fields`, `tasks.task.getfields`, …), cached.

The catalog describes a method's parameters (`fields`, `id`, …); the titles of the entity's fields themselves —
"Lead Title", "First Name", custom `UF_CRM_*` labels — live in the portal. The inbox asks the portal once per
entity through the reviewer API's client (a read, through the same rate limiter) and caches the answer.
Any failure just means raw field codes are shown.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from typing import Any

from ._viewdata import attr, catalog_spec

__all__ = ["EntityFields", "fields_method_for", "describe_fields"]

_VERBS = {"add", "update", "delete", "get", "list", "set", "import"}


def fields_method_for(method: str | None) -> str | None:
    """`crm.lead.add` → `crm.lead.fields`; `tasks.task.update` → `tasks.task.getfields`; else None."""
    if not method:
        return None
    parts = method.strip().lower().split(".")
    if len(parts) < 3 or parts[-1] not in _VERBS or parts[:2] == ["crm", "item"]:
        return None
    base = ".".join(parts[:-1])
    for candidate in (f"{base}.fields", f"{base}.getfields"):
        spec = catalog_spec(candidate)
        if spec is not None and attr(spec, "risk") == "read":
            return candidate
    return None


def describe_fields(raw: Any) -> dict[str, dict[str, Any]]:
    """Normalise a `*.fields` answer to {CODE: {title, type, readonly, multiple, choices}}."""
    if isinstance(raw, Mapping) and isinstance(raw.get("fields"), Mapping):
        raw = raw["fields"]  # tasks.task.getfields wraps them
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(raw, Mapping):
        return out
    for code, info in raw.items():
        if not isinstance(info, Mapping):
            continue
        title = ""
        for key in ("formLabel", "listLabel", "title"):
            value = info.get(key)
            if isinstance(value, str) and value.strip():
                title = value.strip()
                break
        items = info.get("items")
        choices = []
        if isinstance(items, list):
            choices = [str(i.get("ID")) for i in items if isinstance(i, Mapping) and i.get("ID") is not None]
        elif isinstance(info.get("values"), Mapping):  # tasks: {"values": {"1": "Low", ...}}
            choices = [str(k) for k in info["values"]]
        out[str(code)] = {
            "title": title,
            "type": str(info.get("type") or ""),
            "readonly": bool(info.get("isReadOnly")),
            "multiple": bool(info.get("isMultiple")),
            "required": bool(info.get("isRequired")),
            "choices": choices,
        }
    return out


class EntityFields:
    """Per-entity field descriptions, fetched through `approvals.client` and kept for `ttl` seconds."""

    def __init__(self, *, enabled: bool = True, ttl: float = 600.0, client_lock: Any = None) -> None:
        self.enabled = enabled
        self.ttl = ttl
        self._client_lock = client_lock if client_lock is not None else contextlib.nullcontext()
        self._cache: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def for_method(self, api: Any, method: str | None) -> dict[str, dict[str, Any]]:
        """Descriptions of the fields `method` writes, or {} (unknown entity, no client, portal error)."""
        if not self.enabled:
            return {}
        fields_method = fields_method_for(method)
        client = getattr(api, "client", None)
        if fields_method is None or client is None or not callable(getattr(client, "call", None)):
            return {}
        with self._lock:
            hit = self._cache.get(fields_method)
            if hit is not None and time.monotonic() - hit[0] < self.ttl:
                return hit[1]
        try:
            with self._client_lock:  # optional: a client that is not thread-safe
                answer = client.call(fields_method)
            described = describe_fields(getattr(answer, "result", answer))
        except Exception:  # noqa: BLE001 - titles are a nicety; never fail a page for them
            described = {}
        with self._lock:
            self._cache[fields_method] = (time.monotonic(), described)
        return described
