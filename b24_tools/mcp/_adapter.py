"""The toolkit's LangChain tools as MCP tools: same schemas, same gate, same answers, plus MCP annotations.

Each MCP tool wraps one toolkit tool and calls it exactly as an agent would (a LangChain `ToolCall`), so the
policy gate, catalog validation and the approval engine behave identically; the answer becomes MCP text plus
`structuredContent` (the tool's artifact). Calls run in a worker thread, one at a time, because the toolkit, the
client and the plan store are synchronous and share one database connection.
"""

from __future__ import annotations

import contextvars
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from mcp.server.fastmcp.tools import Tool
from mcp.server.fastmcp.utilities.func_metadata import func_metadata
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from .._redact import redact, redact_text
from ..approval import CallRequest

__all__ = [
    "BridgedTool",
    "Requester",
    "ToolRunner",
    "annotations_for",
    "input_schema",
    "text_result",
    "requested_by",
]

# Who asked, for the plan's `requested_by` (set per MCP request from the client's declared identity).
requested_by: contextvars.ContextVar[str] = contextvars.ContextVar("b24_mcp_requested_by", default="mcp")

# Tools that never leave this process (they read the local catalog or the plan store).
_LOCAL_TOOLS = frozenset({"b24_find_methods", "b24_describe_method", "b24_plan_status"})


def annotations_for(name: str, risk: str | None, *, title: str | None = None) -> ToolAnnotations:
    """MCP hints from catalog risk.

    `idempotentHint` is true for every tool: reads change nothing, and a write reaches the portal only as a plan
    keyed by (portal, method, canonical params), so repeating the same call returns the same pending plan or
    replays the recorded result instead of writing again.
    """
    read = risk == "read"
    return ToolAnnotations(
        title=title,
        readOnlyHint=read,
        destructiveHint=risk == "destructive",
        idempotentHint=True,
        openWorldHint=name not in _LOCAL_TOOLS,
    )


def input_schema(tool: BaseTool) -> dict[str, Any]:
    """The JSON schema a model sees for the toolkit tool (the catalog's params model, references inlined)."""
    params = convert_to_openai_tool(tool)["function"].get("parameters") or {}
    schema = {"type": "object", "properties": {}, **params}
    return schema


def text_result(text: str, structured: Any = None, *, is_error: bool = False) -> CallToolResult:
    """An MCP tool result: redacted text for the model, plus the redacted structured answer."""
    data = redact(structured) if structured is not None else None
    if data is not None and not isinstance(data, dict):
        data = {"result": data}
    return CallToolResult(
        content=[TextContent(type="text", text=redact_text(text))],
        structuredContent=data,
        isError=is_error,
    )


class Requester:
    """The toolkit's write path for MCP: each write goes to `Approvals.submit_calls` as a plan of the MCP client.

    Confirmation flags a toolkit might pass are ignored on purpose: over MCP a person always decides.
    """

    def __init__(self, approvals: Any) -> None:
        self._approvals = approvals

    def submit(self, method: str, params: dict[str, Any] | None = None, **_: Any) -> Any:
        (submission,) = self._approvals.submit_calls(
            [CallRequest(method, dict(params or {}))], requested_by=requested_by.get()
        )
        return submission  # status, plan_id, result, error: what the toolkit renders


class ToolRunner:
    """Runs synchronous toolkit work off the event loop, one call at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        def locked() -> Any:
            with self._lock:
                return fn(*args)

        return await anyio.to_thread.run_sync(locked)

    def invoke(self, tool: BaseTool, arguments: dict[str, Any]) -> ToolMessage:
        call = {
            "type": "tool_call",
            "id": f"mcp-{uuid.uuid4().hex[:12]}",
            "name": tool.name,
            "args": arguments,
        }
        out = tool.invoke(call)
        if not isinstance(out, ToolMessage):  # pragma: no cover - toolkit tools always answer a ToolMessage
            out = ToolMessage(content=str(out), tool_call_id=call["id"])
        return out


Handler = Callable[[dict[str, Any], Any], Awaitable[CallToolResult]]


async def _no_args() -> None:  # the signature FastMCP's bookkeeping needs; arguments go to the handler
    return None


class BridgedTool(Tool):
    """A FastMCP tool whose schema and call come from us rather than from a Python signature."""

    handler: Any = None

    @classmethod
    def make(
        cls,
        *,
        name: str,
        description: str,
        parameters: dict[str, Any],
        annotations: ToolAnnotations,
        handler: Handler,
        meta: dict[str, Any] | None = None,
    ) -> BridgedTool:
        return cls(
            fn=_no_args,
            name=name,
            description=description,
            parameters=parameters,
            fn_metadata=func_metadata(_no_args, structured_output=False),
            is_async=True,
            context_kwarg=None,
            annotations=annotations,
            meta=meta,
            handler=handler,
        )

    async def run(self, arguments: dict[str, Any], context: Any = None, convert_result: bool = False) -> Any:
        return await self.handler(dict(arguments or {}), context)
