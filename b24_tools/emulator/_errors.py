"""Errors raised inside the emulator; the app turns them into wire answers."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "DropConnection", "not_found_legacy", "bad_id_legacy", "required"]


class ApiError(Exception):
    """A Bitrix24 error answer: `{"error": code, "error_description": description}` with an HTTP status."""

    def __init__(
        self, code: str, description: str = "", status: int = 400, *, extra: dict[str, Any] | None = None
    ):
        super().__init__(f"{code or '(empty)'}: {description}")
        self.code = code
        self.description = description
        self.status = status
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description, **self.extra}


class DropConnection(BaseException):
    """Raised by the app to make the transport drop the connection without an answer.

    A `BaseException`, so Starlette's error middleware does not turn it into a 500 answer first."""


def not_found_legacy() -> ApiError:
    """Legacy CRM answers an empty code (api-reference/crm/deals/crm-deal-get.md)."""
    return ApiError("", "Not found", 400)


def bad_id_legacy() -> ApiError:
    return ApiError("", "ID is not defined or invalid.", 400)


def required(name: str, method: str) -> ApiError:
    return ApiError("", f'The required parameter "{name}" for the method "{method}" is not set', 400)
