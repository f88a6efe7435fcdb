"""Curated catalog entries of the platform pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any

from ._shared import _SELECT, _START, Curated, _Empty, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ platform
    Curated(
        method="entity.get",
        pack="platform",
        risk="read",
        description="List app data storages (entities).",
        params=_m("EntityGet", ENTITY=(str, None, "code; omit for all")),
        result="list",
        scope=("entity",),
        example={},
    ),
    Curated(
        method="entity.add",
        pack="platform",
        risk="write",
        description="Create an app data storage.",
        params=_m("EntityAdd", ENTITY=(str, ..., "code"), NAME=(str, ..., "name")),
        result="bool",
        scope=("entity",),
        example={"ENTITY": "deals_cache", "NAME": "Deals cache"},
    ),
    Curated(
        method="entity.item.get",
        pack="platform",
        risk="read",
        description="Read items of an app data storage.",
        params=_m(
            "EntityItemGet",
            ENTITY=(str, ..., "code"),
            FILTER=(dict[str, Any], None, '{"PROPERTY_X":".."}'),
            SORT=(dict[str, str], None, '{"ID":"ASC"}'),
            start=_START,
        ),
        result="list",
        scope=("entity",),
        example={"ENTITY": "deals_cache"},
    ),
    Curated(
        method="entity.item.add",
        pack="platform",
        risk="write",
        description="Store an item in an app data storage.",
        params=_m(
            "EntityItemAdd",
            ENTITY=(str, ..., "code"),
            NAME=(str, ..., "name"),
            PROPERTY_VALUES=(dict[str, Any], None, "properties"),
        ),
        result="int id",
        scope=("entity",),
        example={"ENTITY": "deals_cache", "NAME": "row"},
    ),
    Curated(
        method="biconnector.connector.list",
        pack="platform",
        risk="read",
        description="List BI connectors.",
        params=_m("BiconnectorConnectorList", select=_SELECT, filter=(dict[str, Any], None, "filter")),
        result="list",
        scope=("biconnector",),
        example={},
    ),
    Curated(
        method="biconnector.dataset.list",
        pack="platform",
        risk="read",
        description="List BI datasets.",
        params=_m("BiconnectorDatasetList", select=_SELECT, filter=(dict[str, Any], None, "filter")),
        result="list",
        scope=("biconnector",),
        example={},
    ),
    Curated(
        method="ai.engine.list",
        pack="platform",
        risk="read",
        description="List AI engines registered by apps.",
        params=_Empty,
        result="list",
        scope=("ai_admin",),
    ),
)
