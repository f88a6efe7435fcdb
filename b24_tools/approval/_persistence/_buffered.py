"""`BufferedStore`: the puts of one step written as one store batch (one transaction instead of one per put)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["BufferedStore"]


class BufferedStore:
    """Wraps a `BaseStore`: inside `with buffered():` puts are collected and written as one `batch()`.

    Fewer round trips (one transaction instead of one per put). Reads see buffered writes; `flush()` writes
    what is buffered now (used before a compare-and-set that must follow a durable write).
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    @property
    def _ops(self) -> list[Any] | None:
        return getattr(self._local, "ops", None)

    def put(self, namespace: tuple[str, ...], key: str, value: dict[str, Any], index: Any = None) -> None:
        ops = self._ops
        if ops is None:
            self.store.put(namespace, key, value, index=index)
            return
        from langgraph.store.base import PutOp

        ops.append(PutOp(tuple(namespace), key, value, index=index))

    def get(self, namespace: tuple[str, ...], key: str) -> Any:
        ops = self._ops
        if ops:
            for op in reversed(ops):
                if op.namespace == tuple(namespace) and op.key == key:
                    import datetime as _dt

                    from langgraph.store.base import Item

                    ts = _dt.datetime.fromtimestamp(time.time(), tz=_dt.UTC)
                    return Item(
                        value=op.value, key=key, namespace=tuple(namespace), created_at=ts, updated_at=ts
                    )
        return self.store.get(namespace, key)

    def search(self, *args: Any, **kw: Any) -> Any:
        self.flush()
        return self.store.search(*args, **kw)

    def flush(self) -> None:
        ops = self._ops
        if ops:
            batch = list(ops)
            ops.clear()
            self.store.batch(batch)

    @contextmanager
    def buffered(self) -> Iterator[None]:
        if self._ops is not None:  # nested: the outer block flushes
            yield
            return
        self._local.ops = []
        try:
            yield
        finally:
            try:
                self.flush()
            finally:
                self._local.ops = None
