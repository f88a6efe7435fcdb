"""`b24 mcp serve`: the toolkit's tools over MCP, with the same settings, packs, allowlist and policy as `b24 call`.

    b24 mcp serve                                   stdio (the client starts this process)
    b24 mcp serve --transport http --port 8791      Streamable HTTP at http://127.0.0.1:8791/mcp

Writes never run inside a tool call: they become pending plans, approved with `b24 review approve` or in the
inbox. Over HTTP every request needs `Authorization: Bearer $B24_MCP_TOKEN`; a foreign `Origin` is refused.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import EmulatorOption, build_client, fail, handle_errors, load_settings

__all__ = ["mcp_app"]

mcp_app = typer.Typer(help="Serve the guarded tools over MCP (Model Context Protocol).", no_args_is_help=True)


@mcp_app.command("serve")
def serve(
    transport: Annotated[
        str, typer.Option(help="stdio (client starts the server) or http (Streamable HTTP)")
    ] = "stdio",
    host: Annotated[
        str, typer.Option(help="HTTP address (loopback by default; others need B24_MCP_TOKEN)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8791,
    packs: Annotated[
        str | None, typer.Option("--packs", help="Comma list of packs, or none (env B24_PACKS; default core)")
    ] = None,
    method_allowlist: Annotated[
        str | None,
        typer.Option("--method-allowlist", help="Extra allowlist patterns (env B24_METHOD_ALLOWLIST)"),
    ] = None,
    allow_unlisted: Annotated[
        bool,
        typer.Option(
            "--allow-unlisted", help="b24_call_method may call methods outside the packs (never skips review)"
        ),
    ] = False,
    elicit: Annotated[
        bool,
        typer.Option(
            "--elicit/--no-elicit",
            help="Ask the MCP client's user to approve a plan inline (recorded as their decision)",
        ),
    ] = False,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option("--allow-origin", help="Extra browser Origin allowed over HTTP (repeatable)"),
    ] = None,
    inbox_url: Annotated[
        str | None,
        typer.Option("--inbox-url", help="Review inbox address shown in answers (env B24_INBOX_URL)"),
    ] = None,
    log_level: Annotated[str, typer.Option(help="Server log level (logs go to stderr)")] = "warning",
    workdir: Annotated[
        Path | None,
        typer.Option(
            "--workdir",
            help="Run in this project directory: its .env and .runtime/, where `b24 review` finds the plans",
        ),
    ] = None,
    emulator: EmulatorOption = False,
) -> None:
    """Serve the pack tools, discovery tools and b24_plan_status over MCP; writes become plans for review."""
    with handle_errors(as_json=False):
        from .._redact import register_secret
        from ..policy._policy import Policy
        from ._call import _allowlist, parse_packs

        if transport not in ("stdio", "http"):
            fail(f"Error: --transport must be stdio or http, not {transport!r}")
        if workdir is not None:
            if not workdir.is_dir():
                fail(f"Error: --workdir {workdir} is not a directory")
            os.chdir(workdir)  # desktop clients start servers in an arbitrary directory
        settings = load_settings()
        token = settings.mcp_token.get_secret_value() if settings.mcp_token is not None else ""
        register_secret(token)
        if transport == "http":
            from ..mcp._security import check_bind

            check_bind(host, token)  # before anything is opened
        pack_list = parse_packs(packs if packs is not None else settings.packs)
        allowlist = _allowlist(
            method_allowlist if method_allowlist is not None else settings.method_allowlist
        )
        policy = Policy(
            packs=tuple(pack_list),
            allowlist=tuple(allowlist),
            allow_unlisted=allow_unlisted,
            require_plan=settings.require_plan,
        )
        from ..approval import Approvals
        from ..mcp import build_server, http_app
        from ..mcp._security import write_token_file

        client = build_client(settings, emulator=emulator)
        with client, Approvals.open(settings, client=client, policy=policy) as approvals:
            server = build_server(
                approvals,
                policy=policy,
                client=client,
                inbox_url=inbox_url or settings.inbox_url,
                elicit=elicit,
                log_level=log_level.upper(),
            )
            if transport == "stdio":
                import anyio

                anyio.run(server.run_stdio_async)
                return
            if not token:
                path = Path(settings.runtime_dir) / "mcp_token"
                token = write_token_file(path)
                register_secret(token)
                typer.echo(
                    f"No B24_MCP_TOKEN set: a one-time token for this run is in {path} (mode 0600).", err=True
                )
            app = http_app(server, token=token, host=host, allowed_origins=tuple(allow_origin or ()))
            _run_http(app, host, port, log_level)


def _run_http(app: Any, host: str, port: int, log_level: str) -> None:
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"MCP (Streamable HTTP) on http://{shown}:{port}/mcp (Ctrl+C to stop)", err=True)
    sys.stderr.flush()
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower())
