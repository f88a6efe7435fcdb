"""The inbound receiver: a Starlette app for Bitrix24 outgoing webhooks and application event handlers.

Bitrix24 POSTs `application/x-www-form-urlencoded` bodies with PHP-style keys (`event=ONCRMLEADADD&
data[FIELDS][ID]=7&ts=...&auth[application_token]=...`); JSON bodies are accepted too. The receiver checks
`auth[application_token]` against the configured token with a constant-time compare
(api-reference/events/safe-event-handlers.md). A mismatch answers 401, stores nothing and writes one audit
line (without the token). Accepted events go to the durable `EventQueue` (de-duplicated), and the handlers
run after the response is sent.

Bodies are read from the ASGI stream chunk by chunk and refused with 413 as soon as they pass `MAX_BODY`,
whether or not a `Content-Length` was sent (chunked uploads included), so memory stays bounded. A body that
cannot be parsed — bad encoding, malformed JSON, nesting deeper than `MAX_DEPTH`, too many fields — is a 400
with one audit line, never a 500.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .._errors import B24ConfigError, require_extra
from .._redact import redact, register_secret
from ..client._phpquery import decode_pairs
from ._queue import EventQueue
from ._registry import HandlerContext, HandlerRegistry

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request

__all__ = [
    "create_receiver_app",
    "drain_queue",
    "DrainReport",
    "JsonlAudit",
    "TeeAudit",
    "verify_application_token",
    "parse_body",
    "read_capped",
    "BodyError",
    "MAX_BODY",
    "MAX_DEPTH",
]

MAX_BODY = 1_000_000
MAX_DEPTH = 32  # nesting levels of a body (PHP's max_input_nesting_level is 64; Bitrix24 events use about 4)
MAX_FIELDS = 2_000  # Bitrix24 events carry a few dozen; PHP allows 1,000 (max_input_vars)


class BodyError(ValueError):
    """The body is not an event we can read (the reason goes to the 400 answer and the audit line)."""


def verify_application_token(received: Any, expected: str) -> bool:
    """Constant-time comparison; anything but a non-empty string is a mismatch."""
    if not isinstance(received, str) or not received or not expected:
        return False
    return hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))


class JsonlAudit:
    """Appends one JSON line per event-intake decision (secrets redacted)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __call__(self, row: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(redact({"ts": int(time.time()), **row}), ensure_ascii=True, default=str)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def rows(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(x) for x in self.path.read_text(encoding="utf-8").splitlines() if x.strip()]


class TeeAudit:
    """Writes each intake line to the JSONL file and, when given, to the approval graph's audit trail
    (so `b24 audit tail` shows rejected and received events next to plans and calls)."""

    def __init__(self, jsonl: JsonlAudit, approvals: Any = None) -> None:
        self.jsonl = jsonl
        self.approvals = approvals

    def __call__(self, row: dict[str, Any]) -> None:
        self.jsonl(row)
        if self.approvals is not None:
            fields = {k: v for k, v in row.items() if k != "kind"}
            try:
                self.approvals.audit.emit(
                    row.get("kind", "event"), actor="events", outcome=row.get("status"), **fields
                )
            except Exception:  # the JSONL line is written; the store must not take the receiver down
                pass


@dataclass
class DrainReport:
    handled: int = 0
    failed: int = 0
    dead: int = 0


def drain_queue(
    queue: EventQueue,
    registry: HandlerRegistry,
    ctx: HandlerContext,
    *,
    max_attempts: int = 5,
    limit: int = 50,
    audit: Callable[[dict[str, Any]], None] | None = None,
) -> DrainReport:
    """Handle pending events until none is left (failed ones stay pending for the next drain or go dead)."""
    report = DrainReport()
    attempted: set[int] = set()
    while True:
        batch = queue.claim(limit + len(attempted))
        for ev in batch:
            if ev.id in attempted:  # failed earlier in this pass: leave it for the next drain
                queue.mark(ev.id, "pending")
        fresh = [ev for ev in batch if ev.id not in attempted]
        if not fresh:
            break
        for ev in fresh:
            attempted.add(ev.id)
            try:
                registry.dispatch(ev, ctx)
            except Exception as exc:  # a handler failure must not stop the queue
                status = queue.fail(ev.id, _one_line(exc), max_attempts=max_attempts)
                report.failed += 1
                if status == "dead":
                    report.dead += 1
                if audit:
                    audit(
                        {
                            "kind": "event_failed",
                            "event": ev.event,
                            "queue_id": ev.id,
                            "status": status,
                            "error": _one_line(exc),
                        }
                    )
            else:
                queue.ack(ev.id)
                report.handled += 1
    return report


def _one_line(exc: BaseException) -> str:
    from .._redact import redact_text

    return redact_text(f"{type(exc).__name__}: {exc}").splitlines()[0][:500]


def _depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether nested dicts/lists stay within `limit` levels (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return False
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return True


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """An event body → dict: JSON when the content type says so, else a PHP-style form. Raises `BodyError`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError("body is not UTF-8") from exc
    if "json" in content_type.lower():
        try:
            body = json.loads(text or "{}")
        except RecursionError as exc:
            raise BodyError(f"body nests deeper than {MAX_DEPTH} levels") from exc
        except ValueError as exc:
            raise BodyError("body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise BodyError("body must be a JSON object")
        if not _depth_ok(body):
            raise BodyError(f"body nests deeper than {MAX_DEPTH} levels")
        return body
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError as exc:
        raise BodyError(f"body has more than {MAX_FIELDS} fields") from exc
    for key, _ in pairs:
        if key.count("[") >= MAX_DEPTH:
            raise BodyError(f"body nests deeper than {MAX_DEPTH} levels")
    form = decode_pairs(pairs)
    if not isinstance(form, dict):  # `0=a&1=b` decodes to a list, as PHP's parse_str would
        raise BodyError("body must be a form of named fields")
    return form


async def read_capped(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The request body, or None as soon as it passes `limit` bytes (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_receiver_app(
    *,
    application_token: str,
    queue: EventQueue,
    registry: HandlerRegistry | None = None,
    context: HandlerContext | None = None,
    audit: Callable[[dict[str, Any]], None] | None = None,
    max_attempts: int = 5,
    path: str = "/events",
    run_handlers: bool = True,
) -> Starlette:
    """Build the receiver (an ASGI app: needs the `server` extra). `application_token` is required: an open
    endpoint would accept forged events."""
    require_extra("the events receiver", "server", "starlette")
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    if not application_token:
        raise B24ConfigError(
            "the event receiver needs the expected application_token",
            hint="set B24_APPLICATION_TOKEN (shown in the outgoing webhook's settings, or sent in OnAppInstall)",
        )
    register_secret(application_token)
    from ._registry import registry as default_registry

    reg = registry if registry is not None else default_registry
    ctx = context or HandlerContext()

    def _audit(row: dict[str, Any]) -> None:
        if audit is not None:
            audit(row)

    async def receive(request: Request) -> JSONResponse:
        client_host = request.client.host if request.client else None
        raw = await read_capped(request)
        if raw is None:  # refused before the rest of it is read into memory
            _audit({"kind": "event_rejected", "reason": "body too large", "remote": client_host})
            return JSONResponse({"error": "PAYLOAD_TOO_LARGE"}, status_code=413)
        try:
            body = parse_body(raw, request.headers.get("content-type", ""))
        except BodyError as exc:
            _audit({"kind": "event_rejected", "reason": f"unparseable body: {exc}", "remote": client_host})
            return JSONResponse({"error": "INVALID_REQUEST", "error_description": str(exc)}, 400)
        auth: dict[str, Any] = body["auth"] if isinstance(body.get("auth"), dict) else {}
        event = body.get("event")
        if not verify_application_token(auth.get("application_token"), application_token):
            _audit(
                {
                    "kind": "event_rejected",
                    "reason": "application_token mismatch"
                    if auth.get("application_token")
                    else "no application_token",
                    "event": str(event)[:100] if event else None,
                    "remote": client_host,
                }
            )
            return JSONResponse(
                {"error": "INVALID_TOKEN", "error_description": "application_token mismatch"}, 401
            )
        if not isinstance(event, str) or not event:
            _audit({"kind": "event_rejected", "reason": "missing event name", "remote": client_host})
            return JSONResponse({"error": "INVALID_REQUEST", "error_description": "missing event"}, 400)
        data = body.get("data", {})
        ts = body.get("ts")
        extra = {k: body[k] for k in ("event_handler_id",) if k in body}
        extra["domain"] = auth.get("domain")
        accepted, row_id = queue.put(event, data, ts=str(ts) if ts is not None else None, extra=extra)
        _audit(
            {
                "kind": "event_received" if accepted else "event_duplicate",
                "event": event.upper(),
                "queue_id": row_id,
                "domain": auth.get("domain"),
            }
        )
        task = None
        if run_handlers and accepted:
            task = BackgroundTask(drain_queue, queue, reg, ctx, max_attempts=max_attempts, audit=audit)
        return JSONResponse({"status": "queued" if accepted else "duplicate", "id": row_id}, background=task)

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "queue": queue.counts()})

    routes = [Route(path, receive, methods=["POST"]), Route("/healthz", health, methods=["GET"])]
    if path != "/":
        routes.append(Route("/", receive, methods=["POST"]))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # events accepted before a restart (or whose handlers failed) are retried when the receiver starts
        if run_handlers and queue.counts()["pending"]:
            await run_in_threadpool(drain_queue, queue, reg, ctx, max_attempts=max_attempts, audit=audit)
        yield

    return Starlette(routes=routes, lifespan=lifespan)
