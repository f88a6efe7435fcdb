"""The inbox's handle on the reviewer API: opened lazily, closed on shutdown, calls in worker threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

__all__ = ["ReviewerBackend", "is_reviewer_api"]

_API = ("list_pending", "approve", "reject", "edit")


def is_reviewer_api(obj: Any) -> bool:
    return all(callable(getattr(obj, name, None)) for name in _API)


class ReviewerBackend:
    """Wraps `Approvals` (or a factory returning it or a context manager yielding it).

    Calls run in worker threads, never on the event loop. Decisions (and portal reads made for the page) are
    serialised with one lock; listing and showing plans run alongside them, so the inbox stays usable while
    a long bulk job executes. Deciding one plan twice is settled by the API itself (one wins), not here.
    """

    def __init__(self, source: Any | Callable[[], Any]) -> None:
        self._source = source
        self._api: Any = None
        self._cm: Any = None
        self._open_lock = threading.Lock()
        self._decide_lock = threading.RLock()

    @property
    def decide_lock(self) -> threading.RLock:
        """Held while a decision runs; take it around other uses of the portal client."""
        return self._decide_lock

    def get(self) -> Any:
        with self._open_lock:
            if self._api is None:
                obj = self._source if is_reviewer_api(self._source) else self._source()
                if not is_reviewer_api(obj) and hasattr(obj, "__enter__"):
                    self._cm = obj
                    obj = obj.__enter__()
                if not is_reviewer_api(obj):
                    raise TypeError(
                        "create_app() needs an Approvals object (list_pending/approve/edit/reject) or a factory of one"
                    )
                self._api = obj
            return self._api

    def call_sync(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with self._decide_lock:
            return getattr(self.get(), name)(*args, **kwargs)

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A decision (approve / edit / reject / resolve), one at a time."""
        return await run_in_threadpool(self.call_sync, name, *args, **kwargs)

    async def run(self, fn: Callable[[Any], Any], *, exclusive: bool = False) -> Any:
        """Run `fn(approvals)` in a worker thread; `exclusive` takes the decision lock."""

        def _go() -> Any:
            api = self.get()
            if exclusive:
                with self._decide_lock:
                    return fn(api)
            return fn(api)

        return await run_in_threadpool(_go)

    def close(self) -> None:
        with self._open_lock:
            if self._cm is not None:
                try:
                    self._cm.__exit__(None, None, None)
                finally:
                    self._cm = None
                    self._api = None
