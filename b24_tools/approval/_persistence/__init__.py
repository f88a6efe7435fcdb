"""Persistence for plans, ledger and checkpoints: one database, one job per module.

    with open_persistence(settings) as p:          # SQLite at settings.sqlite_path, or Postgres when a URL is set
        p.checkpointer, p.store, p.table

- `_factory`: `open_persistence` / `open_async_persistence` build the checkpointer, the store and the status
  table on SQLite (default, WAL) or PostgreSQL (one pool).
- `_serde`: every checkpoint passes through `RedactingSerializer` (secrets masked before bytes are written) and,
  when `settings.encryption_key` is set, LangGraph's `EncryptedSerializer` (AES) on top; `maybe_redact` for
  store records.
- `_status_table`: `StatusTable` (`b24_cas`), the compare-and-set the `BaseStore` API lacks.
- `_buffered`: `BufferedStore`, the puts of one step as one store batch.
"""

from __future__ import annotations

from ._buffered import BufferedStore
from ._factory import Persistence, is_postgres_url, open_async_persistence, open_persistence
from ._serde import RedactingSerializer, make_serializer, maybe_redact
from ._status_table import StatusTable

__all__ = [
    "BufferedStore",
    "Persistence",
    "RedactingSerializer",
    "StatusTable",
    "make_serializer",
    "maybe_redact",
    "open_persistence",
    "open_async_persistence",
    "is_postgres_url",
]
