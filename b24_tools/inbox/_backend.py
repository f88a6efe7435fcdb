"""The inbox's handle on the reviewer API: opened lazily, closed on shutdown, one call at a time."""

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

    Calls run in a worker thread and are serialised: the reviewer API's SQLite connections are shared, and
    deciding one plan twice is settled by the API itself (one wins), not by the order of threads here.
    """

    def __init__(self, source: Any | Callable[[], Any]) -> None:
        self._source = source
        self._api: Any = None
        self._cm: Any = None
        self._lock = threading.RLock()

    def get(self) -> Any:
        with self._lock:
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
        with self._lock:
            return getattr(self.get(), name)(*args, **kwargs)

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(self.call_sync, name, *args, **kwargs)

    async def run(self, fn: Callable[[Any], Any]) -> Any:
        """Run `fn(approvals)` in a worker thread under the lock."""

        def _go() -> Any:
            with self._lock:
                return fn(self.get())

        return await run_in_threadpool(_go)

    def close(self) -> None:
        with self._lock:
            if self._cm is not None:
                try:
                    self._cm.__exit__(None, None, None)
                finally:
                    self._cm = None
                    self._api = None
