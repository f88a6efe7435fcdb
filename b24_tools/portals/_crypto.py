"""Tokens sealed at rest: AES-GCM with `B24_ENCRYPTION_KEY` (the key that also encrypts checkpoints).

A sealed value is `v1:` + base64(nonce ‖ tag ‖ ciphertext); the associated data binds it to its portal and field,
so a sealed refresh token copied into another portal's row (or into the access-token column) fails to open.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from .._errors import B24ConfigError, require_extra

__all__ = ["Sealer", "make_sealer"]

_PREFIX = "v1:"


def _aes() -> Any:
    require_extra("the portal token store (tokens are sealed with AES)", "crypto", "Crypto")
    from Crypto.Cipher import AES

    return AES


class Sealer:
    """Encrypts and decrypts token strings with one AES key (16, 24 or 32 bytes)."""

    def __init__(self, key: str | bytes) -> None:
        raw = key.encode() if isinstance(key, str) else bytes(key)
        if len(raw) not in (16, 24, 32):
            raise B24ConfigError(
                "B24_ENCRYPTION_KEY must be 16, 24 or 32 bytes long (AES-128/192/256)",
                hint="generate one with: python -c 'import secrets; print(secrets.token_hex(16))'",
            )
        self._aes = _aes()
        self._key = raw

    def __repr__(self) -> str:
        return "Sealer(key='***')"

    def seal(self, plaintext: str | None, *, context: str) -> str | None:
        if plaintext is None:
            return None
        nonce = secrets.token_bytes(12)
        cipher = self._aes.new(self._key, self._aes.MODE_GCM, nonce=nonce)
        cipher.update(context.encode())
        body, tag = cipher.encrypt_and_digest(plaintext.encode())
        return _PREFIX + base64.b64encode(nonce + tag + body).decode()

    def open(self, sealed: str | None, *, context: str) -> str | None:
        if sealed is None:
            return None
        if not sealed.startswith(_PREFIX):
            raise B24ConfigError(
                "a stored portal token is not sealed by this version",
                hint="re-install the application on that portal",
            )
        blob = base64.b64decode(sealed[len(_PREFIX) :])
        nonce, tag, body = blob[:12], blob[12:28], blob[28:]
        cipher = self._aes.new(self._key, self._aes.MODE_GCM, nonce=nonce)
        cipher.update(context.encode())
        try:
            return cipher.decrypt_and_verify(body, tag).decode()
        except ValueError as exc:
            raise B24ConfigError(
                "a stored portal token does not open with B24_ENCRYPTION_KEY (wrong key, or the row was altered)",
                hint="use the key the tokens were stored with, or re-install the application on that portal",
            ) from exc


def make_sealer(key: str | bytes | None) -> Sealer:
    """A `Sealer` for `key`; refuses to store tokens in clear when no key is configured."""
    if not key:
        raise B24ConfigError(
            "the portal token store needs B24_ENCRYPTION_KEY: tokens are never stored in clear",
            hint="set B24_ENCRYPTION_KEY to 16, 24 or 32 characters "
            "(python -c 'import secrets; print(secrets.token_hex(16))')",
        )
    return Sealer(key)
