"""LangChain toolkits: one per capability pack, built from the method catalog.

from b24_tools import B24Client, B24Toolkit, interrupt_on_config
tools = B24Toolkit(client, packs=("core",)).get_tools()
HumanInTheLoopMiddleware(interrupt_on=interrupt_on_config(tools))
"""

from __future__ import annotations

from ._discovery import (
    DISCOVERY_TOOL_NAMES,
    CallMethodTool,
    DescribeMethodTool,
    FindMethodsTool,
    discovery_tools,
)
from ._runtime import Runtime
from ._tool import B24MethodTool
from ._toolkits import (
    TOOLKITS,
    AutomationToolkit,
    B24Toolkit,
    BoardsToolkit,
    CollabToolkit,
    CommerceToolkit,
    CommsToolkit,
    ComplianceToolkit,
    ContentToolkit,
    CoreToolkit,
    DiagnosticsToolkit,
    PlatformToolkit,
    ServicesToolkit,
    SitesToolkit,
    interrupt_on_config,
)

__all__ = [
    "B24Toolkit",
    "CoreToolkit",
    "CommsToolkit",
    "AutomationToolkit",
    "CollabToolkit",
    "ContentToolkit",
    "BoardsToolkit",
    "CommerceToolkit",
    "ServicesToolkit",
    "PlatformToolkit",
    "SitesToolkit",
    "ComplianceToolkit",
    "DiagnosticsToolkit",
    "TOOLKITS",
    "B24MethodTool",
    "FindMethodsTool",
    "DescribeMethodTool",
    "CallMethodTool",
    "DISCOVERY_TOOL_NAMES",
    "Runtime",
    "discovery_tools",
    "interrupt_on_config",
]
