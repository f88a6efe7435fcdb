"""Event methods: event.bind / unbind / get and the offline queue (event.offline.get / clear / error / list).

All need application (OAuth) context (api-reference/events/index.md); a webhook gets WRONG_AUTH_TYPE.
Docs: api-reference/events/event-{bind,unbind,get}.md, event-offline-{get,clear,error,list}.md, offline-events.md.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

from ..._errors import ApiError
from ..._events import is_loopback_url
from ..._paging import PAGE
from ..._registry import Answer, Ctx, Registry

__all__ = ["register", "KNOWN_EVENTS"]

KNOWN_EVENTS = frozenset(
    [f"ONCRM{e}{a}" for e in ("LEAD", "DEAL", "CONTACT", "COMPANY", "ACTIVITY", "DYNAMICITEM")
     for a in ("ADD", "UPDATE", "DELETE")]
    + [f"ONTASK{a}" for a in ("ADD", "UPDATE", "DELETE", "COMMENTADD")]
    + [f"ONCALENDARENTRY{a}" for a in ("ADD", "UPDATE", "DELETE")]
    + ["ONCRMTIMELINECOMMENTADD", "ONIMMESSAGEADD", "ONOFFLINEEVENT", "ONAPPUNINSTALL", "ONAPPINSTALL"]
)  # fmt: skip


def _is_admin(ctx: Ctx) -> bool:
    user = ctx.portal.store.get("user", ctx.user_id)
    return bool(user.get("IS_ADMIN")) if user else ctx.user_id == 1


def _flag(value: Any, default: bool) -> bool:
    if value in (None, ""):
        return default
    return value in (True, 1, "1", "Y", "y", "true")


def event_bind(ctx: Ctx, params: dict[str, Any]) -> Any:
    event = str(params.get("event") or params.get("EVENT") or "").upper()
    handler = str(params.get("handler") or params.get("HANDLER") or "")
    offline = str(params.get("event_type") or params.get("EVENT_TYPE") or "online").lower() == "offline"
    if event not in KNOWN_EVENTS:
        raise ApiError("ERROR_EVENT_NOT_FOUND", "Event not found", 400)
    auth_type = int(params.get("auth_type") or params.get("AUTH_TYPE") or 0)
    if offline and not _is_admin(ctx):
        raise ApiError(
            "ACCESS_DENIED", "Access denied! Offline events binding requires administrator access rights", 403
        )
    if auth_type and auth_type != ctx.user_id and not _is_admin(ctx):
        raise ApiError("ACCESS_DENIED", "Access denied! Event binding with AUTH_TYPE requires administrator access rights", 403)  # fmt: skip
    if not offline or handler:
        if not handler:
            raise ApiError("ERROR_ARGUMENT", "Handler is required", 400)
        if not is_loopback_url(handler):
            raise ApiError("ERROR_ARGUMENT", "The emulator delivers events to loopback handlers only", 400)
    bus = ctx.portal.events
    for _, b in bus.bindings(ctx.client_id):
        if b["event"] == event and b["handler"] == handler and bool(b["offline"]) == offline:
            raise ApiError("ERROR_HANDLER_ALREADY_EXIST", "Handler already exists!", 400)
    options = params.get("options") or {}
    bus.bind(event, handler, client_id=ctx.client_id, offline=offline, auth_type=auth_type,
             auth_connector=params.get("auth_connector") or None, options=options if isinstance(options, dict) else {})  # fmt: skip
    return True


def event_unbind(ctx: Ctx, params: dict[str, Any]) -> Any:
    event = str(params.get("event") or "").upper()
    handler = str(params.get("handler") or "")
    offline = str(params.get("event_type") or "online").lower() == "offline"
    if offline and not _is_admin(ctx):
        raise ApiError("ACCESS_DENIED", "Access denied! Offline events unbinding requires administrator access rights", 403)  # fmt: skip
    count = ctx.portal.events.unbind(event, handler, client_id=ctx.client_id, offline=offline)
    return {"count": count}


def event_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    return [
        {
            "event": b["event"],
            "handler": b["handler"],
            "auth_type": str(b["auth_type"]),
            "offline": int(b["offline"]),
        }
        for _, b in ctx.portal.events.bindings(ctx.client_id)
    ]


# -- offline queue -------------------------------------------------------------------------------------------------


def _require_admin(ctx: Ctx) -> None:
    if not _is_admin(ctx):
        raise ApiError("ACCESS_DENIED", "Access denied!", 403)


def _visible(ctx: Ctx, params: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    connector = str(params.get("auth_connector") or "")
    return [
        (i, r) for i, r in ctx.portal.events.offline_records(ctx.client_id) if r["CONNECTOR"] == connector
    ]


def _matches(rec: dict[str, Any], id: int, flt: dict[str, Any]) -> bool:
    for raw, value in flt.items():
        key = str(raw)
        op = ""
        for candidate in (">=", "<=", "!", ">", "<", "="):
            if key.startswith(candidate):
                op, key = candidate, key[len(candidate) :]
                break
        have: Any = id if key.upper() == "ID" else rec.get(key.upper())
        try:
            left, right = (
                (int(have), int(value)) if key.upper() in ("ID", "MESSAGE_ID", "ERROR") else (have, value)
            )
        except (TypeError, ValueError):
            left, right = str(have), str(value)
        if op in ("", "=") and str(left) != str(right):
            return False
        if op == "!" and str(left) == str(right):
            return False
        if op == ">" and not left > right:
            return False
        if op == ">=" and not left >= right:
            return False
        if op == "<" and not left < right:
            return False
        if op == "<=" and not left <= right:
            return False
    return True


def _public(id: int, rec: dict[str, Any], *, full: bool = False) -> dict[str, Any]:
    out = {"ID": str(id), "TIMESTAMP_X": rec["TIMESTAMP_X"], "EVENT_NAME": rec["EVENT_NAME"],
           "EVENT_DATA": rec["EVENT_DATA"], "EVENT_ADDITIONAL": rec["EVENT_ADDITIONAL"], "MESSAGE_ID": rec["MESSAGE_ID"]}  # fmt: skip
    if full:
        out["PROCESS_ID"] = rec["PROCESS_ID"]
        out["ERROR"] = str(rec["ERROR"])
    return out


def _sort_key(row: tuple[int, dict[str, Any]], key: str) -> Any:
    if key == "ID":
        return row[0]
    return row[1].get("TS") if key == "TIMESTAMP_X" else str(row[1].get(key))


def _sorted(
    rows: list[tuple[int, dict[str, Any]]], order: Any, default: str
) -> list[tuple[int, dict[str, Any]]]:
    order = order if isinstance(order, dict) and order else {default: "ASC"}
    for key, direction in reversed(list(order.items())):
        k = str(key).upper()
        rows = sorted(rows, key=functools.partial(_sort_key, key=k), reverse=str(direction).upper() == "DESC")
    return rows


def offline_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    _require_admin(ctx)
    store = ctx.portal.store
    clear = _flag(params.get("clear"), True)
    want_error = _flag(params.get("error"), False)
    try:
        limit = max(1, int(params.get("limit") or 50))
    except (TypeError, ValueError):
        raise ApiError("ERROR_ARGUMENT", "limit must be a number", 400) from None
    flt = params.get("filter") if isinstance(params.get("filter"), dict) else {}
    process_id = params.get("process_id")
    rows = _visible(ctx, params)
    if process_id:
        rows = [(i, r) for i, r in rows if r["PROCESS_ID"] == process_id]
    else:
        rows = [(i, r) for i, r in rows if r["PROCESS_ID"] == "" and bool(r["ERROR"]) == want_error]
    rows = [(i, r) for i, r in rows if _matches(r, i, flt or {})]
    rows = _sorted(rows, params.get("order"), "TIMESTAMP_X")[:limit]
    events = [_public(i, r) for i, r in rows]
    if clear:
        for i, _ in rows:
            store.delete("offline_event", i)
        return {"process_id": None, "events": events}
    pid = process_id or secrets.token_hex(16)
    for i, r in rows:
        r["PROCESS_ID"] = pid
        store.put("offline_event", i, r)
    return {"process_id": pid, "events": events}


def _ids(value: Any) -> set[str]:
    if value in (None, ""):
        return set()
    items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
    return {str(x) for x in items}


def offline_clear(ctx: Ctx, params: dict[str, Any]) -> Any:
    _require_admin(ctx)
    pid = params.get("process_id")
    if not pid:
        raise ApiError("ERROR_ARGUMENT", "process_id is required", 400)
    ids, mids = _ids(params.get("id")), _ids(params.get("message_id"))
    for i, r in _visible(ctx, params):
        if r["PROCESS_ID"] != pid:
            continue
        if ids and str(i) not in ids:
            continue
        if not ids and mids and r["MESSAGE_ID"] not in mids:
            continue
        ctx.portal.store.delete("offline_event", i)
    return True


def offline_error(ctx: Ctx, params: dict[str, Any]) -> Any:
    _require_admin(ctx)
    pid = params.get("process_id")
    if not pid:
        raise ApiError("ERROR_ARGUMENT", "process_id is required", 400)
    mids = _ids(params.get("message_id"))
    for i, r in _visible(ctx, params):
        if r["PROCESS_ID"] == pid and (not mids or r["MESSAGE_ID"] in mids):
            r["ERROR"] = 1
            r["PROCESS_ID"] = ""
            ctx.portal.store.put("offline_event", i, r)
    return True


def offline_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    _require_admin(ctx)
    flt = params.get("filter") if isinstance(params.get("filter"), dict) else {}
    rows = [(i, r) for i, r in _visible(ctx, params) if _matches(r, i, flt or {})]
    rows = _sorted(rows, params.get("order"), "ID")
    try:
        start = max(0, int(params.get("start") or 0))
    except (TypeError, ValueError):
        start = 0
    page = rows[start : start + PAGE]
    nxt = start + PAGE if start + PAGE < len(rows) else None
    return Answer([_public(i, r, full=True) for i, r in page], total=len(rows), next=nxt, records=len(page))


def register(reg: Registry) -> None:
    for name, fn, write in (
        ("event.bind", event_bind, True), ("event.unbind", event_unbind, True), ("event.get", event_get, False),
        ("event.offline.get", offline_get, True), ("event.offline.clear", offline_clear, True),
        ("event.offline.error", offline_error, True), ("event.offline.list", offline_list, False),
    ):  # fmt: skip
        reg.add(name, fn, scope="basic", write=write, app_only=True, pack="core")
