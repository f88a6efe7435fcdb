"""Curated catalog entries of the services pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any, Literal

from ._shared import _ORDER, Curated, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ services
    Curated(
        method="calendar.event.add",
        pack="services",
        risk="write",
        description="Create a calendar event/meeting; returns its ID.",
        params=_m(
            "CalendarEventAdd",
            type=(str, ..., "user | group | company_calendar"),
            ownerId=(int, ..., "user/group ID"),
            name=(str, ..., "title"),
            from_=(str, ..., "2026-01-31 10:00"),
            to=(str, ..., "2026-01-31 11:00"),
            section=(int, None, "calendar ID (or auto_detect_section=Y)"),
            auto_detect_section=(str, None, "Y"),
            attendees=(list[int], None, "user IDs (meeting)"),
            is_meeting=(Literal["Y", "N"], None, "Y with attendees"),
            remind=(list[dict[str, Any]], None, '[{"type":"min","count":15}]'),
        ),
        result="int id",
        scope=("calendar",),
        example={
            "type": "user",
            "ownerId": 1,
            "name": "Review",
            "from": "2026-01-31 10:00",
            "to": "2026-01-31 11:00",
            "auto_detect_section": "Y",
        },
        relaxed={"section": "section or auto_detect_section=Y"},
    ),
    Curated(
        method="calendar.event.get",
        pack="services",
        risk="read",
        description="List calendar events in a period.",
        params=_m(
            "CalendarEventGet",
            type=(str, ..., "user | group | company_calendar"),
            ownerId=(int, ..., "user/group ID"),
            from_=(str, None, "2026-01-01"),
            to=(str, None, "2026-01-31"),
        ),
        result="list",
        scope=("calendar",),
        example={"type": "user", "ownerId": 1},
    ),
    Curated(
        method="calendar.event.delete",
        pack="services",
        risk="destructive",
        description="Delete a calendar event (attendees are notified).",
        params=_m("CalendarEventDelete", id=(int, ..., "event ID")),
        result="bool",
        scope=("calendar",),
        example={"id": 1},
    ),
    Curated(
        method="calendar.section.get",
        pack="services",
        risk="read",
        description="List calendars (sections) of an owner.",
        params=_m("CalendarSectionGet", type=(str, ..., "user | group"), ownerId=(int, ..., "owner ID")),
        result="list",
        scope=("calendar",),
        example={"type": "user", "ownerId": 1},
    ),
    Curated(
        method="booking.v1.booking.list",
        pack="services",
        risk="read",
        description="Find bookings.",
        params=_m("BookingList", filter=(dict[str, Any], None, '{"resourceId":[1]}'), order=_ORDER),
        result="list",
        scope=("booking",),
        example={},
    ),
    Curated(
        method="booking.v1.booking.add",
        pack="services",
        risk="write",
        description="Book a resource for a time slot.",
        params=_m(
            "BookingAdd",
            fields=(
                dict[str, Any],
                ...,
                '{"resourceIds":[1],"datePeriod":{"from":{"timestamp":1767000000,"timezone":"UTC"},"to":{..}}}',
            ),
        ),
        result="object",
        scope=("booking",),
        example={
            "fields": {
                "resourceIds": [1],
                "datePeriod": {
                    "from": {"timestamp": 1767000000, "timezone": "UTC"},
                    "to": {"timestamp": 1767003600, "timezone": "UTC"},
                },
            }
        },
    ),
    Curated(
        method="booking.v1.resource.list",
        pack="services",
        risk="read",
        description="List bookable resources.",
        params=_m("BookingResourceList", filter=(dict[str, Any], None, '{"name":"Room"}')),
        result="list",
        scope=("booking",),
        example={},
    ),
    Curated(
        method="timeman.status",
        pack="services",
        risk="read",
        description="A user's work-day status.",
        params=_m("TimemanStatus", USER_ID=(int, None, "default: current user")),
        result="object",
        scope=("timeman",),
        example={},
    ),
    Curated(
        method="timeman.open",
        pack="services",
        risk="write",
        description="Start or resume the work day.",
        params=_m("TimemanOpen", USER_ID=(int, None, "default: current user")),
        result="object",
        scope=("timeman",),
        example={},
    ),
    Curated(
        method="timeman.close",
        pack="services",
        risk="write",
        description="End the work day.",
        params=_m(
            "TimemanClose", USER_ID=(int, None, "default: current user"), REPORT=(str, None, "day report")
        ),
        result="object",
        scope=("timeman",),
        example={},
    ),
    Curated(
        method="booking.v1.booking.update",
        pack="services",
        risk="write",
        description="Move or rename a booking.",
        params=_m(
            "BookingV1BookingUpdate",
            id=(int, ..., "booking ID"),
            fields=(dict[str, Any], ..., '{"datePeriod":{"from":{"timestamp":..},"to":{..}}}'),
        ),
        result="{booking}",
        scope=("booking",),
        example={"id": 99, "fields": {"name": "Moved"}},
    ),
    Curated(
        method="calendar.event.update",
        pack="services",
        risk="write",
        description="Change a calendar event.",
        params=_m(
            "CalendarEventUpdate",
            id=(int, ..., "event ID"),
            type=(str, ..., "user|group|company_calendar"),
            ownerId=(int, ..., "owner ID"),
            name=(str, None, "title"),
            from_=(str, None, "2026-02-01 10:00"),
            to=(str, None, "2026-02-01 11:00"),
        ),
        result="int id",
        scope=("calendar",),
        example={"id": 99, "type": "user", "ownerId": 1, "name": "Moved"},
    ),
)
