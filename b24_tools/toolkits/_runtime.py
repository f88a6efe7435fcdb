"""What every tool of a toolkit shares: the client, the policy, the optional approvals, and how to call."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import B24PolicyError
from ..policy._policy import Assessment, Policy

__all__ = ["Runtime", "CallOutcome"]


class _LoopThread:
    """A private event loop on a daemon thread: lets sync tool calls use an async-only client correctly."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="b24-tools-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()


@dataclass
class CallOutcome:
    """Either the portal's answer (`response`) or a plan awaiting review (`pending`)."""

    method: str
    params: dict[str, Any]
    assessment: Assessment
    response: Any = None
    pending: Any = None


class Runtime:
    """Shared by the tools of one toolkit."""

    def __init__(
        self,
        client: Any,
        policy: Policy,
        approvals: Any = None,
        *,
        confirm_write: bool = True,
        confirm_destructive: bool = True,
    ) -> None:
        self.client = client
        self.policy = policy
        self.approvals = approvals
        self.confirm_write = confirm_write
        self.confirm_destructive = confirm_destructive
        self._loop: _LoopThread | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Runtime(client={type(self.client).__name__}, policy={self.policy!r}, approvals={self.approvals is not None})"

    @property
    def is_async(self) -> bool:
        call = getattr(self.client, "call", None)
        return call is not None and inspect.iscoroutinefunction(call)

    # -------------------------------------------------------------------------------------------- gate

    def gate(self, method: str, params: Mapping[str, Any]) -> Assessment:
        """Policy first (never any I/O before it). With approvals, writes skip the confirm gates: review is the gate."""
        if self.approvals is not None:
            a = self.policy.assess(method, params)
            if a.refusal is not None:
                raise a.refusal
            return a
        return self.policy.check(
            method,
            params,
            confirm_write=self.confirm_write,
            confirm_destructive=self.confirm_destructive,
        )

    def _needs_review(self, a: Assessment) -> bool:
        return self.approvals is not None and a.risk in ("write", "destructive")

    # -------------------------------------------------------------------------------------------- calls

    def call(self, method: str, params: dict[str, Any]) -> CallOutcome:
        a = self.gate(method, params)
        if self._needs_review(a):
            return CallOutcome(method, params, a, pending=self._submit(method, params))
        if self.client is None:
            raise B24PolicyError(
                "no client configured", rule="no_client", allow_with="pass client= to the toolkit"
            )
        if self.is_async:
            return CallOutcome(
                method, params, a, response=self._loop_thread().run(self.client.call(method, params))
            )
        return CallOutcome(method, params, a, response=self.client.call(method, params))

    async def acall(self, method: str, params: dict[str, Any]) -> CallOutcome:
        a = self.gate(method, params)
        if self._needs_review(a):
            submit = getattr(self.approvals, "asubmit", None)
            if submit is not None and inspect.iscoroutinefunction(submit):
                pending = await submit(method, params, requested_by="agent")
            else:
                pending = await asyncio.to_thread(self._submit, method, params)
            return CallOutcome(method, params, a, pending=pending)
        if self.client is None:
            raise B24PolicyError(
                "no client configured", rule="no_client", allow_with="pass client= to the toolkit"
            )
        if self.is_async:
            return CallOutcome(method, params, a, response=await self.client.call(method, params))
        return CallOutcome(
            method, params, a, response=await asyncio.to_thread(self.client.call, method, params)
        )

    def _submit(self, method: str, params: dict[str, Any]) -> Any:
        return self.approvals.submit(method, params, requested_by="agent")

    def _loop_thread(self) -> _LoopThread:
        with self._lock:
            if self._loop is None:
                self._loop = _LoopThread()
            return self._loop
