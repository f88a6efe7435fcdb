"""Method tables of the emulated portal, one module per capability pack; `register_all` fills a `Registry`."""

from __future__ import annotations

from .._registry import Registry

__all__ = ["register_all"]


def register_all(reg: Registry) -> None:
    from .._batch import register_batch
    from . import (
        automation,
        boards,
        collab,
        commerce,
        comms,
        compliance,
        content,
        core,
        diagnostics,
        platform,
        services,
        sites,
    )

    register_batch(reg)
    for pack in (
        core, comms, automation, collab, content, boards, commerce, services, platform, sites, compliance, diagnostics,
    ):  # fmt: skip
        pack.register(reg)
