"""Platform pack: app data storage (entity), BI connectors, AI engines.

Docs (api-reference/…): entity/entity-add.md, entity/entities/entity-get.md, entity/items/entity-item-{add,get}.md,
biconnector/{source,connector,dataset}/biconnector-*-list.md, biconnector/source/biconnector-source-add.md,
ai/ai-engine-list.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now
from ._common import typed_missing as _typed_missing
from ._common import uid as _uid
from ._common import wrap as _wrap

__all__ = ["register"]

OPS: list[Op] = [
    Op("entity.item.add", "add", "entity_item", "entity", "platform", ("ENTITY",), fields_param=None,
       defaults={"ACTIVE": "Y", "SORT": 500, "DATE_CREATE": _now, "CREATED_BY": _uid}),
    Op("entity.item.get", "list", "entity_item", "entity", "platform", filter_param="FILTER", scope_filter=("ENTITY",)),
    Op("biconnector.source.add", "add", "bi_source", "biconnector", "platform", ("type", "title"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"id": id}, defaults={"active": True, "dateCreate": _now}),
    Op("biconnector.source.list", "list", "bi_source", "biconnector", "platform", style="typed", paged=False),
    Op("biconnector.connector.list", "list", "bi_connector", "biconnector", "platform", style="typed", paged=False),
    Op("biconnector.dataset.list", "list", "bi_dataset", "biconnector", "platform", style="typed", paged=False),
    Op("ai.engine.list", "list", "ai_engine", "ai_admin", "platform", style="typed", paged=False),
]  # fmt: skip


def entity_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    code = params.get("ENTITY")
    if not code or not params.get("NAME"):
        raise ApiError("ERROR_ARGUMENT", "ENTITY and NAME are required", 400)
    entities = ctx.portal.store.kv_get("entity_storages", {})
    if code in entities:
        raise ApiError("ERROR_ENTITY_ALREADY_EXISTS", "Entity already exists", 400)
    entities[code] = {"ENTITY": code, "NAME": params["NAME"], "ACCESS": params.get("ACCESS") or {}}
    ctx.portal.store.kv_set("entity_storages", entities)
    return True


def _check_entity(ctx: Ctx, params: dict[str, Any]) -> None:
    if params.get("ENTITY") not in ctx.portal.store.kv_get("entity_storages", {}):
        raise ApiError("ERROR_ENTITY_NOT_FOUND", "Entity not found", 400)


def entity_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    storages = ctx.portal.store.kv_get("entity_storages", {})
    rows = [{"ID": str(i + 1), "IBLOCK_TYPE_ID": "rest_entity", "ENTITY": code, "NAME": e["NAME"]}
            for i, (code, e) in enumerate(storages.items())]  # fmt: skip
    if params.get("ENTITY"):
        found = [r for r in rows if r["ENTITY"] == params["ENTITY"]]
        if not found:
            raise ApiError("ERROR_ENTITY_NOT_FOUND", "Entity not found", 400)
        return found[0]
    return rows


def entity_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Rename, re-code or re-permission a storage (entity/entities/entity-update.md)."""
    code = params.get("ENTITY")
    if not code:
        raise ApiError("ERROR_ARGUMENT", "ENTITY is required", 400)
    entities = ctx.portal.store.kv_get("entity_storages", {})
    if code not in entities:
        raise ApiError("ERROR_ENTITY_NOT_FOUND", "Entity not found", 400)
    row = entities.pop(code)
    new_code = params.get("ENTITY_NEW") or code
    if new_code != code and new_code in entities:
        raise ApiError("ERROR_ENTITY_ALREADY_EXISTS", "Entity already exists", 400)
    row.update({"ENTITY": new_code, **({"NAME": params["NAME"]} if params.get("NAME") else {}),
                **({"ACCESS": params["ACCESS"]} if isinstance(params.get("ACCESS"), dict) else {})})  # fmt: skip
    entities[new_code] = row
    ctx.portal.store.kv_set("entity_storages", entities)
    return True


_AI_CATEGORIES = ("text", "image", "audio")


def ai_engine_register(ctx: Ctx, params: dict[str, Any]) -> Any:
    """name, code, category, completions_url required; a code is registered once (ai/ai-engine-register.md)."""
    for name in ("name", "code", "category", "completions_url"):
        if not params.get(name):
            raise ApiError("ERROR_ARGUMENT", f"Parameter {name} is required", 400)
    if params["category"] not in _AI_CATEGORIES:
        raise ApiError("ERROR_ARGUMENT", "Unknown category", 400)
    if not str(params["completions_url"]).startswith(("https://", "http://")):
        raise ApiError("ERROR_ARGUMENT", "completions_url must be an absolute URL", 400)
    store = ctx.portal.store
    for i, d in store.select("ai_engine", "json_extract(data,'$.code') = ?", [str(params["code"])]):
        d.update(
            {
                "name": params["name"],
                "category": params["category"],
                "completions_url": params["completions_url"],
            }
        )
        store.put("ai_engine", i, d)
        return i  # ai-engine-register.md: registering an existing code updates it
    return store.insert("ai_engine", {"name": params["name"], "code": params["code"], "category": params["category"],
                                      "completions_url": params["completions_url"], "settings": params.get("settings") or {}})  # fmt: skip


def ai_engine_unregister(ctx: Ctx, params: dict[str, Any]) -> Any:
    """ai/ai-engine-unregister.md: unknown code → error."""
    rows = ctx.portal.store.select(
        "ai_engine", "json_extract(data,'$.code') = ?", [str(params.get("code") or "")]
    )
    if not rows:
        raise ApiError("ENGINE_NOT_FOUND", "Engine not found", 400)
    ctx.portal.store.delete("ai_engine", rows[0][0])
    return True


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("entity.add", entity_add, scope="entity", write=True, pack="platform")
    reg.add("entity.get", entity_get, scope="entity", pack="platform")
    reg.add("entity.update", entity_update, scope="entity", write=True, pack="platform")
    reg.add("ai.engine.register", ai_engine_register, scope="ai_admin", write=True, pack="platform")
    reg.add("ai.engine.unregister", ai_engine_unregister, scope="ai_admin", write=True, pack="platform")
    _wrap(reg, ("entity.item.add", "entity.item.get"), _check_entity)
