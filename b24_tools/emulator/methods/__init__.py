"""Method tables of the emulated portal, one module per area; `register_all` fills a `Registry`."""

from __future__ import annotations

from .._registry import Registry

__all__ = ["register_all"]


def register_all(reg: Registry) -> None:
    from .._batch import register_batch
    from .._crm import register_crm
    from . import automation, business, collab_comms, crm_extra, disk, events, extra, system, tasks, tasks_v3

    register_batch(reg)
    system.register(reg)
    register_crm(reg)
    crm_extra.register(reg)
    tasks.register(reg)
    tasks_v3.register(reg)
    events.register(reg)
    collab_comms.register(reg)
    business.register(reg)
    automation.register(reg)
    disk.register(reg)
    extra.register(reg)
