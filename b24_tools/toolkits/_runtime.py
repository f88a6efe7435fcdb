"""What every tool of a toolkit shares: the client, the policy, the approvals, and how to call.

Reads go to the client at once. Writes and deletes never reach the client from here: they are submitted to the
approval engine (`approvals=`, or the default store from settings, as `Approvals.open()` opens it) and wait for a
human as a pending plan. `confirm_write=True` / `confirm_destructive=True` are the explicit opt-in to run them
without a reviewer — still through the engine (ledger claim, origin marker, audit), never around it.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import threading
from collections.abc import Coroutine, Mapping
from contextlib import ExitStack
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


class _SyncBridge:
    """An async client seen synchronously by the engine (its calls run on the toolkit's private loop)."""

    def __init__(self, client: Any, loop: _LoopThread) -> None:
        self._client, self._loop = client, loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        def call(*args: Any, **kw: Any) -> Any:
            return self._loop.run(attr(*args, **kw))

        return call


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
        confirm_write: bool = False,
        confirm_destructive: bool = False,
        settings: Any = None,
    ) -> None:
        self.client = client
        self.policy = policy
        self.approvals = approvals
        self.confirm_write = confirm_write
        self.confirm_destructive = confirm_destructive
        self.settings = settings
        self._loop: _LoopThread | None = None
        self._lock = threading.Lock()
        self._stack: ExitStack | None = None

    def __repr__(self) -> str:
        return f"Runtime(client={type(self.client).__name__}, policy={self.policy!r}, approvals={self.approvals is not None})"

    @property
    def is_async(self) -> bool:
        call = getattr(self.client, "call", None)
        return call is not None and inspect.iscoroutinefunction(call)

    # -------------------------------------------------------------------------------------------- gate

    def gate(self, method: str, params: Mapping[str, Any]) -> Assessment:
        """Policy first (never any I/O before it): packs, allowlist, batch inner commands. Risk is by arguments."""
        a = self.policy.assess(method, params)
        if a.refusal is not None:
            raise a.refusal
        return a

    def writes_to(self) -> Any:
        """Where writes go: `approvals=`, else the default store from settings (opened once, closed at exit)."""
        if self.approvals is not None:
            return self.approvals
        with self._lock:
            if self.approvals is None:
                from ..approval import Approvals

                client = self.client
                if client is not None and self.is_async:
                    client = _SyncBridge(client, self._loop_thread_unlocked())
                stack = ExitStack()
                self.approvals = stack.enter_context(
                    Approvals.open(self.settings, client=client, policy=self.policy)
                )
                self._stack = stack
                atexit.register(stack.close)
            return self.approvals

    def close(self) -> None:
        """Close the default store this runtime opened (if any)."""
        if self._stack is not None:
            self._stack.close()
            self._stack, self.approvals = None, None

    # -------------------------------------------------------------------------------------------- calls

    def call(self, method: str, params: dict[str, Any]) -> CallOutcome:
        a = self.gate(method, params)
        if a.risk != "read":
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
        if a.risk != "read":
            # the caller's own async approvals, if any (the default store is opened synchronously)
            submit = getattr(self.approvals, "asubmit", None) if self._stack is None else None
            if submit is not None and inspect.iscoroutinefunction(submit):
                pending = await submit(method, params, requested_by="agent", **self._confirmations())
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

    def _confirmations(self) -> dict[str, bool]:
        out = {}
        if self.confirm_write:
            out["confirm_write"] = True
        if self.confirm_destructive:
            out["confirm_destructive"] = True
        return out

    def _submit(self, method: str, params: dict[str, Any]) -> Any:
        return self.writes_to().submit(method, params, requested_by="agent", **self._confirmations())

    def _loop_thread(self) -> _LoopThread:
        with self._lock:
            return self._loop_thread_unlocked()

    def _loop_thread_unlocked(self) -> _LoopThread:
        if self._loop is None:
            self._loop = _LoopThread()
        return self._loop
