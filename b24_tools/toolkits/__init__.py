"""LangChain toolkits: one per capability pack, built from the method catalog.

    from langchain.agents import create_agent
    from b24_tools import B24ApprovalMiddleware, B24Client, B24Toolkit, Engine
    from b24_tools.prompts import system_prompt

    client = B24Client.from_env()
    tools = B24Toolkit(client, packs=("core",)).get_tools()
    agent = create_agent(model, tools, system_prompt=system_prompt(("core",)),
                         middleware=[B24ApprovalMiddleware(Engine.from_settings(client=client))],
                         checkpointer=checkpointer)

Every tool passes the policy gate before any I/O. Reads run; writes and deletes never run from a tool: with the
middleware the agent pauses at a plan and the engine executes it once approved; without it the tool files a
pending plan (in `approvals=` or the default store) and says so. `confirm_write` / `confirm_destructive` are the
explicit opt-in to execute without review (through the engine).
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
