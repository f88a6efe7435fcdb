"""A tiny in-memory stand-in for B24Client, used until (and besides) the emulator: counts every write."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from b24_tools import B24UnknownOutcome, make_api_error


@dataclass
class Resp:
    result: Any
    total: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    results: dict[str, Any]
    errors: dict[str, Any]


class FakeClient:
    def __init__(self) -> None:
        self.leads: dict[int, dict[str, Any]] = {}
        self.ids = itertools.count(1)
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[str] = []  # "drop_after_commit" | "drop_before_commit" | "error"

    def _fault(self) -> str | None:
        return self.faults.pop(0) if self.faults else None

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> Resp:
        params = dict(params or {})
        if method == "crm.lead.add":
            fault = self._fault()
            if fault == "error":
                raise make_api_error("", "Parameter 'fields' must be array.", status=400, method=method)
            if fault == "drop_before_commit":
                raise B24UnknownOutcome("connection dropped", method=method)
            new_id = next(self.ids)
            self.leads[new_id] = {"ID": str(new_id), **params.get("fields", {})}
            self.writes.append((method, params))
            if fault == "drop_after_commit":
                raise B24UnknownOutcome("connection dropped after send", method=method)
            return Resp(new_id)
        if method == "crm.lead.update":
            self.writes.append((method, params))
            self.leads[int(params["id"])].update(params.get("fields", {}))
            return Resp(True)
        if method == "crm.lead.delete":
            self.writes.append((method, params))
            self.leads.pop(int(params["id"]), None)
            return Resp(True)
        if method == "crm.lead.list":
            flt = params.get("filter") or {}
            rows = [r for r in self.leads.values() if all(str(r.get(k)) == str(v) for k, v in flt.items())]
            return Resp(rows, total=len(rows))
        if method == "crm.lead.get":
            return Resp(self.leads[int(params["id"])])
        if method == "user.current":
            return Resp({"ID": "1"})
        raise make_api_error("ERROR_METHOD_NOT_FOUND", "Method not found!", status=404, method=method)

    def batch(self, commands: dict[str, Any], *, halt: bool = False) -> Batch:
        results, errors = {}, {}
        for name, (method, params) in commands.items():
            try:
                results[name] = self.call(method, params).result
            except Exception as exc:  # noqa: BLE001
                errors[name] = exc
        return Batch(results, errors)

    def call_many(self, method: str, params_list: list[dict[str, Any]], *, halt: bool = False) -> Batch:
        fault = self._fault()
        if fault == "drop_before_commit":
            raise B24UnknownOutcome("connection dropped", method="batch")
        out = self.batch({str(i): (method, p) for i, p in enumerate(params_list)}, halt=halt)
        if fault == "drop_after_commit":
            raise B24UnknownOutcome("connection dropped after send", method="batch")
        return out

    def count(self, method: str = "crm.lead.add") -> int:
        return sum(1 for m, _ in self.writes if m == method)


def open_kw(backend: dict[str, Any]) -> dict[str, Any]:
    """`Approvals.open(...)` / `open_persistence(...)` keywords for a `backend` fixture value."""
    return {k: v for k, v in backend.items() if k in ("sqlite_path", "database_url")}
