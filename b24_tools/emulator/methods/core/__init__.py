"""Core pack: CRM entities and items, deal contacts, timeline, activities, statuses, tasks (v2 and v3),
users and departments, event bindings and the offline event queue."""

from __future__ import annotations

from ..._registry import Registry

__all__ = ["register"]


def register(reg: Registry) -> None:
    from ..._crm import register_crm
    from . import crm, events, tasks, tasks_v3, users

    users.register(reg)
    register_crm(reg)
    crm.register(reg)
    tasks.register(reg)
    tasks_v3.register(reg)
    events.register(reg)
