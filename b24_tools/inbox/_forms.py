"""The edit form: inputs generated from the method's params schema and the portal's field types, parsing the
submitted form back into params, and the diff shown before the reviewer confirms."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._redact import redact
from ._viewdata import catalog_spec, entity_info, flatten, label_for, params_schema, pretty, schema_node

__all__ = ["FormField", "form_fields", "parse_form", "diff_params"]


# -- edit form ----------------------------------------------------------------------------------------------


@dataclass
class FormField:
    """One input of the edit form. `name` is the HTML name: `p:` + the JSON list of the path."""

    path: tuple[str, ...]
    label: str
    description: str
    kind: str  # string | text | integer | number | boolean | enum | json
    value: str
    present: bool
    choices: list[str] = field(default_factory=list)
    error: str = ""
    numeric: bool = False  # the original value was a number: keep numbers numbers

    @property
    def name(self) -> str:
        return "p:" + json.dumps(list(self.path), ensure_ascii=False)

    @property
    def code(self) -> str:
        return ".".join(self.path)


def _kind_of(node: dict[str, Any], current: Any) -> tuple[str, list[str]]:
    enum = node.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(e, str | int) for e in enum):
        return "enum", [str(e) for e in enum]
    typ = node.get("type")
    if node.get("x-union"):
        typ = None
    if typ == "integer":
        return "integer", []
    if typ == "number":
        return "number", []
    if typ == "boolean":
        return "boolean", ["true", "false"]
    if typ in ("object", "array"):
        return "json", []
    if typ == "string":
        return (
            "text" if isinstance(current, str) and ("\n" in current or len(current) > 120) else "string"
        ), []
    # no schema: infer from the current value
    if isinstance(current, bool):
        return "boolean", ["true", "false"]
    if isinstance(current, int):
        return "integer", []
    if isinstance(current, float):
        return "number", []
    if isinstance(current, Mapping | list):
        return "json", []
    if isinstance(current, str) and ("\n" in current or len(current) > 120):
        return "text", []
    return "string", []


def _value_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, indent=2)
    if kind == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_PORTAL_KINDS = {
    "integer": "integer",
    "double": "number",
    "char": "enum",
    "crm_multifield": "json",
    "file": "json",
}


def _portal_kind(info: Mapping[str, Any], current: Any) -> tuple[str, list[str]] | None:
    if isinstance(current, Mapping | list) or info.get("multiple"):
        return "json", []
    if info.get("choices"):
        return "enum", list(info["choices"])
    kind = _PORTAL_KINDS.get(str(info.get("type")))
    if kind == "enum":
        return "enum", ["Y", "N"]
    if kind is not None:
        return kind, []
    return None


def _field(
    path: tuple[str, ...],
    schema: dict[str, Any] | None,
    entity: Mapping[str, Any] | None,
    value: Any,
    present: bool,
) -> FormField:
    node = schema_node(schema, path)
    kind, choices = _kind_of(node, value)
    label, desc = label_for(node, path[-1])
    info = entity_info(entity, path)
    if info:
        label = info.get("title") or label
        portal = _portal_kind(info, value)
        if portal is not None and not isinstance(value, bool) and (kind in ("string", "text") or not node):
            kind, choices = portal
    if kind == "enum" and value not in (None, "") and str(value) not in choices:
        choices = [*choices, str(value)]
    numeric = isinstance(value, int) and not isinstance(value, bool)
    return FormField(path, label, desc, kind, _value_text(kind, value), present, choices, numeric=numeric)


def form_fields(
    method: str | None,
    params: Mapping[str, Any],
    *,
    entity: Mapping[str, Any] | None = None,
    max_extra: int = 80,
) -> list[FormField]:
    """Inputs for every current leaf, then the other fields the schema or the portal knows (empty, optional)."""
    schema = params_schema(catalog_spec(method))
    out: list[FormField] = []
    seen: set[tuple[str, ...]] = set()
    for path, value in flatten(dict(params), depth=2):
        if not path:
            continue
        out.append(_field(path, schema, entity, value, True))
        seen.add(path)
    if entity and isinstance(params.get("fields"), Mapping):
        for code, info in entity.items():
            path = ("fields", code)
            if path in seen or info.get("readonly") or len(out) - len(seen) >= max_extra:
                continue
            out.append(_field(path, schema, entity, None, False))
            seen.add(path)
    if schema:
        containers: list[tuple[str, ...]] = [()]
        containers += [(k,) for k, v in params.items() if isinstance(v, Mapping)]
        extra = 0
        for container in containers:
            node = schema_node(schema, container)
            props = node["properties"] if isinstance(node.get("properties"), dict) else {}
            for key in props:
                path = (*container, key)
                if path in seen or any(p[: len(path)] == path for p in seen) or extra >= max_extra:
                    continue
                sub = schema_node(schema, path)
                if sub.get("type") == "object" and isinstance(sub.get("properties"), dict) and not container:
                    continue  # an object the plan does not use: editable in JSON mode
                kind, choices = _kind_of(sub, None)
                label, desc = label_for(sub, key)
                out.append(FormField(path, label, desc, kind, "", False, choices))
                seen.add(path)
                extra += 1
    return out


def _convert(f: FormField, raw: str) -> Any:
    if f.kind == "integer":
        try:
            return int(raw.strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
    if f.kind == "number":
        try:
            number = float(raw.strip())
        except ValueError:
            raise ValueError("must be a number") from None
        return int(number) if number.is_integer() and "." not in raw else number
    if f.kind == "boolean":
        if raw.strip().lower() in ("true", "1", "yes", "on"):
            return True
        if raw.strip().lower() in ("false", "0", "no", "off"):
            return False
        raise ValueError("must be true or false")
    if f.kind == "enum":
        if f.choices and raw not in f.choices:
            raise ValueError("must be one of: " + ", ".join(f.choices))
        return int(raw) if f.numeric and raw.lstrip("-").isdigit() else raw
    if f.kind == "json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON ({exc.msg} at line {exc.lineno})") from None
        except RecursionError:
            raise ValueError("is nested too deeply") from None
    return raw


def _convert_numeric(raw: str) -> Any:
    """A field whose value was a number but has no declared type: keep it a number when it still reads as one."""
    text = raw.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return raw


def parse_form(
    fields: Iterable[FormField], form: Mapping[str, Any]
) -> tuple[dict[str, Any], list[FormField]]:
    """New params from the submitted form. Empty inputs are left out. Returns (params, fields with errors)."""
    params: dict[str, Any] = {}
    rendered: list[FormField] = []
    for f in fields:
        raw = form.get(f.name)
        raw = "" if raw is None else str(raw)
        g = FormField(f.path, f.label, f.description, f.kind, raw, f.present, f.choices, numeric=f.numeric)
        rendered.append(g)
        if raw.strip() == "":
            continue
        try:
            value = _convert(f, raw) if f.kind != "string" or not f.numeric else _convert_numeric(raw)
        except ValueError as exc:
            g.error = f"{f.code} {exc}"
            continue
        target = params
        for key in f.path[:-1]:
            nxt = target.get(key)
            if not isinstance(nxt, dict):
                nxt = target[key] = {}
            target = nxt
        target[f.path[-1]] = value
    return params, rendered


def diff_params(old: Any, new: Any) -> list[dict[str, str]]:
    """Changed, added and removed leaves between two params dicts (redacted text)."""
    old_flat = {".".join(p): v for p, v in flatten(redact(old or {}))}
    new_flat = {".".join(p): v for p, v in flatten(redact(new or {}))}
    rows: list[dict[str, str]] = []
    for key in list(old_flat) + [k for k in new_flat if k not in old_flat]:
        if key not in new_flat:
            rows.append({"path": key, "change": "removed", "old": pretty(old_flat[key]), "new": ""})
        elif key not in old_flat:
            rows.append({"path": key, "change": "added", "old": "", "new": pretty(new_flat[key])})
        elif old_flat[key] != new_flat[key]:
            rows.append(
                {"path": key, "change": "changed", "old": pretty(old_flat[key]), "new": pretty(new_flat[key])}
            )
    return rows
