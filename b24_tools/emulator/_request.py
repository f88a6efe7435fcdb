"""Request parsing: where the call goes (webhook / OAuth / REST 3.0) and its parameters.

Parameters may come as a GET query string, a JSON body, a form-urlencoded or a multipart body, all with
PHP-style nested keys (`filter[>ID]=5`, `fields[PHONE][0][VALUE]=…`); query and body are merged, the body wins
(settings/how-to-call-rest-api/general-principles.md, data-encoding.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from ..client._phpquery import decode_pairs

__all__ = ["Route", "parse_route", "read_params", "BadBody"]


@dataclass(frozen=True)
class Route:
    kind: str  # "webhook" | "oauth" | "invalid"
    method: str
    user_id: int | None = None
    code: str | None = None
    v3: bool = False


def parse_route(path: str) -> Route:
    """`rest/1/CODE/crm.lead.add.json`, `rest/crm.lead.add`, `rest/api/1/CODE/tasks.task.add`, `rest/api/x`."""
    segs = [s for s in path.strip("/").split("/") if s]
    if segs and segs[0] == "rest":
        segs = segs[1:]
    v3 = bool(segs) and segs[0] == "api"
    if v3:
        segs = segs[1:]
    if len(segs) == 3 and segs[0].isdigit():
        return Route("webhook", segs[2], int(segs[0]), segs[1], v3)
    if len(segs) == 1:
        return Route("oauth", segs[0], v3=v3)
    return Route("invalid", segs[-1] if segs else "", v3=v3)


class BadBody(Exception):
    """The body could not be parsed (REST 3.0 answers INVALIDJSONEXCEPTION)."""


async def read_params(request: Request, *, json_only: bool = False) -> tuple[dict[str, Any], bytes]:
    """→ (params, raw body). `json_only` (REST 3.0) ignores the query string and refuses non-JSON bodies."""
    body = await request.body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params: dict[str, Any] = {}
    if not json_only:
        _merge(params, decode_pairs(parse_qsl(request.url.query, keep_blank_values=True)))
    if not body:
        return params, body
    if ctype == "application/json" or (json_only and ctype in ("", "text/plain")) or body[:1] in (b"{", b"["):
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data") and json_only:
            raise BadBody("form bodies are not accepted by REST 3.0")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested past what the parser follows
            if json_only or ctype == "application/json":
                raise BadBody(str(exc)) from exc
            data = None
        if data is not None:
            if isinstance(data, dict):
                params.update(data)
            else:
                params["__body__"] = data
            return params, body
    if json_only:
        raise BadBody("REST 3.0 accepts JSON bodies only")
    if ctype == "multipart/form-data":
        form = await request.form()
        pairs: list[tuple[str, Any]] = []
        for key, value in form.multi_items():
            if not isinstance(value, str):  # an upload: its name and bytes are enough for the emulator
                content = await value.read()
                pairs.append((key, {"filename": value.filename, "size": len(content), "content": content}))
            else:
                pairs.append((key, value))
        _merge(params, decode_pairs(pairs))
        return params, body
    _merge(params, decode_pairs(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)))
    return params, body


def _merge(params: dict[str, Any], decoded: Any) -> None:
    """PHP-positional bodies (`0=5&1[TITLE]=x`) decode to a list: keep it whole under `__body__`."""
    if isinstance(decoded, list):
        params["__body__"] = decoded
    else:
        params.update(decoded)
