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
