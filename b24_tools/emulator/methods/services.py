"""Services pack: calendar, booking and work time (timeman).

Docs (api-reference/…): calendar/calendar-event/calendar-event-{add,get,get-by-id,delete}.md,
calendar/calendar-section-get.md, booking/resource/booking-v1-resource-{add,list}.md,
booking/booking/booking-v1-booking-{add,list}.md, timeman/base/timeman-{status,open,close}.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now
from ._common import typed_missing as _typed_missing
from ._common import uid as _uid

__all__ = ["register"]

OPS: list[Op] = [
    Op("calendar.event.add", "add", "calendar_event", "calendar", "services", ("type", "ownerId", "name", "from", "to"),
       fields_param=None, event="ONCALENDARENTRY", defaults={"CREATED_BY": _uid, "DATE_CREATE": _now}),
    Op("calendar.event.getbyid", "get", "calendar_event", "calendar", "services",
       not_found=("", "Event not found", 400)),
    Op("calendar.event.delete", "delete", "calendar_event", "calendar", "services",
       not_found=("", "Event not found", 400), event="ONCALENDARENTRY"),
    Op("booking.v1.resource.add", "add", "booking_resource", "booking", "services", ("name",), style="typed",
       fields_param="resource", missing=_typed_missing, add_result=lambda id, row: {"id": id},
       defaults={"typeId": 1, "description": "", "isMain": True}),
    Op("booking.v1.resource.list", "list", "booking_resource", "booking", "services", style="typed", paged=False,
       wrap=lambda r: {"resource": r}),
    Op("booking.v1.booking.list", "list", "booking_booking", "booking", "services", style="typed", paged=False,
       wrap=lambda r: {"booking": r}),
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


def booking_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise _typed_missing("fields", "booking.v1.booking.add")
    resources = fields.get("resourceIds")
    if not isinstance(resources, list) or not resources:
        raise _typed_missing("resourceIds", "booking.v1.booking.add")
    period = fields.get("datePeriod")
    if not isinstance(period, dict) or "from" not in period or "to" not in period:
        raise _typed_missing("datePeriod", "booking.v1.booking.add")
    for rid in resources:
        if ctx.portal.store.get("booking_resource", int(rid)) is None:
            raise ApiError("BOOKING_RESOURCE_NOT_FOUND", f"Resource {rid} not found", 400)
    row = {"name": fields.get("name"), "description": fields.get("description"), "resourceIds": [int(r) for r in resources],
           "datePeriod": period, "createdBy": ctx.user_id, "createdAt": int(ctx.portal.clock.now())}  # fmt: skip
    return {"id": ctx.portal.store.insert("booking_booking", row)}


def booking_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """booking/booking/booking-v1-booking-update.md: the booking and any new resources must exist."""
    try:
        bid = int(params.get("id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _typed_missing("id", "booking.v1.booking.update") from None
    fields = params.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise _typed_missing("fields", "booking.v1.booking.update")
    row = ctx.portal.store.get("booking_booking", bid)
    if row is None:
        raise ApiError("BOOKING_NOT_FOUND", "Booking not found", 400)
    for rid in fields.get("resourceIds") or []:
        if ctx.portal.store.get("booking_resource", int(rid)) is None:
            raise ApiError("BOOKING_RESOURCE_NOT_FOUND", f"Resource {rid} not found", 400)
    period = fields.get("datePeriod")
    if period is not None and (not isinstance(period, dict) or "from" not in period or "to" not in period):
        raise _typed_missing("datePeriod", "booking.v1.booking.update")
    row.update({k: v for k, v in fields.items() if k in ("name", "description", "resourceIds", "datePeriod")})
    ctx.portal.store.put("booking_booking", bid, row)
    return {"booking": {"id": bid, **row}}


def calendar_event_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """id, type and ownerId required; the event must belong to that calendar (calendar-event-update.md)."""
    for req in ("id", "type", "ownerId"):
        if params.get(req) in (None, ""):
            raise ApiError(
                "", f'The required parameter "{req}" for the method "calendar.event.update" is not set', 400
            )
    try:
        eid = int(params["id"])
    except (TypeError, ValueError):
        raise ApiError("", "Event not found", 400) from None
    row = ctx.portal.store.get("calendar_event", eid)
    if (
        row is None
        or str(row.get("TYPE")) != str(params["type"])
        or str(row.get("OWNERID")) != str(params["ownerId"])
    ):
        raise ApiError("", "Event not found", 400)
    for key in (
        "name",
        "from",
        "to",
        "description",
        "location",
        "attendees",
        "remind",
        "color",
        "importance",
    ):
        if key in params:
            row[key.upper()] = params[key]
    if str(row.get("FROM", "")) > str(row.get("TO", "~")):
        raise ApiError("", "The event end date must be later than the start date", 400)
    ctx.portal.store.put("calendar_event", eid, row)
    ctx.emit("ONCALENDARENTRYUPDATE", {"id": eid}, f"calendar_event:{eid}")
    return eid


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("calendar.event.get", calendar_event_get, scope="calendar", pack="services")
    reg.add("calendar.section.get", calendar_section_get, scope="calendar", pack="services")
    reg.add("booking.v1.booking.add", booking_add, scope="booking", write=True, pack="services")
    reg.add("booking.v1.booking.update", booking_update, scope="booking", write=True, pack="services")
    reg.add("calendar.event.update", calendar_event_update, scope="calendar", write=True, pack="services")
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
