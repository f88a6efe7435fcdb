"""Field tables and value conversion: the emulator stores typed values, each dialect renders its own way.

- legacy CRM (crm.lead.* …): UPPER keys, every scalar a string ("ID": "12", "OPPORTUNITY": "0.00"), "Y"/"N"
  (api-reference/crm/leads/crm-lead-get.md);
- crm.item.*: camelCase keys, numbers as numbers (api-reference/crm/universal/crm-item-add.md);
- tasks.task.*: UPPER input, camelCase output with string values (api-reference/tasks/tasks-task-add.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "FieldDef",
    "EntitySpec",
    "INT_TYPES",
    "is_int_type",
    "FLOAT_TYPES",
    "camel",
    "crm_spec",
    "coerce",
    "render_legacy",
    "render_legacy_value",
]

INT_TYPES = frozenset(
    {
        "integer",
        "user",
        "crm_company",
        "crm_contact",
        "crm_lead",
        "crm_category",
        "crm_quote",
        "crm_deal",
        "group",
    }
)
FLOAT_TYPES = frozenset({"double", "money"})


def is_int_type(t: str) -> bool:
    return t in INT_TYPES or t.startswith("crm_enum_")


MULTIFIELD_TYPES = ("PHONE", "EMAIL", "WEB", "IM", "LINK")


@dataclass(frozen=True)
class FieldDef:
    type: str = "string"
    title: str = ""
    required: bool = False
    readonly: bool = False
    immutable: bool = False
    multiple: bool = False
    extra: tuple[tuple[str, Any], ...] = ()

    def describe(self) -> dict[str, Any]:
        """The official `*.fields` shape (api-reference/crm/leads/crm-lead-fields.md)."""
        out: dict[str, Any] = {
            "type": self.type,
            "isRequired": self.required,
            "isReadOnly": self.readonly,
            "isImmutable": self.immutable,
            "isMultiple": self.multiple,
            "isDynamic": False,
        }
        out.update(dict(self.extra))
        out["title"] = self.title
        return out


@dataclass
class EntitySpec:
    """One stored entity: its table name, fields, and how its numeric id is called."""

    name: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    entity_type_id: int | None = None
    event_prefix: str | None = None  # e.g. "ONCRMLEAD" → ONCRMLEADADD / UPDATE / DELETE
    strict: bool = False  # strict: unknown (non-UF) fields are ignored on write

    def canonical(self, name: str) -> str | None:
        """Map a field name written any case (or camelCase) to the stored UPPER name."""
        if name in self.fields:
            return name
        up = name.upper()
        if up in self.fields:
            return up
        snake = to_upper_snake(name)
        if snake in self.fields:
            return snake
        if up.startswith("UF_"):
            return up
        if snake.startswith("UF_"):
            return snake
        return None if self.strict else up

    def ftype(self, name: str) -> FieldDef:
        return self.fields.get(name) or FieldDef()


_CAMEL_RE = re.compile(r"(?<=[a-z0-9])([A-Z])")


def camel(name: str) -> str:
    """`ASSIGNED_BY_ID` → `assignedById`; `UF_CRM_1687188367` → `ufCrm_1687188367` (digits keep their `_`)."""
    parts = name.lower().split("_")
    out = parts[0]
    for p in parts[1:]:
        if not p:
            continue
        out += ("_" + p) if p[0].isdigit() else p[0].upper() + p[1:]
    return out


def to_upper_snake(name: str) -> str:
    """`assignedById` → `ASSIGNED_BY_ID`; already-UPPER names pass through."""
    if name.upper() == name:
        return name
    return _CAMEL_RE.sub(r"_\1", name).upper()


def coerce(fd: FieldDef, value: Any) -> Any:
    """Turn wire input (strings from form bodies, numbers from JSON) into the stored typed value."""
    if value is None:
        return None
    if fd.type == "crm_multifield":
        return value  # handled by the multi-field merger
    if fd.multiple:
        items = value if isinstance(value, list) else ([] if value in ("", None) else [value])
        return [coerce(FieldDef(type=fd.type), v) for v in items]
    if isinstance(value, dict | list):
        return value
    t = fd.type
    if is_int_type(t):
        if value == "":
            return None
        try:
            return int(float(value)) if isinstance(value, str) and "." in value else int(value)
        except (TypeError, ValueError):
            return value
    if t in FLOAT_TYPES:
        if value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    if t in ("char", "boolean"):
        if value is True or value in (1, "1", "Y", "y", "true"):
            return "Y"
        if value is False or value in (0, "0", "N", "n", "false", ""):
            return "N"
        return str(value)
    if isinstance(value, bool):
        return "Y" if value else "N"
    return value if isinstance(value, str) else str(value)


def render_legacy_value(value: Any, fd: FieldDef | None = None) -> Any:
    """Legacy answers carry strings: 12 → "12", 1.5 → "1.50" for money."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [render_legacy_value(v) for v in value]
    if isinstance(value, dict):
        return {k: render_legacy_value(v) for k, v in value.items()}
    return value


def render_legacy(
    spec: EntitySpec, id: int, data: dict[str, Any], select: list[str] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    keys = select if select is not None else list(data)
    for k in keys:
        if k == "ID":
            out["ID"] = str(id)
        elif k in data:
            out[k] = render_legacy_value(data[k], spec.fields.get(k))
        elif k in spec.fields and spec.fields[k].type != "crm_multifield":
            out[k] = None
    if "ID" not in out:
        out = {"ID": str(id), **out}
    return out


@cache
def _crm_field_tables() -> dict[str, dict[str, Any]]:
    raw = resources.files(__package__).joinpath("_crm_fields.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    data.pop("_source", None)
    return data


_CRM_ENTITY = {"lead": (1, "ONCRMLEAD"), "deal": (2, "ONCRMDEAL"), "contact": (3, "ONCRMCONTACT"),
               "company": (4, "ONCRMCOMPANY"), "activity": (6, "ONCRMACTIVITY")}  # fmt: skip


def crm_spec(kind: str) -> EntitySpec:
    """lead/deal/contact/company from the official `crm.*.fields` answers (generated data file)."""
    table = _crm_field_tables()[kind]
    fields = {}
    for name, d in table.items():
        extra = tuple((k, v) for k, v in d.items() if k not in {
            "type", "isRequired", "isReadOnly", "isImmutable", "isMultiple", "isDynamic", "title"})  # fmt: skip
        fields[name] = FieldDef(
            type=d["type"],
            title=d.get("title", name),
            required=bool(d.get("isRequired")),
            readonly=bool(d.get("isReadOnly")),
            immutable=bool(d.get("isImmutable")),
            multiple=bool(d.get("isMultiple")),
            extra=extra,
        )
    etid, prefix = _CRM_ENTITY[kind]
    return EntitySpec(name=kind, fields=fields, entity_type_id=etid, event_prefix=prefix, strict=True)
