"""`B24Client` (and, re-exported, `AsyncB24Client`): the sending loops over the shared core.

    with B24Client.from_webhook("https://portal.bitrix24.com/rest/1/CODE/") as b24:
        lead_id = b24.call("crm.lead.add", {"fields": {"TITLE": "ACME"}}).result
        for lead in b24.iter_list("crm.lead.list", {"select": ["ID", "TITLE"]}):
            ...

Both classes have the same methods with the same names (the async ones are awaitable; `aclose` replaces
`close`), like `httpx.Client` and `httpx.AsyncClient`. Pure logic lives once in `_core.py` (requests, envelopes,
errors, retry decisions), `_batch.py` and `_paging.py`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any, Literal, TypeVar

import httpx

from ._async_client import AsyncB24Client
from ._auth import OAuthAuth, WebhookAuth
from ._batch import parse_batch, plan_batch
from ._core import BaseClient, Call, Step
from ._paging import (
    PAGE,
    ListShape,
    auto_concurrency,
    chain_commands,
    chain_length,
    chain_segments,
    check_mode,
    consume_chain,
    extract,
    offset_commands,
    open_scan,
    opening_commands,
    prepare_fast,
    record_id,
    shape_for,
)
from ._response import B24Response, BatchResult
from .ratelimit import RateLimiter

__all__ = ["B24Client", "AsyncB24Client", "Commands", "Mode"]

Commands = Mapping[str, tuple[str, Mapping[str, Any] | None] | str]
Mode = Literal["fast", "offset"]
_J = TypeVar("_J")
_R = TypeVar("_R")


class B24Client(BaseClient):
    """Synchronous Bitrix24 REST client (thread-safe; share one per portal)."""

    def __init__(
        self,
        portal: str,
        *,
        auth: WebhookAuth | OAuthAuth,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        operating_wait_max: float = 60.0,
        rest_v3: bool = False,
        is_read: Callable[[str, dict], bool] | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        super().__init__(
            portal,
            auth=auth,
            limiter=limiter,
            timeout=timeout,
            max_retries=max_retries,
            operating_wait_max=operating_wait_max,
            rest_v3=rest_v3,
            is_read=is_read,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
        )
        self._http = httpx.Client(transport=transport, **self._http_options())

    # -- lifecycle --
    def close(self) -> None:
        self._http.close()
        if self._owns_limiter and hasattr(self._limiter, "close"):
            self._limiter.close()

    def __enter__(self) -> B24Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending --
    def _before_send(self, request: httpx.Request) -> None:
        """Every request to the portal — including the re-send after an OAuth refresh — passes the limiter."""
        if self._to_portal(request):
            self._note_limiter_wait(self._limiter.acquire(self._limiter_key))
            self._bump("requests")

    def _send(self, call: Call) -> B24Response:
        while True:
            try:
                response = self._http.send(self._request(call), auth=self._auth)
            except httpx.HTTPError as exc:
                step = self._after_exception(call, exc)
            else:
                step = self._after_response(call, response)
            if step.action == "done":
                assert step.value is not None
                return step.value
            if step.action == "raise":
                assert step.error is not None
                raise step.error
            self._wait(call, step)

    def _wait(self, call: Call, step: Step) -> None:
        if step.counts:
            self._bump("retries")
        if step.delay > 0:
            self._log_wait(call, step)
            time.sleep(step.delay)

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        v3: bool | None = None,
    ) -> B24Response:
        """Call one method. `idempotency_key` makes a REST 3.0 write safe to re-send (`Idempotency-Key`)."""
        return self._send(self._new_call(method, params, v3=v3, idempotency_key=idempotency_key))

    def batch(self, commands: Commands, *, halt: bool = False, concurrency: int | None = None) -> BatchResult:
        """Run named commands (`(method, params)` or `"method?query"`), 50 per request; results in the given order.

        Requests of 50 go several at a time under the shared limiter (`concurrency=` overrides the number;
        `$result[...]` references never cross a request, so requests are independent). `halt=True` runs them one
        after another and stops at the first request with an error.
        """
        chunks = plan_batch(commands)
        out = BatchResult()
        if halt or len(chunks) == 1:
            for chunk in chunks:
                part = parse_batch(self._send(self._batch_call(chunk, halt)).raw, chunk)
                out.merge(part)
                if halt and part.errors:
                    break
            return out
        workers = auto_concurrency(len(chunks), self._limiter.burst, concurrency)
        for part in _in_order(
            chunks, lambda c: parse_batch(self._send(self._batch_call(c, False)).raw, c), workers
        ):
            out.merge(part)
        return out

    def call_many(
        self,
        method: str,
        params_list: Sequence[Mapping[str, Any]],
        *,
        halt: bool = False,
        concurrency: int | None = None,
    ) -> BatchResult:
        """The same method with many params, as batches; results keyed "0", "1", ... in the caller's order."""
        commands = {str(i): (method, p) for i, p in enumerate(params_list)}
        return self.batch(commands, halt=halt, concurrency=concurrency)

    # -- paging --
    def iter_list(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "fast",
        parallel: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every record of a list method lazily, in ID order (bounded memory).

        fast: ID cursor (`>ID`, start=-1) with up to 50 pages chained in one batch. When the opening request shows
        more than one chain of data, the ID range is cut into one-chain spans read by several cursors at once under
        the shared limiter (as many as its burst allows, at most 6); `parallel=N` sets the number of cursors,
        `parallel=1` reads one chain after another. offset: classic start/next pages.
        """
        check_mode(mode, parallel)
        shape = shape_for(method)
        if mode == "offset":
            return self._iter_offset(method, dict(params or {}), shape)
        base, last = prepare_fast(params, shape, method)
        return self._iter_fast(method, base, shape, last, parallel)

    def _iter_offset(self, method: str, params: dict[str, Any], shape: ListShape) -> Iterator[dict[str, Any]]:
        first = self.call(method, {**params, "start": params.get("start", 0)}, v3=False)
        yield from extract(first.result, shape)
        if first.next is None:
            return
        if not first.total:  # no total: follow next one page at a time
            nxt: int | None = first.next
            while nxt is not None:
                page = self.call(method, {**params, "start": nxt}, v3=False)
                yield from extract(page.result, shape)
                nxt = page.next
            return
        starts = list(range(first.next, first.total, PAGE))
        for i in range(0, len(starts), 50):
            chunk = starts[i : i + 50]
            result = self.batch(offset_commands(method, params, chunk)).raise_for_errors()
            for s in chunk:
                yield from extract(result.results.get(f"o{s}"), shape)

    def _page_batch(self, commands: Commands) -> BatchResult:
        """One paging request (at most 50 list reads, so no catalog look-up decides its retries)."""
        (chunk,) = plan_batch(commands)
        return parse_batch(self._send(self._batch_call(chunk, False, read=True)).raw, chunk)

    def _iter_fast(
        self, method: str, base: dict[str, Any], shape: ListShape, last: int, parallel: int | None = None
    ) -> Iterator[dict[str, Any]]:
        shape, first, upper = open_scan(self._page_batch(opening_commands(method, base, shape, last)), shape)
        yield from first
        if len(first) < PAGE or upper is None:
            return
        last = record_id(first[-1], shape)
        if last >= upper:
            return
        spans = chain_segments(last, upper)
        workers = auto_concurrency(len(spans), self._limiter.burst, parallel)
        if workers == 1:
            for records in self._fast_pages(method, base, shape, last, upper):
                yield from records
            return

        def read(span: tuple[int, int]) -> list[dict[str, Any]]:
            return [r for records in self._fast_pages(method, base, shape, *span) for r in records]

        for records in _in_order(spans, read, workers):
            yield from records

    def _fast_pages(
        self, method: str, base: dict[str, Any], shape: ListShape, last: int, upper: int
    ) -> Iterator[list[dict[str, Any]]]:
        """Chained rounds over IDs (last, upper], each sized to the pages that can still exist."""
        while last < upper:
            n = chain_length(last, upper)
            records, last, done = consume_chain(
                self._page_batch(chain_commands(method, base, shape, last, n, upper)), n, shape, last
            )
            if records:
                yield records
            if done:
                return


def _in_order(jobs: Sequence[_J], run: Callable[[_J], _R], workers: int) -> Iterator[_R]:
    """Run `jobs` on `workers` threads, at most `workers` in flight, and yield their results in job order."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="b24-worker")
    pending: deque[Future[_R]] = deque()
    todo: Iterator[_J] = iter(jobs)
    try:
        for job in islice(todo, workers):
            pending.append(pool.submit(run, job))
        while pending:
            result = pending.popleft().result()
            for job in islice(todo, 1):
                pending.append(pool.submit(run, job))
            yield result
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
