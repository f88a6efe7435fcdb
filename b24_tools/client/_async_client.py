"""`AsyncB24Client`: the asyncio twin of `B24Client` (same methods, awaitable; `aclose()`)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, Literal, TypeVar

import httpx

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

__all__ = ["AsyncB24Client"]

Commands = Mapping[str, tuple[str, Mapping[str, Any] | None] | str]
Mode = Literal["fast", "offset"]
_J = TypeVar("_J")
_R = TypeVar("_R")


class AsyncB24Client(BaseClient):
    """Asynchronous Bitrix24 REST client: the same methods as `B24Client`, awaitable; `aclose()` closes."""

    def __init__(
        self,
        portal: str,
        *,
        auth: WebhookAuth | OAuthAuth,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
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
        self._http = httpx.AsyncClient(transport=transport, **self._http_options())

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._owns_limiter:
            if hasattr(self._limiter, "aclose"):
                await self._limiter.aclose()
            if hasattr(self._limiter, "close"):
                self._limiter.close()

    async def __aenter__(self) -> AsyncB24Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _before_send(self, request: httpx.Request) -> None:
        if self._to_portal(request):
            self._note_limiter_wait(await self._limiter.aacquire(self._limiter_key))
            self._bump("requests")

    async def _send(self, call: Call) -> B24Response:
        while True:
            try:
                response = await self._http.send(self._request(call), auth=self._auth)
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
            await self._wait(call, step)

    async def _wait(self, call: Call, step: Step) -> None:
        if step.counts:
            self._bump("retries")
        if step.delay > 0:
            self._log_wait(call, step)
            await asyncio.sleep(step.delay)

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        v3: bool | None = None,
    ) -> B24Response:
        """Call one method. `idempotency_key` makes a REST 3.0 write safe to re-send (`Idempotency-Key`)."""
        return await self._send(self._new_call(method, params, v3=v3, idempotency_key=idempotency_key))

    async def batch(
        self, commands: Commands, *, halt: bool = False, concurrency: int | None = None
    ) -> BatchResult:
        """Run named commands, 50 per request, several requests at a time: see `B24Client.batch`."""
        chunks = plan_batch(commands)
        out = BatchResult()
        if halt or len(chunks) == 1:
            for chunk in chunks:
                part = parse_batch((await self._send(self._batch_call(chunk, halt))).raw, chunk)
                out.merge(part)
                if halt and part.errors:
                    break
            return out

        async def run(chunk: list[tuple[str, str, str]]) -> BatchResult:
            return parse_batch((await self._send(self._batch_call(chunk, False))).raw, chunk)

        workers = auto_concurrency(len(chunks), self._limiter.burst, concurrency)
        async for part in _in_order(chunks, run, workers):
            out.merge(part)
        return out

    async def call_many(
        self,
        method: str,
        params_list: Sequence[Mapping[str, Any]],
        *,
        halt: bool = False,
        concurrency: int | None = None,
    ) -> BatchResult:
        """The same method with many params, as batches; results keyed "0", "1", ... in the caller's order."""
        commands = {str(i): (method, p) for i, p in enumerate(params_list)}
        return await self.batch(commands, halt=halt, concurrency=concurrency)

    def iter_list(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "fast",
        parallel: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """`async for record in client.iter_list(...)`: see `B24Client.iter_list`."""
        check_mode(mode, parallel)
        shape = shape_for(method)
        if mode == "offset":
            return self._iter_offset(method, dict(params or {}), shape)
        base, last = prepare_fast(params, shape, method)
        return self._iter_fast(method, base, shape, last, parallel)

    async def _iter_offset(
        self, method: str, params: dict[str, Any], shape: ListShape
    ) -> AsyncIterator[dict[str, Any]]:
        first = await self.call(method, {**params, "start": params.get("start", 0)}, v3=False)
        for r in extract(first.result, shape):
            yield r
        if first.next is None:
            return
        if not first.total:
            nxt: int | None = first.next
            while nxt is not None:
                page = await self.call(method, {**params, "start": nxt}, v3=False)
                for r in extract(page.result, shape):
                    yield r
                nxt = page.next
            return
        starts = list(range(first.next, first.total, PAGE))
        for i in range(0, len(starts), 50):
            chunk = starts[i : i + 50]
            result = (await self.batch(offset_commands(method, params, chunk))).raise_for_errors()
            for s in chunk:
                for r in extract(result.results.get(f"o{s}"), shape):
                    yield r

    async def _page_batch(self, commands: Commands) -> BatchResult:
        """One paging request (at most 50 list reads, so no catalog look-up decides its retries)."""
        (chunk,) = plan_batch(commands)
        return parse_batch((await self._send(self._batch_call(chunk, False, read=True))).raw, chunk)

    async def _iter_fast(
        self, method: str, base: dict[str, Any], shape: ListShape, last: int, parallel: int | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        opening = await self._page_batch(opening_commands(method, base, shape, last))
        shape, first, upper = open_scan(opening, shape)
        for r in first:
            yield r
        if len(first) < PAGE or upper is None:
            return
        last = record_id(first[-1], shape)
        if last >= upper:
            return
        spans = chain_segments(last, upper)
        workers = auto_concurrency(len(spans), self._limiter.burst, parallel)
        if workers == 1:
            async for records in self._fast_pages(method, base, shape, last, upper):
                for r in records:
                    yield r
            return

        async def read(span: tuple[int, int]) -> list[dict[str, Any]]:
            return [r async for records in self._fast_pages(method, base, shape, *span) for r in records]

        async for records in _in_order(spans, read, workers):
            for r in records:
                yield r

    async def _fast_pages(
        self, method: str, base: dict[str, Any], shape: ListShape, last: int, upper: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        while last < upper:
            n = chain_length(last, upper)
            page = await self._page_batch(chain_commands(method, base, shape, last, n, upper))
            records, last, done = consume_chain(page, n, shape, last)
            if records:
                yield records
            if done:
                return


async def _in_order(
    jobs: Sequence[_J], run: Callable[[_J], Awaitable[_R]], workers: int
) -> AsyncIterator[_R]:
    """Run `jobs` as tasks, at most `workers` in flight, and yield their results in job order."""
    pending: deque[asyncio.Task[_R]] = deque()
    todo: Iterator[_J] = iter(jobs)
    try:
        for job in islice(todo, workers):
            pending.append(asyncio.ensure_future(run(job)))
        while pending:
            result = await pending.popleft()
            for job in islice(todo, 1):
                pending.append(asyncio.ensure_future(run(job)))
            yield result
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
