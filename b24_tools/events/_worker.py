"""The offline-events worker (api-reference/events/offline-events.md, event-offline-get/clear/error.md).

One `run_once()`:

1. `event.offline.get` with `clear=0` (reserve, don't delete), `limit`, the `auth_connector` if set, and the
   previous `process_id` while records of that process are still unfinished (so they are re-selected);
2. for every record: skip it if already handled (de-dup by MESSAGE_ID in the durable queue), else run the
   handlers for its EVENT_NAME;
3. `event.offline.clear` with the MESSAGE_IDs that succeeded (or were already handled);
4. records that failed `max_retries` times (or are malformed) go to the dead-letter table and are marked with
   `event.offline.error`, so the portal keeps them aside; other failures stay reserved and are retried.

Delivery is at-least-once; handlers must be idempotent. `auth_connector` (Professional plan and up) is sent with
`event.offline.get` and handed to the handlers, which pass it in their own writes so those raise no new events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._errors import B24APIError, B24Error
from .._redact import redact, redact_text
from ._queue import EventQueue, QueuedEvent
from ._receiver import verify_application_token
from ._registry import HandlerContext, HandlerRegistry

__all__ = ["OfflineWorker", "WorkerReport", "parse_offline_get", "event_message_id"]


def parse_offline_get(resp: Any) -> tuple[str | None, list[dict[str, Any]]]:
    """`(process_id, events)` from an `event.offline.get` result; raises `ValueError` naming the bad shape."""
    if not isinstance(resp, dict):
        raise ValueError("result is not an object")
    pid = resp.get("process_id")
    if pid is not None and not isinstance(pid, str | int):
        raise ValueError("result.process_id must be a string when present")
    raw: Any = next((resp[k] for k in ("events", "items", "result") if k in resp), [])
    if isinstance(raw, dict):
        raw = list(raw.values())
    if not isinstance(raw, list):
        raise ValueError("result.events is not a list")
    return (str(pid) if pid not in (None, "") else None), [x for x in raw if isinstance(x, dict)]


def event_message_id(item: dict[str, Any]) -> str | None:
    for key in ("MESSAGE_ID", "message_id", "ID", "id"):
        if item.get(key) not in (None, ""):
            return str(item[key])
    return None


@dataclass
class WorkerReport:
    """What one `run_once()` did (MESSAGE_IDs)."""

    fetched: int = 0
    process_id: str | None = None
    handled: list[str] = field(default_factory=list)
    skipped_duplicates: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    errored: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)


class OfflineWorker:
    """Polls the portal's offline-event queue and runs registered handlers. Build with a client and a queue."""

    def __init__(
        self,
        client: Any,
        *,
        queue: EventQueue,
        registry: HandlerRegistry | None = None,
        context: HandlerContext | None = None,
        max_retries: int = 5,
        limit: int = 50,
        auth_connector: str | None = None,
        application_token: str | None = None,
        audit: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        from ._registry import registry as default_registry

        self.client = client
        self.queue = queue
        self.registry = registry if registry is not None else default_registry
        self.ctx = context or HandlerContext(client=client, auth_connector=auth_connector)
        if self.ctx.client is None:
            self.ctx.client = client
        if auth_connector and not self.ctx.auth_connector:
            self.ctx.auth_connector = auth_connector
        self.max_retries = max(1, max_retries)
        self.limit = limit
        self.auth_connector = auth_connector
        self.application_token = application_token
        self.audit = audit
        # kept while some reserved records are still unfinished — in the queue database, so the next run (another
        # process, e.g. `--once` from cron) re-selects them: reserved records are hidden from a get without it
        self._state_key = f"offline_process_id:{auth_connector or ''}"
        self._process_id: str | None = queue.get_state(self._state_key)

    def _call(self, method: str, params: dict[str, Any]) -> Any:
        resp = self.client.call(method, params)
        return getattr(resp, "result", resp)

    def run_once(self) -> WorkerReport:
        """One poll → handle → clear/error cycle. Raises `B24Error` when `event.offline.get` itself fails."""
        params: dict[str, Any] = {"clear": 0, "limit": self.limit}
        if self.auth_connector:
            params["auth_connector"] = self.auth_connector
        if self._process_id:
            params["process_id"] = self._process_id
        result = self._call("event.offline.get", params)
        try:
            process_id, items = parse_offline_get(result)
        except ValueError as exc:
            raise B24APIError(
                "INVALID_OFFLINE_RESPONSE_SCHEMA",
                str(exc),
                method="event.offline.get",
                payload={"raw": redact(result)},
            ) from None
        report = WorkerReport(fetched=len(items), process_id=process_id)
        if not items or not process_id:
            self._keep_process(None)
            return report

        for item in items:
            self._handle_item(item, report)

        if report.errored:
            self._safe("event.offline.error", {"process_id": process_id, "message_id": report.errored})
        if report.cleared:
            self._safe("event.offline.clear", {"process_id": process_id, "message_id": report.cleared})
        self._keep_process(process_id if report.retrying else None)
        if self.audit:
            self.audit(
                {
                    "kind": "offline_batch",
                    "process_id": process_id,
                    "fetched": report.fetched,
                    "handled": len(report.handled),
                    "cleared": len(report.cleared),
                    "errored": len(report.errored),
                    "retrying": len(report.retrying),
                }
            )
        return report

    def _keep_process(self, process_id: str | None) -> None:
        if process_id != self._process_id:
            self.queue.set_state(self._state_key, process_id)
        self._process_id = process_id

    def _handle_item(self, item: dict[str, Any], report: WorkerReport) -> None:
        msg_id = event_message_id(item)
        name = item.get("EVENT_NAME", item.get("event"))
        if msg_id is None:
            self._dead_letter(None, item, "INVALID_EVENT_SCHEMA: no MESSAGE_ID/ID", report)
            return
        if not isinstance(name, str) or not name:
            self._dead_letter(
                msg_id, item, "INVALID_EVENT_SCHEMA: EVENT_NAME must be a non-empty string", report
            )
            report.errored.append(msg_id)
            return
        auth = item.get("auth") or item.get("AUTH")
        if self.application_token and isinstance(auth, dict):
            token = auth.get("application_token", auth.get("APPLICATION_TOKEN"))
            if not verify_application_token(token, self.application_token):
                if self.audit:
                    self.audit(
                        {
                            "kind": "event_rejected",
                            "reason": "application_token mismatch",
                            "message_id": msg_id,
                        }
                    )
                report.retrying.append(msg_id)  # leave it reserved; never handled, never cleared
                return
        key = f"offline:{msg_id}:{item.get('TIMESTAMP_X', '')}"
        status = self.queue.seen(key)
        if status == "done":
            report.skipped_duplicates.append(msg_id)
            report.cleared.append(msg_id)
            return
        if status is None:
            data = item.get("EVENT_DATA", item.get("data"))
            extra = {"EVENT_ADDITIONAL": item.get("EVENT_ADDITIONAL"), "TIMESTAMP_X": item.get("TIMESTAMP_X")}
            self.queue.put(name, data, source="offline", message_id=msg_id, dedup_key=key, extra=extra)
        row = next((r for r in self.queue.rows() if r["dedup_key"] == key), None)
        assert row is not None
        ev = QueuedEvent(
            id=row["id"],
            event=name.upper(),
            data=row["payload"].get("data"),
            source="offline",
            ts=item.get("TIMESTAMP_X"),
            message_id=msg_id,
            dedup_key=key,
            attempts=row["attempts"],
            extra=row["payload"].get("extra") or {},
        )
        try:
            self.registry.dispatch(ev, self.ctx)
        except Exception as exc:  # handler failures are counted, never fatal to the worker
            err = redact_text(f"{type(exc).__name__}: {exc}").splitlines()[0][:500]
            new_status = self.queue.fail(ev.id, err, max_attempts=self.max_retries, item=item)
            if new_status == "dead":  # the queue kept the dead letter
                self._dead_letter(msg_id, item, err, report, attempts=ev.attempts + 1, record=False)
                report.errored.append(msg_id)
            else:
                report.retrying.append(msg_id)
        else:
            self.queue.ack(ev.id)
            report.handled.append(msg_id)
            report.cleared.append(msg_id)

    def _dead_letter(
        self,
        msg_id: str | None,
        item: dict[str, Any],
        error: str,
        report: WorkerReport,
        *,
        attempts: int = 0,
        record: bool = True,
    ) -> None:
        report.dead.append(msg_id or "?")
        if record:
            self.queue.dead_letter(msg_id, item, error, attempts=attempts)
        if self.audit:
            self.audit(
                {"kind": "event_dead_letter", "message_id": msg_id, "error": error, "attempts": attempts}
            )

    def _safe(self, method: str, params: dict[str, Any]) -> None:
        try:
            self._call(method, params)
        except B24Error as exc:  # the records stay reserved; the next run re-selects them
            if self.audit:
                self.audit({"kind": "offline_call_failed", "method": method, "error": redact_text(str(exc))})

    def run(
        self,
        *,
        sleep: float = 3.0,
        max_consecutive_errors: int = 10,
        should_stop: Callable[[], bool] = lambda: False,
        on_report: Callable[[WorkerReport], None] | None = None,
    ) -> None:
        """Poll until `should_stop()`; sleeps when idle; stops after `max_consecutive_errors` failed polls."""
        errors = 0
        while not should_stop():
            try:
                report = self.run_once()
            except B24Error:
                errors += 1
                if errors >= max_consecutive_errors:
                    raise
                time.sleep(sleep)
                continue
            errors = 0
            if on_report:
                on_report(report)
            if report.fetched == 0:
                time.sleep(sleep)
