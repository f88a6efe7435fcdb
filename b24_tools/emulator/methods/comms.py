"""Comms pack: chats, messages, notifications, chat bots, telephony, open lines, SMS senders.

Docs (api-reference/…): chats/im-chat-{add,get}.md, chats/messages/im-message-add.md,
chats/messages/im-dialog-messages-get.md, chats/notifications/im-notify-system-add.md, chat-bots/imbot-register.md,
chat-bots/commands/imbot-command-register.md, telephony/telephony-external-call-{register,finish}.md,
imopenlines/openlines/imopenlines-config-list-get.md, messageservice/messageservice-sender-list.md.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now
from ._common import uid as _uid

__all__ = ["register"]

OPS: list[Op] = [
    Op("im.chat.add", "add", "im_chat", "im", "comms", fields_param=None,
       defaults={"TYPE": "CHAT", "OWNER_ID": _uid, "DATE_CREATE": _now}),
    Op("imbot.command.register", "add", "imbot_command", "imbot", "comms", ("BOT_ID", "COMMAND", "EVENT_COMMAND_ADD"),
       fields_param=None, missing=lambda n, m: ApiError(f"{n}_ERROR", f"{n} is not specified", 400)),
]  # fmt: skip


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


def _required(params: dict[str, Any], *names: str) -> None:
    for n in names:
        if params.get(n) in (None, ""):
            raise ApiError("", f"Parameter {n} is required", 400)


def externalcall_register(ctx: Ctx, params: dict[str, Any]) -> Any:
    _required(params, "USER_ID", "PHONE_NUMBER", "TYPE")
    if not params.get("USER_PHONE_INNER") and not params.get("USER_ID"):
        raise ApiError("", "Parameter USER_PHONE_INNER is required", 400)
    phone = str(params["PHONE_NUMBER"])
    entity_type, entity_id = None, None
    for kind in ("contact", "company", "lead"):
        rows = ctx.portal.store.select(
            kind,
            "EXISTS (SELECT 1 FROM json_each(data, '$.PHONE') j WHERE json_extract(j.value, '$.VALUE') = ?)",
            [phone],
        )
        if rows:
            entity_type, entity_id = kind.upper(), rows[0][0]
            break
    created: list[dict[str, Any]] = []
    lead = None
    if entity_id is None and str(params.get("CRM_CREATE", "0")) in ("1", "Y", "true"):
        from .._crm import write_crm

        lead, _ = write_crm(
            ctx, "lead", {"TITLE": f"Call from {phone}", "PHONE": [{"VALUE": phone}], "SOURCE_ID": "CALL"}
        )
        entity_type, entity_id = "LEAD", lead
        created.append({"LEAD": lead})
    digest = hashlib.md5(f"{phone}{ctx.portal.clock.now()}".encode(), usedforsecurity=False).hexdigest()
    call_id = f"externalCall.{digest}.{int(ctx.portal.clock.now())}"
    ctx.portal.store.insert("telephony_call", {"CALL_ID": call_id, "PHONE_NUMBER": phone, "USER_ID": int(params["USER_ID"]),
                                               "TYPE": int(params["TYPE"]), "CRM_ENTITY_TYPE": entity_type,
                                               "CRM_ENTITY_ID": entity_id, "STARTED": ctx.portal.clock.iso()})  # fmt: skip
    return {"CALL_ID": call_id, "CRM_CREATED_LEAD": lead, "CRM_CREATED_ENTITIES": created,
            "CRM_ENTITY_TYPE": entity_type, "CRM_ENTITY_ID": entity_id}  # fmt: skip


def externalcall_finish(ctx: Ctx, params: dict[str, Any]) -> Any:
    _required(params, "CALL_ID", "USER_ID")
    rows = ctx.portal.store.select(
        "telephony_call", "json_extract(data,'$.CALL_ID') = ?", [str(params["CALL_ID"])]
    )
    if not rows:
        raise ApiError("", "Call is not found, or finished", 400)
    i, call = rows[0]
    if call.get("FINISHED"):
        raise ApiError("", "Call is not found, or finished", 400)
    call.update({"FINISHED": True, "CALL_DURATION": int(params.get("DURATION") or 0)})
    ctx.portal.store.put("telephony_call", i, call)
    return {"CALL_ID": call["CALL_ID"], "EXTERNAL_CALL_ID": None, "PORTAL_USER_ID": int(params["USER_ID"]),
            "PHONE_NUMBER": call["PHONE_NUMBER"], "PORTAL_NUMBER": "", "INCOMING": str(call["TYPE"]),
            "CALL_DURATION": call["CALL_DURATION"], "CALL_START_DATE": call["STARTED"], "CALL_STATUS": 1,
            "CALL_VOTE": params.get("VOTE"), "COST": float(params.get("COST") or 0),
            "COST_CURRENCY": params.get("COST_CURRENCY") or "", "CALL_FAILED_CODE": str(params.get("STATUS_CODE") or 200),
            "CALL_FAILED_REASON": params.get("FAILED_REASON") or "", "CRM_ENTITY_TYPE": call["CRM_ENTITY_TYPE"],
            "CRM_ENTITY_ID": call["CRM_ENTITY_ID"]}  # fmt: skip


def openlines_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return [
        {
            "ID": "1",
            "LINE_NAME": "Emulator support line",
            "ACTIVE": "Y",
            "QUEUE": [1],
            "QUEUE_USERS_FIELDS": {},
        }
    ]


def sender_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return ["emulator_sms"]


def _own_message(ctx: Ctx, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        mid = int(params.get("MESSAGE_ID"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("MESSAGE_ID_ERROR", "Message ID can't be empty", 400) from None
    row = ctx.portal.store.get("im_message", mid)
    if row is None:
        raise ApiError("MESSAGE_ID_ERROR", "Message ID can't be empty", 400)
    if int(row.get("AUTHOR_ID") or 0) != ctx.user_id:
        raise ApiError("CANT_EDIT_MESSAGE", "You can not edit this message", 400)
    return mid, row


def im_message_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Only the author edits; an empty MESSAGE deletes (chats/messages/im-message-update.md)."""
    mid, row = _own_message(ctx, params)
    if params.get("MESSAGE") in (None, "") and not params.get("ATTACH"):
        ctx.portal.store.delete("im_message", mid)
        return True
    row.update({"MESSAGE": params.get("MESSAGE", row["MESSAGE"]), "IS_EDITED": params.get("IS_EDITED", "Y")})
    ctx.portal.store.put("im_message", mid, row)
    return True


def im_message_delete(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Only the author deletes (chats/messages/im-message-delete.md)."""
    mid, _ = _own_message(ctx, params)
    ctx.portal.store.delete("im_message", mid)
    return True


def imbot_command_answer(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Answers a registered command in the dialog of the message that called it
    (chat-bots/outdated/commands/imbot-command-answer.md)."""
    store = ctx.portal.store
    cid = params.get("COMMAND_ID")
    command = None
    if cid not in (None, ""):
        command = store.get("imbot_command", int(cid)) if str(cid).isdigit() else None
    elif params.get("COMMAND"):
        rows = store.select("imbot_command", "json_extract(data,'$.COMMAND') = ?", [str(params["COMMAND"])])
        command = rows[0][1] if rows else None
    if command is None:
        raise ApiError("COMMAND_ID_ERROR", "Command not found", 400)
    if params.get("COMMAND") and str(params["COMMAND"]) != str(command.get("COMMAND")):
        raise ApiError("COMMAND_ID_ERROR", "Command not found", 400)
    try:
        source = store.get("im_message", int(params.get("MESSAGE_ID")))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        source = None
    if source is None:
        raise ApiError("MESSAGE_ID_ERROR", "Message ID can't be empty", 400)
    if not params.get("MESSAGE") and not params.get("ATTACH"):
        raise ApiError("MESSAGE_EMPTY", "Message can't be empty", 400)
    row = {"DIALOG_ID": source["DIALOG_ID"], "MESSAGE": params.get("MESSAGE") or "", "ATTACH": params.get("ATTACH"),
           "AUTHOR_ID": int(command.get("BOT_ID") or ctx.user_id), "DATE": ctx.portal.clock.iso(), "SYSTEM": "N",
           "COMMAND": command.get("COMMAND")}  # fmt: skip
    return store.insert("im_message", row)


def imconnector_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Connector code → name (imopenlines/imconnector/imconnector-list.md)."""
    return {"livechat": "Live chat", "telegrambot": "Telegram", "viber": "Viber", "imessage": "Apple Messages for Business",
            "facebook": "Facebook", "network": "Bitrix24.Network"}  # fmt: skip


def mailservice_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Mail services (mailservice/mailservice-list.md)."""
    return [{"ID": "1", "SITE_ID": "s1", "ACTIVE": "Y", "NAME": "gmail", "SERVER": "imap.gmail.com", "PORT": "993",
             "ENCRYPTION": "Y", "LINK": "https://mail.google.com/", "ICON": "", "SORT": "100"},
            {"ID": "2", "SITE_ID": "s1", "ACTIVE": "Y", "NAME": "outlook.com", "SERVER": "imap-mail.outlook.com",
             "PORT": "993", "ENCRYPTION": "Y", "LINK": "https://outlook.live.com/", "ICON": "", "SORT": "200"}]  # fmt: skip


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("im.message.add", im_message_add, scope="im", write=True, pack="comms")
    reg.add("im.notify.system.add", im_notify_system_add, scope="im", write=True, pack="comms")
    reg.add("im.chat.get", im_chat_get, scope="im", pack="comms")
    reg.add("im.dialog.messages.get", im_dialog_messages_get, scope="im", pack="comms")
    reg.add("imbot.register", imbot_register, scope="imbot", write=True, pack="comms")
    reg.add(
        "telephony.externalcall.register", externalcall_register, scope="telephony", write=True, pack="comms"
    )
    reg.add("telephony.externalcall.finish", externalcall_finish, scope="telephony", write=True, pack="comms")
    reg.add("imopenlines.config.list.get", openlines_list, scope="imopenlines", pack="comms")
    reg.add("messageservice.sender.list", sender_list, scope="messageservice", pack="comms")
    reg.add("im.message.update", im_message_update, scope="im", write=True, pack="comms")
    reg.add("im.message.delete", im_message_delete, scope="im", write=True, pack="comms")
    reg.add("imbot.command.answer", imbot_command_answer, scope="imbot", write=True, pack="comms")
    reg.add("imconnector.list", imconnector_list, scope="imopenlines", pack="comms")
    reg.add("mailservice.list", mailservice_list, scope="mailservice", pack="comms")
