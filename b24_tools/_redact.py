"""Secret redaction: one place that knows what a secret looks like.

Used by audit, logs, errors, tool output and the checkpoint serializer. Register the concrete secret values of a
process with `register_secret()` (the client does it for the webhook code, tokens and client secret), and
every string passing through `redact()` has them replaced, besides the pattern rules for key names.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

__all__ = [
    "REDACTED",
    "SECRET_KEYS",
    "redact",
    "redact_text",
    "register_secret",
    "known_secrets",
    "RedactingLogFilter",
]

REDACTED = "***"
SECRET_KEYS = frozenset(
    {
        "auth",
        "access_token",
        "refresh_token",
        "client_secret",
        "webhook_code",
        "application_token",
        "password",
        "token",
        "secret",
        "authorization",
        "webhook_url",
    }
)
_TEXT_PATTERNS = [
    re.compile(
        r'("(?:access_token|refresh_token|auth|webhook_code|client_secret|application_token)"\s*:\s*)"[^"]*"',
        re.I,
    ),
    re.compile(
        r"((?:access_token|refresh_token|auth|client_secret|application_token|auth\[application_token\])=)[^&\s\"']+",
        re.I,
    ),
    re.compile(r"(/rest/(?:api/)?\d+/)[^/\s\"']+"),
]
_lock = threading.Lock()
_secrets: set[str] = set()


class RedactingLogFilter(logging.Filter):
    """Redacts log records of the HTTP libraries (httpx logs every URL, and a webhook URL holds its code)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_LOG_FILTER = RedactingLogFilter()
_HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)


def register_secret(value: str | None) -> None:
    """Remember a concrete secret so that `redact()` removes it wherever it appears (min. 6 chars)."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)
        for name in _HTTP_LOGGERS:
            logger = logging.getLogger(name)
            if _LOG_FILTER not in logger.filters:
                logger.addFilter(_LOG_FILTER)


def known_secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_secrets)


def redact_text(text: str) -> str:
    """Replace registered secrets and secret-looking `key=value` / `"key": "value"` / webhook paths."""
    for secret in sorted(known_secrets(), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _TEXT_PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + ('"***"' if m.group(1).rstrip().endswith(":") else REDACTED), text
        )
    return text


def redact(value: Any) -> Any:
    """Deep copy of `value` with secret keys masked and secret strings replaced."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if str(k).lower() in SECRET_KEYS and v not in (None, "") else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return (
            type(value)(redact(v) for v in value) if isinstance(value, tuple) else [redact(v) for v in value]
        )
    if isinstance(value, str):
        return redact_text(value)
    return value
