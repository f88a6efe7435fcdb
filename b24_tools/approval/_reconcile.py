"""Origin markers: stamp CRM creates so a lost answer can be reconciled by looking the entity up.

`ORIGINATOR_ID` (the external system, here "b24-tools") + `ORIGIN_ID` (the record id in that system, derived
from the idempotency key) on crm.lead/deal/contact/company.add; `originatorId` / `originId` on crm.item.add
(docs: api-reference/crm/leads/crm-lead-add.md, crm/universal/crm-item-add.md). A plan stamps them before review
(the reviewer sees them, the hash covers them); reconciliation searches `*.list` with the same filter. The marker
definitions come from the catalog (`MethodSpec.origin_marker`); a built-in table is the fallback.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ORIGINATOR", "Marker", "Found", "marker_for", "stamp", "origin_id_for", "lookup"]

ORIGINATOR = "b24-tools"


@dataclass(frozen=True)
class Marker:
    """Same shape as the catalog's `OriginMarker` (used when the catalog does not know the method)."""

    lookup_method: str
    originator_field: str
    origin_field: str
    fields_key: str = "fields"
    id_field: str = "ID"
    pass_through: tuple[str, ...] = ()

    def lookup(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        fields = params.get(self.fields_key)
        if not isinstance(fields, dict) or fields.get(self.origin_field) in (None, ""):
            return None
        flt: dict[str, Any] = {self.origin_field: fields[self.origin_field]}
        if fields.get(self.originator_field) not in (None, ""):
            flt[self.originator_field] = fields[self.originator_field]
        query: dict[str, Any] = {
            "filter": flt,
            "select": [self.id_field, self.origin_field, self.originator_field],
        }
        for key in self.pass_through:
            if params.get(key) is not None:
                query[key] = params[key]
        return self.lookup_method, query

    def extract_ids(self, result: Any) -> list[Any]:
        rows = result.get("items", []) if isinstance(result, dict) else result
        if not isinstance(rows, list):
            return []
        return [
            r.get(self.id_field) for r in rows if isinstance(r, dict) and r.get(self.id_field) is not None
        ]


def _legacy(entity: str) -> Marker:
    return Marker(f"crm.{entity}.list", "ORIGINATOR_ID", "ORIGIN_ID")


_MARKERS: dict[str, Marker] = {
    "crm.lead.add": _legacy("lead"),
    "crm.deal.add": _legacy("deal"),
    "crm.contact.add": _legacy("contact"),
    "crm.company.add": _legacy("company"),
    "crm.item.add": Marker("crm.item.list", "originatorId", "originId", "fields", "id", ("entityTypeId",)),
}


def marker_for(method: str) -> Any:
    """The origin marker of a create method: the catalog's `OriginMarker`, else the built-in table, else None."""
    name = method.strip().lower()
    try:
        from ..catalog import get_catalog

        spec = get_catalog().get(name)
        om = getattr(spec, "origin_marker", None) if spec is not None else None
    except Exception:  # pragma: no cover - catalog unavailable
        om = None
    return om if om is not None else _MARKERS.get(name)


def origin_id_for(idempotency_key: str) -> str:
    """A short, stable ORIGIN_ID for an idempotency key."""
    return "b24t-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]


def stamp(method: str, params: dict[str, Any], origin_id: str) -> dict[str, Any]:
    """Copy of `params` with the origin marker set (a caller's own ORIGIN_ID is kept)."""
    marker = marker_for(method)
    if marker is None:
        return params
    key = getattr(marker, "fields_key", "fields")
    if not isinstance(params.get(key), dict):
        return params
    out = copy.deepcopy(params)
    fields = out[key]
    if fields.get(marker.origin_field) in (None, ""):
        fields[marker.origin_field] = origin_id
        if fields.get(marker.originator_field) in (None, ""):
            fields[marker.originator_field] = ORIGINATOR
    return out


@dataclass
class Found:
    """Outcome of a reconciliation lookup."""

    state: Literal["found", "absent", "unprovable"]
    result: Any = None
    evidence: dict[str, Any] | None = None


def lookup(client: Any, method: str, params: dict[str, Any]) -> Found:
    """Look a created entity up by the origin marker stamped in `params`."""
    marker = marker_for(method)
    query = marker.lookup(params) if marker is not None else None
    if query is None:
        return Found(
            "unprovable", evidence={"reason": f"{method} carries no origin marker to look the write up by"}
        )
    list_method, list_params = query
    evidence: dict[str, Any] = {"lookup": list_method, "filter": list_params.get("filter")}
    try:
        answer = client.call(list_method, list_params)
    except Exception as exc:  # the lookup itself failed: nothing is proven
        evidence["lookup_error"] = f"{type(exc).__name__}: {exc}"
        return Found("unprovable", evidence=evidence)
    ids = marker.extract_ids(getattr(answer, "result", answer))
    evidence["found_ids"] = ids
    if not ids:
        return Found("absent", evidence=evidence)
    if len(ids) > 1:
        evidence["reason"] = "more than one entity carries this origin marker"
        return Found("unprovable", evidence=evidence)
    found_id = ids[0]
    try:
        found_id = int(found_id)
    except (TypeError, ValueError):
        pass
    camel = marker.id_field == "id"
    return Found("found", result={"item": {"id": found_id}} if camel else found_id, evidence=evidence)
