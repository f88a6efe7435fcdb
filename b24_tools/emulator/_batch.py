"""`batch`: up to 50 commands run in order, `halt`, `$result[name][…]` references, PHP-shaped sections.

Doc: settings/how-to-call-rest-api/batch.md. `cmd` is a map (or a list) of `method?query` strings; the query is
parsed like any request (PHP nested keys) and `$result[cmd][key]…` in its values is replaced with data from an
earlier command's result. A nested `batch` is refused per command (ERROR_BATCH_METHOD_NOT_ALLOWED). The answer is
always HTTP 200 with `result`, `result_error`, `result_total`, `result_next`, `result_time`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from ..client._phpquery import decode_pairs
from ._envelope import php_map, time_block
from ._errors import ApiError
from ._registry import Ctx, Registry, normalize_method

__all__ = ["register_batch", "substitute", "MAX_COMMANDS"]

MAX_COMMANDS = 50
_REF_RE = re.compile(r"\$result((?:\[[^\[\]]*\])+)")
_KEY_RE = re.compile(r"\[([^\[\]]*)\]")


def _lookup(results: dict[str, Any], path: list[str]) -> Any:
    node: Any = results
    for key in path:
        if isinstance(node, dict):
            if key in node:
                node = node[key]
            else:
                return None
        elif isinstance(node, list):
            try:
                node = node[int(key)]
            except (ValueError, IndexError):
                return None
        else:
            return None
    return node


def substitute(value: Any, results: dict[str, Any]) -> Any:
    """Replace `$result[name][…]` in every string of a parsed parameter tree."""
    if isinstance(value, dict):
        return {k: substitute(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, results) for v in value]
    if not isinstance(value, str) or "$result[" not in value:
        return value
    whole = _REF_RE.fullmatch(value)
    if whole:
        found = _lookup(results, _KEY_RE.findall(whole.group(1)))
        return "" if found is None else found

    def repl(m: re.Match[str]) -> str:
        found = _lookup(results, _KEY_RE.findall(m.group(1)))
        if found is None or isinstance(found, dict | list):
            return ""
        if isinstance(found, bool):
            return "1" if found else ""
        return str(found)

    return _REF_RE.sub(repl, value)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "Y", "y", "True")


def batch(ctx: Ctx, params: dict[str, Any]) -> Any:
    cmd = params.get("cmd")
    if cmd is None or cmd == "":
        cmd = {}
    if isinstance(cmd, list):
        commands = [(str(i), c) for i, c in enumerate(cmd)]
    elif isinstance(cmd, dict):
        commands = [(str(k), c) for k, c in cmd.items()]
    else:
        raise ApiError("INVALID_REQUEST", "Parameter 'cmd' must be array", 400)
    if len(commands) > MAX_COMMANDS:
        raise ApiError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", 400)
    halt = _truthy(params.get("halt", 0))
    portal = ctx.portal
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    nexts: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for name, command in commands:
        portal.stats.batch_commands += 1
        method, _, query = str(command).partition("?")
        sub = decode_pairs(parse_qsl(query, keep_blank_values=True))
        sub.pop("auth", None)
        sub = substitute(sub, results)
        inner = portal.inner_ctx(ctx, normalize_method(method))
        start = portal.clock.now()
        try:
            answer, processing, sleep = portal.invoke(inner, sub)
        except ApiError as exc:
            errors[name] = {"error": exc.code, "error_description": exc.description}
            if halt:
                break
            continue
        finally:
            if any(e[0] == "__drop__" for e in inner.events):
                ctx.events.append(("__drop__", {}, ""))
        results[name] = answer.result
        if answer.total is not None:
            totals[name] = answer.total
        if answer.next is not None:
            nexts[name] = answer.next
        operating, reset_at = portal.operating.state(inner.auth_key, inner.method)
        times[name] = time_block(portal.clock, start, processing, processing, operating, reset_at)
        ctx.sleep += sleep
    return {
        "result": php_map(results),
        "result_error": php_map(errors),
        "result_total": php_map(totals),
        "result_next": php_map(nexts),
        "result_time": php_map(times),
    }


def register_batch(reg: Registry) -> None:
    reg.add("batch", batch, scope="basic", batch_ok=False, pack="core")
