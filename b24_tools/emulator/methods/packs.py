"""Methods of the other packs — mostly rows of the table engine, a few small custom handlers.

Docs (api-reference/…): calendar/calendar-event/calendar-event-{add,get,get-by-id,delete}.md,
chats/im-chat-add.md, chats/messages/im-message-add.md, chats/notifications/im-notify-system-add.md,
chat-bots/imbot-register.md, chat-bots/commands/imbot-command-register.md, log/log-blogpost-add.md,
sonet-group/sonet-group-create.md, sonet-group/sonet-group-user-add.md, bizproc/bizproc-workflow-start.md,
bizproc/template/bizproc-workflow-template-list.md, disk/storage/disk-storage-get-list.md,
disk/folder/disk-folder-upload-file.md, sonet-group/scrum/{epic,sprint}/tasks-api-scrum-*.md,
sale/order/sale-order-{add,get,list}.md, catalog/product/catalog-product-{add,get,list}.md,
booking/resource/booking-v1-resource-{add,list}.md, timeman/base/timeman-{status,open,close}.md,
entity/entity-add.md, entity/items/entity-item-{add,get}.md, biconnector/source/biconnector-source-{add,list}.md,
landing/site/landing-site-{add,get-list}.md, user-consent/user-consent-{agreement-list,consent-add}.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops

__all__ = ["register", "OPS"]


def _now(ctx: Ctx) -> str:
    return ctx.portal.clock.iso()


def _uid(ctx: Ctx) -> int:
    return ctx.user_id


def _code_error(code: str, text: str) -> Any:
    return lambda name, method: ApiError(code, text, 400)


def _im_missing(name: str, method: str) -> ApiError:
    return {
        "MESSAGE": ApiError("MESSAGE_EMPTY", "Message can't be empty", 400),
        "USER_ID": ApiError("USER_ID_EMPTY", "User ID can't be empty", 400),
        "DIALOG_ID": ApiError("DIALOG_ID_EMPTY", "Dialog ID can't be empty", 400),
    }.get(name, ApiError("PARAMS_ERROR", f"Parameter {name} is required", 400))


def _typed_missing(name: str, method: str) -> ApiError:
    return ApiError("ERROR_CORE", f"Required field '{name}' is not specified", 400)


OPS: list[Op] = [
    # calendar (collab)
    Op("calendar.event.add", "add", "calendar_event", "calendar", "collab", ("type", "ownerId", "name", "from", "to"),
       fields_param=None, event="ONCALENDARENTRY", defaults={"CREATED_BY": _uid, "DATE_CREATE": _now}),
    Op("calendar.event.getbyid", "get", "calendar_event", "calendar", "collab", not_found=("", "Event not found", 400)),
    Op("calendar.event.delete", "delete", "calendar_event", "calendar", "collab", not_found=("", "Event not found", 400),
       event="ONCALENDARENTRY"),
    # chats and bots (comms)
    Op("im.chat.add", "add", "im_chat", "im", "comms", fields_param=None,
       defaults={"TYPE": "CHAT", "OWNER_ID": _uid, "DATE_CREATE": _now}),
    Op("imbot.command.register", "add", "imbot_command", "imbot", "comms", ("BOT_ID", "COMMAND", "EVENT_COMMAND_ADD"),
       fields_param=None, missing=lambda n, m: ApiError(f"{n}_ERROR" if n != "BOT_ID" else "BOT_ID_ERROR",
                                                       f"{n} is not specified", 400)),
    # feed and groups (collab)
    Op("log.blogpost.add", "add", "blogpost", "log", "collab", ("POST_MESSAGE",), fields_param=None,
       missing=_code_error("SONET_CONTROLLER_LIVEFEED_BLOGPOST_ADD_ERROR", "Blog post hasn't been added"),
       defaults={"AUTHOR_ID": _uid, "DATE_PUBLISH": _now}),
    Op("sonet_group.create", "add", "sonet_group", "sonet_group", "collab", ("NAME",), fields_param=None,
       missing=lambda n, m: ApiError("", "Incorrect input data", 400),
       defaults={"OWNER_ID": _uid, "DATE_CREATE": _now, "VISIBLE": "Y", "OPENED": "N", "PROJECT": "N"}),
    Op("sonet_group.get", "list", "sonet_group", "sonet_group", "collab", filter_param="FILTER"),
    # boards: scrum (tasks.api.scrum.*: camelCase, numbers)
    Op("tasks.api.scrum.epic.add", "add", "scrum_epic", "task", "boards", ("groupId", "name"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: row,
       defaults={"description": "", "createdBy": _uid, "modifiedBy": _uid, "color": "#69dafc"}),
    Op("tasks.api.scrum.epic.get", "get", "scrum_epic", "task", "boards", style="typed",
       not_found=("ERROR_CORE", "Epic not found", 400)),
    Op("tasks.api.scrum.epic.list", "list", "scrum_epic", "task", "boards", style="typed", paged=False),
    Op("tasks.api.scrum.sprint.add", "add", "scrum_sprint", "task", "boards", ("groupId", "name"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: row,
       defaults={"sort": 1, "createdBy": _uid, "modifiedBy": _uid, "status": "planned"}),
    Op("tasks.api.scrum.sprint.list", "list", "scrum_sprint", "task", "boards", style="typed", paged=False),
    # commerce
    Op("sale.order.add", "add", "sale_order", "sale", "commerce", ("personTypeId", "currency"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"order": row},
       defaults={"lid": "s1", "userId": _uid, "price": 0.0, "canceled": "N", "statusId": "N", "payed": "N",
                 "dateInsert": _now}),
    Op("sale.order.get", "get", "sale_order", "sale", "commerce", style="typed", wrap=lambda r: {"order": r},
       not_found=("ERROR_ORDER_NOT_EXISTS", "order does not exist", 400)),
    Op("sale.order.list", "list", "sale_order", "sale", "commerce", style="typed", wrap=lambda r: {"orders": r}),
    Op("catalog.product.add", "add", "catalog_product", "catalog", "commerce", ("iblockId", "name"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"element": row},
       defaults={"active": "Y", "available": "Y", "createdBy": _uid, "dateCreate": _now, "type": 1}),
    Op("catalog.product.get", "get", "catalog_product", "catalog", "commerce", style="typed",
       wrap=lambda r: {"product": r}, not_found=("ERROR_PRODUCT_NOT_EXISTS", "product does not exist", 400)),
    Op("catalog.product.list", "list", "catalog_product", "catalog", "commerce", style="typed",
       wrap=lambda r: {"products": r}),
    # services
    Op("booking.v1.resource.add", "add", "booking_resource", "booking", "services", ("name",), style="typed",
       fields_param="resource", missing=_typed_missing, add_result=lambda id, row: {"id": id},
       defaults={"typeId": 1, "description": "", "isMain": True}),
    Op("booking.v1.resource.list", "list", "booking_resource", "booking", "services", style="typed", paged=False,
       wrap=lambda r: {"resource": r}),
    # platform
    Op("entity.item.add", "add", "entity_item", "entity", "platform", ("ENTITY",), fields_param=None,
       defaults={"ACTIVE": "Y", "SORT": 500, "DATE_CREATE": _now, "CREATED_BY": _uid}),
    Op("entity.item.get", "list", "entity_item", "entity", "platform", filter_param="FILTER", scope_filter=("ENTITY",)),
    Op("biconnector.source.add", "add", "bi_source", "biconnector", "platform", ("type", "title"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"id": id}, defaults={"active": True, "dateCreate": _now}),
    Op("biconnector.source.list", "list", "bi_source", "biconnector", "platform", style="typed", paged=False),
    # sites
    Op("landing.site.add", "add", "landing_site", "landing", "sites", ("TITLE", "CODE"),
       missing=lambda n, m: ApiError("MISSING_PARAMS", f"Missing required field: {n}", 400),
       defaults={"TYPE": "PAGE", "ACTIVE": "Y", "DATE_CREATE": _now}),
    Op("landing.site.getlist", "list", "landing_site", "landing", "sites", paged=False),
    # compliance
    Op("userconsent.agreement.list", "list", "userconsent_agreement", "userconsent", "compliance", paged=False),
    Op("userconsent.consent.add", "add", "userconsent_consent", "userconsent", "compliance", ("AGREEMENT_ID", "IP"),
       fields_param=None, missing=lambda n, m: ApiError("", f"{n} is required", 400),
       defaults={"DATE_INSERT": _now, "USER_ID": _uid}),
]  # fmt: skip


# -- custom handlers ---------------------------------------------------------------------------------------------


def calendar_event_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    for req in ("type", "ownerId"):
        if params.get(req) in (None, ""):
            raise ApiError(
                "", f'The required parameter "{req}" for the method "calendar.event.get" is not set', 400
            )
    rows = ctx.portal.store.select("calendar_event")
    out = []
    for id, d in rows:
        if str(d.get("TYPE")) != str(params["type"]) or str(d.get("OWNERID")) != str(params["ownerId"]):
            continue
        if params.get("from") and str(d.get("TO", "")) < str(params["from"]):
            continue
        if params.get("to") and str(d.get("FROM", "")) > str(params["to"]):
            continue
        out.append({"ID": str(id), **{k: v for k, v in d.items()}})
    return out


def calendar_section_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    return [{"ID": "1", "NAME": "Company calendar", "CAL_TYPE": params.get("type", "user"),
             "OWNER_ID": str(params.get("ownerId", ctx.user_id)), "COLOR": "#9dcf00", "ACTIVE": "Y"}]  # fmt: skip


def im_message_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    dialog = str(params.get("DIALOG_ID") or params.get("dialogId") or "")
    message = params.get("MESSAGE")
    if not dialog:
        raise ApiError("DIALOG_ID_EMPTY", "Dialog ID can't be empty", 400)
    if not message and not params.get("ATTACH"):
        raise ApiError("MESSAGE_EMPTY", "Message can't be empty", 400)
    if dialog.startswith("chat"):
        try:
            chat_id = int(dialog[4:])
        except ValueError:
            raise ApiError("CHAT_ID", "Error creating message", 400) from None
        if ctx.portal.store.get("im_chat", chat_id) is None:
            raise ApiError("ACCESS_ERROR", "You don't have access to this chat", 400)
    elif dialog.isdigit():
        if ctx.portal.store.get("user", int(dialog)) is None:
            raise ApiError("USER_NOT_FOUND", "User not found", 400)
    row = {"DIALOG_ID": dialog, "MESSAGE": message, "AUTHOR_ID": ctx.user_id, "DATE": ctx.portal.clock.iso(),
           "SYSTEM": params.get("SYSTEM", "N")}  # fmt: skip
    mid = ctx.portal.store.insert("im_message", row)
    ctx.emit("ONIMMESSAGEADD", {"MESSAGE_ID": mid, "DIALOG_ID": dialog}, f"im_message:{mid}")
    return mid


def im_notify_system_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    user = params.get("USER_ID")
    if user in (None, ""):
        raise ApiError("USER_ID_EMPTY", "User ID can't be empty", 400)
    if not params.get("MESSAGE"):
        raise ApiError("MESSAGE_EMPTY", "Message can't be empty", 400)
    store = ctx.portal.store
    tag = params.get("TAG")
    if tag:  # im-notify-system-add.md: a notification with an existing TAG replaces the earlier ones
        for id, _d in store.select("im_notify", "json_extract(data,'$.TAG') = ?", [str(tag)]):
            store.delete("im_notify", id)
    return store.insert(
        "im_notify",
        {"USER_ID": int(user), "MESSAGE": params["MESSAGE"], "TAG": tag, "SUB_TAG": params.get("SUB_TAG"),
         "DATE": ctx.portal.clock.iso(), "AUTHOR_ID": ctx.user_id},
    )  # fmt: skip


def imbot_register(ctx: Ctx, params: dict[str, Any]) -> Any:
    if not params.get("CODE"):
        raise ApiError("CODE_ERROR", "Bot code isn't specified", 400)
    if not (params.get("EVENT_MESSAGE_ADD") or params.get("EVENT_HANDLER")):
        raise ApiError("EVENT_MESSAGE_ADD_ERROR", "Event handler isn't specified", 400)
    props = params.get("PROPERTIES") or {}
    if not isinstance(props, dict) or not (props.get("NAME") or props.get("LAST_NAME")):
        raise ApiError("NAME_ERROR", "Bot name isn't specified", 400)
    store = ctx.portal.store
    for id, _d in store.select("imbot", "json_extract(data,'$.CODE') = ?", [str(params["CODE"])]):
        return id  # a second registration of the same code answers the same bot
    user_id = 10_000 + store.count("imbot") + 1
    store.insert("user", {"ACTIVE": True, "NAME": props.get("NAME", ""), "LAST_NAME": props.get("LAST_NAME", ""),
                          "USER_TYPE": "bot", "UF_DEPARTMENT": []}, id=user_id)  # fmt: skip
    store.insert("imbot", {"CODE": params["CODE"], "TYPE": params.get("TYPE", "B"), "PROPERTIES": props,
                           "EVENT_MESSAGE_ADD": params.get("EVENT_MESSAGE_ADD") or params.get("EVENT_HANDLER")},
                 id=user_id)  # fmt: skip
    return user_id


def sonet_group_user_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    group_id = params.get("GROUP_ID")
    users = params.get("USER_ID")
    try:
        gid = int(group_id)
    except (TypeError, ValueError):
        raise ApiError("", "Wrong socialnetwork group ID", 400) from None
    group = ctx.portal.store.get("sonet_group", gid)
    if group is None:
        raise ApiError("", "Socialnetwork group not found", 400)
    ids = [int(u) for u in (users if isinstance(users, list) else [users]) if str(u).isdigit()]
    if not ids:
        raise ApiError("", "Wrong user IDs", 400)
    members = set(group.get("__members", []))
    added = [u for u in ids if u not in members]
    group["__members"] = sorted(members | set(ids))
    ctx.portal.store.put("sonet_group", gid, group)
    return added


_TEMPLATES = [
    {"ID": "1", "MODULE_ID": "crm", "ENTITY": "CCrmDocumentDeal", "DOCUMENT_TYPE": ["crm", "CCrmDocumentDeal", "DEAL"],
     "AUTO_EXECUTE": "0", "NAME": "Deal approval", "TEMPLATE": [], "PARAMETERS": [], "VARIABLES": [],
     "CONSTANTS": [], "MODIFIED": "2026-01-05T09:00:00+00:00", "IS_MODIFIED": "N", "USER_ID": "1",
     "SYSTEM_CODE": None},
    {"ID": "2", "MODULE_ID": "crm", "ENTITY": "CCrmDocumentLead", "DOCUMENT_TYPE": ["crm", "CCrmDocumentLead", "LEAD"],
     "AUTO_EXECUTE": "1", "NAME": "Lead qualification", "TEMPLATE": [], "PARAMETERS": [], "VARIABLES": [],
     "CONSTANTS": [], "MODIFIED": "2026-01-05T09:00:00+00:00", "IS_MODIFIED": "N", "USER_ID": "1",
     "SYSTEM_CODE": None},
]  # fmt: skip
_DOC_ENTITIES = {"CCrmDocumentDeal": ("deal", "DEAL_"), "CCrmDocumentLead": ("lead", "LEAD_"),
                 "CCrmDocumentContact": ("contact", "CONTACT_"), "CCrmDocumentCompany": ("company", "COMPANY_")}  # fmt: skip


def bizproc_template_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    flt = params.get("filter") or params.get("FILTER") or {}
    select = (
        params.get("select") or params.get("SELECT") or ["ID", "NAME", "MODULE_ID", "ENTITY", "DOCUMENT_TYPE"]
    )
    out = []
    for t in _TEMPLATES:
        if any(
            str(t.get(str(k).upper())) != str(v) for k, v in (flt.items() if isinstance(flt, dict) else [])
        ):
            continue
        out.append({k: t[k] for k in t if k in [str(s).upper() for s in select] or k == "ID"})
    return out


def bizproc_workflow_start(ctx: Ctx, params: dict[str, Any]) -> Any:
    template_id = params.get("TEMPLATE_ID")
    if not template_id:
        raise ApiError("ERROR_WRONG_WORKFLOW_ID", "Empty TEMPLATE_ID", 400)
    template = next((t for t in _TEMPLATES if t["ID"] == str(template_id)), None)
    if template is None:
        raise ApiError("ERROR_WRONG_WORKFLOW_ID", "Template not found", 400)
    doc = params.get("DOCUMENT_ID")
    if not isinstance(doc, list) or len(doc) != 3:
        raise ApiError("", "Wrong DOCUMENT_ID!", 400)
    entity = _DOC_ENTITIES.get(str(doc[1]))
    if entity is None:
        raise ApiError("", "Incorrect document type!", 400)
    if str(doc[1]) != template["ENTITY"]:
        raise ApiError("", "Template type and DOCUMENT_ID mismatch!", 400)
    kind, prefix = entity
    raw_id = str(doc[2])
    if not raw_id.startswith(prefix) or not raw_id[len(prefix) :].isdigit():
        raise ApiError("", "Wrong DOCUMENT_ID!", 400)
    if ctx.portal.store.get(kind, int(raw_id[len(prefix) :])) is None:
        raise ApiError("", "Wrong DOCUMENT_ID!", 400)
    n = ctx.portal.store.next_seq("workflow")
    wid = f"{0x66E81A641752F8 + n:x}.{56521481 + n}"
    ctx.portal.store.insert("bizproc_workflow", {"WORKFLOW_ID": wid, "TEMPLATE_ID": int(template_id),
                                                 "DOCUMENT_ID": doc, "PARAMETERS": params.get("PARAMETERS") or {},
                                                 "STARTED": ctx.portal.clock.iso(), "STARTED_BY": ctx.user_id})  # fmt: skip
    return wid


def disk_storage_getlist(ctx: Ctx, params: dict[str, Any]) -> Any:
    return [
        {"ID": "1", "NAME": "Shared drive", "CODE": None, "MODULE_ID": "disk", "ENTITY_TYPE": "common",
         "ENTITY_ID": "shared_files_s1", "ROOT_OBJECT_ID": "1"},
        {"ID": "2", "NAME": "My Drive", "CODE": None, "MODULE_ID": "disk", "ENTITY_TYPE": "user",
         "ENTITY_ID": str(ctx.user_id), "ROOT_OBJECT_ID": "2"},
    ]  # fmt: skip


def disk_folder_uploadfile(ctx: Ctx, params: dict[str, Any]) -> Any:
    folder = params.get("id")
    if str(folder) not in ("1", "2") and ctx.portal.store.get("disk_folder", int(folder or 0)) is None:
        raise ApiError("ERROR_NOT_FOUND", "Could not find entity with id 'X'", 404)
    data = params.get("data") or {}
    name = data.get("NAME") if isinstance(data, dict) else None
    content = params.get("fileContent")
    if not name and isinstance(content, list) and content:
        name = content[0]
    if not name:
        raise ApiError("ERROR_ARGUMENT", "Invalid value of parameter { data[NAME] }", 400)
    size = 0
    if isinstance(content, list) and len(content) > 1:
        size = len(str(content[1])) * 3 // 4
    elif isinstance(content, dict):
        size = int(content.get("size", 0))
    store = ctx.portal.store
    fid = store.next_seq("disk_object") + 100
    row = {"ID": str(fid), "NAME": str(name), "CODE": None, "STORAGE_ID": str(folder), "TYPE": "file",
           "PARENT_ID": str(folder), "DELETED_TYPE": "0", "GLOBAL_CONTENT_VERSION": "1", "FILE_ID": str(fid),
           "SIZE": str(size), "CREATE_TIME": ctx.portal.clock.iso(), "UPDATE_TIME": ctx.portal.clock.iso(),
           "CREATED_BY": str(ctx.user_id), "UPDATED_BY": str(ctx.user_id),
           "DOWNLOAD_URL": f"{ctx.portal.base_url}/disk/downloadFile/{fid}/",
           "DETAIL_URL": f"{ctx.portal.base_url}/docs/file/{name}"}  # fmt: skip
    store.insert("disk_file", row, id=fid)
    return row


def timeman_status(ctx: Ctx, params: dict[str, Any]) -> Any:
    state = ctx.portal.store.kv_get(f"timeman:{params.get('USER_ID') or ctx.user_id}") or {"STATUS": "CLOSED"}
    return {"STATUS": state["STATUS"], "TIME_START": state.get("TIME_START"), "TIME_FINISH": state.get("TIME_FINISH"),
            "DURATION": state.get("DURATION", "00:00:00"), "TIME_LEAKS": "00:00:00", "ACTIVE": False,
            "IP_OPEN": "", "IP_CLOSE": "", "LAT_OPEN": 0, "LON_OPEN": 0, "LAT_CLOSE": 0, "LON_CLOSE": 0,
            "TZ_OFFSET": 0}  # fmt: skip


def _timeman_set(ctx: Ctx, params: dict[str, Any], status: str) -> Any:
    key = f"timeman:{params.get('USER_ID') or ctx.user_id}"
    state = ctx.portal.store.kv_get(key) or {"STATUS": "CLOSED"}
    if status == "OPENED":
        if state["STATUS"] == "OPENED":
            raise ApiError("WORKDAY_ALREADY_OPENED", "Workday is already opened", 400)
        state = {"STATUS": "OPENED", "TIME_START": ctx.portal.clock.iso(), "TIME_FINISH": None}
    else:
        if state["STATUS"] != "OPENED":
            raise ApiError("WORKDAY_NOT_OPENED", "Workday is not opened", 400)
        state.update({"STATUS": "CLOSED", "TIME_FINISH": ctx.portal.clock.iso()})
    ctx.portal.store.kv_set(key, state)
    return timeman_status(ctx, params)


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


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("calendar.event.get", calendar_event_get, scope="calendar", pack="collab")
    reg.add("calendar.section.get", calendar_section_get, scope="calendar", pack="collab")
    reg.add("im.message.add", im_message_add, scope="im", write=True, pack="comms")
    reg.add("im.notify.system.add", im_notify_system_add, scope="im", write=True, pack="comms")
    reg.add("imbot.register", imbot_register, scope="imbot", write=True, pack="comms")
    reg.add("sonet_group.user.add", sonet_group_user_add, scope="sonet_group", write=True, pack="collab")
    reg.add("bizproc.workflow.template.list", bizproc_template_list, scope="bizproc", pack="automation")
    reg.add("bizproc.workflow.start", bizproc_workflow_start, scope="bizproc", write=True, pack="automation")
    reg.add("disk.storage.getlist", disk_storage_getlist, scope="disk", pack="content")
    reg.add("disk.folder.uploadfile", disk_folder_uploadfile, scope="disk", write=True, batch_ok=False,
            pack="content")  # fmt: skip  # batch.md: file upload is not allowed in batch
    reg.add("timeman.status", timeman_status, scope="timeman", pack="services")
    reg.add(
        "timeman.open",
        lambda c, p: _timeman_set(c, p, "OPENED"),
        scope="timeman",
        write=True,
        pack="services",
    )
    reg.add(
        "timeman.close",
        lambda c, p: _timeman_set(c, p, "CLOSED"),
        scope="timeman",
        write=True,
        pack="services",
    )
    reg.add("entity.add", entity_add, scope="entity", write=True, pack="platform")
    _wrap_entity_check(reg)
    _seed_static(reg)


def _wrap_entity_check(reg: Registry) -> None:
    """entity.item.* need an existing storage (entity.add first)."""
    for name in ("entity.item.add", "entity.item.get"):
        mdef = reg.get(name)
        assert mdef is not None
        inner = mdef.handler

        def checked(ctx: Ctx, params: dict[str, Any], inner: Any = inner) -> Any:
            _check_entity(ctx, params)
            return inner(ctx, params)

        reg.add(name, checked, scope=mdef.scope, write=mdef.write, pack=mdef.pack)


def _seed_static(reg: Registry) -> None:
    """userconsent.agreement.list answers a fixed agreement even on an empty portal."""
    mdef = reg.get("userconsent.agreement.list")
    assert mdef is not None
    inner = mdef.handler

    def with_default(ctx: Ctx, params: dict[str, Any]) -> Any:
        store = ctx.portal.store
        if store.count("userconsent_agreement") == 0:
            store.insert("userconsent_agreement", {"NAME": "Consent to personal data processing", "ACTIVE": "Y",
                                                   "LANGUAGE_ID": "en"})  # fmt: skip
        return inner(ctx, params)

    reg.add("userconsent.agreement.list", with_default, scope=mdef.scope, pack=mdef.pack)
