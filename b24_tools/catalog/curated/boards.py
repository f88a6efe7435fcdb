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
    Curated(
        method="tasks.api.scrum.sprint.add",
        pack="boards",
        risk="write",
        description="Create a sprint in a scrum group.",
        params=_m("TasksApiScrumSprintAdd", fields=(dict[str, Any], ..., '{"groupId":1,"name":"Sprint 1"}')),
        result="sprint",
        scope=("task",),
        example={"fields": {"groupId": 1, "name": "Sprint 1"}},
    ),
    Curated(
        method="tasks.api.scrum.kanban.addtask",
        pack="boards",
        risk="write",
        description="Put a task on a sprint's kanban stage.",
        params=_m(
            "TasksApiScrumKanbanAddTask",
            sprintId=(int, ..., "sprint ID"),
            taskId=(int, ..., "task ID"),
            stageId=(int, ..., "from kanban.getStages"),
        ),
        result="bool",
        scope=("task",),
        example={"sprintId": 1, "taskId": 1, "stageId": 10},
    ),
    Curated(
        method="tasks.api.scrum.kanban.deletetask",
        pack="boards",
        risk="destructive",
        description="Take a task off a sprint's kanban.",
        params=_m(
            "TasksApiScrumKanbanDeleteTask", sprintId=(int, ..., "sprint ID"), taskId=(int, ..., "task ID")
        ),
        result="bool",
        scope=("task",),
        example={"sprintId": 1, "taskId": 1},
    ),
    Curated(
        method="tasks.api.scrum.epic.add",
        pack="boards",
        risk="write",
        description="Create an epic in a scrum group.",
        params=_m("TasksApiScrumEpicAdd", fields=(dict[str, Any], ..., '{"groupId":1,"name":"Checkout"}')),
        result="epic",
        scope=("task",),
        example={"fields": {"groupId": 1, "name": "Checkout"}},
    ),
    Curated(
        method="tasks.api.scrum.backlog.add",
        pack="boards",
        risk="write",
        description="Create the backlog of a scrum group.",
        params=_m("TasksApiScrumBacklogAdd", fields=(dict[str, Any], ..., '{"groupId":1}')),
        result="backlog",
        scope=("task",),
        example={"fields": {"groupId": 2}},
    ),
)
