"""A Rich progress bar for bulk execution: done/total, rate, ETA and failures, fed by `BulkProgress`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..approval._progress import BulkProgress, ProgressHook

__all__ = ["bulk_progress_bar", "describe_failures"]


def describe_failures(progress: BulkProgress) -> str:
    """`""`, or `"2 failed · 1 unknown"` in Rich markup when something did not go through."""
    parts = []
    if progress.failed:
        parts.append(f"[red]{progress.failed} failed[/]")
    if progress.unknown:
        parts.append(f"[yellow]{progress.unknown} unknown[/]")
    return " · ".join(parts)


@contextmanager
def bulk_progress_bar(description: str, total: int, *, console: Any = None) -> Iterator[ProgressHook]:
    """Show a bar while the block runs; yields the hook to pass as `on_progress`.

    A resumed job starts the bar at what its earlier run had finished; rate and ETA count this run's work only.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.0f} rec/s"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[failures]}"),
        console=console,
    ) as bar:
        task = bar.add_task(description, total=total, rate=0.0, failures="")
        started: list[float] = []  # [monotonic start, records finished before this run]

        def hook(progress: BulkProgress) -> None:
            now = time.monotonic()
            if not started:
                started.extend((now, float(progress.finished)))
                # the first report may carry an earlier run's work: no speed sample for that jump
                bar.reset(task, total=progress.total, completed=progress.finished)
            elapsed = now - started[0]
            rate = (progress.finished - started[1]) / elapsed if elapsed > 0 else 0.0
            bar.update(
                task,
                total=progress.total,
                completed=progress.finished,
                rate=rate,
                failures=describe_failures(progress),
            )

        yield hook
