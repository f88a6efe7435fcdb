"""A wall clock that tests can move forward (token expiry, operating baskets, idempotency TTL)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

__all__ = ["Clock"]


class Clock:
    def __init__(self, tz_offset: str = "+00:00") -> None:
        self.offset = 0.0
        sign = -1 if tz_offset.startswith("-") else 1
        hh, mm = tz_offset.lstrip("+-").split(":")
        self.tz = timezone(sign * timedelta(hours=int(hh), minutes=int(mm)))

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the emulated time forward (tokens expire, baskets age) without sleeping."""
        self.offset += seconds

    def iso(self, ts: float | None = None) -> str:
        """`2024-07-23T08:07:26+00:00` (api-reference/data-types.md)."""
        return datetime.fromtimestamp(self.now() if ts is None else ts, self.tz).isoformat(timespec="seconds")
