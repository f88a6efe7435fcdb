"""Client and policy built from settings on first use, so reviewers without a portal can still list plans."""

from __future__ import annotations

from typing import Any

from .._settings import B24Settings

__all__ = ["_LazyClient", "_LazyPolicy"]


class _LazyClient:
    """Builds `B24Client.from_settings(settings)` on first use, so reviewers without a portal can list plans."""

    def __init__(self, settings: B24Settings) -> None:
        self._settings = settings
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            from ..client._client import B24Client

            self._client = B24Client.from_settings(self._settings)
        return getattr(self._client, name)


class _LazyPolicy:
    def __init__(self, settings: B24Settings) -> None:
        self._settings = settings
        self._policy: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._policy is None:
            from ..policy._policy import Policy

            self._policy = Policy.from_settings(self._settings)
        return getattr(self._policy, name)
