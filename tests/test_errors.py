from __future__ import annotations

import pytest

from b24_tools import (
    B24AccessDenied,
    B24AuthError,
    B24BadRequest,
    B24MethodConfirmWaiting,
    B24MethodNotFound,
    B24NotFound,
    B24OperationTimeLimit,
    B24RateLimited,
    B24RefreshFailed,
    B24ScopeError,
    B24ServerError,
    B24TokenExpired,
)
from b24_tools._errors import ERROR_TABLE, make_api_error

# _includes/system-errors.md, limits.md, api-reference/scopes/confirmation.md
SYSTEM_ERRORS = [
    ("INTERNAL_SERVER_ERROR", 500, B24ServerError),
    ("ERROR_UNEXPECTED_ANSWER", 500, B24ServerError),
    ("QUERY_LIMIT_EXCEEDED", 503, B24RateLimited),
    ("OVERLOAD_LIMIT", 503, B24RateLimited),
    ("NO_AUTH_FOUND", 401, B24AuthError),
    ("INVALID_REQUEST", 400, B24BadRequest),
    ("ACCESS_DENIED", 403, B24AccessDenied),
    ("INVALID_CREDENTIALS", 403, B24AuthError),
    ("insufficient_scope", 403, B24ScopeError),
    ("expired_token", 401, B24TokenExpired),
    ("user_access_error", 403, B24AuthError),
    ("OPERATION_TIME_LIMIT", 429, B24OperationTimeLimit),
    ("ERROR_METHOD_NOT_FOUND", 404, B24MethodNotFound),
    ("WRONG_AUTH_TYPE", 403, B24AuthError),
    ("ERROR_CORE", 400, B24BadRequest),
    ("METHOD_CONFIRM_WAITING", 401, B24MethodConfirmWaiting),
    ("invalid_grant", 400, B24RefreshFailed),
]


@pytest.mark.parametrize(("code", "status", "cls"), SYSTEM_ERRORS)
def test_system_error_codes_map_to_their_class_with_a_hint(code: str, status: int, cls: type) -> None:
    err = make_api_error(code, "text", status=status, method="crm.lead.add")
    assert type(err) is cls
    assert err.code == code and err.status == status and err.method == "crm.lead.add"
    assert err.hint, "every error says what to do next"
    assert code in str(err) and "crm.lead.add" in str(err)
    assert ERROR_TABLE[code.lower()][1] == status


def test_codes_match_case_insensitively() -> None:
    assert isinstance(make_api_error("query_limit_exceeded", status=503), B24RateLimited)


@pytest.mark.parametrize(
    ("description", "cls"),
    [
        ("Not found", B24NotFound),
        ("Access denied.", B24AccessDenied),
        ("ID is not defined or invalid", B24BadRequest),
    ],
)
def test_legacy_crm_empty_code_errors_are_classified_by_description(description: str, cls: type) -> None:
    err = make_api_error("", description, status=400, method="crm.deal.get")
    assert type(err) is cls
    assert "(empty code)" in str(err)
