"""Comms and collaboration packs: calendar, chats, notifications, bots, feed, workgroups, scrum.

Docs (api-reference/…): calendar/calendar-event/calendar-event-{add,get,get-by-id,delete}.md, chats/im-chat-{add,get}.md,
chats/messages/im-message-add.md, chats/messages/im-dialog-messages-get.md,
chats/notifications/im-notify-system-add.md, chat-bots/imbot-register.md, chat-bots/commands/imbot-command-register.md,
log/log-blogpost-{add,get}.md, log/blogcomment/log-blogcomment-add.md, sonet-group/sonet-group-create.md,
sonet-group/members/sonet-group-user-{add,get}.md, sonet-group/scrum/{epic,sprint,backlog,kanban,task}/*.md.
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


def _typed_missing(name: str, method: str) -> ApiError:
    return ApiError("ERROR_CORE", f"Required field '{name}' is not specified", 400)


OPS: list[Op] = [
    Op("calendar.event.add", "add", "calendar_event", "calendar", "services", ("type", "ownerId", "name", "from", "to"),
       fields_param=None, event="ONCALENDARENTRY", defaults={"CREATED_BY": _uid, "DATE_CREATE": _now}),
    Op("calendar.event.getbyid", "get", "calendar_event", "calendar", "services",
       not_found=("", "Event not found", 400)),
    Op("calendar.event.delete", "delete", "calendar_event", "calendar", "services",
       not_found=("", "Event not found", 400), event="ONCALENDARENTRY"),
    Op("im.chat.add", "add", "im_chat", "im", "comms", fields_param=None,
       defaults={"TYPE": "CHAT", "OWNER_ID": _uid, "DATE_CREATE": _now}),
    Op("imbot.command.register", "add", "imbot_command", "imbot", "comms", ("BOT_ID", "COMMAND", "EVENT_COMMAND_ADD"),
       fields_param=None, missing=lambda n, m: ApiError(f"{n}_ERROR", f"{n} is not specified", 400)),
    Op("log.blogpost.add", "add", "blogpost", "log", "collab", ("POST_MESSAGE",), fields_param=None,
       missing=lambda n, m: ApiError("SONET_CONTROLLER_LIVEFEED_BLOGPOST_ADD_ERROR", "Blog post hasn't been added", 400),
       defaults={"AUTHOR_ID": _uid, "DATE_PUBLISH": _now, "BLOG_ID": 1, "PUBLISH_STATUS": "P", "NUM_COMMENTS": 0}),
    Op("sonet_group.create", "add", "sonet_group", "sonet", "collab", ("NAME",), fields_param=None,
       missing=lambda n, m: ApiError("", "Incorrect input data", 400),
       defaults={"OWNER_ID": _uid, "DATE_CREATE": _now, "VISIBLE": "Y", "OPENED": "N", "PROJECT": "N"}),
    Op("sonet_group.get", "list", "sonet_group", "sonet", "collab", filter_param="FILTER"),
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


def sonet_group_user_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    try:
        gid = int(params.get("ID"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("", "Wrong socialnetwork group ID", 400) from None
    group = ctx.portal.store.get("sonet_group", gid)
    if group is None:
        raise ApiError("", "Socialnetwork group not found", 400)
    owner = int(group.get("OWNER_ID") or 0)
    out = [{"USER_ID": str(owner), "ROLE": "A"}]
    out += [{"USER_ID": str(u), "ROLE": "K"} for u in group.get("__members", []) if u != owner]
    return out


def im_chat_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    etype, eid = params.get("ENTITY_TYPE"), params.get("ENTITY_ID")
    if not etype or not eid:
        raise ApiError("PARAMS_ERROR", "ENTITY_TYPE and ENTITY_ID are required", 400)
    for i, d in ctx.portal.store.select("im_chat"):
        if str(d.get("ENTITY_TYPE")) == str(etype) and str(d.get("ENTITY_ID")) == str(eid):
            return {"ID": i}
    return None


def im_dialog_messages_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    dialog = str(params.get("DIALOG_ID") or "")
    if not dialog:
        raise ApiError("DIALOG_ID_EMPTY", "Dialog ID can't be empty", 400)
    chat_id = int(dialog[4:]) if dialog.startswith("chat") and dialog[4:].isdigit() else 0
    if dialog.startswith("chat") and ctx.portal.store.get("im_chat", chat_id) is None:
        raise ApiError("ACCESS_ERROR", "You don't have access to this chat", 400)
    limit = min(max(int(params.get("LIMIT") or 20), 1), 50)
    rows = ctx.portal.store.select(
        "im_message", "json_extract(data,'$.DIALOG_ID') = ?", [dialog], order="id DESC"
    )
    if params.get("LAST_ID"):
        rows = [r for r in rows if r[0] < int(params["LAST_ID"])]
    if params.get("FIRST_ID"):
        rows = sorted([r for r in rows if r[0] > int(params["FIRST_ID"])], key=lambda r: r[0])
    messages = [{"id": i, "chat_id": chat_id, "author_id": d["AUTHOR_ID"], "date": d["DATE"], "text": d["MESSAGE"],
                 "unread": False, "uuid": None, "replaces": [], "params": {}, "disappearing_date": None}
                for i, d in rows[:limit]]  # fmt: skip
    users = sorted({m["author_id"] for m in messages})
    return {"chat_id": chat_id, "messages": messages, "users": [{"id": u} for u in users]}


def log_blogpost_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    out = []
    for i, d in ctx.portal.store.select("blogpost", order="id DESC"):
        if params.get("POST_ID") and str(i) != str(params["POST_ID"]):
            continue
        out.append({"ID": str(i), "BLOG_ID": str(d.get("BLOG_ID", 1)), "PUBLISH_STATUS": d.get("PUBLISH_STATUS", "P"),
                    "TITLE": d.get("POST_TITLE") or "", "AUTHOR_ID": str(d.get("AUTHOR_ID")), "ENABLE_COMMENTS": "Y",
                    "NUM_COMMENTS": str(d.get("NUM_COMMENTS", 0)), "CODE": None, "MICRO": "N" if d.get("POST_TITLE") else "Y",
                    "DETAIL_TEXT": d.get("POST_MESSAGE"), "DATE_PUBLISH": d.get("DATE_PUBLISH"),
                    "CATEGORY_ID": "", "HAS_SOCNET_ALL": "Y" if "UA" in (d.get("DEST") or ["UA"]) else "N"})  # fmt: skip
    return out


def log_blogcomment_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    post_id, text = params.get("POST_ID"), params.get("TEXT")
    if not post_id or not text:
        raise ApiError(
            "SONET_CONTROLLER_LIVEFEED_BLOGCOMMENT_ADD_ERROR", "POST_ID and TEXT are required", 400
        )
    store = ctx.portal.store
    post = store.get("blogpost", int(post_id))
    if post is None:
        raise ApiError("SONET_CONTROLLER_LIVEFEED_BLOGPOST_NOT_FOUND", "Blog post not found", 400)
    post["NUM_COMMENTS"] = int(post.get("NUM_COMMENTS", 0)) + 1
    store.put("blogpost", int(post_id), post)
    return store.insert("blogcomment", {"POST_ID": int(post_id), "TEXT": text, "AUTHOR_ID": params.get("USER_ID") or ctx.user_id,
                                        "DATE": ctx.portal.clock.iso()})  # fmt: skip


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
    reg.add("calendar.event.get", calendar_event_get, scope="calendar", pack="services")
    reg.add("calendar.section.get", calendar_section_get, scope="calendar", pack="services")
    reg.add("im.message.add", im_message_add, scope="im", write=True, pack="comms")
    reg.add("im.notify.system.add", im_notify_system_add, scope="im", write=True, pack="comms")
    reg.add("im.chat.get", im_chat_get, scope="im", pack="comms")
    reg.add("im.dialog.messages.get", im_dialog_messages_get, scope="im", pack="comms")
    reg.add("imbot.register", imbot_register, scope="imbot", write=True, pack="comms")
    reg.add("log.blogpost.get", log_blogpost_get, scope="log", pack="collab")
    reg.add("log.blogcomment.add", log_blogcomment_add, scope="log", write=True, pack="collab")
    reg.add("sonet_group.user.add", sonet_group_user_add, scope="sonet", write=True, pack="collab")
    reg.add("sonet_group.user.get", sonet_group_user_get, scope="sonet", pack="collab")
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
