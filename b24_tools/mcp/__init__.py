"""The same guarded tools over MCP (Model Context Protocol): `b24 mcp serve`, writes as reviewable plans.

    b24 mcp serve                                  # stdio, for Claude Desktop, Cursor, VS Code
    b24 mcp serve --transport http --port 8791     # Streamable HTTP on 127.0.0.1, bearer token B24_MCP_TOKEN

    from b24_tools.mcp import build_server         # embed: FastMCP server over an open `Approvals`

Needs the `mcp` extra (`pip install 'b24-tools[mcp]'`). Tools are the toolkit's (same schemas, same policy gate)
with MCP annotations from catalog risk; a write answers with a pending plan id and how a person approves it;
`b24_plan_status` reports the outcome. The pack guides are resources, the recipes are prompts.
"""

from __future__ import annotations

from .._errors import require_extra

require_extra("the MCP server", "mcp", "mcp")

from ._adapter import annotations_for, input_schema  # noqa: E402 - after the extra check
from ._security import SecurityMiddleware, check_bind  # noqa: E402
from ._server import DEFAULT_INBOX_URL, build_server, client_identity, http_app  # noqa: E402

__all__ = [
    "DEFAULT_INBOX_URL",
    "SecurityMiddleware",
    "annotations_for",
    "build_server",
    "check_bind",
    "client_identity",
    "http_app",
    "input_schema",
]
