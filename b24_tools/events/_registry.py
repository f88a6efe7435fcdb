"""Event handlers: plain functions registered with a decorator.

    from b24_tools.events import on

    @on("ONCRMLEADADD")
    def greet(event, ctx):
        ...

A handler receives the `QueuedEvent` and a `HandlerContext` (client, approvals, auth_connector). Delivery is
at-least-once, so handlers must be idempotent (use an idempotency key derived from the event, as the shipped
handler does). Event names match case-insensitively; `"*"` receives every event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._queue import QueuedEvent

__all__ = ["HandlerContext", "HandlerRegistry", "Handler", "registry", "on"]


@dataclass
class HandlerContext:
    """What a handler may use. `auth_connector` goes into the handler's own writes so they raise no new events."""

    client: Any = None
    approvals: Any = None
    auth_connector: str | None = None
    settings: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[QueuedEvent, HandlerContext], Any]


class HandlerRegistry:
    """Maps event names to handlers."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}

    def on(self, *events: str) -> Callable[[Handler], Handler]:
        """Decorator: register the function for these event names (case-insensitive; `"*"` for all)."""
        if not events:
            raise ValueError("name at least one event, e.g. @on('ONCRMLEADADD')")

        def deco(fn: Handler) -> Handler:
            for name in events:
                bucket = self._handlers.setdefault(name.upper(), [])
                if fn not in bucket:
                    bucket.append(fn)
            return fn

        return deco

    def add(self, event: str, fn: Handler) -> None:
        self.on(event)(fn)

    def handlers_for(self, event: str) -> list[Handler]:
        return [*self._handlers.get(event.upper(), []), *self._handlers.get("*", [])]

    def events(self) -> list[str]:
        return sorted(self._handlers)

    def dispatch(self, event: QueuedEvent, ctx: HandlerContext) -> list[Any]:
        """Run every handler for the event in registration order; the first exception propagates."""
        return [fn(event, ctx) for fn in self.handlers_for(event.event)]

    def copy(self) -> HandlerRegistry:
        new = HandlerRegistry()
        new._handlers = {k: list(v) for k, v in self._handlers.items()}
        return new


registry = HandlerRegistry()
on = registry.on
