"""Method tables of the emulated portal, one module per area; `register_all` fills a `Registry`."""

from __future__ import annotations

from .._registry import Registry

__all__ = ["register_all"]


def register_all(reg: Registry) -> None:
    from .._batch import register_batch
    from .._crm import register_crm
    from . import crm_extra, events, packs, system, tasks

    register_batch(reg)
    system.register(reg)
    register_crm(reg)
    crm_extra.register(reg)
    tasks.register(reg)
    events.register(reg)
    packs.register(reg)
