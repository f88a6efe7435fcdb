"""Compact text for the model; the full answer travels as the tool artifact."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._redact import redact, redact_text

__all__ = ["render_result", "render_error", "MAX_ITEMS", "MAX_CHARS"]

MAX_ITEMS = 20  # records shown from a list answer
MAX_CHARS = 6000  # hard cap on the text a model sees
MAX_VALUE = 300  # a single long string value is cut to this many characters
_LIST_KEYS = ("items", "tasks", "orders", "payments", "products", "result", "events")


def _compact(value: Any, depth: int = 0) -> Any:
    """Drop empty values, cut long strings, keep structure."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if v in (None, "", [], {}):
                continue
            out[k] = _compact(v, depth + 1)
        return out
    if isinstance(value, list):
        return [_compact(v, depth + 1) for v in value[: MAX_ITEMS if depth else len(value)]]
    if isinstance(value, str) and len(value) > MAX_VALUE:
        return value[:MAX_VALUE] + "…"
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _split_list(result: Any) -> tuple[str | None, list[Any] | None]:
    """Find the record list in an answer: a bare list, or `{"items": [...]}`-style wrappers."""
    if isinstance(result, list):
        return None, result
    if isinstance(result, Mapping) and len(result) == 1:
        key, inner = next(iter(result.items()))
        if isinstance(inner, list) and (key in _LIST_KEYS or not inner or isinstance(inner[0], Mapping)):
            return str(key), inner
    return None, None


def render_result(
    method: str, result: Any, *, total: int | None = None, next_start: int | None = None
) -> str:
    """`crm.lead.list` → one compact JSON record per line, trimmed to MAX_ITEMS with the paging cursor."""
    result = redact(result)
    if method == "batch" and isinstance(result, Mapping) and "result" in result:
        return _render_batch(result)
    if method == "batch" and isinstance(result, Mapping) and "results" in result:  # as the engine records it
        errors = {k: {"error": "", "error_description": v} for k, v in (result.get("errors") or {}).items()}
        return _render_batch({"result": result.get("results") or {}, "result_error": errors})
    key, rows = _split_list(result)
    if rows is not None:
        shown = rows[:MAX_ITEMS]
        lines = [_dumps(_compact(r)) for r in shown]
        head = f"{method}: {len(rows)} record(s)"
        if total:
            head += f" of {total}"
        if key:
            head += f" in '{key}'"
        notes = []
        if len(rows) > len(shown):
            notes.append(f"showing the first {len(shown)}; narrow the request to see the others")
        if next_start is not None:
            notes.append(f"more pages: call again with start={next_start}")
        text = "\n".join([head + (" — " + "; ".join(notes) if notes else ""), *lines])
    elif isinstance(result, bool):
        text = f"{method}: {'ok' if result else 'false'}"
    elif isinstance(result, int | float | str):
        text = f"{method}: {result}"
    elif result is None:
        text = f"{method}: no result"
    else:
        text = f"{method}: {_dumps(_compact(result))}"
    if len(text) > MAX_CHARS:
        text = (
            text[:MAX_CHARS] + f"… (cut at {MAX_CHARS} characters; the full answer is in the tool artifact)"
        )
    return redact_text(text)


def render_error(exc: BaseException) -> str:
    """One line the model can act on: the Bitrix24 code, what it means and what to do — never a traceback."""
    from .._errors import B24APIError, B24Error, B24PolicyError, B24UnknownOutcome, B24ValidationError

    if isinstance(exc, B24PolicyError):
        text = f"Refused by policy ({exc.rule}): {exc.message}."
        text += f" To allow it: {exc.allow_with}." if exc.allow_with else " No setting allows this."
    elif isinstance(exc, B24ValidationError):
        text = f"Invalid input: {exc.message}." + (f" Fix: {exc.hint}." if exc.hint else "")
    elif isinstance(exc, B24UnknownOutcome):
        text = f"Unknown outcome: {exc.message}. Do NOT retry blindly: {exc.hint}."
    elif isinstance(exc, B24APIError):
        code = f" {exc.code}" if exc.code else ""
        text = f"Bitrix24 error{code}: {exc.description or exc.message}."
        if exc.hint:
            text += f" Hint: {exc.hint}."
    elif isinstance(exc, B24Error):
        text = f"{type(exc).__name__}: {exc.message}." + (f" Hint: {exc.hint}." if exc.hint else "")
    else:
        text = f"Unexpected {type(exc).__name__}: {exc}"
    return redact_text(text)


def _render_batch(result: Mapping[str, Any]) -> str:
    """One line per command: its (trimmed) answer or its error, with paging cursors."""
    lines = []
    answers = result.get("result") or {}
    errors = result.get("result_error") or {}
    totals = result.get("result_total") or {}
    nexts = result.get("result_next") or {}
    if isinstance(answers, list):
        answers = {str(i): v for i, v in enumerate(answers)}
    if isinstance(errors, list):
        errors = {str(i): v for i, v in enumerate(errors)}
    for name, value in answers.items():
        key, rows = _split_list(value)
        if rows is not None:
            body = _dumps(_compact(rows[:5]))
            note = f" ({len(rows)} rows"
            if isinstance(totals, Mapping) and totals.get(name):
                note += f" of {totals[name]}"
            if isinstance(nexts, Mapping) and name in nexts:
                note += f", next start={nexts[name]}"
            lines.append(f"{name}: {body}{note})")
        else:
            lines.append(f"{name}: {_dumps(_compact(value))}")
    for name, err in errors.items():
        if isinstance(err, Mapping):
            lines.append(f"{name}: ERROR {err.get('error', '')}: {err.get('error_description', '')}")
    text = "batch:\n" + "\n".join(lines)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + "… (cut; the full answer is in the tool artifact)"
    return redact_text(text)
