"""Checkpoint serialization that never writes a secret: redaction first, AES (`EncryptedSerializer`) when keyed.

`RedactingSerializer` masks registered secrets and secret-named keys before LangGraph's serializer writes bytes
(a byte-level check skips the walk when nothing could match); `redacting_saver` does the same for the values
PostgresSaver stores inline; `maybe_redact` is the cheap redaction the store's records use.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from ..._errors import B24ConfigError
from ..._redact import SECRET_KEYS, known_secrets, redact, redact_text
from ..._settings import B24Settings

__all__ = ["RedactingSerializer", "make_serializer", "maybe_redact", "redacting_saver"]


def _scrub(obj: Any, depth: int = 0) -> Any:
    """Redact secrets inside the values a checkpoint may hold (containers, pydantic models, dataclasses)."""
    if depth > 40:
        return obj
    if isinstance(obj, str):
        return redact_text(obj) if obj else obj
    if isinstance(obj, dict):
        return redact({k: _scrub(v, depth + 1) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_scrub(v, depth + 1) for v in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_scrub(v, depth + 1) for v in obj)
    if isinstance(obj, set | frozenset):
        return type(obj)(_scrub(v, depth + 1) for v in obj)
    if hasattr(obj, "model_copy") and hasattr(type(obj), "model_fields"):
        try:
            update = {name: _scrub(getattr(obj, name), depth + 1) for name in type(obj).model_fields}
            return obj.model_copy(update=update)
        except Exception:  # pragma: no cover - exotic models are stored as they are
            return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        try:
            changes = {
                f.name: _scrub(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj) if f.init
            }
            return dataclasses.replace(obj, **changes)
        except Exception:  # pragma: no cover
            return obj
    return obj


_TRIGGERS = tuple(k.encode() for k in SECRET_KEYS) + (b"/rest/", b"token")


def _may_hold_secret(data: bytes) -> bool:
    if not data:
        return False
    low = data.lower()
    if any(t in low for t in _TRIGGERS):
        return True
    return any(s.encode() in data for s in known_secrets())


def maybe_redact(value: Any) -> Any:
    """`redact(value)`, skipped when its JSON shows nothing redact() could change (a C-speed check)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return redact(value)
    return redact(value) if _may_hold_secret(text.encode()) else value


class RedactingSerializer(SerializerProtocol):
    """Wraps a LangGraph serializer; masks registered secrets and secret-named keys before dumping."""

    def __init__(self, inner: SerializerProtocol | None = None) -> None:
        self.inner = inner or JsonPlusSerializer()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        typ, data = self.inner.dumps_typed(obj)
        if not _may_hold_secret(data):
            return typ, data  # fast path: no registered secret and no secret-looking key or URL in the bytes
        return self.inner.dumps_typed(_scrub(obj))

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)


def _scrub_checkpoint(checkpoint: Any) -> Any:
    """PostgresSaver stores primitive channel values inline (not through the serializer): scrub those too."""
    values = checkpoint.get("channel_values") or {}
    if not any(isinstance(v, str) for v in values.values()):
        return checkpoint
    return {
        **checkpoint,
        "channel_values": {k: redact_text(v) if isinstance(v, str) else v for k, v in values.items()},
    }


def redacting_saver(cls: type) -> type:
    """A subclass of a checkpointer whose inline (non-serialized) checkpoint values are redacted."""

    class _Redacting(cls):
        def put(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            return super().put(config, _scrub_checkpoint(checkpoint), _scrub(metadata), new_versions)

        async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            return await super().aput(config, _scrub_checkpoint(checkpoint), _scrub(metadata), new_versions)

    _Redacting.__name__ = _Redacting.__qualname__ = f"Redacting{cls.__name__}"
    return _Redacting


def make_serializer(
    settings: B24Settings | None = None, *, encryption_key: str | bytes | None = None
) -> SerializerProtocol:
    """Redacting serializer, wrapped in AES (`EncryptedSerializer`) when a key is configured."""
    serde: SerializerProtocol = RedactingSerializer(JsonPlusSerializer())
    key: str | bytes | None = encryption_key
    if key is None and settings is not None and settings.encryption_key is not None:
        key = settings.encryption_key.get_secret_value() or None
    if key:
        try:
            from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
        except ImportError as exc:  # pragma: no cover
            raise B24ConfigError(
                "checkpoint encryption needs pycryptodome", hint="pip install 'b24-tools[crypto]'"
            ) from exc
        raw = key.encode() if isinstance(key, str) else key
        if len(raw) not in (16, 24, 32):
            raise B24ConfigError(
                "B24_ENCRYPTION_KEY must be 16, 24 or 32 bytes long (AES-128/192/256)",
                hint="generate one with: python -c 'import secrets; print(secrets.token_hex(16))'",
            )
        try:
            serde = EncryptedSerializer.from_pycryptodome_aes(serde=serde, key=raw)
        except ImportError as exc:  # pragma: no cover
            raise B24ConfigError(
                "checkpoint encryption needs pycryptodome", hint="pip install 'b24-tools[crypto]'"
            ) from exc
    return serde
