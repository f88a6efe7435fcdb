"""`b24 call METHOD` — the reference's one command, through the policy gate and the approval graph.

Order of checks (as the reference, then stricter): params JSON → settings → packs / allowlist → --list-packs →
--execute-plan → method name → catalog params validation → pack/allowlist policy → --plan-only →
require-plan → risk confirmation → execute (writes through the approval graph: ledger, idempotency, audit).
"""

from __future__ import annotations

import getpass
import json
from contextlib import ExitStack
from typing import Annotated, Any

import typer

from .._errors import B24PlanError, B24PolicyError
from ._common import (
    EXIT_API,
    EXIT_CODES_HELP,
    EXIT_OK,
    EXIT_PENDING,
    EXIT_REFUSED,
    EXIT_UNKNOWN,
    EmulatorOption,
    JsonOption,
    PortalOption,
    build_client,
    emit,
    fail,
    handle_errors,
    load_settings,
    parse_json_option,
    validate_method_name,
    want_json,
)
from ._reference import (
    AuditFileOption,
    AutoRefreshOption,
    IdempotencyFileOption,
    IdempotencyTtlOption,
    MaskSecretsOption,
    NoAuditOption,
    NoIdempotencyOption,
    PlanFileOption,
    PlanTtlOption,
    RawOption,
    ReferenceFlags,
    RestV3Option,
    raw_output,
    reference_plan,
)

__all__ = ["call_command", "parse_packs", "open_approvals", "STATUS_EXIT"]

STATUS_EXIT = {
    "executed": EXIT_OK,
    "replayed": EXIT_OK,
    "ok": EXIT_OK,
    "pending": EXIT_PENDING,
    "refused": EXIT_REFUSED,
    "rejected": EXIT_REFUSED,
    "expired": EXIT_REFUSED,
    "failed": EXIT_API,
    "unknown_outcome": EXIT_UNKNOWN,
}

CALL_EPILOG = (
    "Examples:\n\n"
    "  b24 call user.current\n\n"
    '  b24 call crm.lead.add --params \'{"fields":{"TITLE":"Plan demo"}}\' --plan-only\n\n'
    "  b24 call --execute-plan PLAN_ID --confirm-write\n\n"
    "  b24 call crm.lead.list --params @filter.json --json | jq .result\n\n"
    "  b24 call crm.lead.list --raw   (the portal's envelope: result, total, next, time)\n\n"
    + EXIT_CODES_HELP
)


def parse_packs(raw: str | None) -> list[str]:
    """The reference's rules: empty → core; `none` → []; comma list, lower-case, de-duplicated; unknown → exit 2."""
    from ..catalog import PACKS

    if raw is None or not raw.strip():
        return ["core"]
    if raw.strip().lower() == "none":
        return []
    out: list[str] = []
    for item in raw.split(","):
        name = item.strip().lower()
        if not name:
            continue
        if name not in PACKS:
            fail(f"Error: unknown pack {name!r}, available packs: {', '.join(PACKS)}")
        if name not in out:
            out.append(name)
    return out


def _allowlist(raw: str | None) -> list[str]:
    return [p.strip().lower() for p in (raw or "").split(",") if p.strip()]


def open_approvals(settings: Any, client: Any, policy: Any) -> Any:
    from ..approval import Approvals

    return Approvals.open(settings, client=client, policy=policy)


def _reviewer() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def _result_payload(res: Any, *, method: str, risk: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": res.status,
        "method": method,
        "risk": risk,
        "plan_id": res.plan_id,
        "result": res.result,
    }
    if res.error:
        out["error"] = res.error
    if res.status == "pending" and res.plan_id:
        out["next"] = {
            "review": f"b24 review show {res.plan_id}",
            "approve": f"b24 review approve {res.plan_id}",
            "execute_command": f"b24 call --execute-plan {res.plan_id} --confirm-{'destructive' if risk == 'destructive' else 'write'}",
        }
    return out


def _render(payload: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.json import JSON
    from rich.panel import Panel
    from rich.table import Table

    console = Console()
    status = payload.get("status", "ok")
    style = {"pending": "yellow", "executed": "green", "ok": "green", "replayed": "cyan"}.get(status, "red")
    title = f"[{style}]{status}[/] {payload.get('method') or ''} ({payload.get('risk') or 'read'})"
    if payload.get("plan_id"):
        title += f"  plan_id={payload['plan_id']}"
    result = payload.get("result")
    rows = (
        result if isinstance(result, list) and result and all(isinstance(r, dict) for r in result) else None
    )
    if rows is not None:
        cols = list(dict.fromkeys(k for r in rows[:20] for k in r))[:10]
        table = Table(title=title, title_justify="left")
        for c in cols:
            table.add_column(str(c))
        for r in rows:
            table.add_row(*(_cell(r.get(c)) for c in cols))
        console.print(table)
        more = [f"{len(rows)} shown"]
        if payload.get("total") is not None:
            more.append(f"total {payload['total']}")
        if isinstance(payload.get("next"), int):
            more.append(f"next page: start={payload['next']}")
        console.print("  " + " · ".join(more))
    else:
        console.print(Panel(JSON.from_data(result, default=str), title=title, expand=False))
    if payload.get("error"):
        console.print(f"[red]{payload['error']}[/]")
    if isinstance(payload.get("next"), dict):
        for label, cmd in payload["next"].items():
            console.print(f"  {label}: [bold]{cmd}[/]")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:60]
    return str(value)


def _finish(payload: dict[str, Any], as_json: bool) -> None:
    code = STATUS_EXIT.get(payload["status"], 1)
    if not (code == EXIT_OK and raw_output({"result": payload.get("result")})):
        emit(payload, as_json=as_json, render=_render)
    if code == EXIT_PENDING and payload.get("plan_id"):
        typer.echo(f"pending review: plan_id={payload['plan_id']} (b24 review list)", err=True)
    if code not in (EXIT_OK, EXIT_PENDING) and payload.get("error"):
        typer.echo(f"Error: {payload['error']}", err=True)
    raise typer.Exit(code)


def call_command(
    method: Annotated[
        str | None, typer.Argument(help="Bitrix24 method, e.g. crm.lead.add (omit with --execute-plan)")
    ] = None,
    params: Annotated[
        str, typer.Option("--params", "-p", help="JSON object, or @file.json (@- for stdin)")
    ] = "{}",
    packs: Annotated[
        str | None, typer.Option("--packs", help="Comma list of packs, or none (env B24_PACKS; default core)")
    ] = None,
    list_packs: Annotated[bool, typer.Option("--list-packs", help="Print the packs and exit")] = False,
    method_allowlist: Annotated[
        str | None,
        typer.Option(
            "--method-allowlist", help="Extra allowlist patterns, e.g. 'user.*' (env B24_METHOD_ALLOWLIST)"
        ),
    ] = None,
    allow_unlisted: Annotated[
        bool,
        typer.Option(
            "--allow-unlisted", help="Allow a method outside the packs/allowlist (never skips the risk gate)"
        ),
    ] = False,
    confirm_write: Annotated[bool, typer.Option("--confirm-write", help="Allow a write")] = False,
    confirm_destructive: Annotated[
        bool, typer.Option("--confirm-destructive", help="Allow a delete/unbind")
    ] = False,
    plan_only: Annotated[
        bool, typer.Option("--plan-only", help="Create a pending plan for review; call nothing")
    ] = False,
    execute_plan: Annotated[
        str | None, typer.Option("--execute-plan", metavar="PLAN_ID", help="Run a reviewed plan")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", metavar="KEY", help="Replay-safe key")
    ] = None,
    require_plan: Annotated[
        bool | None,
        typer.Option(
            "--require-plan/--no-require-plan",
            help="Writes only through reviewed plans (env B24_REQUIRE_PLAN)",
        ),
    ] = None,
    emulator: EmulatorOption = False,
    portal: PortalOption = None,
    json_out: JsonOption = False,
    rest_v3: RestV3Option = False,
    auto_refresh: AutoRefreshOption = False,
    mask_secrets: MaskSecretsOption = True,
    plan_file: PlanFileOption = None,
    plan_ttl_sec: PlanTtlOption = None,
    audit_file: AuditFileOption = None,
    no_audit: NoAuditOption = False,
    idempotency_file: IdempotencyFileOption = None,
    idempotency_ttl_sec: IdempotencyTtlOption = None,
    no_idempotency: NoIdempotencyOption = False,
    raw: RawOption = False,
) -> None:
    """Call one Bitrix24 method, safely: packs + allowlist, risk confirmation, plans, idempotency, audit."""
    as_json = want_json(json_out)
    flags = ReferenceFlags(
        rest_v3=rest_v3,
        auto_refresh=auto_refresh,
        mask_secrets=mask_secrets,
        plan_file=plan_file,
        plan_ttl_sec=plan_ttl_sec,
        audit_file=audit_file,
        no_audit=no_audit,
        idempotency_file=idempotency_file,
        idempotency_ttl_sec=idempotency_ttl_sec,
        no_idempotency=no_idempotency,
        raw=raw,
    )
    with handle_errors(as_json=as_json), ExitStack() as scope:
        payload = parse_json_option(params)
        if not isinstance(payload, dict):
            fail("Error: --params must be a JSON object")
        settings = load_settings(portal=portal)
        flags.apply(settings)
        scope.enter_context(flags.scope(settings))
        pack_list = parse_packs(packs if packs is not None else settings.packs)
        allowlist = _allowlist(
            method_allowlist if method_allowlist is not None else settings.method_allowlist
        )
        if list_packs:
            _print_packs(pack_list, as_json)
            return
        idempotency_key = flags.idempotency_key(idempotency_key)
        strict = settings.require_plan if require_plan is None else require_plan

        from ..policy._policy import Policy

        policy = Policy(
            packs=tuple(pack_list),
            allowlist=tuple(allowlist),
            allow_unlisted=allow_unlisted,
            require_plan=strict,
        )
        if execute_plan:
            _execute_plan(
                execute_plan, method, settings, policy, emulator, confirm_write, confirm_destructive, as_json
            )
            return
        if not method:
            fail("Error: METHOD is required (or --execute-plan PLAN_ID, or --list-packs)")
        name = validate_method_name(method)
        _validate_params(name, payload)
        assessment = policy.assess(name, payload)
        if assessment.refusal is not None and assessment.refusal.rule not in _RISK_RULES:
            raise assessment.refusal
        risk = assessment.risk
        is_write = risk in ("write", "destructive")
        if plan_only and not is_write:
            fail(f"Error: --plan-only applies to writes; {name} is a read and runs directly")
        client = build_client(settings, emulator=emulator)
        with client:
            if not is_write:
                policy.check(name, payload)
                with open_approvals(settings, client, policy) as approvals:
                    resp = _audited_read(approvals, client, name, payload)
                if raw_output(getattr(resp, "raw", None) or {"result": resp.result}):
                    return
                out = {
                    "status": "ok",
                    "method": name,
                    "risk": risk,
                    "result": resp.result,
                    "total": resp.total,
                    "next": resp.next,
                    "time": (getattr(resp, "raw", None) or {}).get("time"),
                }
                emit(out, as_json=as_json, render=_render)
                return
            with open_approvals(settings, client, policy) as approvals:
                if plan_only or strict:
                    res = approvals.submit(
                        name, payload, idempotency_key=idempotency_key, requested_by=_reviewer()
                    )
                    if res.status == "pending" and strict and not plan_only:
                        typer.echo("B24_REQUIRE_PLAN is on: the write waits for review as a plan", err=True)
                    if plan_only and res.status == "pending":
                        out = _result_payload(res, method=name, risk=risk)
                        out["plan"] = reference_plan(
                            approvals.get_plan(res.plan_id),
                            tenant=settings.domain or "",
                            packs=pack_list,
                            allowlisted=policy.is_listed(name),
                        )
                        emit(out, as_json=as_json, render=_render)
                        return  # --plan-only did what was asked: exit 0, as the reference
                    _finish(_result_payload(res, method=name, risk=risk), as_json)
                policy.check(
                    name, payload, confirm_write=confirm_write, confirm_destructive=confirm_destructive
                )
                res = approvals.submit(
                    name,
                    payload,
                    idempotency_key=idempotency_key,
                    requested_by=_reviewer(),
                    confirm_write=confirm_write,
                    confirm_destructive=confirm_destructive,
                )
                if res.status == "pending" and res.plan_id:
                    # confirmed on the command line: approve and run through the graph (ledger claim,
                    # exactly-once execution, audit) instead of calling the client behind its back
                    res = approvals.approve(res.plan_id, reviewer=_reviewer())
                _finish(_result_payload(res, method=name, risk=risk), as_json)


_RISK_RULES = frozenset(
    {"risk", "confirm_write", "confirm_destructive", "require_plan", "write", "destructive"}
)


def _audited_read(approvals: Any, client: Any, method: str, params: dict[str, Any]) -> Any:
    """A read runs directly (no plan) but leaves an audit line, as every call of the reference does."""
    import time

    started = time.perf_counter()
    try:
        resp = client.call(method, params)
    except Exception as exc:
        approvals.audit.emit(
            "error",
            actor=_reviewer(),
            method=method,
            risk="read",
            params=params,
            outcome="error",
            error=exc,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        raise
    approvals.audit.emit(
        "read",
        actor=_reviewer(),
        method=method,
        risk="read",
        params=params,
        outcome="ok",
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return resp


def _validate_params(method: str, params: dict[str, Any]) -> None:
    from ..catalog import get_catalog

    spec = get_catalog().get(method)
    if spec is not None:
        spec.validate_params(params)


def _execute_plan(
    plan_id: str,
    method: str | None,
    settings: Any,
    policy: Any,
    emulator: bool,
    confirm_write: bool,
    confirm_destructive: bool,
    as_json: bool,
) -> None:
    client = build_client(settings, emulator=emulator)
    with client, open_approvals(settings, client, policy) as approvals:
        plan = approvals.get_plan(plan_id)
        if plan is None:
            raise B24PlanError(f"plan {plan_id!r} not found", plan_id=plan_id, reason="unknown")
        if method and validate_method_name(method) != str(plan.method).lower():
            fail(f"Error: {method!r} does not match planned method {plan.method!r}")
        risk = plan.risk
        if plan.status in ("executed", "replayed"):
            from types import SimpleNamespace

            res = SimpleNamespace(status="replayed", plan_id=plan.plan_id, result=plan.result, error=None)
            _finish(_result_payload(res, method=plan.method, risk=risk), as_json)
        if plan.status not in ("pending", "approved"):
            raise B24PlanError(f"plan {plan_id} is {plan.status}", plan_id=plan_id, reason=str(plan.status))
        needed = "--confirm-destructive" if risk == "destructive" else "--confirm-write"
        confirmed = confirm_destructive if risk == "destructive" else (confirm_write or confirm_destructive)
        if plan.status == "pending" and not confirmed:
            fail(
                f"plan {plan_id} is pending review: approve it (b24 review approve {plan_id}) or pass {needed}",
                EXIT_PENDING,
                payload={"status": "pending", "plan_id": plan_id, "method": plan.method, "risk": risk},
            )
        try:
            policy.check(
                plan.method,
                plan.params,
                confirm_write=confirm_write or confirm_destructive,
                confirm_destructive=confirm_destructive,
                via_plan=True,
            )
        except B24PolicyError:
            raise
        res = approvals.approve(plan_id, reviewer=_reviewer())
        _finish(_result_payload(res, method=plan.method, risk=risk), as_json)


def _print_packs(selected: list[str], as_json: bool) -> None:
    """The reference's shape (`available_packs`: each pack's allowlist patterns) plus each pack's catalog
    methods (`pack_methods`)."""
    from ..catalog import PACK_PATTERNS, PACKS, get_catalog

    cat = get_catalog()
    methods = {p: sorted(s.name for s in cat.by_pack(p)) for p in PACKS}
    patterns = {p: list(PACK_PATTERNS[p]) for p in PACKS}
    out = {
        "default_packs": ["core"],
        "available_packs": patterns,
        "selected_packs": selected,
        "pack_methods": methods,
    }
    if as_json:
        emit(out, as_json=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Capability packs")
    table.add_column("pack")
    table.add_column("selected")
    table.add_column("patterns")
    table.add_column("methods", justify="right")
    for p in PACKS:
        table.add_row(p, "yes" if p in selected else "", ", ".join(patterns[p]), str(len(methods[p])))
    Console().print(table)
