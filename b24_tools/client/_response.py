"""Typed views of Bitrix24 answers: `B24Response` (one call), `B24Time`, `BatchResult`, `ClientStats`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import B24APIError

__all__ = ["B24Time", "B24Response", "BatchResult", "ClientStats", "php_map"]


def php_map(value: Any) -> dict[str, Any]:
    """A batch section as a dict: PHP sends an empty map as `[]` and a map with keys 0..n-1 as a list."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class B24Time:
    """The `time` object every answer carries (api-reference/data-types.md#time; limits.md)."""

    start: float | None = None
    finish: float | None = None
    duration: float | None = None
    processing: float | None = None
    date_start: str | None = None
    date_finish: str | None = None
    operating: float | None = None
    operating_reset_at: float | None = None

    @classmethod
    def from_dict(cls, data: Any) -> B24Time | None:
        if not isinstance(data, Mapping):
            return None
        return cls(
            start=_float(data.get("start")),
            finish=_float(data.get("finish")),
            duration=_float(data.get("duration")),
            processing=_float(data.get("processing")),
            date_start=data.get("date_start"),
            date_finish=data.get("date_finish"),
            operating=_float(data.get("operating")),
            operating_reset_at=_float(data.get("operating_reset_at")),
        )


@dataclass(slots=True)
class B24Response:
    """One successful answer: `result`, paging `total`/`next`, `time`, and the whole decoded body in `raw`."""

    result: Any
    total: int | None = None
    next: int | None = None
    time: B24Time | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    status: int = 200
    replayed: bool = False  # REST 3.0 answered `Idempotent-Replayed: true`

    @classmethod
    def from_body(cls, body: dict[str, Any], *, status: int = 200, replayed: bool = False) -> B24Response:
        return cls(
            result=body.get("result"),
            total=_int(body.get("total")),
            next=_int(body.get("next")),
            time=B24Time.from_dict(body.get("time")),
            raw=body,
            status=status,
            replayed=replayed,
        )


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


@dataclass(slots=True)
class BatchResult:
    """Results of a `batch` (possibly several HTTP requests), keyed by command name in the caller's order."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, B24APIError] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    nexts: dict[str, int] = field(default_factory=dict)
    times: dict[str, B24Time] = field(default_factory=dict)
    order: list[str] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> BatchResult:
        """Raise the first command's error (in command order), if any."""
        for name in self.order or list(self.errors):
            if name in self.errors:
                raise self.errors[name]
        return self

    def __getitem__(self, name: str) -> Any:
        if name in self.errors:
            raise self.errors[name]
        return self.results[name]

    def __len__(self) -> int:
        return len(self.order)

    def merge(self, other: BatchResult) -> None:
        self.results.update(other.results)
        self.errors.update(other.errors)
        self.totals.update(other.totals)
        self.nexts.update(other.nexts)
        self.times.update(other.times)
        self.order.extend(other.order)


@dataclass(slots=True)
class ClientStats:
    """Counters for benchmarks and diagnostics."""

    requests: int = 0  # HTTP requests sent to the portal (incl. retries and re-sends)
    throttled: int = 0  # QUERY_LIMIT_EXCEEDED / OVERLOAD_LIMIT / OPERATION_TIME_LIMIT answers
    retries: int = 0  # re-sends after a retryable failure
    limiter_wait: float = 0.0  # seconds spent waiting in the client-side rate limiter
    refreshes: int = 0  # OAuth token refreshes performed by this client's auth
    operating: dict[str, float] = field(default_factory=dict)  # method -> last `time.operating` reported
