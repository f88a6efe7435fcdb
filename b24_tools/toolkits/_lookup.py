"""Name → ID: `b24_find_id` turns "Elena Smirnova", "Negotiation" or "+1 555 0100" into the portal's ID.

People by name or e-mail (`user.search` / `user.get`), stages and pipelines by name (`crm.status.list`,
`crm.category.list`), CRM records by phone or e-mail (`crm.duplicate.findbycomm`) or title. One clear match
gives its ID; several come back as a short list to ask the user about — the tool never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from .._errors import B24ValidationError
from ..catalog.curated import P
from ._discovery import _DiscoveryTool
from ._runtime import Runtime

__all__ = ["FindIdTool", "Match", "find_id"]

Kind = Literal["user", "stage", "category", "lead", "deal", "contact", "company", "item"]
MAX_SHOWN = 5
_PHONE = re.compile(r"^\+?[\d\s().-]{6,}$")


@dataclass(frozen=True)
class Match:
    id: str
    label: str
    exact: bool


class FindIdArgs(P):
    kind: Kind = Field(description="what to find; item = smart process record")
    name: str = Field(description="name, e-mail, phone or title, e.g. 'Elena Smirnova'")
    entityTypeId: int | None = Field(None, description="stage/category/item: 1 lead 2 deal 128+ smart")
    categoryId: int | None = Field(None, description="stage: pipeline ID")


def _result(runtime: Runtime, method: str, params: dict[str, Any]) -> Any:
    resp = runtime.call(method, params).response
    return getattr(resp, "result", resp)


def _rank(query: str, rows: list[tuple[str, str, list[Any]]]) -> list[Match]:
    """rows: (id, label, names to compare). Exact (case-insensitive) names first, then containment."""
    q = " ".join(query.lower().split())
    out = []
    for id, label, names in rows:
        names_l = [" ".join(str(n).lower().split()) for n in names if n]
        if q in names_l:
            out.append(Match(str(id), label, True))
        elif any(q in n for n in names_l) or all(any(w in n for n in names_l) for w in q.split()):
            out.append(Match(str(id), label, False))
    return sorted(out, key=lambda m: not m.exact)


def _users(runtime: Runtime, name: str) -> list[Match]:
    if "@" in name:
        rows = _result(runtime, "user.get", {"filter": {"EMAIL": name.strip()}})
    else:
        rows = _result(runtime, "user.search", {"FILTER": {"FIND": name.strip()}})
    out = []
    for u in rows or []:
        full = f"{u.get('NAME', '')} {u.get('LAST_NAME', '')}".strip()
        label = f"{full} <{u.get('EMAIL', '')}>" + (
            f", {u['WORK_POSITION']}" if u.get("WORK_POSITION") else ""
        )
        out.append(
            (str(u.get("ID")), label, [full, f"{u.get('LAST_NAME', '')} {u.get('NAME', '')}", u.get("EMAIL")])
        )
    return _rank(name, out)


def _stage_entity(etid: int, category: int | None) -> str:
    if etid == 1:
        return "STATUS"
    if etid == 2:
        return "DEAL_STAGE" if not category else f"DEAL_STAGE_{category}"
    return f"DYNAMIC_{etid}_STAGE_{category or 0}"


def _categories(runtime: Runtime, etid: int) -> list[Mapping[str, Any]]:
    res = _result(runtime, "crm.category.list", {"entityTypeId": etid})
    return list(res.get("categories", []) if isinstance(res, Mapping) else res or [])


def _stages(runtime: Runtime, name: str, etid: int, category: int | None) -> list[Match]:
    if category is None and etid >= 128:  # a smart process: look in every pipeline
        cats = [int(c["id"]) for c in _categories(runtime, etid)]
    else:
        cats = [category or 0]
    rows = []
    for cat in cats:
        for s in (
            _result(runtime, "crm.status.list", {"filter": {"ENTITY_ID": _stage_entity(etid, cat)}}) or []
        ):
            rows.append(
                (str(s["STATUS_ID"]), f"{s.get('NAME')} (pipeline {cat})", [s.get("NAME"), s["STATUS_ID"]])
            )
    return _rank(name, rows)


def _category(runtime: Runtime, name: str, etid: int) -> list[Match]:
    rows = [(str(c["id"]), str(c.get("name")), [c.get("name")]) for c in _categories(runtime, etid)]
    return _rank(name, rows)


def _label(kind: str, r: Mapping[str, Any]) -> tuple[str, list[str]]:
    if kind == "contact":
        full = f"{r.get('NAME') or ''} {r.get('LAST_NAME') or ''}".strip()
        return full, [full, r.get("LAST_NAME") or ""]
    return str(r.get("TITLE") or r.get("title") or ""), [str(r.get("TITLE") or r.get("title") or "")]


def _records(runtime: Runtime, kind: str, name: str, etid: int | None) -> list[Match]:
    comm = "EMAIL" if "@" in name else "PHONE" if _PHONE.match(name.strip()) else None
    select = ["ID", "TITLE", "NAME", "LAST_NAME"]
    if comm and kind in ("lead", "contact", "company"):
        found = _result(runtime, "crm.duplicate.findbycomm",
                        {"type": comm, "values": [name.strip()], "entity_type": kind.upper()})  # fmt: skip
        ids = found.get(kind.upper(), []) if isinstance(found, Mapping) else []
        if not ids:
            return []
        rows = _result(runtime, f"crm.{kind}.list", {"filter": {"@ID": ids}, "select": select})
        return [Match(str(r["ID"]), _label(kind, r)[0], True) for r in rows or []]
    if kind == "item":
        if not etid:
            raise B24ValidationError(
                "kind 'item' needs entityTypeId", hint="crm_type_list lists smart processes"
            )
        res = _result(
            runtime,
            "crm.item.list",
            {"entityTypeId": etid, "filter": {"%title": name}, "select": ["id", "title"]},
        )
        items = res.get("items", []) if isinstance(res, Mapping) else []
        return _rank(name, [(str(i["id"]), str(i.get("title")), [i.get("title")]) for i in items])
    flt = {"%LAST_NAME": name.split()[-1]} if kind == "contact" else {"%TITLE": name}
    rows = _result(runtime, f"crm.{kind}.list", {"filter": flt, "select": select})
    return _rank(name, [(str(r["ID"]), *_label(kind, r)) for r in rows or []])


def find_id(runtime: Runtime, kind: str, name: str, *, entity_type_id: int | None = None,
            category_id: int | None = None) -> list[Match]:  # fmt: skip
    """Candidates for `name`, exact matches first (reads only, policy-checked like any tool call)."""
    if not name or not name.strip():
        raise B24ValidationError("name is empty", hint="pass a name, e-mail, phone or title")
    if kind == "user":
        return _users(runtime, name)
    if kind == "stage":
        return _stages(runtime, name, entity_type_id or 2, category_id)
    if kind == "category":
        return _category(runtime, name, entity_type_id or 2)
    return _records(runtime, kind, name, entity_type_id)


def verdict(kind: str, name: str, matches: list[Match]) -> tuple[str, str | None]:
    """(text for the model, the ID when there is exactly one answer)."""
    exact = [m for m in matches if m.exact]
    pick = exact if exact else matches
    if len(pick) == 1:
        return f"{kind} {name!r} → ID {pick[0].id} ({pick[0].label})", pick[0].id
    if not matches:
        return f"No {kind} matches {name!r}. Check the spelling or ask the user.", None
    lines = [f"{len(pick)} {kind}s match {name!r}; ask the user which one (do not guess):"]
    lines += [f"- ID {m.id}: {m.label}" for m in pick[:MAX_SHOWN]]
    if len(pick) > MAX_SHOWN:
        lines.append(f"… and {len(pick) - MAX_SHOWN} more: ask for a fuller name")
    return "\n".join(lines), None


class FindIdTool(_DiscoveryTool):
    """Name → ID for users, stages, pipelines and CRM records; ambiguous names come back as a short list."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            runtime,
            name="b24_find_id",
            description="Find the ID of a user, stage, pipeline or CRM record by name, e-mail or phone. "
            "Several matches come back as a list: ask, never guess.",
            args_schema=FindIdArgs,
            metadata={"risk": "read", "method": None, "pack": None},
        )

    def _do(self, kind: str, name: str, entityTypeId: int | None = None, categoryId: int | None = None,
            **_: Any) -> tuple[str, Any]:  # fmt: skip
        matches = find_id(self.runtime, kind, name, entity_type_id=entityTypeId, category_id=categoryId)
        text, id = verdict(kind, name, matches)
        return text, {"kind": kind, "name": name, "id": id,
                      "matches": [{"id": m.id, "label": m.label, "exact": m.exact} for m in matches[:MAX_SHOWN]]}  # fmt: skip
