"""Curated catalog entries of the boards pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any

from ._shared import _ORDER, _SELECT, _START, Curated, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    Curated(
        method="tasks.api.scrum.sprint.list",
        pack="boards",
        risk="read",
        description="List sprints of scrum groups.",
        params=_m("ScrumSprintList", filter=(dict[str, Any], None, '{"GROUP_ID":5}'), order=_ORDER),
        result="list",
        scope=("task",),
        example={"filter": {"GROUP_ID": 1}},
    ),
    Curated(
        method="tasks.api.scrum.sprint.get",
        pack="boards",
        risk="read",
        description="Get a sprint.",
        params=_m("ScrumSprintGet", id=(int, ..., "sprint ID")),
        result="object",
        scope=("task",),
        example={"id": 1},
        relaxed={"sprintId": "the docs table says sprintId; every docs example (curl, JS, PHP) sends id"},
    ),
    Curated(
        method="tasks.api.scrum.sprint.start",
        pack="boards",
        risk="write",
        description="Start a planned sprint.",
        params=_m("ScrumSprintStart", id=(int, ..., "sprint ID")),
        result="object",
        scope=("task",),
        example={"id": 1},
    ),
    Curated(
        method="tasks.api.scrum.sprint.complete",
        pack="boards",
        risk="write",
        description="Complete the active sprint of a group.",
        params=_m("ScrumSprintComplete", id=(int, ..., "sprint ID")),
        result="object",
        scope=("task",),
        example={"id": 1},
    ),
    Curated(
        method="tasks.api.scrum.backlog.get",
        pack="boards",
        risk="read",
        description="Get the backlog of a scrum group.",
        params=_m("ScrumBacklogGet", id=(int, ..., "scrum group ID")),
        result="object",
        scope=("task",),
        example={"id": 1},
    ),
    Curated(
        method="tasks.api.scrum.kanban.getstages",
        pack="boards",
        risk="read",
        description="List the kanban stages of a sprint.",
        params=_m("ScrumKanbanGetstages", sprintId=(int, ..., "sprint ID")),
        result="list",
        scope=("task",),
        example={"sprintId": 1},
    ),
    Curated(
        method="tasks.api.scrum.task.update",
        pack="boards",
        risk="write",
        description="Set a task's scrum data (epic, story points, entity).",
        params=_m(
            "ScrumTaskUpdate",
            id=(int, ..., "task ID"),
            fields=(dict[str, Any], ..., '{"storyPoints":"3","epicId":2}'),
        ),
        result="object",
        scope=("task",),
        example={"id": 1, "fields": {"storyPoints": "3"}},
    ),
    # ------------------------------------------------------------------ commerce
    Curated(
        method="tasks.api.scrum.epic.list",
        pack="boards",
        risk="read",
        description="List epics of scrum groups.",
        params=_m(
            "ScrumEpicList", filter=(dict[str, Any], None, '{"GROUP_ID":5}'), select=_SELECT, start=_START
        ),
        result="list",
        scope=("task",),
        example={"filter": {"GROUP_ID": 1}},
    ),
)
