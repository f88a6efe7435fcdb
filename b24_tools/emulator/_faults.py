"""Faults switchable at run time (Python API `emu.faults` and `/_emulator/faults`).

Kinds:
- `error`: answer with `code`/`status` (default 500 INTERNAL_SERVER_ERROR) instead of running the method;
- `500`: shorthand for a 500 INTERNAL_SERVER_ERROR;
- `rate_limit`: 503 QUERY_LIMIT_EXCEEDED (a storm when `times` is large);
- `slow`: wait `delay_ms` before answering (the method still runs);
- `drop`: drop the connection without running the method;
- `drop_after_commit`: run the method (the write happens), then drop the connection without an answer.

A fault matches a method name (`"*"` = every method, `"crm.lead.*"` prefix patterns) and fires `times` times
(None = until cleared) or with probability `rate` (deterministic with `seed`).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from ._registry import normalize_method

__all__ = ["Fault", "Faults", "FAULT_KINDS"]

FAULT_KINDS = ("error", "500", "rate_limit", "slow", "drop", "drop_after_commit")


@dataclass
class Fault:
    method: str = "*"
    kind: str = "error"
    times: int | None = 1
    rate: float = 1.0
    code: str | None = None
    description: str | None = None
    status: int | None = None
    delay_ms: float = 0.0
    fired: int = 0
    id: int = 0

    def matches(self, method: str) -> bool:
        pattern = self.method if self.method == "*" else normalize_method(self.method)
        return pattern == "*" or fnmatch.fnmatchcase(method, pattern)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Faults:
    """The active faults; thread-safe."""

    seed: int = 0
    _items: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 1

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def add(
        self,
        method: str = "*",
        kind: str = "error",
        *,
        times: int | None = 1,
        rate: float = 1.0,
        code: str | None = None,
        description: str | None = None,
        status: int | None = None,
        delay_ms: float = 0.0,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
        with self._lock:
            fault = Fault(method, kind, times, rate, code, description, status, delay_ms, id=self._next_id)
            self._next_id += 1
            self._items.append(fault)
            return fault

    def error_rate(
        self, method: str, rate: float, *, code: str = "INTERNAL_SERVER_ERROR", status: int = 500
    ) -> Fault:
        """Fail `rate` of the calls to `method` with `code` until cleared."""
        return self.add(method, "error", times=None, rate=rate, code=code, status=status)

    def storm(self, times: int = 10, method: str = "*") -> Fault:
        """The next `times` requests get 503 QUERY_LIMIT_EXCEEDED."""
        return self.add(method, "rate_limit", times=times)

    def clear(self, method: str | None = None) -> None:
        with self._lock:
            self._items = [] if method is None else [f for f in self._items if f.method != method]

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._items)
            self._items = [f for f in self._items if f.id != fault_id]
            return len(self._items) != before

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._items)

    def take(self, method: str, kinds: tuple[str, ...] = FAULT_KINDS) -> Fault | None:
        """The first armed fault for this method (and count it as fired)."""
        with self._lock:
            for f in self._items:
                if f.kind not in kinds or not f.matches(method):
                    continue
                if f.times is not None and f.fired >= f.times:
                    continue
                if f.rate < 1.0 and self._rng.random() >= f.rate:
                    continue
                f.fired += 1
                if f.times is not None and f.fired >= f.times:
                    self._items.remove(f)
                return f
        return None

    def __len__(self) -> int:
        return len(self._items)
