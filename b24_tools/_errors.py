"""One exception hierarchy for everything b24-tools raises.

    B24Error
    ├── B24ConfigError              settings missing or contradictory (names the env variables to set)
    │   └── B24MissingExtra         an optional part's packages are not installed (names the extra; an ImportError)
    ├── B24ValidationError          bad input refused before any network call (method name, params, batch shape)
    ├── B24PolicyError              the policy gate refused a call (names the rule and the flag that allows it)
    ├── B24PlanError                a plan is unknown, expired, tampered, rejected or already decided
    ├── B24PortalNotInstalled       the application is not (or no longer) installed on that portal
    ├── B24TransportError           the request never got a Bitrix24 answer
    │   ├── B24Timeout
    │   ├── B24ConnectionError
    │   └── B24UnknownOutcome       a write may have reached the portal; it is not resent blindly
    └── B24APIError                 the portal answered with an error envelope (code, description, method, status)
        ├── B24AuthError            NO_AUTH_FOUND, invalid_token, INVALID_CREDENTIALS, user_access_error, WRONG_AUTH_TYPE
        │   ├── B24TokenExpired     expired_token (refreshed once automatically for OAuth)
        │   ├── B24RefreshFailed    the OAuth server refused the refresh token (invalid_grant): re-authorize
        │   └── B24MethodConfirmWaiting  METHOD_CONFIRM_WAITING / METHOD_CONFIRM_DENIED: an admin must confirm
        ├── B24ScopeError           insufficient_scope
        ├── B24AccessDenied         ACCESS_DENIED, "Access denied."
        ├── B24RateLimited          QUERY_LIMIT_EXCEEDED, OVERLOAD_LIMIT
        ├── B24OperationTimeLimit   OPERATION_TIME_LIMIT (has reset_at)
        ├── B24MethodNotFound       ERROR_METHOD_NOT_FOUND, METHOD_NOT_FOUND
        ├── B24NotFound             "Not found" (legacy CRM empty code), NOT_FOUND, ENTITY_NOT_FOUND
        ├── B24BatchError           ERROR_BATCH_LENGTH_EXCEEDED, ERROR_BATCH_METHOD_NOT_ALLOWED
        ├── B24BadRequest           INVALID_REQUEST, ERROR_CORE, "ID is not defined or invalid", other 4xx
        ├── B24IdempotencyKeyReused REST 3.0: same Idempotency-Key with another body (422)
        ├── B24PortalDeleted        PORTAL_DELETED
        └── B24ServerError          INTERNAL_SERVER_ERROR, ERROR_UNEXPECTED_ANSWER, other 5xx

`make_api_error()` is the one place that maps a Bitrix24 answer to a class; every error carries a one-line
`hint` saying what to do next. Messages never contain secrets: callers pass redacted text only.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "B24Error",
    "B24ConfigError",
    "B24MissingExtra",
    "B24ValidationError",
    "B24PolicyError",
    "B24PlanError",
    "B24PortalNotInstalled",
    "B24TransportError",
    "B24Timeout",
    "B24ConnectionError",
    "B24UnknownOutcome",
    "B24APIError",
    "B24AuthError",
    "B24TokenExpired",
    "B24RefreshFailed",
    "B24MethodConfirmWaiting",
    "B24ScopeError",
    "B24AccessDenied",
    "B24RateLimited",
    "B24OperationTimeLimit",
    "B24MethodNotFound",
    "B24NotFound",
    "B24BatchError",
    "B24BadRequest",
    "B24IdempotencyKeyReused",
    "B24PortalDeleted",
    "B24ServerError",
    "ERROR_TABLE",
    "make_api_error",
]


class B24Error(Exception):
    """Base of every b24-tools error. `hint` says what to do next."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class B24ConfigError(B24Error):
    """Settings are missing or contradictory."""


class B24MissingExtra(B24ConfigError, ImportError):
    """An optional part was used without its extra installed. Also an `ImportError`, so import guards work."""

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        super().__init__(
            f"{feature} needs the {missing!r} package, which is not installed",
            hint=f"pip install 'b24-tools[{extra}]'",
        )
        self.extra = extra
        self.name = missing


def require_extra(feature: str, extra: str, *modules: str) -> None:
    """Raise `B24MissingExtra` naming `extra` unless every module in `modules` can be imported."""
    from importlib.util import find_spec

    for module in modules:
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise B24MissingExtra(feature, extra, module)


class B24ValidationError(B24Error):
    """Input refused before any network call."""

    def __init__(self, message: str, *, hint: str | None = None, method: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.method = method


class B24PolicyError(B24Error):
    """The policy gate refused a call. `rule` names the rule; `allow_with` the flag or setting that allows it."""

    def __init__(
        self,
        message: str,
        *,
        rule: str,
        allow_with: str | None = None,
        method: str | None = None,
        risk: str | None = None,
    ) -> None:
        hint = f"to allow it: {allow_with}" if allow_with else "no flag allows this"
        super().__init__(message, hint=hint)
        self.rule = rule
        self.allow_with = allow_with
        self.method = method
        self.risk = risk


class B24PlanError(B24Error):
    """A plan cannot be decided or executed (unknown, expired, tampered, rejected, already decided)."""

    def __init__(
        self, message: str, *, plan_id: str | None = None, reason: str = "", hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.plan_id = plan_id
        self.reason = reason


class B24PortalNotInstalled(B24Error):
    """The application is not installed on the portal asked for: unknown, or uninstalled (ONAPPUNINSTALL)."""

    def __init__(
        self, message: str, *, portal: str, status: str = "unknown", hint: str | None = None
    ) -> None:
        super().__init__(
            message,
            hint=hint
            or (
                "the portal uninstalled the application and its tokens were revoked; "
                "it must install the application again"
                if status == "uninstalled"
                else "install the application on that portal first (b24 app list shows the installed ones)"
            ),
        )
        self.portal = portal
        self.status = status


class B24TransportError(B24Error):
    """No Bitrix24 answer was received."""

    hint = "check the portal address and the network; the call is retried automatically for reads"

    def __init__(self, message: str, *, method: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.method = method


class B24Timeout(B24TransportError):
    """The request timed out."""


class B24ConnectionError(B24TransportError):
    """The connection failed or was dropped."""


class B24UnknownOutcome(B24TransportError):
    """A write may have reached the portal but no answer came back; it was not resent."""

    hint = (
        "the write may or may not have happened: look the entity up (e.g. by ORIGIN_ID) before retrying, "
        "or run it through the approval graph, which reconciles automatically"
    )


class B24APIError(B24Error):
    """The portal answered with an error envelope."""

    hint = "see error_description; check the method's parameters in the official docs"

    def __init__(
        self,
        code: str,
        description: str = "",
        *,
        method: str | None = None,
        status: int | None = None,
        hint: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.description = description
        self.method = method
        self.status = status
        self.payload = payload
        where = f" in {method}" if method else ""
        label = code or "(empty code)"
        text = f"{label}{where}: {description}" if description else f"{label}{where}"
        if status:
            text += f" [HTTP {status}]"
        super().__init__(text, hint=hint)


class B24AuthError(B24APIError):
    hint = "check the webhook code / access token, and that the method accepts this kind of authorization"


class B24TokenExpired(B24AuthError):
    hint = "refresh the OAuth token (done automatically when a refresh token and client credentials are set)"


class B24RefreshFailed(B24AuthError):
    hint = "the refresh token was refused: re-authorize the application and store the new token pair"


class B24MethodConfirmWaiting(B24AuthError):
    hint = "a portal administrator must confirm this method for the application before it can be called"


class B24ScopeError(B24APIError):
    hint = "add the missing scope to the webhook or application (Developer resources → edit → permissions)"


class B24AccessDenied(B24APIError):
    hint = "the user behind the webhook/token lacks rights for this action, or the plan does not include REST"


class B24RateLimited(B24APIError):
    hint = "too many requests: slow down (the shared rate limiter normally prevents this) and retry later"


class B24OperationTimeLimit(B24APIError):
    hint = "this method used up its operating-time budget; wait until operating_reset_at and retry"

    def __init__(self, code: str, description: str = "", *, reset_at: float | None = None, **kw: Any) -> None:
        super().__init__(code, description, **kw)
        self.reset_at = reset_at


class B24MethodNotFound(B24APIError):
    hint = "check the method name, the URL form (webhook vs OAuth) and that the module is installed on the portal"


class B24NotFound(B24APIError):
    hint = "the entity does not exist (or was deleted): check the ID with a *.list call"


class B24BatchError(B24APIError):
    hint = "keep batches at 50 commands or fewer and do not nest batch or file methods inside batch"


class B24BadRequest(B24APIError):
    hint = "the portal refused the parameters: check required fields and types in the method's docs"


class B24IdempotencyKeyReused(B24APIError):
    hint = "the same Idempotency-Key was sent with a different body: use a new key for a different request"


class B24PortalDeleted(B24APIError):
    hint = "the portal no longer exists: check B24_DOMAIN / B24_WEBHOOK_URL"


class B24ServerError(B24APIError):
    hint = "the portal failed; reads are retried automatically, writes are not resent blindly"


# Bitrix24 error code (lower-cased) -> (class, default HTTP status, hint override or None).
# Source: _includes/system-errors.md, limits.md, api-reference/scopes/confirmation.md, api-reference/rest-v3.md.
ERROR_TABLE: dict[str, tuple[type[B24APIError], int, str | None]] = {
    "internal_server_error": (B24ServerError, 500, None),
    "error_unexpected_answer": (B24ServerError, 500, None),
    "query_limit_exceeded": (B24RateLimited, 503, None),
    "overload_limit": (B24RateLimited, 503, "REST API is blocked due to overload: wait several minutes"),
    "error_batch_method_not_allowed": (
        B24BatchError,
        405,
        "this method cannot run inside batch: call it directly",
    ),
    "error_batch_length_exceeded": (B24BatchError, 400, "split the batch into chunks of at most 50 commands"),
    "no_auth_found": (
        B24AuthError,
        401,
        "wrong webhook code or access token: check B24_WEBHOOK_URL / B24_WEBHOOK_CODE",
    ),
    "invalid_token": (B24AuthError, 401, "the access token is invalid: re-authorize"),
    "invalid_request": (B24BadRequest, 400, "the portal requires https: use an https:// address"),
    "access_denied": (B24AccessDenied, 403, None),
    "invalid_credentials": (
        B24AuthError,
        403,
        "the user behind the webhook/token lacks permission for this action",
    ),
    "error_manifest_is_not_available": (B24NotFound, 404, None),
    "insufficient_scope": (B24ScopeError, 403, None),
    "expired_token": (B24TokenExpired, 401, None),
    "user_access_error": (
        B24AuthError,
        403,
        "the user has no access to the application: grant it in the portal",
    ),
    "portal_deleted": (B24PortalDeleted, 500, None),
    "operation_time_limit": (B24OperationTimeLimit, 429, None),
    "error_method_not_found": (B24MethodNotFound, 404, None),
    "method_not_found": (B24MethodNotFound, 404, None),
    "wrong_auth_type": (
        B24AuthError,
        403,
        "this method needs another authorization type (usually an OAuth application, not a webhook)",
    ),
    "error_core": (B24BadRequest, 400, None),
    "method_confirm_waiting": (B24MethodConfirmWaiting, 401, None),
    "method_confirm_denied": (
        B24MethodConfirmWaiting,
        403,
        "an administrator denied this method for the application",
    ),
    "invalid_grant": (B24RefreshFailed, 400, None),
    "not_found": (B24NotFound, 404, None),
    "error_not_found": (B24NotFound, 404, None),
    "bitrix_rest_v3_exception_entitynotfoundexception": (B24NotFound, 400, None),
    "bitrix_rest_v3_exception_accessdeniedexception": (B24AccessDenied, 403, None),
    "bitrix_rest_v3_exception_insufficientscopeexception": (B24ScopeError, 403, None),
    "bitrix_rest_v3_exception_idempotencykeyreusedexception": (B24IdempotencyKeyReused, 422, None),
    "bitrix_rest_v3_exception_ratelimitexception": (B24RateLimited, 429, None),
    "bitrix_rest_v3_exception_methodnotfoundexception": (B24MethodNotFound, 404, None),
}


def make_api_error(
    code: str | None,
    description: str | None = "",
    *,
    status: int | None = None,
    method: str | None = None,
    payload: dict[str, Any] | None = None,
    reset_at: float | None = None,
) -> B24APIError:
    """Build the right `B24APIError` subclass for a Bitrix24 error answer.

    Codes match case-insensitively. Legacy CRM methods answer with an empty code; their description decides
    ("Not found" → `B24NotFound`, "Access denied." → `B24AccessDenied`, anything else → `B24BadRequest`).
    """
    code = code or ""
    description = description or ""
    entry = ERROR_TABLE.get(code.lower())
    kw: dict[str, Any] = {"method": method, "status": status, "payload": payload}
    if entry is not None:
        cls, _default_status, hint = entry
        if hint is not None:
            kw["hint"] = hint
        if cls is B24OperationTimeLimit:
            return B24OperationTimeLimit(code, description, reset_at=reset_at, **kw)
        return cls(code, description, **kw)
    low = description.lower()
    if code.lower().startswith("bitrix_rest_v3_exception_validation") or code.lower().endswith(
        "jsonexception"
    ):
        return B24BadRequest(code, description, **kw)
    if "not found" in low:
        return B24NotFound(code, description, **kw)
    if low.startswith("access denied"):
        return B24AccessDenied(code, description, **kw)
    if status is not None and status >= 500:
        return B24ServerError(code, description, **kw)
    if status == 401:
        return B24AuthError(code, description, **kw)
    if status == 403:
        return B24AccessDenied(code, description, **kw)
    return B24BadRequest(code, description, **kw)
