"""`build_server`: the FastMCP server over the toolkits and the approval engine.

    with Approvals.open(settings, client=client, policy=policy) as approvals:
        server = build_server(approvals, policy=policy)
        await server.run_stdio_async()                   # or: http_app(server, token=...) under uvicorn

Tools: one per curated method of the enabled packs, the discovery tools, and `b24_plan_status`. Resources: the
system prompt and the pack guides. Prompts: the recipes.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.tools import Tool
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, ClientCapabilities, ElicitationCapability

from .._errors import B24Error, B24ValidationError
from ..prompts import system_prompt
from ..toolkits import B24Toolkit
from ..toolkits._render import render_error
from ._adapter import (
    BridgedTool,
    Requester,
    ToolRunner,
    annotations_for,
    input_schema,
    requested_by,
    text_result,
)
from ._guides import guide_resources, recipe_prompts
from ._plans import PLAN_STATUS_SCHEMA, InlineDecision, PlanDesk
from ._security import SecurityMiddleware, loopback_origins

__all__ = ["build_server", "http_app", "client_identity", "DEFAULT_INBOX_URL"]

DEFAULT_INBOX_URL = "http://127.0.0.1:8790"
_INSTRUCTIONS = (
    "\n\nOver MCP, a write or destructive tool never runs inside the call: it answers with a pending plan id. "
    "Tell the user the plan id and how to approve it, then check the outcome with b24_plan_status."
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9 ._@/+-]")


def client_identity(ctx: Any) -> str:
    """`mcp:<client name>/<version>` as the client declared it at initialization (cleaned, bounded)."""
    try:
        info = ctx.session.client_params.clientInfo
        name = f"{info.name}/{info.version}" if info.version else info.name
    except Exception:  # noqa: BLE001 - no session (direct calls) or a client that sent no clientInfo
        return "mcp"
    return "mcp:" + _SAFE_NAME.sub("", str(name))[:80]


def _can_elicit(ctx: Any) -> bool:
    try:
        return bool(
            ctx.session.check_client_capability(ClientCapabilities(elicitation=ElicitationCapability()))
        )
    except Exception:  # noqa: BLE001 - outside a request
        return False


class _Bridge:
    """Turns toolkit answers into MCP results; shared by every tool of one server."""

    def __init__(self, desk: PlanDesk, runner: ToolRunner, *, elicit: bool) -> None:
        self.desk = desk
        self.runner = runner
        self.elicit = elicit

    @staticmethod
    def _invoke_as(who: str, runner: ToolRunner, tool: BaseTool, arguments: dict[str, Any]) -> ToolMessage:
        token = requested_by.set(who)
        try:
            return runner.invoke(tool, arguments)
        finally:
            requested_by.reset(token)

    def handler_for(self, tool: BaseTool) -> Any:
        async def handle(arguments: dict[str, Any], ctx: Any) -> CallToolResult:
            who = client_identity(ctx)
            msg = await self.runner.run(self._invoke_as, who, self.runner, tool, arguments)
            text = msg.content if isinstance(msg.content, str) else str(msg.content)
            if msg.status == "error":
                return text_result(text, {"status": "error", "error": text}, is_error=True)
            artifact = msg.artifact
            if isinstance(artifact, dict) and artifact.get("plan_id") and artifact.get("status") == "pending":
                return await self._pending(artifact["plan_id"], ctx, who)
            return text_result(text, artifact)

        return handle

    async def _pending(self, plan_id: str, ctx: Any, who: str) -> CallToolResult:
        if not (self.elicit and _can_elicit(ctx)):
            return await self.runner.run(self.desk.pending, plan_id)
        plan = await self.runner.run(self.desk.approvals.get_plan, plan_id)
        message = (
            f"Approve this Bitrix24 {plan.risk} call?\n\n{plan.summary}\n\n"
            f"plan {plan_id}, requested by {plan.requested_by}. Declining leaves it pending for the review inbox."
        )
        try:
            answer = await ctx.elicit(message=message, schema=InlineDecision)
        except Exception:  # noqa: BLE001 - the client failed to ask: the plan simply stays pending
            return await self.runner.run(self.desk.pending, plan_id)
        if answer.action != "accept":
            note = "The user did not decide inline; it stays pending."
            return await self.runner.run(lambda: self.desk.pending(plan_id, note=note))
        reviewer = f"{who} (inline approval)"
        return await self.runner.run(lambda: self.desk.decide(plan_id, answer.data, reviewer=reviewer))

    async def plan_status(self, arguments: dict[str, Any], ctx: Any) -> CallToolResult:
        plan_id = arguments.get("plan_id")
        try:
            if not isinstance(plan_id, str) or not plan_id.strip():
                raise B24ValidationError(
                    "plan_id is required", hint="pass the plan id from the pending answer, e.g. pl_…"
                )
            return await self.runner.run(self.desk.status, plan_id.strip())
        except B24Error as exc:
            text = render_error(exc)
            return text_result(text, {"status": "error", "error": text}, is_error=True)


def build_server(
    approvals: Any,
    *,
    policy: Any,
    client: Any = None,
    inbox_url: str = DEFAULT_INBOX_URL,
    elicit: bool = False,
    name: str = "b24-tools",
    log_level: str = "WARNING",
) -> FastMCP:
    """The MCP server: the toolkit's tools for `policy.packs` (writes → plans in `approvals`), guides, recipes."""
    if client is None:
        client = getattr(approvals, "client", None)
    toolkit = B24Toolkit(client, policy=policy, approvals=Requester(approvals))
    bridge = _Bridge(PlanDesk(approvals, inbox_url=inbox_url), ToolRunner(), elicit=elicit)
    tools: list[Tool] = []
    for tool in toolkit.get_tools():
        meta = tool.metadata or {}
        method = meta.get("method")
        tools.append(
            BridgedTool.make(
                name=tool.name,
                description=tool.description,
                parameters=input_schema(tool),
                annotations=annotations_for(
                    tool.name, meta.get("risk"), title=method if method and method != "*" else None
                ),
                handler=bridge.handler_for(tool),
            )
        )
    tools.append(
        BridgedTool.make(
            name="b24_plan_status",
            description="State of a plan from a pending answer; once executed, its result.",
            parameters=PLAN_STATUS_SCHEMA,
            annotations=annotations_for("b24_plan_status", "read", title="plan status"),
            handler=bridge.plan_status,
        )
    )
    server: FastMCP = FastMCP(
        name=name,
        instructions=system_prompt(tuple(policy.packs)) + _INSTRUCTIONS,
        tools=tools,
        log_level=log_level,  # type: ignore[arg-type]
        # Host/Origin/token checks live in one place, SecurityMiddleware (see http_app)
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    for resource in guide_resources():
        server.add_resource(resource)
    for prompt in recipe_prompts():
        server.add_prompt(prompt)
    return server


def http_app(
    server: FastMCP, *, token: str, host: str = "127.0.0.1", allowed_origins: tuple[str, ...] = ()
) -> Any:
    """The Streamable HTTP ASGI app (path `/mcp`) behind the token, Origin and (on loopback) Host checks."""
    from .._settings import is_loopback_host

    return SecurityMiddleware(
        server.streamable_http_app(),
        token=token,
        allowed_origins=loopback_origins(allowed_origins),
        check_host=is_loopback_host(host),
    )
