"""Dead letters in a JSONL file, row for row as the reference's offline worker writes its `--dlq-file`.

Each line: `tenant`, `event`, `message_id`, `retry_count`, `error`, `payload` (the whole event record,
redacted), `ts` (int epoch) — plus this package's `id` and `event_id` (the queue row it came from). Appends
and rewrites hold an exclusive `flock` on the file itself, so the reference's worker, this package's worker and
`b24 events dlq` may share one file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["JsonlDeadLetters", "DLQ_FIELDS"]

DLQ_FIELDS = ("tenant", "event", "message_id", "retry_count", "error", "payload", "ts")


@contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fh = os.fdopen(fd, "r+", encoding="utf-8")
    try:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX
            pass
        yield fh
    finally:
        fh.close()  # closing releases the lock


def _row_id(line: str) -> str:
    """A stable id for a line the reference wrote (it has none)."""
    return hashlib.sha256(line.encode("utf-8")).hexdigest()[:12]


class JsonlDeadLetters:
    """The dead-letter store kept in one JSONL file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def add(self, row: dict[str, Any]) -> None:
        line = json.dumps(row, ensure_ascii=True, default=str) + "\n"
        with _locked(self.path) as fh:
            fh.seek(0, os.SEEK_END)
            fh.write(line)
            fh.flush()

    @staticmethod
    def _parse(text: str) -> list[dict[str, Any]]:
        out = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn line is skipped, never fatal
            if isinstance(row, dict):
                row.setdefault("id", _row_id(line))
                out.append(row)
        return out

    def rows(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with _locked(self.path) as fh:
            return self._parse(fh.read())

    def take(self, ids: Iterable[str] | None) -> list[dict[str, Any]]:
        """Remove the rows with these ids (all rows for None) and return them; the rest are rewritten in place."""
        if not self.path.exists():
            return []
        wanted = None if ids is None else {str(i) for i in ids}
        with _locked(self.path) as fh:
            text = fh.read()
            taken: list[dict[str, Any]] = []
            kept: list[str] = []
            for line in text.splitlines():
                if not line.strip():
                    continue
                rows = self._parse(line)
                row = rows[0] if rows else None
                if row is not None and (wanted is None or str(row["id"]) in wanted):
                    taken.append(row)
                else:
                    kept.append(line)
            fh.seek(0)
            fh.truncate()
            fh.write("".join(k + "\n" for k in kept))
            fh.flush()
            os.fsync(fh.fileno())
        return taken
