"""Live field discovery: `b24_entity_fields` and the unknown-field-code check of the typed write tools.

A portal's own fields (`UF_CRM_*`, list values, stages) are read from the portal — `crm.<entity>.fields`,
`crm.item.fields`, `tasks.task.getfields`, `user.fields` — normalised to one compact shape and cached per
portal for `FIELD_CACHE_TTL` seconds. The typed create/update tools of CRM records and tasks refuse a field code
the portal does not know, naming the closest codes and labels, before any plan is made or anything is written.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import ToolException
from pydantic import Field

from .._errors import B24Error, B24ValidationError
from ..catalog import MethodSpec
from ..catalog.curated import P
from ._discovery import _DiscoveryTool
from ._render import render_error
from ._runtime import Runtime
from ._tool import B24MethodTool, outcome_to_content

__all__ = [
    "EntityFieldsTool",
    "FieldCheckedMethodTool",
    "FieldInfo",
    "FIELD_CACHE_TTL",
    "clear_field_cache",
    "entity_fields",
    "aentity_fields",
    "method_tool",
]

FIELD_CACHE_TTL = 600.0  # seconds a portal's field list is reused before it is read again
Entity = Literal["lead", "deal", "contact", "company", "item", "task", "user"]
_CRM = ("lead", "deal", "contact", "company")


@dataclass
class FieldInfo:
    """One field as a model needs it: the code to write, its label, type, flags and allowed values."""

    code: str
    label: str
    type: str
    required: bool = False
    readonly: bool = False
    multiple: bool = False
    custom: bool = False
    values: list[str] = field(default_factory=list)  # "ID=label" of list values or stage/status values
    upper: str = ""  # crm.item: the UPPER_CASE spelling the legacy methods use

    def line(self) -> str:
        flags = (
            ("*" if self.required else "")
            + (" ro" if self.readonly else "")
            + ("[]" if self.multiple else "")
        )
        label = f' "{self.label}"' if self.label and self.label != self.code else ""
        vals = (
            f" [{', '.join(self.values[:12])}{', …' if len(self.values) > 12 else ''}]" if self.values else ""
        )
        return f"{self.code}{flags}{label} {self.type}{vals}"


# ---------------------------------------------------------------------------------------------- reading


def _source(entity: str, entity_type_id: int | None) -> tuple[str, dict[str, Any]]:
    if entity in _CRM:
        return f"crm.{entity}.fields", {}
    if entity == "item":
        if not entity_type_id:
            raise B24ValidationError(
                "entity 'item' needs entityTypeId",
                hint="pass entityTypeId (128+ for a smart process; crm_type_list lists them)",
            )
        return "crm.item.fields", {"entityTypeId": int(entity_type_id)}
    if entity == "task":
        return "tasks.task.getfields", {}
    if entity == "user":
        return "user.fields", {}
    raise B24ValidationError(
        f"unknown entity {entity!r}", hint="use one of lead, deal, contact, company, item, task, user"
    )


def _label(desc: Mapping[str, Any], code: str) -> str:
    for key in ("formLabel", "listLabel", "filterLabel", "title"):
        value = desc.get(key)
        if isinstance(value, Mapping):  # some portals answer labels per language
            value = next(iter(value.values()), "")
        if value:
            return str(value)
    return code


def _normalise(entity: str, result: Any) -> list[FieldInfo]:
    if entity == "user":
        return [FieldInfo(str(k), str(v or k), "string") for k, v in (result or {}).items()]
    raw = result.get("fields", result) if isinstance(result, Mapping) else {}
    out = []
    for code, desc in (raw or {}).items():
        if not isinstance(desc, Mapping):
            continue
        upper = str(desc.get("upperName") or "")
        info = FieldInfo(
            code=str(code),
            label=_label(desc, str(code)),
            type=str(desc.get("type", "")),
            required=bool(desc.get("isRequired")),
            readonly=bool(desc.get("isReadOnly")),
            multiple=bool(desc.get("isMultiple")),
            custom=bool(desc.get("isDynamic")) or str(upper or code).upper().startswith("UF_"),
            upper=upper,
        )
        items = desc.get("items")
        if isinstance(items, list):
            info.values = [f"{i.get('ID')}={i.get('VALUE')}" for i in items if isinstance(i, Mapping)]
        elif desc.get("statusType"):
            info.values = [f"@{desc['statusType']}"]  # filled from crm.status.list below
        out.append(info)
    return out


_CACHE: dict[tuple[str, str], tuple[float, list[FieldInfo]]] = {}
_LOCK = threading.Lock()


def clear_field_cache() -> None:
    """Forget every cached field list (e.g. after adding a custom field in the portal)."""
    with _LOCK:
        _CACHE.clear()


def _portal_key(runtime: Runtime) -> str:
    client = runtime.client
    return str(getattr(client, "portal", None) or f"client-{id(client)}")


def _cache_get(key: tuple[str, str], ttl: float) -> list[FieldInfo] | None:
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    return None


def _cache_put(key: tuple[str, str], fields: list[FieldInfo]) -> None:
    with _LOCK:
        _CACHE[key] = (time.monotonic(), fields)


def _result(outcome: Any) -> Any:
    resp = outcome.response
    return getattr(resp, "result", resp)


def _fill_statuses(fields: list[FieldInfo], statuses: Any) -> None:
    by_entity: dict[str, list[str]] = {}
    for row in statuses or []:
        if isinstance(row, Mapping):
            by_entity.setdefault(str(row.get("ENTITY_ID")), []).append(
                f"{row.get('STATUS_ID')}={row.get('NAME')}"
            )
    for f in fields:
        if len(f.values) == 1 and f.values[0].startswith("@"):
            f.values = by_entity.get(f.values[0][1:], [])


def _needs_statuses(fields: list[FieldInfo]) -> bool:
    return any(len(f.values) == 1 and f.values[0].startswith("@") for f in fields)


def entity_fields(runtime: Runtime, entity: str, entity_type_id: int | None = None) -> list[FieldInfo]:
    """The portal's fields of `entity` (cached per portal for FIELD_CACHE_TTL seconds)."""
    method, params = _source(entity, entity_type_id)
    key = (_portal_key(runtime), f"{entity}:{entity_type_id or ''}")
    cached = _cache_get(key, FIELD_CACHE_TTL)
    if cached is not None:
        return cached
    fields = _normalise(entity, _result(runtime.call(method, params)))
    if _needs_statuses(fields):
        _fill_statuses(fields, _result(runtime.call("crm.status.list", {})))
    _cache_put(key, fields)
    return fields


async def aentity_fields(runtime: Runtime, entity: str, entity_type_id: int | None = None) -> list[FieldInfo]:
    method, params = _source(entity, entity_type_id)
    key = (_portal_key(runtime), f"{entity}:{entity_type_id or ''}")
    cached = _cache_get(key, FIELD_CACHE_TTL)
    if cached is not None:
        return cached
    fields = _normalise(entity, _result(await runtime.acall(method, params)))
    if _needs_statuses(fields):
        _fill_statuses(fields, _result(await runtime.acall("crm.status.list", {})))
    _cache_put(key, fields)
    return fields


# ---------------------------------------------------------------------------------------------- the tool


class FieldsArgs(P):
    entity: Entity = Field(description="item = smart process (needs entityTypeId)")
    entityTypeId: int | None = Field(None, description="for item: 128+")
    query: str | None = Field(None, description="filter by code or label, e.g. 'delivery'")
    custom_only: bool = Field(False, description="only UF_ custom fields")


def _render(
    entity: str, fields: list[FieldInfo], query: str | None, custom_only: bool
) -> tuple[str, list[FieldInfo]]:
    shown = [f for f in fields if f.custom] if custom_only else list(fields)
    if query:
        q = query.lower()
        shown = [f for f in shown if q in f.code.lower() or q in f.label.lower() or q in f.upper.lower()]
    head = f"{entity} fields ({len(shown)} of {len(fields)}; * required, ro read-only, [] multiple):"
    if not shown:
        return f"No {entity} field matches {query!r}. Call again without query to see all.", shown
    return "\n".join([head, *(f.line() for f in shown)]), shown


class EntityFieldsTool(_DiscoveryTool):
    """A portal's own fields of one record type: codes, labels, types, flags, list and stage values."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            runtime,
            name="b24_entity_fields",
            description="This portal's fields of a record type: code, label, type, required, list values. "
            "Use it before writing custom (UF_) fields.",
            args_schema=FieldsArgs,
            metadata={"risk": "read", "method": None, "pack": None},
        )

    def _do(self, entity: str, entityTypeId: int | None = None, query: str | None = None,
            custom_only: bool = False, **_: Any) -> tuple[str, Any]:  # fmt: skip
        fields = entity_fields(self.runtime, entity, entityTypeId)
        text, shown = _render(entity, fields, query, custom_only)
        return text, [asdict(f) for f in shown]

    async def _arun(
        self, *args: Any, run_manager: AsyncCallbackManagerForToolRun | None = None, **kw: Any
    ) -> Any:
        try:
            fields = await aentity_fields(self.runtime, kw["entity"], kw.get("entityTypeId"))
            text, shown = _render(kw["entity"], fields, kw.get("query"), bool(kw.get("custom_only")))
            return text, [asdict(f) for f in shown]
        except B24Error as exc:
            raise ToolException(render_error(exc)) from None


# ---------------------------------------------------------------------------------------------- write check

# typed write tools whose `fields` are checked against the portal's field list
_CHECKED: dict[str, str] = {
    **{f"crm.{e}.{op}": e for e in _CRM for op in ("add", "update")},
    "crm.item.add": "item",
    "crm.item.update": "item",
    "tasks.task.add": "task",
    "tasks.task.update": "task",
}
_ALWAYS_OK = {"fm"}  # crm.item: multifields travel as `fm`


def _ci(params: Mapping[str, Any], key: str) -> Any:
    return next((v for k, v in params.items() if str(k).lower() == key.lower()), None)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def unknown_fields(fields: list[FieldInfo], written: Mapping[str, Any]) -> dict[str, list[str]]:
    """Written keys the portal does not list → the closest codes (with labels), best first."""
    known: set[str] = set()
    for f in fields:
        known.update({_norm(f.code), _norm(f.upper)} - {""})
    out: dict[str, list[str]] = {}
    by_code = {f.code: f for f in fields}
    by_label = {_norm(f.label): f.code for f in fields if f.label}
    for key in written:
        k = str(key)
        if _norm(k) in known or k.lower() in _ALWAYS_OK:
            continue
        close = difflib.get_close_matches(k, list(by_code), n=3, cutoff=0.6)
        close += [by_label[m] for m in difflib.get_close_matches(_norm(k), list(by_label), n=3, cutoff=0.5)]
        seen: list[str] = []
        for code in close:
            if code not in seen:
                seen.append(code)
        out[k] = [f'{c} "{by_code[c].label}"' if by_code[c].label != c else c for c in seen[:3]]
    return out


def _refusal(method: str, entity: str, unknown: dict[str, list[str]]) -> B24ValidationError:
    parts = [f"'{k}'" + (f" (closest: {', '.join(v)})" if v else "") for k, v in unknown.items()]
    return B24ValidationError(
        f"{method}: this portal has no {entity} field " + "; ".join(parts),
        hint=f"use the codes b24_entity_fields(entity='{entity}') lists",
        method=method,
    )


def _check_args(
    spec: MethodSpec, params: Mapping[str, Any]
) -> tuple[str, int | None, Mapping[str, Any]] | None:
    entity = _CHECKED.get(spec.name)
    written = _ci(params, "fields")
    if entity is None or not isinstance(written, Mapping) or not written:
        return None
    etid = _ci(params, "entityTypeId") if entity == "item" else None
    return entity, (int(etid) if etid is not None and str(etid).isdigit() else None), written


class FieldCheckedMethodTool(B24MethodTool):
    """A typed create/update tool that refuses field codes the portal does not have (read from the portal,
    cached), before a plan is made or anything is written. When the field list cannot be read the portal
    decides, as before."""

    def _checked(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = self._params(kwargs)
        args = _check_args(self.spec, params)
        if args is not None and self.runtime.client is not None:
            entity, etid, written = args
            try:
                fields = entity_fields(self.runtime, entity, etid)
            except B24Error:
                return params
            bad = unknown_fields(fields, written) if fields else {}
            if bad:
                raise _refusal(self.spec.name, entity, bad)
        return params

    async def _achecked(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = self._params(kwargs)
        args = _check_args(self.spec, params)
        if args is not None and self.runtime.client is not None:
            entity, etid, written = args
            try:
                fields = await aentity_fields(self.runtime, entity, etid)
            except B24Error:
                return params
            bad = unknown_fields(fields, written) if fields else {}
            if bad:
                raise _refusal(self.spec.name, entity, bad)
        return params

    def _run(
        self, *args: Any, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        try:
            return outcome_to_content(self.runtime.call(self.spec.name, self._checked(kwargs)))
        except B24Error as exc:
            raise ToolException(render_error(exc)) from None

    async def _arun(
        self, *args: Any, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        try:
            params = await self._achecked(kwargs)
            return outcome_to_content(await self.runtime.acall(self.spec.name, params))
        except B24Error as exc:
            raise ToolException(render_error(exc)) from None


def method_tool(spec: MethodSpec, runtime: Runtime) -> B24MethodTool:
    """The typed tool of one catalog entry (field-checked for CRM and task creates/updates)."""
    if spec.name in _CHECKED:
        return FieldCheckedMethodTool.from_spec(spec, runtime)
    return B24MethodTool.from_spec(spec, runtime)
