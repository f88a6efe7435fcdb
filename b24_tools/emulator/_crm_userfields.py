"""Custom (user) fields of CRM entities: the `UF_CRM_*` fields a real portal adds to leads, deals, contacts,
companies and smart processes, with their labels and list values.

`*.fields` answers them beside the standard fields in the official shape: `isDynamic: true`, `title` the field
code, labels in `listLabel` / `formLabel` / `filterLabel`, enumeration values in `items` as `[{ID, VALUE}]`
(api-reference/crm/deals/crm-deal-fields.md, api-reference/crm/universal/crm-item-fields.md,
api-reference/crm/deals/user-defined-fields/crm-deal-userfield-add.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_USER_FIELDS", "add_user_field", "seed_user_fields", "user_fields"]

_KEY = "userfields"

# What `seed()` gives every emulated portal (codes look like the ones a portal generates).
DEFAULT_USER_FIELDS: dict[str, list[dict[str, Any]]] = {
    "deal": [
        {"code": "UF_CRM_1700000001", "type": "date", "label": "Delivery date"},
        {"code": "UF_CRM_1700000002", "type": "enumeration", "label": "Deal priority",
         "items": [("41", "High"), ("42", "Normal"), ("43", "Low")]},
        {"code": "UF_CRM_1700000003", "type": "string", "label": "Contract number", "required": True},
    ],
    "lead": [{"code": "UF_CRM_1700000101", "type": "string", "label": "Campaign code"}],
    "contact": [{"code": "UF_CRM_1700000201", "type": "string", "label": "Preferred language"}],
    "company": [{"code": "UF_CRM_1700000301", "type": "integer", "label": "Employees (count)"}],
    "dynamic_128": [{"code": "UF_CRM_5_1700000401", "type": "money", "label": "Budget"}],
}  # fmt: skip


def _describe(defn: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": defn["type"],
        "isRequired": bool(defn.get("required")),
        "isReadOnly": False,
        "isImmutable": False,
        "isMultiple": bool(defn.get("multiple")),
        "isDynamic": True,
        "title": defn["code"],
        "listLabel": defn["label"],
        "formLabel": defn["label"],
        "filterLabel": defn["label"],
    }
    if defn["type"] == "enumeration":
        out["items"] = [{"ID": i, "VALUE": v} for i, v in defn.get("items", [])]
    return out


def user_fields(portal: Any, kind: str) -> dict[str, dict[str, Any]]:
    """code → the `*.fields` description of each custom field of `kind` (lead, deal, …, dynamic_128)."""
    stored = portal.store.kv_get(_KEY, {}) or {}
    return {d["code"]: _describe(d) for d in stored.get(kind, [])}


def add_user_field(portal: Any, kind: str, defn: dict[str, Any]) -> None:
    """Add (or replace) one custom field definition: `{"code", "type", "label", "items"?, "required"?}`."""
    stored = portal.store.kv_get(_KEY, {}) or {}
    rows = [d for d in stored.get(kind, []) if d["code"] != defn["code"]]
    rows.append({**defn, "items": [list(x) for x in defn.get("items", [])]})
    stored[kind] = rows
    portal.store.kv_set(_KEY, stored)


def seed_user_fields(portal: Any) -> int:
    """Add the default custom fields a portal does not have yet; returns how many were added."""
    stored = portal.store.kv_get(_KEY, {}) or {}
    added = 0
    for kind, defs in DEFAULT_USER_FIELDS.items():
        have = {d["code"] for d in stored.get(kind, [])}
        for defn in defs:
            if defn["code"] not in have:
                add_user_field(portal, kind, defn)
                added += 1
    return added
