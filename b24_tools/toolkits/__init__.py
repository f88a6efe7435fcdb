"""LangChain toolkits: one per capability pack, built from the method catalog.

    from langchain.agents import create_agent
    from langchain.agents.middleware import HumanInTheLoopMiddleware
    from b24_tools import B24Client, B24Toolkit, interrupt_on_config
    from b24_tools.prompts import system_prompt

    tools = B24Toolkit(B24Client.from_env(), packs=("core",)).get_tools()
    agent = create_agent(model, tools, system_prompt=system_prompt(("core",)),
                         middleware=[HumanInTheLoopMiddleware(interrupt_on=interrupt_on_config(tools))],
                         checkpointer=checkpointer)

Every tool passes the policy gate before any I/O; write and destructive tools pause at the middleware (or,
with `approvals=`, submit a plan for review and answer "pending review, plan_id=...").
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
