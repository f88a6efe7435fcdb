"""Tasks: `tasks.task.*` (legacy: UPPER input, camelCase string answers), checklist and comments, and the
REST 3.0 `tasks.task.*` (camelCase typed items, `{"item"}` / `{"items"}` / `{"result": true}`).

Docs: api-reference/tasks/tasks-task-{add,get,list,update,delete}.md, api-reference/tasks/fields.md,
api-reference/tasks/checklist-item/task-checklist-item-{add,get-list}.md,
api-reference/tasks/tasks-task-*-rest-v3.md, api-reference/tasks/events-tasks/on-task-*.md.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from ..._errors import ApiError
from ..._paging import page_rows, parse_start
from ..._query import build_order, build_where, parse_filter
from ..._registry import Answer, Ctx, Registry
from ..._schema import EntitySpec, FieldDef, camel, coerce, render_legacy_value

__all__ = ["register", "seed_tasks", "TASK_SPEC"]

_I, _S, _D = FieldDef("integer"), FieldDef("string"), FieldDef("datetime")
_LIST_INT = FieldDef("integer", multiple=True)
TASK_SPEC = EntitySpec(
    "task",
    {
        "ID": _I, "PARENT_ID": _I, "TITLE": _S, "DESCRIPTION": _S, "MARK": _S, "PRIORITY": _S, "MULTITASK": FieldDef("char"),
        "NOT_VIEWED": FieldDef("char"), "REPLICATE": FieldDef("char"), "STAGE_ID": _I, "CREATED_BY": _I,
        "CREATED_DATE": _D, "RESPONSIBLE_ID": _I, "CHANGED_BY": _I, "CHANGED_DATE": _D, "STATUS_CHANGED_BY": _I,
        "STATUS_CHANGED_DATE": _D, "CLOSED_BY": _I, "CLOSED_DATE": _D, "ACTIVITY_DATE": _D, "DATE_START": _D,
        "DEADLINE": _D, "START_DATE_PLAN": _D, "END_DATE_PLAN": _D, "GUID": _S, "XML_ID": _S, "COMMENTS_COUNT": _I,
        "ALLOW_CHANGE_DEADLINE": FieldDef("char"), "ALLOW_TIME_TRACKING": FieldDef("char"),
        "TASK_CONTROL": FieldDef("char"), "ADD_IN_REPORT": FieldDef("char"), "TIME_ESTIMATE": _I,
        "STATUS": _S, "GROUP_ID": _I, "ACCOMPLICES": _LIST_INT, "AUDITORS": _LIST_INT,
        "UF_CRM_TASK": FieldDef("string", multiple=True),
        "UF_TASK_WEBDAV_FILES": FieldDef("string", multiple=True), "TAGS": FieldDef("string", multiple=True),
        "FAVORITE": FieldDef("char"), "DURATION_TYPE": _S,
    },
    event_prefix="ONTASK",
    strict=False,
)  # fmt: skip
_READONLY = {
    "ID",
    "CREATED_DATE",
    "CHANGED_DATE",
    "CHANGED_BY",
    "STATUS_CHANGED_DATE",
    "ACTIVITY_DATE",
    "GUID",
}
_CAMEL_OVERRIDES = {"UF_CRM_TASK": "ufCrmTask"}
STATUS_WORDS = {"1": "new", "2": "pending", "3": "in_progress", "4": "supposedly_completed", "5": "completed",
                "6": "deferred", "7": "declined"}  # fmt: skip
PRIORITY_WORDS = {"0": "low", "1": "average", "2": "high"}


def _key(name: str) -> str:
    return _CAMEL_OVERRIDES.get(name) or camel(name)


def _task_defaults(ctx: Ctx) -> dict[str, Any]:
    now = ctx.portal.clock.iso()
    return {
        "PARENT_ID": None, "TITLE": "", "DESCRIPTION": "", "MARK": None, "PRIORITY": "1", "MULTITASK": "N",
        "NOT_VIEWED": "N", "REPLICATE": "N", "STAGE_ID": 0, "CREATED_BY": ctx.user_id, "CREATED_DATE": now,
        "RESPONSIBLE_ID": ctx.user_id, "CHANGED_BY": ctx.user_id, "CHANGED_DATE": now, "STATUS_CHANGED_BY": None,
        "STATUS_CHANGED_DATE": now, "CLOSED_BY": None, "CLOSED_DATE": None, "ACTIVITY_DATE": now,
        "DATE_START": None, "DEADLINE": None, "START_DATE_PLAN": None, "END_DATE_PLAN": None, "XML_ID": None,
        "COMMENTS_COUNT": None, "ALLOW_CHANGE_DEADLINE": "N", "ALLOW_TIME_TRACKING": "N", "TASK_CONTROL": "N",
        "ADD_IN_REPORT": "N", "TIME_ESTIMATE": 0, "STATUS": "2", "GROUP_ID": 0, "ACCOMPLICES": [], "AUDITORS": [],
        "UF_CRM_TASK": [], "TAGS": [], "FAVORITE": "N", "DURATION_TYPE": "days",
    }  # fmt: skip


def _user_card(ctx: Ctx, user_id: Any) -> dict[str, Any]:
    data = ctx.portal.store.get("user", int(user_id or 0)) or {}
    name = " ".join(x for x in (data.get("NAME"), data.get("LAST_NAME")) if x) or f"User {user_id}"
    return {"id": str(user_id), "name": name, "link": f"/company/personal/user/{user_id}/", "icon": "",
            "workPosition": data.get("WORK_POSITION") or ""}  # fmt: skip


def render_task(ctx: Ctx, id: int, data: dict[str, Any], select: list[str] | None = None) -> dict[str, Any]:
    """Legacy answer: camelCase keys, string values (tasks-task-add.md)."""
    out: dict[str, Any] = {"id": str(id)}
    names = [n for n in data if not n.startswith("__")] if not select else select
    for n in names:
        if n == "ID":
            continue
        out[_key(n)] = render_legacy_value(data.get(n))
    if not select:
        out["creator"] = _user_card(ctx, data.get("CREATED_BY"))
        out["responsible"] = _user_card(ctx, data.get("RESPONSIBLE_ID"))
        out["checklist"] = []
        out["group"] = []
    return out


def _apply(ctx: Ctx, data: dict[str, Any], fields: dict[str, Any], *, v3: bool = False) -> None:
    for raw, value in fields.items():
        name = TASK_SPEC.canonical(str(raw))
        if v3 and str(raw) == "creatorId":
            name = "CREATED_BY"
        if v3 and str(raw) == "crmItemIds":
            name = "UF_CRM_TASK"
        if name == "STATUS" and str(value) in STATUS_WORDS.values():
            value = next(k for k, w in STATUS_WORDS.items() if w == value)
        if name == "PRIORITY" and str(value) in PRIORITY_WORDS.values():
            value = next(k for k, w in PRIORITY_WORDS.items() if w == value)
        if not name or name in _READONLY:
            continue
        fd = TASK_SPEC.fields.get(name, FieldDef(multiple=isinstance(value, list)))
        if name == "STATUS" and str(value) != str(data.get("STATUS")):
            data["STATUS_CHANGED_BY"] = ctx.user_id
            data["STATUS_CHANGED_DATE"] = ctx.portal.clock.iso()
            if str(value) == "5":
                data["CLOSED_BY"] = ctx.user_id
                data["CLOSED_DATE"] = ctx.portal.clock.iso()
        data[name] = (
            str(coerce(FieldDef("integer"), value)) if name in ("STATUS", "PRIORITY") else coerce(fd, value)
        )


def _task_id(params: dict[str, Any], *keys: str) -> int:
    for k in keys or ("taskId", "TASKID", "TASK_ID", "id"):
        if k in params:
            try:
                return int(params[k])
            except (TypeError, ValueError):
                raise ApiError("0", "wrong task id", 400) from None
    raise ApiError(
        "100", "CTaskItem All parameters in the constructor must have real class type (internal error)", 400
    )


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    fields = params.get("fields", params.get("FIELDS"))
    if not isinstance(fields, dict) or not fields:
        raise ApiError("100", "Could not find value for parameter {fields} (internal error)", 400)
    return fields


def _emit(ctx: Ctx, action: str, id: int) -> None:
    before: Any = "undefined" if action == "ADD" else {"ID": id}
    after: Any = "undefined" if action == "DELETE" else {"ID": id}
    data = {"FIELDS_BEFORE": before, "FIELDS_AFTER": after, "IS_ACCESSIBLE_BEFORE": "N" if action == "ADD" else "Y",
            "IS_ACCESSIBLE_AFTER": "undefined" if action == "DELETE" else "Y"}  # fmt: skip
    ctx.emit("ONTASK" + action, data, f"task:{id}")


def create_task(ctx: Ctx, fields: dict[str, Any], *, v3: bool = False) -> tuple[int, dict[str, Any]]:
    data = _task_defaults(ctx)
    _apply(ctx, data, fields, v3=v3)
    if not str(data.get("TITLE") or "").strip():
        raise ApiError("ERROR_CORE", "Task title is not specified<br>", 400)
    if not data.get("RESPONSIBLE_ID"):
        raise ApiError("ERROR_CORE", "Assignee is not specified<br>", 400)
    data["GUID"] = (
        "{" + str(uuid.UUID(int=random.Random(f"{ctx.portal.store.count('task')}").getrandbits(128))) + "}"
    )
    new_id = ctx.portal.store.insert("task", data)
    _emit(ctx, "ADD", new_id)
    return new_id, data


def update_task(ctx: Ctx, id: int, fields: dict[str, Any], *, v3: bool = False) -> dict[str, Any]:
    data = ctx.portal.store.get("task", id)
    if data is None:
        raise ApiError("0", "wrong task id", 400)
    _apply(ctx, data, fields, v3=v3)
    data["CHANGED_BY"] = ctx.user_id
    data["CHANGED_DATE"] = ctx.portal.clock.iso()
    ctx.portal.store.put("task", id, data)
    _emit(ctx, "UPDATE", id)
    return data


# -- legacy tasks.task.* ---------------------------------------------------------------------------------


def task_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    new_id, data = create_task(ctx, _fields(params))
    return {"task": render_task(ctx, new_id, data)}


def task_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    id = _task_id(params)
    select = params.get("select")
    if select is not None and not isinstance(select, list):
        raise ApiError("100", "Invalid value {} to match with parameter {select}. Should be value of type array. "
                              "(internal error)", 400)  # fmt: skip
    data = ctx.portal.store.get("task", id)
    if data is None:
        return []  # tasks-task-get.md: a missing task answers an empty array
    sel = _select(select)
    return {"task": render_task(ctx, id, data, sel)}


def _select(select: Any) -> list[str] | None:
    if not isinstance(select, list) or not select or "*" in select:
        return None
    names = []
    for s in select:
        name = TASK_SPEC.canonical(str(s))
        if name:
            names.append(name)
    return ["ID", *[n for n in names if n != "ID"]]


def task_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    id = _task_id(params)
    data = update_task(ctx, id, _fields(params))
    return {"task": render_task(ctx, id, data)}


def task_complete(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Status 5 (completed) and the close date (api-reference/tasks/status/tasks-task-complete.md)."""
    id = _task_id(params)
    data = update_task(ctx, id, {"STATUS": 5})
    data["CLOSED_DATE"] = ctx.portal.clock.iso()
    data["CLOSED_BY"] = ctx.user_id
    ctx.portal.store.put("task", id, data)
    return {"task": render_task(ctx, id, data)}


def task_delete(ctx: Ctx, params: dict[str, Any]) -> Any:
    id = _task_id(params)
    if not ctx.portal.store.delete("task", id):
        raise ApiError("1048582", "No access to delete the task", 400)
    _emit(ctx, "DELETE", id)
    return {"task": True}


_SORTABLE = {"ID", "TITLE", "DEADLINE", "CREATED_DATE", "CHANGED_DATE", "CLOSED_DATE", "STATUS", "PRIORITY",
             "RESPONSIBLE_ID", "CREATED_BY", "GROUP_ID", "START_DATE_PLAN", "END_DATE_PLAN", "SORTING",
             "REAL_STATUS", "TIME_ESTIMATE", "ACTIVITY_DATE", "MARK"}  # fmt: skip


def task_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    flt = params.get("filter") or params.get("FILTER") or {}
    if not isinstance(flt, dict):
        raise ApiError(
            "100", "Invalid value to match with parameter {filter}. Should be value of type array.", 400
        )
    flt = dict(flt)
    for k in list(flt):  # REAL_STATUS is the stored STATUS
        if str(k).lstrip("!<>=@%").upper() == "REAL_STATUS":
            flt[str(k).upper().replace("REAL_STATUS", "STATUS")] = flt.pop(k)
    conds = parse_filter(flt, TASK_SPEC)
    conds = [(n, op, [str(x) for x in v] if n in ("STATUS", "PRIORITY") and isinstance(v, list) else
              (str(v) if n in ("STATUS", "PRIORITY") else v)) for n, op, v in conds]  # fmt: skip
    where, args = build_where(TASK_SPEC, conds)
    order = params.get("order") or params.get("ORDER") or {}
    if isinstance(order, dict):
        for k in order:
            if str(k).upper() not in _SORTABLE and not str(k).upper().startswith("UF_"):
                raise ApiError("0", "Invalid sorting key (internal error)", 400)
    sql_order = build_order(TASK_SPEC, {("STATUS" if str(k).upper() == "REAL_STATUS" else k): v
                                        for k, v in (order or {}).items()})  # fmt: skip
    start = parse_start(params)
    rows, total, nxt, cost = page_rows(ctx, "task", where, args, sql_order, start)
    sel = _select(params.get("select") or params.get("SELECT"))
    if sel is None:
        sel = ["ID", "TITLE", "DESCRIPTION", "STATUS", "PRIORITY", "RESPONSIBLE_ID", "CREATED_BY", "CREATED_DATE",
               "CHANGED_DATE", "CLOSED_DATE", "DEADLINE", "GROUP_ID", "PARENT_ID", "XML_ID"]  # fmt: skip
    tasks = [render_task(ctx, i, d, sel) for i, d in rows]
    return Answer(
        {"tasks": tasks}, total=0 if total is None else total, next=nxt, records=len(tasks), cost=cost
    )


def task_fields(ctx: Ctx, params: dict[str, Any]) -> Any:
    return {"fields": {n: {"title": n, "type": fd.type, **({"primary": True} if n == "ID" else {})}
                       for n, fd in TASK_SPEC.fields.items()}}  # fmt: skip


# -- checklist and comments ----------------------------------------------------------------------------------


def _positional(params: dict[str, Any]) -> tuple[Any, Any]:
    body = params.get("__body__")
    if isinstance(body, list):
        return (body[0] if body else None), (body[1] if len(body) > 1 else None)
    if isinstance(params.get("0"), str | int) and "TASKID" not in params:
        return params.get("0"), params.get("1")
    return params.get("TASKID", params.get("taskId")), params.get("FIELDS", params.get("fields"))


def checklist_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    task_id, fields = _positional(params)
    try:
        tid = int(task_id)
    except (TypeError, ValueError):
        raise ApiError("ERROR_CORE", "TASKS_ERROR_EXCEPTION_#256; Param #0 (taskId) for method "
                                     "ctaskchecklistitem::add() expected to be of type \"integer\"; "
                                     "256/TE/WRONG_ARGUMENTS<br>", 400) from None  # fmt: skip
    if ctx.portal.store.get("task", tid) is None:
        raise ApiError("ERROR_CORE", "TASKS_ERROR_EXCEPTION_#8; Adding item: action not allowed; "
                                     "8/TE/ACTION_FAILED_TO_BE_PROCESSED<br>", 400)  # fmt: skip
    if not isinstance(fields, dict) or not str(fields.get("TITLE") or "").strip():
        raise ApiError("ERROR_CORE", "TASKS_ERROR_EXCEPTION_#256; Param #1 (arFields) TITLE is required; "
                                     "256/TE/WRONG_ARGUMENTS<br>", 400)  # fmt: skip
    row = {
        "TASK_ID": tid, "PARENT_ID": int(fields.get("PARENT_ID") or 0), "CREATED_BY": ctx.user_id,
        "TITLE": str(fields["TITLE"]), "SORT_INDEX": int(fields.get("SORT_INDEX") or 0),
        "IS_COMPLETE": coerce(FieldDef("char"), fields.get("IS_COMPLETE", "N")),
        "IS_IMPORTANT": coerce(FieldDef("char"), fields.get("IS_IMPORTANT", "N")),
        "TOGGLED_BY": None, "TOGGLED_DATE": None, "MEMBERS": [],
    }  # fmt: skip
    return ctx.portal.store.insert("task_checklist", row)


def checklist_getlist(ctx: Ctx, params: dict[str, Any]) -> Any:
    task_id, _ = _positional(params)
    try:
        tid = int(task_id)
    except (TypeError, ValueError):
        raise ApiError("ERROR_CORE", "TASKS_ERROR_EXCEPTION_#256; Param #0 (taskId) is wrong; "
                                     "256/TE/WRONG_ARGUMENTS<br>", 400) from None  # fmt: skip
    rows = ctx.portal.store.select("task_checklist", "json_extract(data,'$.TASK_ID') = ?", [tid])
    return [{"ID": str(i), **{k: render_legacy_value(v) for k, v in d.items()}} for i, d in rows]


def comment_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    task_id, fields = _positional(params)
    try:
        tid = int(task_id)
    except (TypeError, ValueError):
        raise ApiError(
            "ERROR_CORE", "TASKS_ERROR_EXCEPTION_#256; Param #0 (taskId) is wrong<br>", 400
        ) from None
    data = ctx.portal.store.get("task", tid)
    if data is None:
        raise ApiError("ERROR_CORE", "TASKS_ERROR_EXCEPTION_#8; Action not allowed<br>", 400)
    if not isinstance(fields, dict) or not str(fields.get("POST_MESSAGE") or "").strip():
        raise ApiError("ERROR_CORE", "TASKS_ERROR_EXCEPTION_#256; POST_MESSAGE is required<br>", 400)
    cid = ctx.portal.store.insert(
        "task_comment",
        {"TASK_ID": tid, "AUTHOR_ID": int(fields.get("AUTHOR_ID") or ctx.user_id),
         "POST_MESSAGE": str(fields["POST_MESSAGE"]), "POST_DATE": ctx.portal.clock.iso()},
    )  # fmt: skip
    data["COMMENTS_COUNT"] = int(data.get("COMMENTS_COUNT") or 0) + 1
    ctx.portal.store.put("task", tid, data)
    ctx.emit("ONTASKCOMMENTADD", {"ID": cid, "TASK_ID": tid}, f"task_comment:{cid}")
    return cid


# -- seed --------------------------------------------------------------------------------------------------------------


def seed_tasks(
    portal: Any, n: int, rng: random.Random, users: list[int], titles: list[str], when: Callable[[int], str]
) -> int:
    store = portal.store
    base = store.count("task")

    def gen() -> Any:
        for i in range(n):
            created = when(base + i)
            status = rng.choice(["2", "2", "3", "3", "4", "5", "6"])
            row: dict[str, Any] = {
                "PARENT_ID": None, "TITLE": f"{rng.choice(titles)} #{base + i + 1}", "DESCRIPTION": "",
                "MARK": None, "PRIORITY": rng.choice(["0", "1", "1", "2"]), "MULTITASK": "N", "NOT_VIEWED": "N",
                "REPLICATE": "N", "STAGE_ID": 0, "CREATED_BY": rng.choice(users), "CREATED_DATE": created,
                "RESPONSIBLE_ID": rng.choice(users), "CHANGED_BY": users[0], "CHANGED_DATE": created,
                "STATUS_CHANGED_BY": None, "STATUS_CHANGED_DATE": created, "CLOSED_BY": None,
                "CLOSED_DATE": created if status == "5" else None, "ACTIVITY_DATE": created, "DATE_START": None,
                "DEADLINE": None, "START_DATE_PLAN": None, "END_DATE_PLAN": None,
                "GUID": "{" + str(uuid.UUID(int=rng.getrandbits(128))) + "}", "XML_ID": None,
                "COMMENTS_COUNT": None, "ALLOW_CHANGE_DEADLINE": "N", "ALLOW_TIME_TRACKING": "N",
                "TASK_CONTROL": "N", "ADD_IN_REPORT": "N", "TIME_ESTIMATE": 0, "STATUS": status, "GROUP_ID": 0,
                "ACCOMPLICES": [], "AUDITORS": [], "UF_CRM_TASK": [], "TAGS": [], "FAVORITE": "N",
                "DURATION_TYPE": "days",
            }  # fmt: skip
            yield row

    return store.insert_many("task", gen())


def register(reg: Registry) -> None:
    for name, fn, write in (
        ("tasks.task.add", task_add, True), ("tasks.task.get", task_get, False),
        ("tasks.task.list", task_list, False), ("tasks.task.update", task_update, True),
        ("tasks.task.delete", task_delete, True),
        ("tasks.task.complete", task_complete, True), ("tasks.task.getfields", task_fields, False),
        ("task.checklistitem.add", checklist_add, True), ("task.checklistitem.getlist", checklist_getlist, False),
        ("task.commentitem.add", comment_add, True),
    ):  # fmt: skip
        reg.add(name, fn, scope="task", write=write, pack="core")
