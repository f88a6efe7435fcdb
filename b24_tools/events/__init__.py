"""Event intake: the outgoing-webhook receiver, the durable queue, handlers, and the offline-events worker.

from b24_tools.events import EventQueue, OfflineWorker, create_receiver_app, on

@on("ONCRMDEALUPDATE")
def sync(event, ctx): ...

app = create_receiver_app(application_token=TOKEN, queue=EventQueue(".runtime/b24_events.sqlite"))
"""

from __future__ import annotations

from ._handlers import enrich_lead, followup_task_params, new_lead_followup, register_default_handlers
from ._queue import EventQueue, QueuedEvent, dedup_key_for
from ._receiver import (
    DrainReport,
    JsonlAudit,
    TeeAudit,
    create_receiver_app,
    drain_queue,
    verify_application_token,
)
from ._registry import Handler, HandlerContext, HandlerRegistry, on, registry
from ._worker import OfflineWorker, WorkerReport, event_message_id, parse_offline_get

__all__ = [
    "EventQueue",
    "QueuedEvent",
    "dedup_key_for",
    "create_receiver_app",
    "drain_queue",
    "DrainReport",
    "JsonlAudit",
    "TeeAudit",
    "verify_application_token",
    "Handler",
    "HandlerContext",
    "HandlerRegistry",
    "on",
    "registry",
    "OfflineWorker",
    "WorkerReport",
    "parse_offline_get",
    "event_message_id",
    "new_lead_followup",
    "enrich_lead",
    "followup_task_params",
    "register_default_handlers",
]
