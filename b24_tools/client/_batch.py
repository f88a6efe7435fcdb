"""Batch encoding (settings/how-to-call-rest-api/batch.md): command strings, 50-command chunks, references, results.

Pure functions shared by both clients: `encode_command` builds `method?query` with PHP-style keys
(`_phpquery.encode`), `plan_batch` validates names and `$result[...]` references and chunks in order,
`parse_batch` decodes one answer, accepting PHP's `[]` for empty sections.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from .._errors import B24ValidationError, make_api_error
from .._redact import redact_text
from ._phpquery import encode
from ._response import B24Time, BatchResult, php_map

__all__ = ["BATCH_LIMIT", "check_method", "encode_command", "plan_batch", "parse_batch"]

BATCH_LIMIT = 50  # batch.md: at most 50 commands per request
_METHOD_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", re.I)
_REF_RE = re.compile(r"\$result\[([^\]]*)\]")


def check_method(method: str) -> str:
    name = (method or "").strip()
    if name.lower().endswith(".json"):
        name = name[:-5]
    if not _METHOD_RE.match(name):
        raise B24ValidationError(
            f"{method!r} is not a Bitrix24 method name",
            hint="use dotted names such as crm.lead.list",
            method=method,
        )
    return name


def encode_command(command: tuple[str, Mapping[str, Any] | None] | str) -> tuple[str, str]:
    """`("crm.lead.list", {"filter": {">ID": 5}})` → (`crm.lead.list`, `crm.lead.list?filter%5B%3EID%5D=5`)."""
    if isinstance(command, str):
        method = check_method(command.split("?", 1)[0])
        return method, command.strip()
    if not isinstance(command, tuple | list) or len(command) != 2:
        raise B24ValidationError(
            f"batch command {command!r} must be (method, params) or 'method?query'", hint="see batch.md"
        )
    method = check_method(command[0])
    params = command[1] or {}
    if not isinstance(params, Mapping):
        raise B24ValidationError(f"params of {method} must be a dict", method=method)
    query = encode(params)
    return method, f"{method}?{query}" if query else method


def plan_batch(
    commands: Mapping[str, tuple[str, Mapping[str, Any] | None] | str], size: int = BATCH_LIMIT
) -> list[list[tuple[str, str, str]]]:
    """Encode and chunk commands into requests of at most `size`, keeping order; check `$result[...]` references.

    Returns chunks of (name, method, cmd string). References must point to an earlier command of the same chunk.
    """
    if not isinstance(commands, Mapping):
        raise B24ValidationError(
            "batch commands must be a mapping of name -> (method, params) or 'method?query'"
        )
    items: list[tuple[str, str, str]] = []
    for name, command in commands.items():
        name = str(name)
        if not name or any(c in name for c in "[]&=?"):
            raise B24ValidationError(f"batch command name {name!r} may not be empty or contain [ ] & = ?")
        method, cmd = encode_command(command)
        if method.lower() == "batch":
            raise B24ValidationError(
                f"batch command {name!r} nests another batch",
                hint="the portal refuses nested batch (batch.md)",
                method=method,
            )
        items.append((name, method, cmd))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    where = {name: (ci, pos) for ci, chunk in enumerate(chunks) for pos, (name, _, _) in enumerate(chunk)}
    for ci, chunk in enumerate(chunks):
        for pos, (name, method, cmd) in enumerate(chunk):
            for ref in _REF_RE.findall(unquote(cmd)) if "result" in cmd else ():
                target = where.get(ref)
                if target is None:
                    raise B24ValidationError(
                        f"batch command {name!r} refers to $result[{ref}], which is not a command of this batch",
                        method=method,
                    )
                if target[0] != ci:
                    raise B24ValidationError(
                        f"batch command {name!r} refers to $result[{ref}] in another 50-command chunk",
                        hint="references work only within one request: keep dependent commands within 50 of each other",
                        method=method,
                    )
                if target[1] >= pos:
                    raise B24ValidationError(
                        f"batch command {name!r} refers to $result[{ref}], which runs after it", method=method
                    )
    return chunks


def parse_batch(body: Mapping[str, Any], chunk: list[tuple[str, str, str]]) -> BatchResult:
    """Decode one batch answer; PHP's `[]` for empty maps is accepted in every section."""
    outer = body.get("result")
    outer = outer if isinstance(outer, Mapping) else {}
    results = php_map(outer.get("result"))
    errors = php_map(outer.get("result_error"))
    totals = php_map(outer.get("result_total"))
    nexts = php_map(outer.get("result_next"))
    times = php_map(outer.get("result_time"))
    out = BatchResult()
    for name, method, _ in chunk:
        if name in errors:
            err = errors[name]
            if isinstance(err, Mapping):
                code, desc = str(err.get("error") or ""), str(err.get("error_description") or "")
            else:
                code, desc = "", str(err)
            out.errors[name] = make_api_error(
                code,
                redact_text(desc),
                method=method,
                payload=dict(err) if isinstance(err, Mapping) else None,
            )
        elif name in results:
            out.results[name] = results[name]
        else:
            continue  # not executed (halt)
        out.order.append(name)
        if name in totals and totals[name] is not None:
            out.totals[name] = int(totals[name])
        if name in nexts and nexts[name] is not None:
            out.nexts[name] = int(nexts[name])
        t = B24Time.from_dict(times.get(name))
        if t is not None:
            out.times[name] = t
    return out
