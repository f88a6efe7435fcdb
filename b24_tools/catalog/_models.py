"""Catalog entry types: `MethodSpec`, `OriginMarker`, `ParamFact`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ValidationError

from .._errors import B24ValidationError
from ._risk import Risk

__all__ = ["MethodSpec", "OriginMarker", "ParamFact", "tool_name_for"]

_TOOL_NAME_BAD = re.compile(r"[^a-zA-Z0-9_-]+")


def tool_name_for(method: str) -> str:
    """`crm.lead.add` → `crm_lead_add` (matches `^[a-zA-Z0-9_-]{1,64}$`)."""
    name = _TOOL_NAME_BAD.sub("_", method.strip().lower().replace(".", "_")).strip("_") or "b24_method"
    if len(name) > 64:
        import hashlib

        name = name[:55] + "_" + hashlib.sha256(method.encode()).hexdigest()[:8]
    return name


@dataclass(frozen=True, slots=True)
class ParamFact:
    """One parameter as the official docs state it."""

    name: str
    type: str
    required: bool


@dataclass(frozen=True, slots=True)
class OriginMarker:
    """How to find the record a create call made, by the external ids written into it.

    `lookup(params)` builds the list call that finds it (or None when the params carry no marker), so the
    approval graph can reconcile a write whose answer was lost before retrying it.
    """

    lookup_method: str
    originator_field: str  # ORIGINATOR_ID | originatorId
    origin_field: str  # ORIGIN_ID | originId
    fields_key: str = "fields"
    id_field: str = "ID"
    pass_through: tuple[str, ...] = ()  # params copied into the lookup (crm.item: entityTypeId)

    def values(self, params: Mapping[str, Any]) -> tuple[Any, Any] | None:
        fields = _ci_get(params, self.fields_key)
        if not isinstance(fields, Mapping):
            return None
        origin = _ci_get(fields, self.origin_field)
        originator = _ci_get(fields, self.originator_field)
        if origin in (None, ""):
            return None
        return originator, origin

    def lookup(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        found = self.values(params)
        if found is None:
            return None
        originator, origin = found
        flt: dict[str, Any] = {self.origin_field: origin}
        if originator not in (None, ""):
            flt[self.originator_field] = originator
        query: dict[str, Any] = {
            "filter": flt,
            "select": [self.id_field, self.origin_field, self.originator_field],
        }
        for key in self.pass_through:
            value = _ci_get(params, key)
            if value is not None:
                query[key] = value
        return self.lookup_method, query

    def extract_ids(self, result: Any) -> list[Any]:
        """IDs found in a lookup answer (`[{"ID": ..}]` or `{"items": [{"id": ..}]}`)."""
        rows = result.get("items", []) if isinstance(result, Mapping) else result
        if not isinstance(rows, list):
            return []
        return [
            r.get(self.id_field) for r in rows if isinstance(r, Mapping) and r.get(self.id_field) is not None
        ]


def _ci_get(mapping: Mapping[str, Any], key: str) -> Any:
    if key in mapping:
        return mapping[key]
    low = key.lower()
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return None


RiskFn = Callable[[Mapping[str, Any]], Risk]


@dataclass(frozen=True, eq=False)
class MethodSpec:
    """Everything the toolkits, the policy gate and the approval graph know about one method.

    `params_model` is built on first use (most lookups only need the risk and scope).
    """

    name: str  # canonical lower-case name (`disk.file.moveto`)
    pack: str | None
    scope: tuple[str, ...]
    risk: Risk
    description: str
    params_factory: Callable[[], type[BaseModel]] = field(repr=False)
    result_shape: str
    doc_path: str
    curated: bool
    tool_name: str
    display_name: str = ""  # spelling in the docs (`disk.file.moveTo`)
    origin_marker: OriginMarker | None = None
    params: tuple[ParamFact, ...] = field(default=(), repr=False)
    fields: tuple[ParamFact, ...] = field(default=(), repr=False)
    deprecated: bool = False
    example: dict[str, Any] = field(default_factory=dict, repr=False)
    risk_fn: RiskFn | None = field(default=None, repr=False)

    @cached_property
    def params_model(self) -> type[BaseModel]:
        """The pydantic model of the params (curated: hand-written; otherwise built from the docs facts)."""
        return self.params_factory()

    @property
    def required_params(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)

    def risk_for(self, params: Mapping[str, Any] | None) -> Risk:
        """Risk of this call with these params (e.g. `event.offline.get` with clear=0 is a read)."""
        if self.risk_fn is not None and isinstance(params, Mapping):
            try:
                return self.risk_fn(params)
            except Exception:  # noqa: BLE001 - a risk hook never lowers risk by failing
                return "destructive"
        return self.risk

    def validate_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Check `params` against the catalog; returns them with the docs' key spelling.

        Raises `B24ValidationError` naming the bad field and the fix. Keys match case-insensitively, as the
        portal matches them; keys the catalog does not list pass through unchanged.
        """
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise B24ValidationError(
                f"params for {self.name} must be an object, got {type(params).__name__}",
                hint='pass a JSON object, e.g. {"id": 1}',
                method=self.name,
            )
        declared = {(f.alias or n).lower(): (f.alias or n) for n, f in self.params_model.model_fields.items()}
        canon: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in params.items():
            target = declared.get(str(key).lower())
            if target is None:
                extra[str(key)] = value
            else:
                canon[target] = value
        try:
            model = self.params_model.model_validate(canon)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ())) or "params"
            kind = err.get("type", "")
            if kind == "missing":
                msg = f"{self.name}: required parameter '{where}' is missing"
                fix = f"add '{where}'" + self._param_hint(where)
                close = difflib.get_close_matches(where.lower(), [k.lower() for k in extra], n=1, cutoff=0.6)
                if close:
                    got = next(k for k in extra if k.lower() == close[0])
                    msg += f" (got '{got}': did you mean '{where}'?)"
            else:
                msg = f"{self.name}: parameter '{where}' is invalid ({err.get('msg', 'bad value')})"
                fix = f"fix '{where}'" + self._param_hint(where)
            raise B24ValidationError(msg, hint=f"{fix}; see {self.doc_path}", method=self.name) from None
        out = model.model_dump(by_alias=True, exclude_unset=True, exclude_none=False)
        out.update({k: v for k, v in extra.items() if k not in out})
        return out

    def _param_hint(self, where: str) -> str:
        head = where.split(".")[0]
        field_info = self.params_model.model_fields.get(head)
        if field_info is None:
            for f in self.params_model.model_fields.values():
                if f.alias == head:
                    field_info = f
                    break
        if field_info is not None and field_info.description:
            return f" ({field_info.description})"
        for p in self.params:
            if p.name.lower() == head.lower():
                return f" (type {p.type})"
        return ""

    def describe(self) -> dict[str, Any]:
        """A compact, JSON-ready description (used by `b24_describe_method`)."""
        schema = self.params_model.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        out: dict[str, Any] = {
            "method": self.display_name or self.name,
            "risk": self.risk,
            "scope": list(self.scope),
            "pack": self.pack,
            "description": self.description,
            "params": schema,
            "result": self.result_shape,
            "doc": f"https://github.com/bitrix24/b24restdocs/blob/main/{self.doc_path}"
            if self.doc_path
            else "",
        }
        if self.fields:
            out["fields"] = [f.name + ("*" if f.required else "") for f in self.fields][:60]
        if self.deprecated:
            out["deprecated"] = True
        return out
