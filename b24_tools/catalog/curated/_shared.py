"""Shared parts of the hand-written catalog overrides (one module per pack beside this one): the methods each pack's toolkit exposes as typed tools.

Each entry tightens what the generated docs data says: a description written for a model, a params model
with real syntax in its field descriptions, the risk (which always wins over the generated rules), the
result shape and, for CRM creates, the origin marker the approval graph reconciles by. A test checks every
entry against the generated facts (the method exists, the scope matches, required params are present).
Keep descriptions short: every word here is paid for in every prompt (see bench/footprint.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from .._models import OriginMarker
from .._risk import Risk

__all__ = ["Curated", "P"]


def _tight_schema(schema: dict[str, Any], cls: type[BaseModel] | None = None) -> None:
    """Drop what costs prompt tokens and tells a model nothing: `"default": null`, `additionalProperties: true`."""
    for prop in schema.get("properties", {}).values():
        if prop.get("default", 0) is None:
            del prop["default"]
        if prop.get("additionalProperties") is True:
            del prop["additionalProperties"]
        prop.pop("title", None)


class P(BaseModel):
    """Base of curated params models (unknown keys are tolerated by validate_params, not shown to models)."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra=_tight_schema)


def _m(model_name: str, /, **fields: Any) -> type[BaseModel]:
    """Build a params model: `_m("X", id=(int, ..., "lead ID"))` (a 2-tuple means optional with default)."""
    spec: dict[str, Any] = {}
    for key, value in fields.items():
        typ, default, desc = value
        alias = key.rstrip("_") if key.endswith("_") else None
        spec[key] = (
            typ,
            Field(default, description=desc, alias=alias) if alias else Field(default, description=desc),
        )
    return create_model(model_name, __base__=P, **spec)


@dataclass(frozen=True, slots=True)
class Curated:
    method: str
    pack: str
    risk: Risk
    description: str
    params: type[BaseModel]
    result: str
    scope: tuple[str, ...] = ()
    origin: OriginMarker | None = None
    example: dict[str, Any] = field(default_factory=dict)
    risk_fn: Any = None
    # params the docs mark required that this entry relaxes on purpose -> reason (checked by a test)
    relaxed: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ shared fields

_FILTER = (
    dict[str, Any],
    None,
    '{"STATUS_ID":"NEW",">=DATE_CREATE":"2026-01-01"}; ops ! > < % @',
)
_SELECT = (list[str], None, '["ID","TITLE"], "*", "UF_*"')
_ORDER = (dict[str, Any], None, None)  # {"ID":"DESC"}: the name says enough
_START = (int, None, "answer's next")
_ID = (int, ..., "record ID")


def _list(name: str, flt: str | None = None) -> type[BaseModel]:
    f = (_FILTER[0], None, flt) if flt else _FILTER
    return _m(name, filter=f, select=_SELECT, order=_ORDER, start=_START)


_Empty = _m("NoParams")
_GetById = _m("GetById", id=_ID)
_UpdateById = _m("UpdateById", id=_ID, fields=(dict[str, Any], ..., "only the fields to change"))

_LEAD_FIELDS = (
    "TITLE, NAME, LAST_NAME, STATUS_ID, SOURCE_ID, ASSIGNED_BY_ID, "
    'PHONE/EMAIL [{"VALUE":"..","VALUE_TYPE":"WORK"}], ORIGINATOR_ID+ORIGIN_ID'
)
_DEAL_FIELDS = (
    "TITLE, STAGE_ID (pipeline N: CN:NEW), CATEGORY_ID, CONTACT_ID, "
    "COMPANY_ID, OPPORTUNITY, ASSIGNED_BY_ID, ORIGINATOR_ID+ORIGIN_ID"
)
_CONTACT_FIELDS = "NAME, LAST_NAME, PHONE/EMAIL [{VALUE,VALUE_TYPE}], COMPANY_ID, ORIGINATOR_ID+ORIGIN_ID"
_COMPANY_FIELDS = "TITLE, COMPANY_TYPE, PHONE/EMAIL [{VALUE,VALUE_TYPE}], ORIGINATOR_ID+ORIGIN_ID"
_ITEM_FIELDS = (
    "camelCase: title, stageId, categoryId, assignedById, opportunity, contactIds, originatorId+originId"
)
_ENTITY_TYPE = (int, ..., "1 lead 2 deal 3 contact 4 company 128+ smart process")


def _legacy_origin(entity: str) -> OriginMarker:
    return OriginMarker(f"crm.{entity}.list", "ORIGINATOR_ID", "ORIGIN_ID", "fields", "ID")


_ITEM_ORIGIN = OriginMarker("crm.item.list", "originatorId", "originId", "fields", "id", ("entityTypeId",))


def _crm_add(entity: str, fields_desc: str) -> type[BaseModel]:
    return _m(f"Crm{entity.title()}Add", fields=(dict[str, Any], ..., fields_desc))


_IBLOCK = {"IBLOCK_ID": "IBLOCK_ID or IBLOCK_CODE", "IBLOCK_CODE": "IBLOCK_ID or IBLOCK_CODE"}
