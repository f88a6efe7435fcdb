"""Progress of a bulk job while it executes: a typed snapshot and a per-call hook that never touches state.

    approvals.approve(plan_id, reviewer="alice", on_progress=lambda p: print(f"{p.finished}/{p.total}"))

Execution runs inside a LangGraph node, so the hook travels in a context variable set around the graph call
(LangGraph copies the context into the threads and tasks that run nodes). It is never part of the graph's
input, state, config or the store, so no checkpoint or plan can ever hold it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["BulkProgress", "ProgressHook", "progress_hook", "report_progress"]

_log = logging.getLogger("b24_tools.approval")


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """Counts of one bulk job so far; `done` includes `replayed` (records an earlier run already finished)."""

    plan_id: str
    done: int
    total: int
    failed: int = 0
    replayed: int = 0
    unknown: int = 0

    @property
    def finished(self) -> int:
        """Records settled one way or another (done + failed + unknown); reaches `total` at the end."""
        return self.done + self.failed + self.unknown


ProgressHook = Callable[[BulkProgress], None]

_HOOK: ContextVar[ProgressHook | None] = ContextVar("b24_bulk_progress_hook", default=None)


@contextmanager
def progress_hook(hook: ProgressHook | None) -> Iterator[None]:
    """Make `hook` receive the progress of bulk jobs executed inside this block (this context only)."""
    token = _HOOK.set(hook)
    try:
        yield
    finally:
        _HOOK.reset(token)


def report_progress(progress: BulkProgress) -> None:
    """Hand `progress` to the current hook; a failing hook is logged, never allowed to stop execution."""
    hook = _HOOK.get()
    if hook is None:
        return
    try:
        hook(progress)
    except Exception:  # a display must not leave a bulk job half-run
        _log.warning("bulk progress hook failed; execution continues", exc_info=True)
