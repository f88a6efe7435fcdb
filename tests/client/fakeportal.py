"""A small in-memory Bitrix24 behind `httpx.MockTransport`, for wire-level client tests.

Implements only what the client tests need: webhook and OAuth URLs, list methods with the ID cursor
(`>ID`, `<=ID`, order, start/-1, select), `batch` with `$result[...]` substitution (an unresolvable reference
becomes an empty value, the dangerous case the client must survive) and PHP's `[]` for empty sections.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
import time
from typing import Any
from urllib.parse import unquote

import httpx

from b24_tools.client._phpquery import decode

WEBHOOK_CODE = "hook-secret-code-123"
_REF = re.compile(r"\$result\[([^\]]*)\]((?:\[[^\]]*\])*)")

LIST_SHAPES = {
    "crm.lead.list": (None, "ID", "ID"),
    "crm.deal.list": (None, "ID", "ID"),
    "crm.item.list": ("items", "id", "id"),
    "tasks.task.list": ("tasks", "id", "ID"),
    "user.get": (None, "ID", "ID"),
    "catalog.product.list": ("products", "id", "ID"),  # a wrapped list the client has no shape for
}


def make_records(method: str, n: int, *, step: int = 1, first: int = 1) -> list[dict[str, Any]]:
    _, id_field, _ = LIST_SHAPES[method]
    as_str = method not in ("crm.item.list", "catalog.product.list")
    out = []
    for i in range(n):
        rid = first + i * step
        out.append(
            {id_field: str(rid) if as_str else rid, "TITLE" if id_field == "ID" else "title": f"r{rid}"}
        )
    return out


class FakePortal:
    def __init__(
        self, *, user_id: int = 1, code: str = WEBHOOK_CODE, host: str = "portal.example.com"
    ) -> None:
        self.user_id = user_id
        self.code = code
        self.host = host
        self.tables: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []
        self.methods: list[str] = []
        self.inner_calls = 0
        self.lock = threading.Lock()
        self.resolve_refs = True
        self.delay = 0.0  # seconds each request takes (to see requests overlap)
        self.in_flight = 0
        self.max_in_flight = 0
        self._id_cache: dict[str, tuple[list[dict[str, Any]], list[int]]] = {}

    def _ids(self, method: str, id_field: str) -> list[int]:
        rows = self.tables.get(method, [])
        cached = self._id_cache.get(method)
        if cached is None or cached[0] is not rows or len(cached[1]) != len(rows):
            rows.sort(key=lambda r: int(r[id_field]))
            cached = (rows, [int(r[id_field]) for r in rows])
            self._id_cache[method] = cached
        return cached[1]

    # -- transport --
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._handle(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        prefix = f"/rest/{self.user_id}/{self.code}/"
        path = request.url.path
        if not path.startswith(prefix):
            return httpx.Response(
                401, json={"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}
            )
        method = path[len(prefix) :].removesuffix(".json").lower()
        with self.lock:
            self.bodies.append(body)
            self.methods.append(method)
        if method == "batch":
            return httpx.Response(200, json=self.batch(body))
        ok, value = self.run(method, body)
        if not ok:
            return httpx.Response(400, json=value)
        return httpx.Response(200, json={**value, "time": _time()})

    # -- methods --
    def run(self, method: str, params: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        with self.lock:
            self.inner_calls += 1
        if method in LIST_SHAPES:
            return True, self.list(method, params)
        if method == "user.current":
            return True, {"result": {"ID": "1", "UF_DEPARTMENT": [1]}}
        if method == "department.get":
            return True, {"result": [{"ID": str(params.get("ID")), "NAME": "DEMO"}], "total": 1}
        if method == "crm.lead.add":
            return True, {"result": 7}
        if method == "test.echo":  # answers with what it was sent (order checks)
            return True, {"result": params}
        return False, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}

    def list(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        wrapper, id_field, key = LIST_SHAPES[method]
        rows = self.tables.get(method, [])
        filt = params.get("filter") or {}
        if method == "user.get":
            order = (params.get("order") or "ASC").upper()
        else:
            order = str((params.get("order") or {key: "ASC"}).get(key, "ASC")).upper()

        def num(v: Any) -> int:
            try:  # an unresolved reference arrives as "" (or literally): the filter is then ignored
                return int(v)
            except (TypeError, ValueError):
                return 0

        ids = self._ids(method, id_field)
        lo = bisect.bisect_right(ids, num(filt[f">{key}"])) if f">{key}" in filt else 0
        hi = bisect.bisect_right(ids, num(filt[f"<={key}"])) if f"<={key}" in filt else len(ids)
        start = int(params.get("start", 0) or 0)
        total = hi - lo
        skip = max(start, 0)
        if order != "DESC":
            page = rows[lo + skip : min(lo + skip + 50, hi)]
        else:
            page = rows[max(lo, hi - skip - 50) : max(lo, hi - skip)][::-1]
        result: Any = {wrapper: page} if wrapper else page
        env: dict[str, Any] = {"result": result, "total": 0 if start < 0 else total}
        if start >= 0 and start + 50 < total:
            env["next"] = start + 50
        return env

    def batch(self, body: dict[str, Any]) -> dict[str, Any]:
        results: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        totals: dict[str, Any] = {}
        nexts: dict[str, Any] = {}
        times: dict[str, Any] = {}
        cmds = body.get("cmd") or {}
        if len(cmds) > 50:
            return {"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}
        for name, cmd in cmds.items():
            method, _, query = cmd.partition("?")
            params = decode(query) if query else {}
            params = self._subst(params, results)
            ok, value = self.run(method.lower(), params)
            if ok:
                results[name] = value["result"]
                if value.get("total") is not None:
                    totals[name] = value["total"]
                if value.get("next") is not None:
                    nexts[name] = value["next"]
                times[name] = _time()
            else:
                errors[name] = value
                if body.get("halt") in (1, "1", True):
                    break
        php = lambda d: d or []  # noqa: E731 - PHP's empty array
        return {
            "result": {
                "result": php(results),
                "result_error": php(errors),
                "result_total": php(totals),
                "result_next": php(nexts),
                "result_time": php(times),
            },
            "time": _time(),
        }

    def _subst(self, value: Any, results: dict[str, Any]) -> Any:
        if isinstance(value, dict):
            return {k: self._subst(v, results) for k, v in value.items()}
        if isinstance(value, list):
            return [self._subst(v, results) for v in value]
        if isinstance(value, str) and "$result[" in value:

            def repl(m: re.Match[str]) -> str:
                if not self.resolve_refs:
                    return m.group(0)
                node: Any = results.get(m.group(1))
                for part in re.findall(r"\[([^\]]*)\]", m.group(2)):
                    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                        node = node[int(part)]
                    elif isinstance(node, dict) and part in node:
                        node = node[part]
                    else:
                        return ""
                return "" if isinstance(node, dict | list) else str(node)

            return _REF.sub(repl, unquote(value))
        return value


def _time() -> dict[str, Any]:
    return {
        "start": 1724916859.46,
        "finish": 1724916859.47,
        "duration": 0.01,
        "processing": 0.005,
        "date_start": "2024-08-29T10:34:19+02:00",
        "date_finish": "2024-08-29T10:34:19+02:00",
        "operating": 0.1,
        "operating_reset_at": 1724917459,
    }
