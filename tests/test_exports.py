"""The public surface, pinned: a name added to or dropped from a part's `__all__` is a deliberate change here.

Each exported name must also resolve, and the package root lists exactly the parts a newcomer should see.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import b24_tools

EXPORTS: dict[str, list[str]] = {
    "b24_tools": [
        "Approvals",
        "Assessment",
        "AsyncB24Client",
        "AutomationToolkit",
        "B24APIError",
        "B24AccessDenied",
        "B24AuthError",
        "B24BadRequest",
        "B24BatchError",
        "B24Client",
        "B24ConfigError",
        "B24ConnectionError",
        "B24Error",
        "B24IdempotencyKeyReused",
        "B24MethodConfirmWaiting",
        "B24MethodNotFound",
        "B24MissingExtra",
        "B24NotFound",
        "B24OperationTimeLimit",
        "B24PlanError",
        "B24PolicyError",
        "B24PortalDeleted",
        "B24PortalNotInstalled",
        "B24RateLimited",
        "B24RefreshFailed",
        "B24Response",
        "B24ScopeError",
        "B24ServerError",
        "B24Settings",
        "B24Time",
        "B24Timeout",
        "B24TokenExpired",
        "B24Toolkit",
        "B24TransportError",
        "B24UnknownOutcome",
        "B24ValidationError",
        "BatchResult",
        "BoardsToolkit",
        "BulkProgress",
        "Catalog",
        "CollabToolkit",
        "CommerceToolkit",
        "CommsToolkit",
        "ComplianceToolkit",
        "ContentToolkit",
        "CoreToolkit",
        "DiagnosticsToolkit",
        "ERROR_TABLE",
        "Emulator",
        "EmulatorConfig",
        "FileTokenStore",
        "MemoryTokenStore",
        "MethodSpec",
        "OAuthAuth",
        "Plan",
        "PlatformToolkit",
        "Policy",
        "RateLimiter",
        "ServicesToolkit",
        "SitesToolkit",
        "SubmitResult",
        "WebhookAuth",
        "__version__",
        "get_catalog",
        "interrupt_on_config",
        "make_api_error",
        "make_rate_limiter",
    ],
    "b24_tools.client": [
        "AsyncB24Client",
        "B24Client",
        "B24Response",
        "B24Time",
        "BatchResult",
        "FileTokenStore",
        "MemoryTokenStore",
        "OAuthAuth",
        "WebhookAuth",
    ],
    "b24_tools.client.ratelimit": [
        "FileRateLimiter",
        "MemoryRateLimiter",
        "NoopRateLimiter",
        "RateLimiter",
        "RedisRateLimiter",
        "drain",
        "make_rate_limiter",
    ],
    "b24_tools.catalog": [
        "Catalog",
        "DEFAULT_ALLOWLIST",
        "DEFAULT_PACKS",
        "MethodSpec",
        "OriginMarker",
        "PACKS",
        "PACK_PATTERNS",
        "ParamFact",
        "RISK_ORDER",
        "Risk",
        "classify",
        "get_catalog",
        "load_generated",
        "matches",
        "max_risk",
        "normalize_method",
        "pack_for",
        "parse_pack_list",
        "tool_name_for",
    ],
    "b24_tools.policy": [
        "Assessment",
        "InnerCommand",
        "MAX_BATCH_COMMANDS",
        "Policy",
        "parse_batch_commands",
    ],
    "b24_tools.toolkits": [
        "AutomationToolkit",
        "B24MethodTool",
        "B24Toolkit",
        "BoardsToolkit",
        "CallMethodTool",
        "CollabToolkit",
        "CommerceToolkit",
        "CommsToolkit",
        "ComplianceToolkit",
        "ContentToolkit",
        "CoreToolkit",
        "DISCOVERY_TOOL_NAMES",
        "DescribeMethodTool",
        "DiagnosticsToolkit",
        "FindMethodsTool",
        "PlatformToolkit",
        "Runtime",
        "ServicesToolkit",
        "SitesToolkit",
        "TOOLKITS",
        "discovery_tools",
        "interrupt_on_config",
    ],
    "b24_tools.approval": [
        "Approvals",
        "BulkProgress",
        "Engine",
        "ExecutorState",
        "Plan",
        "PlanView",
        "ProgressHook",
        "SubmitResult",
        "build_graph",
        "derive_idempotency_key",
        "from_agent_inbox",
        "hitl_request",
        "params_hash",
        "parse_decision",
        "to_agent_inbox",
    ],
    "b24_tools.events": [
        "DrainReport",
        "EventQueue",
        "Handler",
        "HandlerContext",
        "HandlerRegistry",
        "JsonlAudit",
        "OfflineWorker",
        "QueuedEvent",
        "TeeAudit",
        "WorkerReport",
        "create_receiver_app",
        "dedup_key_for",
        "drain_queue",
        "enrich_lead",
        "event_message_id",
        "followup_task_params",
        "new_lead_followup",
        "on",
        "parse_offline_get",
        "register_default_handlers",
        "registry",
        "verify_application_token",
    ],
    "b24_tools.portals": [
        "FileRefreshLocks",
        "OAuthGrant",
        "OAuthServer",
        "PLANS",
        "PortalAuth",
        "PortalBucket",
        "PortalRecord",
        "PortalStore",
        "PortalTokens",
        "Portals",
        "RedisRefreshLocks",
        "Sealer",
        "UNINSTALL_EVENTS",
        "create_app_server",
        "make_refresh_locks",
        "make_sealer",
        "portal_host",
    ],
    "b24_tools.emulator": [
        "ALL_SCOPES",
        "Emulator",
        "EmulatorConfig",
        "FAULT_KINDS",
        "Fault",
        "Faults",
        "Stats",
        "make_self_signed",
    ],
    "b24_tools.inbox": [
        "ReviewerAuth",
        "SESSION_COOKIE",
        "SessionStore",
        "cookie_secure_for",
        "create_app",
        "hash_password",
        "hash_password_command",
        "serve_command",
        "uvicorn_options",
        "verify_password",
    ],
    "b24_tools.mcp": [
        "DEFAULT_INBOX_URL",
        "SecurityMiddleware",
        "annotations_for",
        "build_server",
        "check_bind",
        "client_identity",
        "http_app",
        "input_schema",
    ],
    "b24_tools.cli": [
        "app",
        "main",
    ],
}


@pytest.mark.parametrize("module", sorted(EXPORTS))
def test_exported_names_are_pinned(module: str) -> None:
    assert sorted(importlib.import_module(module).__all__) == EXPORTS[module]


@pytest.mark.parametrize("module", sorted(EXPORTS))
def test_every_exported_name_resolves(module: str) -> None:
    m = importlib.import_module(module)
    missing = [name for name in m.__all__ if getattr(m, name, None) is None]
    assert missing == []


def test_exported_names_are_unique() -> None:
    for module in EXPORTS:
        names = importlib.import_module(module).__all__
        assert len(names) == len(set(names)), module


def test_the_package_root_shows_its_parts() -> None:
    root = Path(b24_tools.__file__).parent
    parts = sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert set(parts) >= {
        "client",
        "catalog",
        "policy",
        "toolkits",
        "approval",
        "events",
        "emulator",
        "inbox",
        "mcp",
        "cli",
        "portals",
    }
    modules = sorted(p.name for p in root.glob("*.py"))
    assert modules == ["__init__.py", "_errors.py", "_redact.py", "_settings.py", "prompts.py"]


def test_one_version_source() -> None:
    from importlib.metadata import version

    assert version("b24-tools") == b24_tools.__version__
