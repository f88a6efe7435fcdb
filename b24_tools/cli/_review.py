"""`b24 review …` and `b24 audit …`: reviewers and operators over the shared plan index and audit trail.

    b24 review list [--json]                  pending plans across every thread and process
    b24 review show PLAN_ID                   summary, params, diff of an edit, audit events
    b24 review approve PLAN_ID                execute exactly once (first decider wins)
    b24 review edit PLAN_ID --params JSON     re-validated, re-checked, re-hashed, then executed
    b24 review reject PLAN_ID --reason TEXT
    b24 review recover                        finish plans whose process died after the decision
    (an agent's plan resumes its agent thread: on its LangGraph server, through B24_AGENT_GRAPH, or it waits for
    `resume_decided(agent, thread_id)` in the agent's process)
    b24 review resolve PLAN_ID --happened|--not-happened   settle an unknown_outcome plan
    b24 audit tail [-n 20] [--plan PLAN_ID]   b24 audit export [PATH] [--calls-only]

Rich tables on a terminal, JSON when piped or with --json. Exit codes as every `b24` command (0 ok, 3 refused /
rejected / expired / already decided, 4 Bitrix24 error, 5 pending, 6 unknown outcome).
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from ._common import (
    EXIT_API,
    EXIT_PENDING,
    EXIT_REFUSED,
    EXIT_UNKNOWN,
    NARROW,
    add_columns,
    build_client,
    emit,
    handle_errors,
    load_settings,
    parse_json_option,
    want_json,
)

__all__ = ["review_app", "audit_app"]

review_app = typer.Typer(help="List, show, approve, edit or reject pending plans.", no_args_is_help=True)
audit_app = typer.Typer(help="Tail or export the audit trail.", no_args_is_help=True)

_JSON = typer.Option(False, "--json", help="Print JSON (default when piped)")
_EMU = typer.Option(False, "--emulator", help="Execute against the local emulator (.runtime/emulator.sqlite)")
_REVIEWER = typer.Option(None, "--reviewer", help="Who decides (default cli:<user>)", envvar="B24_REVIEWER")
_EXIT_FOR = {
    "executed": 0,
    "replayed": 0,
    "rejected": 0,
    "pending": EXIT_PENDING,
    "approved": 0,  # an agent's plan: the decision is recorded; it runs when the agent thread resumes
    "expired": EXIT_REFUSED,
    "refused": EXIT_REFUSED,
    "failed": EXIT_API,
    "unknown_outcome": EXIT_UNKNOWN,
}


def _reviewer(name: str | None) -> str:
    if name:
        return name
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


@contextmanager
def _approvals(*, client: bool = False, emulator: bool = False, executes: str | None = None) -> Iterator[Any]:
    """The store, with the portal client built on first use (deciding an agent's plan may only record it).

    `executes`: the plan about to be decided. When it would run here (not an agent's), the client is built
    before the decision is recorded, so a missing B24_WEBHOOK_URL is one line naming it and the plan stays
    pending, instead of an approved plan that never ran.
    """
    from ..approval import Approvals
    from ..approval._audit import audit_context

    settings = load_settings()
    built = (
        build_client(settings, emulator=True) if emulator else (_LazyCliClient(settings) if client else None)
    )
    try:
        # a write decided here leaves its row in the reference's audit file too, as one run by `b24 call`
        with audit_context(mirror=settings.audit_file), Approvals.open(settings, client=built) as approvals:
            if executes is not None and isinstance(built, _LazyCliClient):
                plan = approvals.get_plan(executes)
                if plan is not None and plan.status == "pending" and plan.runner != "agent":
                    built.connect()
            yield approvals
    finally:
        if built is not None and hasattr(built, "close"):
            built.close()


class _LazyCliClient:
    """`build_client(settings)` on first use (its error names the settings to set, or --emulator)."""

    def __init__(self, settings: Any) -> None:
        self._settings, self._client = settings, None

    def connect(self) -> Any:
        if self._client is None:
            self._client = build_client(self._settings)
        return self._client

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.connect(), name)

    def close(self) -> None:
        if self._client is not None and hasattr(self._client, "close"):
            self._client.close()


def _ago(ts: float | None) -> str:
    if not ts:
        return "-"
    delta = time.time() - ts
    if delta < 0:
        delta = -delta
        prefix, suffix = "in ", ""
    else:
        prefix, suffix = "", " ago"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if delta >= size:
            return f"{prefix}{int(delta // size)}{unit}{suffix}"
    return f"{prefix}{int(delta)}s{suffix}"


def _plan_row(plan: Any) -> dict[str, Any]:
    return {
        "plan_id": plan.plan_id,
        "status": plan.status,
        "risk": plan.risk,
        "method": plan.method,
        "kind": plan.kind,
        "summary": plan.summary,
        "requested_by": plan.requested_by,
        "created_at": plan.created_at,
        "expires_at": plan.expires_at,
        "decided_by": plan.decided_by,
        "thread_id": plan.thread_id,
        "idempotency_key": plan.idempotency_key,
    }


def _render_plans(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{len(rows)} plan(s)")
    cols = add_columns(
        table,
        ("plan_id", "status", "risk", "summary", "requested_by", "age", "expires"),
        width=console.width,
        optional=("requested_by", "expires"),
    )
    for r in rows:
        style = {"destructive": "bold red", "write": "yellow"}.get(r["risk"], "")
        cells = {
            "plan_id": r["plan_id"],
            "status": r["status"],
            "risk": f"[{style}]{r['risk']}[/]" if style else r["risk"],
            "summary": r["summary"],
            "requested_by": r["requested_by"],
            "age": _ago(r["created_at"]),
            "expires": _ago(r["expires_at"]),
        }
        table.add_row(*(cells[c] for c in cols))
    console.print(table)


def _render_view(view: dict[str, Any]) -> None:
    import json

    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = Console()
    plan = view["plan"]
    console.print(Panel(view["summary"], title=f"{plan['plan_id']} · {plan['risk']} · {plan['status']}"))
    console.print(f"method: {plan['method']}   kind: {plan['kind']}   requested_by: {plan['requested_by']}")
    console.print(f"idempotency_key: {plan['idempotency_key']}   hash: {plan['params_hash']}")
    console.print("params:")
    console.print_json(json.dumps(view["params"], ensure_ascii=False, default=str))
    if view.get("sample"):
        console.print(f"sample of {plan['bulk']['total']} records:")
        console.print_json(json.dumps(view["sample"], ensure_ascii=False, default=str))
    if view["diff"]:
        diff = Table(title="edited (vs original)")
        for col in ("path", "old", "new"):
            diff.add_column(col)
        for d in view["diff"]:
            diff.add_row(
                d["path"], json.dumps(d["old"], ensure_ascii=False), json.dumps(d["new"], ensure_ascii=False)
            )
        console.print(diff)
    events = Table(title="audit")
    add_columns(events, ("time", "event", "actor", "decision", "outcome", "error"))
    for e in view["events"]:
        events.add_row(
            time.strftime("%H:%M:%S", time.gmtime(e["ts"])),
            e["event"],
            str(e.get("actor") or ""),
            str(e.get("decision") or ""),
            str(e.get("outcome") or ""),
            str(e.get("error") or ""),
        )
    console.print(events)


def _finish(res: Any, as_json: bool) -> None:
    out = {"status": res.status, "plan_id": res.plan_id, "result": res.result}
    if res.error:
        out["error"] = res.error
    emit(
        out,
        as_json=as_json,
        render=lambda o: typer.echo(
            f"{o['status']}: plan {o['plan_id']}"
            + (f" — {o['error']}" if o.get("error") else "")
            + (f"\nresult: {o['result']}" if o.get("result") is not None else "")
        ),
    )
    code = _EXIT_FOR.get(res.status, 1)
    if code:
        raise typer.Exit(code)


@review_app.command("list")
def review_list(
    json_: bool = _JSON,
    risk: str | None = typer.Option(None, "--risk", help="read | write | destructive"),
    method: str | None = typer.Option(None, "--method"),
    requested_by: str | None = typer.Option(None, "--requested-by"),
    status: str | None = typer.Option(None, "--status", help="List plans in this status instead of pending"),
) -> None:
    """Pending plans across every thread (from the shared store)."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), _approvals() as approvals:
        if status:
            plans = [
                p
                for p in approvals.list_plans(status=status)
                if (not risk or p.risk == risk) and (not method or p.method == method.lower())
            ]
        else:
            plans = approvals.list_pending(risk=risk, method=method, requested_by=requested_by)
        emit([_plan_row(p) for p in plans], as_json=as_json, render=_render_plans)


@review_app.command("show")
def review_show(plan_id: str, json_: bool = _JSON) -> None:
    """Summary, params, the diff of an edit, and the plan's audit events."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), _approvals() as approvals:
        emit(approvals.show(plan_id).to_dict(), as_json=as_json, render=_render_view)


@review_app.command("approve")
def review_approve(
    plan_id: str, reviewer: str | None = _REVIEWER, emulator: bool = _EMU, json_: bool = _JSON
) -> None:
    """Approve a plan: it executes exactly once, here and now (needs B24_WEBHOOK_URL, or --emulator)."""
    as_json = want_json(json_)
    with (
        handle_errors(as_json=as_json),
        _approvals(client=True, emulator=emulator, executes=plan_id) as approvals,
    ):
        plan = None if as_json else approvals.get_plan(plan_id)
        if plan is not None and plan.kind == "bulk" and plan.status == "pending":
            from ._progress import bulk_progress_bar

            total = int((plan.bulk or {}).get("total") or 0)
            with bulk_progress_bar(f"{plan.method} ×{total}", total) as on_progress:
                res = approvals.approve(plan_id, reviewer=_reviewer(reviewer), on_progress=on_progress)
        else:
            res = approvals.approve(plan_id, reviewer=_reviewer(reviewer))
    _finish(res, as_json)


@review_app.command("edit")
def review_edit(
    plan_id: str,
    params: str = typer.Option(..., "--params", help="New params as JSON (or @file)"),
    reviewer: str | None = _REVIEWER,
    emulator: bool = _EMU,
    json_: bool = _JSON,
) -> None:
    """Replace a plan's params (validated and policy-checked again), then execute it, as approve does
    (needs B24_WEBHOOK_URL, or --emulator)."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json):
        new_params = parse_json_option(params)
        with _approvals(client=True, emulator=emulator, executes=plan_id) as approvals:
            res = approvals.edit(plan_id, new_params, reviewer=_reviewer(reviewer))
    _finish(res, as_json)


@review_app.command("reject")
def review_reject(
    plan_id: str,
    reason: str = typer.Option(..., "--reason", help="Why (shown to the requester)"),
    reviewer: str | None = _REVIEWER,
    json_: bool = _JSON,
) -> None:
    """Reject a plan; it never executes."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), _approvals() as approvals:
        res = approvals.reject(plan_id, reason, reviewer=_reviewer(reviewer))
    _finish(res, as_json)


@review_app.command("recover")
def review_recover(
    emulator: bool = _EMU,
    json_: bool = _JSON,
    stale_after: float = typer.Option(
        60.0, "--stale-after", help="Only plans idle this many seconds (their process died)"
    ),
) -> None:
    """Finish every decided plan whose process died before it completed (reconciling, never duplicating)."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), _approvals(client=True, emulator=emulator) as approvals:
        results = approvals.recover(stale_after=stale_after)
        emit(
            [{"plan_id": r.plan_id, "status": r.status, "error": r.error} for r in results],
            as_json=as_json,
            render=lambda rows: typer.echo(
                "\n".join(f"{r['status']}: {r['plan_id']}" for r in rows) or "nothing to recover"
            ),
        )


@review_app.command("resolve")
def review_resolve(
    plan_id: str,
    happened: bool = typer.Option(
        ..., "--happened/--not-happened", help="What you found in the portal for an unknown_outcome plan"
    ),
    result: str | None = typer.Option(None, "--result", help="The portal's result as JSON (e.g. the ID)"),
    reviewer: str | None = _REVIEWER,
    json_: bool = _JSON,
) -> None:
    """Settle an unknown_outcome plan after checking the portal (recorded in the ledger and the audit)."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json):
        value = parse_json_option(result, name="--result", default=None) if result else None
        with _approvals() as approvals:
            res = approvals.resolve(plan_id, happened=happened, reviewer=_reviewer(reviewer), result=value)
    _finish(res, as_json)


@audit_app.command("tail")
def audit_tail(
    n: int = typer.Option(20, "-n", "--lines", help="How many events"),
    plan: str | None = typer.Option(None, "--plan", help="Only this plan's events"),
    json_: bool = _JSON,
) -> None:
    """The latest audit events."""
    as_json = want_json(json_)

    def render(rows: list[dict[str, Any]]) -> None:
        from rich.console import Console
        from rich.table import Table

        console = Console()
        table = Table(title=f"last {len(rows)} audit event(s)")
        cols = add_columns(
            table,
            ("time", "event", "actor", "method", "plan_id", "decision", "outcome", "error", "ms"),
            width=console.width,
            optional=("actor", "decision", "ms"),
        )
        stamp = "%Y-%m-%d %H:%M:%S" if console.width >= NARROW else "%H:%M:%S"
        for e in rows:
            cells = {
                "time": time.strftime(stamp, time.gmtime(e["ts"])),
                "event": e["event"],
                "actor": str(e.get("actor") or ""),
                "method": str(e.get("method") or ""),
                "plan_id": str(e.get("plan_id") or ""),
                "decision": str(e.get("decision") or ""),
                "outcome": str(e.get("outcome") or ""),
                "error": str(e.get("error") or ""),
                "ms": str(e.get("duration_ms") or ""),
            }
            table.add_row(*(cells[c] for c in cols))
        console.print(table)

    with handle_errors(as_json=as_json), _approvals() as approvals:
        emit(approvals.audit.events(plan_id=plan, limit=n), as_json=as_json, render=render)


@audit_app.command("export")
def audit_export(
    path: str | None = typer.Argument(None, help="Target JSONL (default B24_AUDIT_FILE)"),
    calls_only: bool = typer.Option(
        False,
        "--calls-only",
        help="Only the rows the reference writes: one per portal answer (ok/error/replay)",
    ),
    json_: bool = _JSON,
) -> None:
    """Write the audit trail as JSONL in the reference's format: its sixteen fields on every row (ts,
    request_id, tenant, method, risk, status, error_code, error_message, duration_ms, allowlisted, packs,
    rest_v3, param_keys, plan_id, idempotency_key, idempotent_replay), then this package's own (event, actor,
    params, decision, outcome, error, id)."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), _approvals() as approvals:
        default = load_settings().audit_file
        if path is None and default is None:
            from ._common import fail

            fail("Error: B24_AUDIT_FILE is empty: name the target file (b24 audit export PATH)")
        target = path or str(default)
        count = approvals.audit.export(target, calls_only=calls_only)
        emit(
            {"path": target, "events": count},
            as_json=as_json,
            render=lambda o: typer.echo(f"wrote {o['events']} events to {o['path']}"),
        )
