"""Export a CRM slice to JSONL or CSV with fast ID paging, constant memory, and resume from the last written ID.

Records are fetched in ascending ID order (`client.iter_list(mode="fast")`: `>ID` filter, `start=-1`, no count),
written one by one and flushed every page, so memory stays flat however large the slice. `resume=True` reads
the last complete record of an existing file (a torn last line from a crash is cut off) and continues with
`>ID` of that record. Doc: settings/performance/huge-data.md (fast export by ID).
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._errors import B24ValidationError

__all__ = [
    "ExportResult",
    "export_entity",
    "list_method_for",
    "ENTITY_METHODS",
    "last_exported_id",
    "count_matching",
]

ENTITY_METHODS: dict[str, str] = {
    "lead": "crm.lead.list",
    "deal": "crm.deal.list",
    "contact": "crm.contact.list",
    "company": "crm.company.list",
    "activity": "crm.activity.list",
    "task": "tasks.task.list",
    "user": "user.get",
    "product": "crm.product.list",
}

Format = Literal["jsonl", "csv"]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    entity: str
    method: str
    path: Path
    format: Format
    written: int
    total_in_file: int
    resumed_after_id: int | None
    last_id: int | None
    seconds: float


def list_method_for(entity: str) -> str:
    """`deal` / `deals` / `crm.deal.list` → the list method."""
    key = entity.strip().lower()
    if "." in key:
        return key
    key = key[:-1] if key.endswith("s") and key[:-1] in ENTITY_METHODS else key
    key = "company" if key == "companie" else key
    if key not in ENTITY_METHODS:
        raise B24ValidationError(
            f"unknown entity {entity!r}", hint=f"use one of {', '.join(ENTITY_METHODS)} or a list method name"
        )
    return ENTITY_METHODS[key]


def _id_of(rec: Mapping[str, Any]) -> int | None:
    for key in ("ID", "id"):
        if rec.get(key) not in (None, ""):
            try:
                return int(rec[key])
            except (TypeError, ValueError):
                return None
    return None


def _format_for(path: Path, fmt: str | None) -> Format:
    f = (fmt or path.suffix.lstrip(".")).lower()
    if f not in ("jsonl", "csv"):
        raise B24ValidationError(
            f"cannot export to {path.name!r}", hint="use a .jsonl or .csv file (or --format)"
        )
    return f  # type: ignore[return-value]


def _tail_lines(path: Path, max_bytes: int = 1 << 20) -> tuple[list[bytes], int]:
    """The last lines of a file and the byte offset where the complete part ends (a torn last line is excluded)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        start = max(0, size - max_bytes)
        fh.seek(start)
        chunk = fh.read()
    end = size
    if chunk and not chunk.endswith(b"\n"):
        cut = chunk.rfind(b"\n")
        end = start + cut + 1 if cut >= 0 else start
        chunk = chunk[: cut + 1] if cut >= 0 else b""
    return [ln for ln in chunk.split(b"\n") if ln.strip()], end


def last_exported_id(path: str | Path, fmt: str | None = None) -> tuple[int | None, int]:
    """(last ID written, number of complete records) of an existing export; a torn last line is truncated."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return None, 0
    f = _format_for(p, fmt)
    lines, end = _tail_lines(p)
    if end < p.stat().st_size:
        with p.open("r+b") as fh:
            fh.truncate(end)
    last: int | None = None
    if f == "jsonl":
        for raw in reversed(lines):
            try:
                last = _id_of(json.loads(raw))
            except json.JSONDecodeError:
                continue
            if last is not None:
                break
        count = _count_lines(p)
    else:
        with p.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
        idx = next((i for i, h in enumerate(header) if h in ("ID", "id")), None)
        if idx is None:
            raise B24ValidationError(f"{p.name} has no ID column", hint="export again without --resume")
        for raw in reversed(lines[1:] if len(lines) > 1 else []):
            row = next(csv.reader(io.StringIO(raw.decode("utf-8"))), [])
            if len(row) > idx and row[idx].isdigit():
                last = int(row[idx])
                break
        count = max(0, _count_lines(p) - 1)
    return last, count


def _count_lines(p: Path) -> int:
    n = 0
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def count_matching(client: Any, method: str, params: Mapping[str, Any]) -> int | None:
    """`total` for the slice (one cheap request selecting only ID), for the progress bar's ETA."""
    try:
        resp = client.call(method, {**params, "select": ["ID"], "start": 0})
    except Exception:  # a count is a nicety, never a reason to fail the export
        return None
    return resp.total


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def export_entity(
    client: Any,
    entity: str,
    out: str | Path,
    *,
    filter: Mapping[str, Any] | None = None,
    select: Sequence[str] | None = None,
    resume: bool = False,
    fmt: str | None = None,
    progress: Callable[[int], None] | None = None,
    records: Iterable[Mapping[str, Any]] | None = None,
) -> ExportResult:
    """Write the slice to `out`; `progress(n)` is called after each flushed page with the records written so far."""
    t0 = time.monotonic()
    method = list_method_for(entity)
    path = Path(out)
    f = _format_for(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    after: int | None = None
    existing = 0
    if resume:
        after, existing = last_exported_id(path, f)
    elif path.exists():
        path.unlink()
    flt = dict(filter or {})
    if after is not None:
        prev = flt.get(">ID")
        flt[">ID"] = max(after, int(prev)) if prev not in (None, "") else after
    sel = list(select) if select else None
    if sel and not any(s.upper() == "ID" for s in sel):
        sel = ["ID", *sel]
    params: dict[str, Any] = {"filter": flt}
    if sel:
        params["select"] = sel
    source = records if records is not None else client.iter_list(method, params, mode="fast")

    written = 0
    last_id = after
    header: list[str] | None = None
    if f == "csv" and path.exists() and path.stat().st_size > 0:
        with path.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), None)
    mode = "a" if path.exists() else "w"
    with path.open(mode, encoding="utf-8", newline="") as fh:
        writer: Any = None
        for rec in _iter_after(source, after):
            if f == "jsonl":
                fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
            else:
                if writer is None:
                    if header is None:
                        header = list(sel) if sel else list(rec.keys())
                        writer = csv.writer(fh)
                        writer.writerow(header)
                    else:
                        writer = csv.writer(fh)
                writer.writerow([_csv_value(rec.get(col)) for col in header or ()])
            written += 1
            last_id = _id_of(rec) if _id_of(rec) is not None else last_id
            if written % 50 == 0:
                fh.flush()
                if progress:
                    progress(written)
        fh.flush()
        os.fsync(fh.fileno())
    if progress:
        progress(written)
    return ExportResult(
        entity=entity,
        method=method,
        path=path,
        format=f,
        written=written,
        total_in_file=existing + written,
        resumed_after_id=after,
        last_id=last_id,
        seconds=round(time.monotonic() - t0, 3),
    )


def _iter_after(source: Iterable[Mapping[str, Any]], after: int | None) -> Iterator[Mapping[str, Any]]:
    for rec in source:
        rid = _id_of(rec)
        if after is not None and rid is not None and rid <= after:
            continue  # never write a record twice, whatever the source does
        yield rec
