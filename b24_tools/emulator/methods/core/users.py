"""Users and departments: user.current, user.get, user.search, user.fields, department.get.

Docs (api-reference/…): user/user-current.md, user/user-get.md, user/user-search.md, user/user-fields.md,
departments/department-get.md.
"""

from __future__ import annotations

from typing import Any

from ..._paging import page_rows, parse_start
from ..._query import build_order, build_where, parse_filter
from ..._registry import Answer, Ctx, Registry
from ..._schema import EntitySpec, FieldDef, render_legacy_value

__all__ = ["register", "USER_SPEC", "DEPARTMENTS", "render_user", "ensure_user", "default_user"]


USER_SPEC = EntitySpec(
    "user",
    {
        "ID": FieldDef("integer"), "ACTIVE": FieldDef("boolean"), "NAME": FieldDef(), "LAST_NAME": FieldDef(),
        "SECOND_NAME": FieldDef(), "EMAIL": FieldDef(), "LAST_LOGIN": FieldDef("datetime"),
        "DATE_REGISTER": FieldDef("datetime"), "IS_ONLINE": FieldDef("char"), "TIME_ZONE": FieldDef(),
        "PERSONAL_GENDER": FieldDef(), "PERSONAL_BIRTHDAY": FieldDef(), "WORK_POSITION": FieldDef(),
        "UF_DEPARTMENT": FieldDef("integer", multiple=True), "USER_TYPE": FieldDef(),
    },
    strict=False,
)  # fmt: skip


def render_user(id: int, data: dict[str, Any]) -> dict[str, Any]:
    """user.current: ID a string, ACTIVE a real boolean, UF_DEPARTMENT a list of ints (user-current.md)."""
    out: dict[str, Any] = {"ID": str(id)}
    for k, v in data.items():
        if k == "ACTIVE":
            out[k] = bool(v)
        elif k == "UF_DEPARTMENT":
            out[k] = [int(x) for x in v or []]
        else:
            out[k] = render_legacy_value(v)
    return out


def ensure_user(ctx: Ctx, user_id: int) -> dict[str, Any]:
    data = ctx.portal.store.get("user", user_id)
    if data is None:
        data = default_user(ctx, user_id)
        ctx.portal.store.insert("user", data, id=user_id)
    return data


def default_user(ctx: Ctx, user_id: int) -> dict[str, Any]:
    now = ctx.portal.clock.iso()
    return {
        "ACTIVE": True, "NAME": "Admin" if user_id == 1 else f"User{user_id}", "LAST_NAME": "Emulator",
        "EMAIL": f"user{user_id}@example.test", "LAST_LOGIN": now, "DATE_REGISTER": now, "IS_ONLINE": "Y",
        "TIME_ZONE": "", "PERSONAL_GENDER": "", "PERSONAL_BIRTHDAY": "", "WORK_POSITION": "",
        "UF_DEPARTMENT": [1], "USER_TYPE": "employee", "IS_ADMIN": user_id == 1,
    }  # fmt: skip


def user_current(ctx: Ctx, params: dict[str, Any]) -> Any:
    data = ensure_user(ctx, ctx.user_id)
    data = {k: v for k, v in data.items() if k != "IS_ADMIN"}
    return render_user(ctx.user_id, data)


def user_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    ensure_user(ctx, ctx.user_id)
    raw = params.get("filter") or params.get("FILTER") or {}
    flt = dict(raw) if isinstance(raw, dict) else {}
    for key in (
        "ID",
        "id",
        "ACTIVE",
        "EMAIL",
        "NAME",
        "LAST_NAME",
    ):  # user.get takes filter fields top-level too
        if key in params and not isinstance(params[key], dict | list):
            flt.setdefault(key.upper(), params[key])
    if "ACTIVE" in flt:
        flt["ACTIVE"] = flt["ACTIVE"] in (True, "Y", "true", "1", 1)
    conds = [
        (n, op, (1 if v is True else 0 if v is False else v)) for n, op, v in parse_filter(flt, USER_SPEC)
    ]
    where, args = build_where(USER_SPEC, conds)
    where = where.replace("json_extract(data, '$.\"ACTIVE\"')", "(json_extract(data, '$.\"ACTIVE\"') + 0)")
    sort = params.get("sort") or params.get("SORT")
    direction = params.get("order") or params.get("ORDER") or "ASC"
    order = build_order(USER_SPEC, {sort: direction} if isinstance(sort, str) else None)
    start = parse_start(params)
    rows, total, nxt, cost = page_rows(ctx, "user", where, args, order, start)
    items = [render_user(i, {k: v for k, v in d.items() if k != "IS_ADMIN"}) for i, d in rows]
    return Answer(items, total=0 if total is None else total, next=nxt, records=len(items), cost=cost)


DEPARTMENTS = [
    {"ID": "1", "NAME": "Emulator Inc.", "SORT": 500, "PARENT": None, "UF_HEAD": "1"},
    {"ID": "2", "NAME": "Sales", "SORT": 500, "PARENT": "1", "UF_HEAD": "2"},
    {"ID": "3", "NAME": "Support", "SORT": 500, "PARENT": "1", "UF_HEAD": "3"},
]


def department_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    rows = [d for d in DEPARTMENTS if all(str(d.get(k)) == str(params[k]) for k in ("ID", "NAME", "PARENT", "UF_HEAD")
                                          if params.get(k) not in (None, ""))]  # fmt: skip
    return Answer(rows, total=len(rows), records=len(rows))


_SEARCH_KEYS = ("NAME", "LAST_NAME", "SECOND_NAME", "WORK_POSITION")


def user_search(ctx: Ctx, params: dict[str, Any]) -> Any:
    """FILTER.FIND matches the start of first, last, middle name or job title, word by word; or the single
    fields NAME / LAST_NAME / SECOND_NAME / WORK_POSITION (api-reference/user/user-search.md)."""
    ensure_user(ctx, ctx.user_id)
    raw = params.get("FILTER") or params.get("filter") or {}
    flt = {str(k).upper(): v for k, v in raw.items()} if isinstance(raw, dict) else {}
    words = str(flt.get("FIND") or "").lower().split()
    rows = []
    for id, d in ctx.portal.store.select("user", order="id"):
        if not d.get("ACTIVE", True):
            continue
        values = [str(d.get(k) or "").lower() for k in _SEARCH_KEYS]
        if words and not all(any(v.startswith(w) for v in values) for w in words):
            continue
        if any(
            not str(d.get(k) or "").lower().startswith(str(flt[k]).lower())
            for k in _SEARCH_KEYS
            if flt.get(k)
        ):
            continue
        if flt.get("USER_TYPE") and d.get("USER_TYPE") != flt["USER_TYPE"]:
            continue
        rows.append(render_user(id, {k: v for k, v in d.items() if k != "IS_ADMIN"}))
    start = parse_start(params) or 0
    page = rows[start : start + 50]
    nxt = start + 50 if start + 50 < len(rows) else None
    return Answer(page, total=len(rows), next=nxt, records=len(page))


_USER_FIELD_LABELS = {
    "ID": "ID", "XML_ID": "External ID", "ACTIVE": "Active", "NAME": "First name", "LAST_NAME": "Last name",
    "SECOND_NAME": "Second name", "TITLE": "Title", "EMAIL": "E-mail", "PERSONAL_PHONE": "Phone",
    "WORK_PHONE": "Work phone", "WORK_POSITION": "Position", "WORK_COMPANY": "Company", "IS_ONLINE": "Online",
    "TIME_ZONE": "Time zone", "PERSONAL_GENDER": "Gender", "PERSONAL_BIRTHDAY": "Date of birth",
    "UF_DEPARTMENT": "Department", "USER_TYPE": "User type",
}  # fmt: skip


def user_fields(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Field code → label (api-reference/user/user-fields.md)."""
    return dict(_USER_FIELD_LABELS)


def register(reg: Registry) -> None:
    reg.add("user.current", user_current, scope="user|user_brief|user_basic", pack="core")
    reg.add("user.get", user_get, scope="user")
    reg.add("user.search", user_search, scope="user|user_brief|user_basic", pack="core")
    reg.add("user.fields", user_fields, scope="user|user_brief|user_basic", pack="core")
    reg.add("department.get", department_get, scope="department", pack="core")
