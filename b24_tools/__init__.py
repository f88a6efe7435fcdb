"""b24-tools: Bitrix24 REST for LangChain and LangGraph agents, safe by default.

    from b24_tools import B24Client, B24Toolkit, Approvals

Public names are re-exported lazily from private modules, so `import b24_tools` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._errors import *  # noqa: F403
from ._errors import __all__ as _errors_all

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # settings (pydantic-settings is imported on first use)
    "B24Settings": "b24_tools._settings",
    # client (foundation)
    "B24Client": "b24_tools.client._client",
    "AsyncB24Client": "b24_tools.client._client",
    "B24Response": "b24_tools.client._response",
    "B24Time": "b24_tools.client._response",
    "BatchResult": "b24_tools.client._response",
    "WebhookAuth": "b24_tools.client._auth",
    "OAuthAuth": "b24_tools.client._auth",
    "FileTokenStore": "b24_tools.client._auth",
    "MemoryTokenStore": "b24_tools.client._auth",
    "RateLimiter": "b24_tools.client.ratelimit",
    "make_rate_limiter": "b24_tools.client.ratelimit",
    # emulator
    "Emulator": "b24_tools.emulator",
    "EmulatorConfig": "b24_tools.emulator",
    # catalog, policy, toolkits
    "Catalog": "b24_tools.catalog",
    "MethodSpec": "b24_tools.catalog",
    "get_catalog": "b24_tools.catalog",
    "Policy": "b24_tools.policy._policy",
    "Assessment": "b24_tools.policy._policy",
    "B24Toolkit": "b24_tools.toolkits",
    "CoreToolkit": "b24_tools.toolkits",
    "CommsToolkit": "b24_tools.toolkits",
    "AutomationToolkit": "b24_tools.toolkits",
    "CollabToolkit": "b24_tools.toolkits",
    "ContentToolkit": "b24_tools.toolkits",
    "BoardsToolkit": "b24_tools.toolkits",
    "CommerceToolkit": "b24_tools.toolkits",
    "ServicesToolkit": "b24_tools.toolkits",
    "PlatformToolkit": "b24_tools.toolkits",
    "SitesToolkit": "b24_tools.toolkits",
    "ComplianceToolkit": "b24_tools.toolkits",
    "DiagnosticsToolkit": "b24_tools.toolkits",
    "interrupt_on_config": "b24_tools.toolkits",
    # approval
    "Approvals": "b24_tools.approval",
    "Plan": "b24_tools.approval",
    "SubmitResult": "b24_tools.approval",
    "BulkProgress": "b24_tools.approval",
    "Engine": "b24_tools.approval",
    "B24ApprovalMiddleware": "b24_tools.approval",
    "CallRequest": "b24_tools.approval",
    "resume_decided": "b24_tools.approval",
    "aresume_decided": "b24_tools.approval",
    "submit_calls": "b24_tools.approval",
    # the agent
    "build_agent": "b24_tools.approval",
    "open_agent": "b24_tools.approval",
    "load_model": "b24_tools.approval",
}

__all__ = [*_errors_all, "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'b24_tools' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
