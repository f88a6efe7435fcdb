"""Boards pack: scrum epics, sprints, backlog, kanban stages and scrum task fields.

Docs (api-reference/…): sonet-group/scrum/{epic,sprint,backlog,kanban,task}/*.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now
from ._common import typed_missing as _typed_missing
from ._common import uid as _uid

__all__ = ["register"]

OPS: list[Op] = [
    Op("tasks.api.scrum.epic.add", "add", "scrum_epic", "task", "boards", ("groupId", "name"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: row,
       defaults={"description": "", "createdBy": _uid, "modifiedBy": _uid, "color": "#69dafc"}),
    Op("tasks.api.scrum.epic.get", "get", "scrum_epic", "task", "boards", style="typed",
       not_found=("ERROR_CORE", "Epic not found", 400)),
    Op("tasks.api.scrum.epic.list", "list", "scrum_epic", "task", "boards", style="typed", paged=False),
    Op("tasks.api.scrum.sprint.add", "add", "scrum_sprint", "task", "boards", ("groupId", "name"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: row,
       defaults={"entityType": "sprint", "goal": "", "sort": 1, "createdBy": _uid, "modifiedBy": _uid,
                 "dateStart": _now, "dateEnd": _now, "status": "planned"}),
    Op("tasks.api.scrum.sprint.get", "get", "scrum_sprint", "task", "boards", style="typed",
       not_found=("ERROR_CORE", "Sprint not found", 400)),
    Op("tasks.api.scrum.sprint.list", "list", "scrum_sprint", "task", "boards", style="typed", paged=False),
]  # fmt: skip


def _sprint_status(status: str) -> Any:
    def handler(ctx: Ctx, params: dict[str, Any]) -> Any:
        try:
            sid = int(params.get("id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError("ERROR_CORE", "Required field 'id' is not specified", 400) from None
        data = ctx.portal.store.get("scrum_sprint", sid)
        if data is None:
            raise ApiError("ERROR_CORE", "Sprint not found", 400)
        data["status"] = status
        data["modifiedBy"] = ctx.user_id
        ctx.portal.store.put("scrum_sprint", sid, data)
        return {"id": sid, **data}

    return handler


def scrum_backlog_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    try:
        group_id = int(params.get("id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("ERROR_CORE", "Required field 'id' is not specified", 400) from None
    store = ctx.portal.store
    rows = store.select("scrum_backlog", "json_extract(data,'$.groupId') = ?", [group_id])
    if rows:
        i, d = rows[0]
    else:
        d = {"groupId": group_id, "createdBy": ctx.user_id, "modifiedBy": ctx.user_id}
        i = store.insert("scrum_backlog", d)
    return {"id": i, **d}


def scrum_kanban_getstages(ctx: Ctx, params: dict[str, Any]) -> Any:
    sprint = params.get("sprintId")
    if not sprint or ctx.portal.store.get("scrum_sprint", int(sprint)) is None:
        raise ApiError("ERROR_CORE", "Sprint not found", 400)
    base = int(sprint) * 10
    return [{"id": str(base + i), "name": n, "sort": str((i + 1) * 100), "type": t, "sprintId": str(sprint), "color": c}
            for i, (n, t, c) in enumerate([("New", "NEW", "00C4FB"), ("In Progress", "WORK", "47D1E2"),
                                           ("Done", "FINISH", "75D900")])]  # fmt: skip


def scrum_task_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    try:
        tid = int(params.get("id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("ERROR_CORE", "Required field 'id' is not specified", 400) from None
    task = ctx.portal.store.get("task", tid)
    fields = params.get("fields")
    if task is None or not isinstance(fields, dict):
        return {"status": "error", "data": None, "errors": [{"message": "Task not found", "code": 0}]}
    scrum = dict(task.get("__scrum") or {})
    scrum.update({k: v for k, v in fields.items() if k in ("entityId", "storyPoints", "epicId", "sort")})
    task["__scrum"] = scrum
    ctx.portal.store.put("task", tid, task)
    return {"status": "success", "data": True, "errors": []}


def _int(params: dict[str, Any], name: str) -> int:
    try:
        return int(params.get(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("ERROR_CORE", f"Required field '{name}' is not specified", 400) from None


def kanban_add_task(ctx: Ctx, params: dict[str, Any]) -> Any:
    """The sprint, the task and a stage of that sprint must exist (scrum/kanban/tasks-api-scrum-kanban-add-task.md)."""
    sprint, task_id, stage = _int(params, "sprintId"), _int(params, "taskId"), _int(params, "stageId")
    if ctx.portal.store.get("scrum_sprint", sprint) is None:
        raise ApiError("ERROR_CORE", "Sprint not found", 400)
    if stage not in range(sprint * 10, sprint * 10 + 3):
        raise ApiError("ERROR_CORE", "Stage not found", 400)
    task = ctx.portal.store.get("task", task_id)
    if task is None:
        raise ApiError("ERROR_CORE", "Task not found", 400)
    task["__scrum"] = {**(task.get("__scrum") or {}), "sprintId": sprint, "stageId": stage}
    ctx.portal.store.put("task", task_id, task)
    return True


def kanban_delete_task(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Takes the task off the sprint board; the task itself stays (tasks-api-scrum-kanban-delete-task.md)."""
    sprint, task_id = _int(params, "sprintId"), _int(params, "taskId")
    task = ctx.portal.store.get("task", task_id)
    scrum = (task or {}).get("__scrum") or {}
    if task is None or scrum.get("sprintId") != sprint:
        raise ApiError("ERROR_CORE", "Task not found in the sprint", 400)
    task["__scrum"] = {k: v for k, v in scrum.items() if k not in ("sprintId", "stageId")}
    ctx.portal.store.put("task", task_id, task)
    return True


def backlog_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    """One backlog per scrum group (tasks-api-scrum-backlog-add.md)."""
    fields = params.get("fields")
    if not isinstance(fields, dict) or not fields.get("groupId"):
        raise ApiError("ERROR_CORE", "Required field 'groupId' is not specified", 400)
    group_id = int(fields["groupId"])
    store = ctx.portal.store
    if store.select("scrum_backlog", "json_extract(data,'$.groupId') = ?", [group_id]):
        raise ApiError("ERROR_CORE", "Backlog already exists", 400)
    row = {
        "groupId": group_id,
        "createdBy": int(fields.get("createdBy") or ctx.user_id),
        "modifiedBy": ctx.user_id,
    }
    return {"id": store.insert("scrum_backlog", row), **row}


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("tasks.api.scrum.sprint.start", _sprint_status("active"), scope="task", write=True, pack="boards")
    reg.add(
        "tasks.api.scrum.sprint.complete",
        _sprint_status("completed"),
        scope="task",
        write=True,
        pack="boards",
    )
    reg.add("tasks.api.scrum.backlog.get", scrum_backlog_get, scope="task", pack="boards")
    reg.add("tasks.api.scrum.kanban.getstages", scrum_kanban_getstages, scope="task", pack="boards")
    reg.add("tasks.api.scrum.task.update", scrum_task_update, scope="task", write=True, pack="boards")
    reg.add("tasks.api.scrum.kanban.addtask", kanban_add_task, scope="task", write=True, pack="boards")
    reg.add("tasks.api.scrum.kanban.deletetask", kanban_delete_task, scope="task", write=True, pack="boards")
    reg.add("tasks.api.scrum.backlog.add", backlog_add, scope="task", write=True, pack="boards")
