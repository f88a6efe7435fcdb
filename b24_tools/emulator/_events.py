"""Events: handlers bound with `event.bind`, outgoing form-encoded POSTs, and the offline queue.

Docs: api-reference/events/index.md (form-encoded POST with `event`, `event_handler_id`, `data[FIELDS][ID]`, `ts`,
`auth[…]`; delivered by a queue, NO retries), api-reference/events/offline-events.md (the offline queue keeps the
current state, not history: one record per object and event; `auth_connector` on a write keeps the writer's own
changes out of its queue), api-reference/events/on-offline-event.md (ONOFFLINEEVENT notifications).

Handlers must be on loopback: the emulator never reaches the network.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx

from .._settings import is_loopback_host
from ..client._phpquery import encode

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["EventBus", "is_loopback_url"]

log = logging.getLogger(__name__)


def is_loopback_url(url: str) -> bool:
    try:
        parsed = urlparse(url)
    except ValueError:
        return False
    return (
        parsed.scheme in ("http", "https")
        and bool(parsed.hostname)
        and is_loopback_host(parsed.hostname or "")
    )


class EventBus:
    """Bindings, the delivery thread and the offline queue of one emulated portal."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.delivered: list[dict[str, Any]] = []  # every delivery attempt: url, event, status | error
        self.transport: httpx.BaseTransport | None = None  # deliver in process instead of over a socket
        self._queue: queue.Queue[tuple[str, str, bytes] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._last_offline_notice: dict[str, float] = {}

    # -- bindings -------------------------------------------------------------------------------------
    def bindings(
        self, client_id: str | None = None, *, all_apps: bool = False
    ) -> list[tuple[int, dict[str, Any]]]:
        rows = self.portal.store.select("event_binding")
        return [r for r in rows if all_apps or r[1].get("client_id") == client_id]

    def bind(
        self,
        event: str,
        handler: str = "",
        *,
        client_id: str | None = None,
        offline: bool = False,
        auth_type: int = 0,
        auth_connector: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> int:
        """Add a binding. With `client_id=None` it is an outgoing webhook configured in the portal's UI."""
        return self.portal.store.insert(
            "event_binding",
            {
                "event": event.upper(),
                "handler": handler,
                "client_id": client_id,
                "offline": 1 if offline else 0,
                "auth_type": int(auth_type or 0),
                "auth_connector": auth_connector or None,
                "options": options or {},
            },
        )

    def unbind(self, event: str, handler: str, *, client_id: str | None, offline: bool | None = None) -> int:
        count = 0
        for id, b in self.bindings(client_id):
            if (
                b["event"] == event.upper()
                and b["handler"] == (handler or "")
                and (offline is None or bool(b["offline"]) == offline)
            ):
                self.portal.store.delete("event_binding", id)
                count += 1
        return count

    # -- publishing -------------------------------------------------------------------------------------
    def publish(
        self,
        event: str,
        data: dict[str, Any],
        object_key: str,
        *,
        source_connector: str | None,
        user_id: int = 0,
    ) -> None:
        for id, b in self.bindings(all_apps=True):
            if b["event"] != event:
                continue
            if b["offline"]:
                if source_connector and b.get("auth_connector") == source_connector:
                    continue
                self._record_offline(b, event, data, object_key)
                continue
            if b["handler"]:
                self._enqueue(id, b, event, data, user_id)

    def _auth_block(
        self, b: dict[str, Any], *, with_refresh: bool = False, user_id: int = 0
    ) -> dict[str, Any]:
        portal = self.portal
        base = portal.base_url.rstrip("/")
        auth: dict[str, Any] = {
            "domain": portal.config.portal_domain,
            "client_endpoint": f"{base}/rest/",
            "server_endpoint": f"{base}/rest/",
            "member_id": portal.config.member_id,
        }
        if b.get("client_id"):
            app = portal.oauth.app(b["client_id"]) or {}
            # tokens of the handler's auth_type user, else of the user whose change raised the event (events/index.md)
            tokens = portal.oauth.issue_tokens(
                b["client_id"], b.get("auth_type") or user_id or portal.config.user_id
            )
            auth = {
                "access_token": tokens["access_token"],
                "expires_in": str(tokens["expires_in"]),
                "scope": tokens["scope"],
                **auth,
                "status": "L",
                "application_token": app.get("application_token", ""),
            }
            if with_refresh:  # only OnAppInstall / ONOFFLINEEVENT carry it (api-reference/events/index.md)
                auth["refresh_token"] = tokens["refresh_token"]
        else:
            auth["application_token"] = (
                portal.store.kv_get("outgoing_application_token") or self._outgoing_token()
            )
        return auth

    def _outgoing_token(self) -> str:
        import secrets

        token = secrets.token_hex(16)
        self.portal.store.kv_set("outgoing_application_token", token)
        return token

    @property
    def outgoing_application_token(self) -> str:
        """The application_token the portal shows for outgoing webhooks (local-integrations/local-webhooks.md)."""
        return self.portal.store.kv_get("outgoing_application_token") or self._outgoing_token()

    def _enqueue(
        self, binding_id: int, b: dict[str, Any], event: str, data: dict[str, Any], user_id: int = 0
    ) -> None:
        payload = {
            "event": event,
            "event_handler_id": str(binding_id),
            "data": data,
            "ts": str(int(self.portal.clock.now())),
            "auth": self._auth_block(b, user_id=user_id),
        }
        self._queue.put((b["handler"], event, encode(payload).encode()))
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="b24-emulator-events", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        current = self.transport
        client = httpx.Client(timeout=5.0, transport=current, follow_redirects=False)
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    self._queue.task_done()
                    return
                if self.transport is not current:
                    client.close()
                    current = self.transport
                    client = httpx.Client(timeout=5.0, transport=current, follow_redirects=False)
                url, event, body = item
                record: dict[str, Any] = {"url": url, "event": event}
                try:
                    if not is_loopback_url(url):
                        raise RuntimeError(
                            "handler is not on loopback; the emulator does not reach the network"
                        )
                    resp = client.post(
                        url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
                    )
                    record["status"] = resp.status_code
                except Exception as exc:  # no retries, as on the real portal
                    record["error"] = type(exc).__name__
                    log.debug("event delivery to %s failed: %s", url, type(exc).__name__)
                self.delivered.append(record)
                self._queue.task_done()
        finally:
            client.close()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every queued delivery was attempted (tests)."""
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=2)

    # -- offline queue --------------------------------------------------------------------------------------
    def _record_offline(self, b: dict[str, Any], event: str, data: dict[str, Any], object_key: str) -> None:
        store = self.portal.store
        now = self.portal.clock.now()
        owner = b.get("client_id") or ""
        connector = b.get("auth_connector") or ""
        rows = store.select(
            "offline_event",
            "json_extract(data,'$.EVENT_NAME') = ? AND json_extract(data,'$.OBJECT') = ? AND "
            "json_extract(data,'$.OWNER') = ? AND json_extract(data,'$.CONNECTOR') = ? AND "
            "json_extract(data,'$.PROCESS_ID') = ''",
            [event, object_key, owner, connector],
        )
        if rows:  # coalesced per object and event: one record with the time of the last change
            id, rec = rows[0]
            rec["TIMESTAMP_X"] = self.portal.clock.iso(now)
            rec["TS"] = now
            rec["EVENT_DATA"] = data
            store.put("offline_event", id, rec)
        else:
            store.insert(
                "offline_event",
                {
                    "EVENT_NAME": event,
                    "EVENT_DATA": data,
                    "EVENT_ADDITIONAL": False,
                    "TIMESTAMP_X": self.portal.clock.iso(now),
                    "TS": now,
                    "MESSAGE_ID": str(store.next_seq("offline_message")),
                    "PROCESS_ID": "",
                    "ERROR": 0,
                    "OBJECT": object_key,
                    "OWNER": owner,
                    "CONNECTOR": connector,
                },
            )
        self._notify_offline(owner)

    def _notify_offline(self, owner: str) -> None:
        """ONOFFLINEEVENT handlers of this app hear that the queue has records (at most every minTimeout s)."""
        for id, b in self.bindings(owner or None):
            if b["event"] != "ONOFFLINEEVENT" or not b["handler"]:
                continue
            min_timeout = float((b.get("options") or {}).get("minTimeout", 1) or 1)
            now = self.portal.clock.now()
            if now - self._last_offline_notice.get(f"{id}", 0.0) < min_timeout:
                continue
            self._last_offline_notice[f"{id}"] = now
            payload_binding = dict(b)
            self._queue.put(
                (
                    b["handler"],
                    "ONOFFLINEEVENT",
                    encode(
                        {
                            "event": "ONOFFLINEEVENT",
                            "event_handler_id": str(id),
                            "data": [],
                            "ts": str(int(now)),
                            "auth": self._auth_block(payload_binding, with_refresh=True),
                        }
                    ).encode(),
                )
            )
            self._ensure_thread()

    def offline_records(self, owner: str | None) -> list[tuple[int, dict[str, Any]]]:
        return self.portal.store.select("offline_event", "json_extract(data,'$.OWNER') = ?", [owner or ""])
