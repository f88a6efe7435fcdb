"""View data: plans, views and audit events as plain, redacted dicts the templates render; schema labels.

Everything here tolerates the shape of the reviewer API's objects (dataclass, pydantic model or dict) and a
missing catalog: labels then fall back to the raw field codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .._redact import redact
from ..catalog import MethodSpec, get_catalog

__all__ = [
    "attr",
    "to_datetime",
    "plan_row",
    "flatten",
    "param_rows",
    "sample_table",
    "catalog_spec",
    "pack_of",
    "audit_rows",
    "pretty",
    "label_for",
    "params_schema",
    "schema_node",
    "entity_info",
]

_MISSING = object()


def attr(obj: Any, name: str, default: Any = None) -> Any:
    """`obj.name` or `obj[name]`, else `default`."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    value = getattr(obj, name, _MISSING)
    return default if value is _MISSING else value


def to_datetime(value: Any) -> datetime | None:
    """Epoch seconds, ISO text or datetime → aware UTC datetime (None when unreadable)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str):
        try:
            return to_datetime(float(value))
        except ValueError:
            pass
        try:
            return to_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _fmt_dt(value: Any) -> str:
    dt = to_datetime(value)
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC") if dt else ("" if value is None else str(value))


def _fmt_age(value: Any, now: datetime) -> str:
    dt = to_datetime(value)
    if dt is None:
        return ""
    secs = int((now - dt).total_seconds())
    if secs < 0:
        return "in " + _fmt_span(-secs)
    return _fmt_span(secs) + " ago"


def _fmt_span(secs: int) -> str:
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m"
    if secs < 86400:
        return f"{secs // 3600}h {secs % 3600 // 60}m"
    return f"{secs // 86400}d {secs % 86400 // 3600}h"


def catalog_spec(method: str | None) -> MethodSpec | None:
    """The catalog's MethodSpec for `method`, or None (no method, or one the catalog does not know)."""
    return get_catalog().get(method) if method else None


def pack_of(method: str | None) -> str:
    spec = catalog_spec(method)
    return str(attr(spec, "pack", "") or "")


def pretty(value: Any) -> str:
    """Readable text for a value: scalars as-is, containers as indented JSON (already redacted by callers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, indent=2, default=str, sort_keys=False)
    except (TypeError, ValueError):
        return str(value)


def _methods_of(plan: Any) -> list[str]:
    calls = attr(plan, "calls") or []
    names: list[str] = []
    for call in calls:
        name = attr(call, "method") or (call[1] if isinstance(call, list | tuple) and len(call) > 1 else None)
        if isinstance(name, str) and name not in names:
            names.append(name)
    method = attr(plan, "method")
    if method and method not in names:
        names.insert(0, method)
    return names


def plan_row(plan: Any, *, now: datetime | None = None) -> dict[str, Any]:
    """The inbox row (and plan-page header) of one plan, redacted."""
    now = now or datetime.now(UTC)
    method = attr(plan, "method") or ""
    scopes = attr(plan, "scopes") or []
    row = {
        "plan_id": str(attr(plan, "plan_id", "")),
        "thread_id": attr(plan, "thread_id") or "",
        "kind": attr(plan, "kind") or "call",
        "method": method,
        "methods": _methods_of(plan),
        "pack": attr(plan, "pack") or pack_of(method),
        "risk": attr(plan, "risk") or "",
        "scopes": sorted(scopes) if isinstance(scopes, set | frozenset) else list(scopes),
        "summary": attr(plan, "summary") or method,
        "requested_by": attr(plan, "requested_by") or "",
        "status": attr(plan, "status") or "",
        "created_at": _fmt_dt(attr(plan, "created_at")),
        "created_ts": to_datetime(attr(plan, "created_at")),
        "age": _fmt_age(attr(plan, "created_at"), now),
        "expires_at": _fmt_dt(attr(plan, "expires_at")),
        "expires_in": _fmt_age(attr(plan, "expires_at"), now),
        "decided_by": attr(plan, "decided_by") or "",
        "decision": attr(plan, "decision") or "",
        "idempotency_key": attr(plan, "idempotency_key") or "",
        "params_hash": attr(plan, "params_hash") or "",
        "error": attr(plan, "error") or "",
        "calls_count": len(attr(plan, "calls") or []),
    }
    bulk = attr(plan, "bulk")
    if row["kind"] == "bulk" and isinstance(bulk, Mapping) and isinstance(bulk.get("total"), int):
        row["calls_count"] = bulk["total"]
    return redact(row)


# -- params table and labels ---------------------------------------------------------------------------------


def params_schema(spec: Any) -> dict[str, Any] | None:
    model = attr(spec, "params_model")
    if model is None or not hasattr(model, "model_json_schema"):
        return None
    try:
        return model.model_json_schema()
    except Exception:  # noqa: BLE001
        return None


def _resolve(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` and pick the non-null branch of `anyOf`/`oneOf`."""
    for _ in range(10):
        if not isinstance(node, dict):
            return {}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            node = merged
            continue
        for key in ("anyOf", "oneOf"):
            options = node.get(key)
            if isinstance(options, list):
                non_null = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
                if len(non_null) >= 1:
                    merged = {**_resolve(non_null[0], root), **{k: v for k, v in node.items() if k != key}}
                    if len(non_null) > 1:
                        merged.setdefault("x-union", True)
                    node = merged
                    break
        else:
            return node
    return node if isinstance(node, dict) else {}


def _child(node: dict[str, Any], key: str, root: dict[str, Any]) -> dict[str, Any]:
    props = node.get("properties")
    if isinstance(props, dict):
        for name, sub in props.items():
            if name == key or (isinstance(sub, dict) and sub.get("alias") == key):
                return _resolve(sub, root)
            if name.upper() == str(key).upper():
                return _resolve(sub, root)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        return _resolve(extra, root)
    return {}


def schema_node(schema: dict[str, Any] | None, path: tuple[str, ...]) -> dict[str, Any]:
    if not schema:
        return {}
    node = _resolve(schema, schema)
    for key in path:
        node = _child(node, key, schema)
        if not node:
            return {}
    return node


def _auto_title(key: str) -> str:
    return key.replace("_", " ").title()


def label_for(node: dict[str, Any], key: str) -> tuple[str, str]:
    """(label, description) for a field: an explicit title, else the description's first sentence, else the code."""
    title: str = node["title"] if isinstance(node.get("title"), str) else ""
    desc: str = node["description"] if isinstance(node.get("description"), str) else ""
    if title and title != _auto_title(key) and title != key:
        return title, desc
    if desc:
        first = desc.split(". ")[0].split("\n")[0].strip().rstrip(".")
        if 0 < len(first) <= 60:
            return first, desc
    return key, desc


def flatten(value: Any, prefix: tuple[str, ...] = (), *, depth: int = 3) -> list[tuple[tuple[str, ...], Any]]:
    """Dicts become dotted paths (up to `depth` levels); lists and deeper values stay whole."""
    if isinstance(value, Mapping) and value and len(prefix) < depth:
        out: list[tuple[tuple[str, ...], Any]] = []
        for k, v in value.items():
            out.extend(flatten(v, (*prefix, str(k)), depth=depth))
        return out
    return [(prefix, value)]


def entity_info(entity: Mapping[str, Any] | None, path: tuple[str, ...]) -> dict[str, Any] | None:
    """The portal's description of the entity field at `fields.CODE` (or a top-level CODE)."""
    if not entity or not path:
        return None
    if len(path) == 2 and path[0].lower() == "fields":
        return entity.get(path[1])
    return None


def param_rows(
    method: str | None, params: Any, entity: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of the readable params table: code path, Bitrix24 title (portal or catalog), value text."""
    params = redact(params if params is not None else {})
    if not isinstance(params, Mapping):
        return [{"path": "", "code": "", "label": "value", "description": "", "value": pretty(params)}]
    schema = params_schema(catalog_spec(method))
    rows = []
    for path, value in flatten(params):
        node = schema_node(schema, path)
        label, desc = label_for(node, path[-1]) if path else ("", "")
        info = entity_info(entity, path)
        if info and info.get("title"):
            label = info["title"]
        rows.append(
            {
                "path": ".".join(path),
                "code": path[-1] if path else "",
                "group": ".".join(path[:-1]),
                "label": label,
                "description": desc,
                "value": pretty(value),
            }
        )
    return rows


def sample_table(
    method: str | None, records: Iterable[Any], entity: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Bulk sample as one table: a column per field (titled like the params table), a row per record."""
    rows = [param_rows(method, r, entity) for r in records]
    columns: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in rows:
        for cell in row:
            if cell["path"] not in seen:
                seen.add(cell["path"])
                columns.append({"path": cell["path"], "label": cell["label"]})
    body = [
        [next((c["value"] for c in row if c["path"] == col["path"]), "") for col in columns] for row in rows
    ]
    return {"columns": columns, "rows": body}


# -- audit --------------------------------------------------------------------------------------------------

_AUDIT_KEYS = ("event", "kind", "type", "action", "status", "outcome", "decision")


def audit_rows(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Timeline rows (oldest first): when, who, what, details. Every value redacted."""
    rows = []
    for ev in events or []:
        ev = redact(dict(ev) if isinstance(ev, Mapping) else getattr(ev, "__dict__", {"event": str(ev)}))
        what = next((str(ev[k]) for k in _AUDIT_KEYS if ev.get(k)), "event")
        details = {
            k: v
            for k, v in ev.items()
            if k not in ("ts", "time", "actor", "plan_id", *_AUDIT_KEYS[:1]) and v not in (None, "", [], {})
        }
        rows.append(
            {
                "ts": _fmt_dt(ev.get("ts") or ev.get("time")),
                "sort": to_datetime(ev.get("ts") or ev.get("time")),
                "actor": str(ev.get("actor") or ev.get("reviewer") or ""),
                "what": what,
                "details": pretty(details) if details else "",
            }
        )
    rows.sort(key=lambda r: r["sort"] or datetime.min.replace(tzinfo=UTC))
    return rows
