"""Curated catalog entries of the comms pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any, Literal

from ._shared import Curated, _Empty, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ comms
    Curated(
        method="im.chat.add",
        pack="comms",
        risk="write",
        description="Create a group chat; returns chat ID.",
        params=_m(
            "ImChatAdd",
            TITLE=(str, None, "title"),
            USERS=(list[int], None, "member user IDs"),
            MESSAGE=(str, None, "first message"),
            TYPE=(Literal["CHAT", "OPEN"], None, "CHAT private, OPEN public"),
        ),
        result="int id",
        scope=("im",),
        example={"TITLE": "Campaign", "USERS": [1, 2]},
    ),
    Curated(
        method="im.chat.get",
        pack="comms",
        risk="read",
        description="Find a chat by entity binding.",
        params=_m("ImChatGet", ENTITY_TYPE=(str, ..., "e.g. CRM"), ENTITY_ID=(str, ..., "e.g. DEAL|5")),
        result="object",
        scope=("im",),
        example={"ENTITY_TYPE": "CRM", "ENTITY_ID": "DEAL|1"},
    ),
    Curated(
        method="im.message.add",
        pack="comms",
        risk="write",
        description="Post a message to a chat or user.",
        params=_m(
            "ImMessageAdd", DIALOG_ID=(str, ..., "chat123 or user ID"), MESSAGE=(str, ..., "text (BB-code)")
        ),
        result="int id",
        scope=("im",),
        example={"DIALOG_ID": "chat1", "MESSAGE": "Kickoff at 10:00"},
    ),
    Curated(
        method="im.dialog.messages.get",
        pack="comms",
        risk="read",
        description="Read recent messages of a dialog.",
        params=_m(
            "ImDialogMessagesGet", DIALOG_ID=(str, ..., "chat123 or user ID"), LIMIT=(int, None, "max 50")
        ),
        result="object",
        scope=("im",),
        example={"DIALOG_ID": "chat1"},
    ),
    Curated(
        method="im.notify.system.add",
        pack="comms",
        risk="write",
        description="Send a system notification to a user.",
        params=_m(
            "ImNotifySystemAdd",
            USER_ID=(int, ..., "recipient"),
            MESSAGE=(str, ..., "text"),
            TAG=(str, None, "same TAG replaces the previous one"),
        ),
        result="int id",
        scope=("im",),
        example={"USER_ID": 1, "MESSAGE": "SLA breached"},
    ),
    Curated(
        method="imbot.register",
        pack="comms",
        risk="write",
        description="Register a chat bot (app auth).",
        params=_m(
            "ImbotRegister",
            CODE=(str, ..., "unique code"),
            TYPE=(str, None, "B bot, O open lines, S supervisor"),
            EVENT_MESSAGE_ADD=(str, ..., "https URL"),
            EVENT_WELCOME_MESSAGE=(str, ..., "https URL"),
            EVENT_BOT_DELETE=(str, ..., "https URL"),
            PROPERTIES=(dict[str, Any], ..., '{"NAME":"Helper"}'),
        ),
        result="int id",
        scope=("imbot",),
        example={
            "CODE": "helper",
            "EVENT_MESSAGE_ADD": "https://example.com/bot",
            "EVENT_WELCOME_MESSAGE": "https://example.com/bot",
            "EVENT_BOT_DELETE": "https://example.com/bot",
            "PROPERTIES": {"NAME": "Helper"},
        },
    ),
    Curated(
        method="imbot.command.register",
        pack="comms",
        risk="write",
        description="Register a slash command for a bot.",
        params=_m(
            "ImbotCommandRegister",
            BOT_ID=(int, ..., "bot ID"),
            COMMAND=(str, ..., "name without /"),
            EVENT_COMMAND_ADD=(str, ..., "https URL"),
            LANG=(list[dict[str, str]], ..., '[{"LANGUAGE_ID":"en","TITLE":"..","PARAMS":".."}]'),
        ),
        result="int id",
        scope=("imbot",),
        example={
            "BOT_ID": 1,
            "COMMAND": "status",
            "EVENT_COMMAND_ADD": "https://example.com/cmd",
            "LANG": [{"LANGUAGE_ID": "en", "TITLE": "Status"}],
        },
    ),
    # ------------------------------------------------------------------ automation
    Curated(
        method="telephony.externalcall.register",
        pack="comms",
        risk="write",
        description="Register a call from an external PBX; returns CALL_ID, CRM links.",
        params=_m(
            "TelephonyExternalcallRegister",
            USER_ID=(int, ..., "user"),
            USER_PHONE_INNER=(str, ..., "extension"),
            PHONE_NUMBER=(str, ..., "caller number"),
            TYPE=(int, ..., "1 outgoing, 2 incoming"),
            CRM_CREATE=(int, None, "1 = create a lead if unknown"),
        ),
        result="object",
        scope=("telephony",),
        example={"USER_ID": 1, "USER_PHONE_INNER": "101", "PHONE_NUMBER": "+10000000000", "TYPE": 2},
    ),
    Curated(
        method="telephony.externalcall.finish",
        pack="comms",
        risk="write",
        description="Finish a registered external call (duration, status).",
        params=_m(
            "TelephonyExternalcallFinish",
            CALL_ID=(str, ..., "from register"),
            USER_ID=(int, ..., "user"),
            USER_PHONE_INNER=(str, ..., "extension"),
            DURATION=(int, None, "seconds"),
            STATUS_CODE=(str, None, "200 ok, 304 missed"),
        ),
        result="object",
        scope=("telephony",),
        example={"CALL_ID": "externalCall.1", "USER_ID": 1, "USER_PHONE_INNER": "101", "DURATION": 60},
    ),
    Curated(
        method="imopenlines.config.list.get",
        pack="comms",
        risk="read",
        description="List open channels (contact-center lines).",
        params=_Empty,
        result="list",
        scope=("imopenlines",),
    ),
    Curated(
        method="messageservice.sender.list",
        pack="comms",
        risk="read",
        description="List SMS providers registered on the portal.",
        params=_Empty,
        result="list",
        scope=("messageservice",),
    ),
)
