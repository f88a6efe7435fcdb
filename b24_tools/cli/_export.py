"""`b24 export ENTITY --out FILE` and `b24 bulk update|add ENTITY --from FILE`."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    EXIT_CODES_HELP,
    EmulatorOption,
    JsonOption,
    PortalOption,
    build_client,
    emit,
    fail,
    handle_errors,
    load_settings,
    parse_json_option,
    want_json,
)

__all__ = ["export_command", "bulk_command", "read_records", "bulk_params"]


def export_command(
    entity: Annotated[
        str, typer.Argument(help="lead, deal, contact, company, activity, task, user, or a *.list method")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .jsonl or .csv")],
    filter: Annotated[
        str | None, typer.Option("--filter", help='JSON filter, e.g. \'{"STAGE_ID":"WON"}\' or @file.json')
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Fields to export (repeat, or comma separated)")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue after the last ID already in the file")
    ] = False,
    emulator: EmulatorOption = False,
    portal: PortalOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON summary even on a terminal")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar")] = False,
) -> None:
    """Export a CRM slice by fast ID paging: constant memory, progress bar with rate and ETA, resumable."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        from ._exporter import count_matching, export_entity, last_exported_id, list_method_for

        flt = parse_json_option(filter, name="--filter", default={})
        if not isinstance(flt, dict):
            fail("Error: --filter must be a JSON object")
        fields = [f.strip() for item in (select or []) for f in item.split(",") if f.strip()]
        method = list_method_for(entity)
        if out.suffix.lower() not in (".jsonl", ".csv"):
            fail(f"Error: --out must end in .jsonl or .csv, not {out.name!r}")
        settings = load_settings(portal=portal)
        client = build_client(settings, emulator=emulator)
        with client:
            total = count_matching(client, method, {"filter": flt})
            if no_progress or as_json:
                result = export_entity(client, entity, out, filter=flt, select=fields or None, resume=resume)
            else:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeRemainingColumn,
                    TransferSpeedColumn,
                )

                with Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]:.0f} rec/s"),
                    TimeRemainingColumn(),
                ) as bar:
                    _ = TransferSpeedColumn  # rate shown as records/s (TransferSpeed is bytes)
                    task = bar.add_task(f"export {entity}", total=total, rate=0.0)
                    import time

                    t0 = time.monotonic()
                    already = last_exported_id(out)[1] if resume and out.exists() else 0

                    def tick(n: int) -> None:
                        elapsed = max(time.monotonic() - t0, 1e-6)
                        bar.update(task, completed=already + n, rate=n / elapsed)

                    result = export_entity(
                        client, entity, out, filter=flt, select=fields or None, resume=resume, progress=tick
                    )
        summary = {
            "status": "ok",
            "entity": entity,
            "method": result.method,
            "path": str(result.path),
            "format": result.format,
            "written": result.written,
            "total_in_file": result.total_in_file,
            "resumed_after_id": result.resumed_after_id,
            "last_id": result.last_id,
            "seconds": result.seconds,
        }
        emit(
            summary,
            as_json=as_json,
            render=lambda s: typer.echo(
                f"wrote {s['written']} records to {s['path']} ({s['total_in_file']} in file, last ID {s['last_id']})"
            ),
        )


# -- bulk ---------------------------------------------------------------------------------------------------

_ENTITY_WRITE = {"lead": "crm.lead", "deal": "crm.deal", "contact": "crm.contact", "company": "crm.company"}


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records from .jsonl, .json (a list) or .csv; one clear error for anything else."""
    suffix = path.suffix.lower()
    if not path.exists():
        fail(f"Error: --from file {str(path)!r} does not exist")
    if suffix == ".jsonl":
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError as exc:
                        fail(f"Error: {path.name} line {n}: invalid JSON ({exc.msg})")
                    if not isinstance(rec, dict):
                        fail(f"Error: {path.name} line {n}: each line must be a JSON object")
                    yield rec
    elif suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            fail(f"Error: {path.name}: invalid JSON ({exc.msg})")
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            fail(f"Error: {path.name} must hold a JSON list of objects")
        yield from data
    elif suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                yield {k: v for k, v in row.items() if k is not None and v not in (None, "")}
    else:
        fail(f"Error: --from must be .jsonl, .json or .csv, not {path.name!r}")


def bulk_params(action: str, record: dict[str, Any]) -> dict[str, Any]:
    """One record → the method's params: `update` needs an ID (`{"id", "fields"}`), `add` takes `{"fields"}`."""
    rec = dict(record)
    if "fields" in rec and isinstance(rec["fields"], dict):
        fields = dict(rec["fields"])
        rid = rec.get("id", rec.get("ID"))
    else:
        rid = rec.pop("ID", rec.pop("id", None))
        fields = rec
    if action == "update":
        if rid in (None, ""):
            fail("Error: every record of a bulk update needs an ID")
        try:
            return {"id": int(rid), "fields": fields}
        except (TypeError, ValueError):
            fail(f"Error: ID {rid!r} is not a number")
    return {"fields": fields}


def bulk_command(
    action: Annotated[str, typer.Argument(help="update or add")],
    entity: Annotated[str, typer.Argument(help="lead, deal, contact or company")],
    source: Annotated[
        Path, typer.Option("--from", help="Records: .jsonl, .json (list) or .csv; update needs ID")
    ],
    packs: Annotated[
        str | None, typer.Option("--packs", help="Comma list of packs (default from B24_PACKS)")
    ] = None,
    emulator: EmulatorOption = False,
    portal: PortalOption = None,
    confirm_write: Annotated[
        bool,
        typer.Option(
            "--confirm-write", help="Approve and run it now as the operator (not under B24_REQUIRE_PLAN)"
        ),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Submit many records as ONE reviewable plan (per-record idempotency keys; re-running the file is safe).

    The plan waits in `b24 review list`; approving it executes every record once, in batches of 50.
    Running the same file again finds the same plan (or the recorded results), never a second write.
    """
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        if action not in ("update", "add"):
            fail(f"Error: bulk action must be update or add, not {action!r}")
        base = _ENTITY_WRITE.get(entity.lower().rstrip("s") if entity.lower() != "companies" else "company")
        if base is None:
            fail(f"Error: bulk supports {', '.join(_ENTITY_WRITE)}; not {entity!r}")
        method = f"{base}.{action}"
        records = [bulk_params(action, r) for r in read_records(source)]
        if not records:
            fail(f"Error: {source.name} holds no records")
        digest = hashlib.sha256(
            json.dumps([method, records], sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        settings = load_settings(portal=portal)
        from ..policy._policy import Policy
        from ._call import STATUS_EXIT, _reviewer, open_approvals, parse_packs

        policy = Policy(
            packs=tuple(parse_packs(packs if packs is not None else settings.packs)),
            allowlist=(),
            allow_unlisted=False,
            require_plan=settings.require_plan,
        )
        if confirm_write:  # refused up front (e.g. B24_REQUIRE_PLAN) before anything is submitted
            policy.check(method, records[0], confirm_write=True)
        client = build_client(settings, emulator=emulator)
        with client, open_approvals(settings, client, policy) as approvals:
            prefix = f"bulk-{digest}"
            same = [p for p in approvals.list_pending(method=method) if p.idempotency_key == prefix]
            if same:  # the same file again: point at the plan that already waits, never a second one
                from types import SimpleNamespace

                res = SimpleNamespace(status="pending", plan_id=same[0].plan_id, result=None, error=None)
            else:
                res = approvals.submit_bulk(
                    method, records, requested_by=_reviewer(), idempotency_prefix=prefix
                )
            if confirm_write and res.status == "pending" and res.plan_id:
                res = _run_bulk_now(approvals, res.plan_id, len(records), method, quiet=as_json)
        out = {
            "status": res.status,
            "method": method,
            "records": len(records),
            "plan_id": res.plan_id,
            "idempotency_prefix": f"bulk-{digest}",
            "result": res.result,
        }
        if res.error:
            out["error"] = res.error
        if res.status == "pending":
            out["next"] = {
                "review": f"b24 review show {res.plan_id}",
                "approve": f"b24 review approve {res.plan_id}",
            }
        emit(
            out,
            as_json=as_json,
            render=lambda s: typer.echo(
                f"{s['status']}: {s['records']} × {s['method']} as one plan {s['plan_id']}"
                + (
                    f"\n  review:  {s['next']['review']}\n  approve: {s['next']['approve']}"
                    if s.get("next")
                    else ""
                )
            ),
        )
        code = STATUS_EXIT.get(res.status, 1)
        if code:
            raise typer.Exit(code)


def _run_bulk_now(approvals: Any, plan_id: str, total: int, method: str, *, quiet: bool) -> Any:
    """Approve as the operator and execute, with a progress bar (done/total, rate, ETA, failures) per chunk."""
    if quiet:
        return approvals.approve(plan_id, reviewer=_reviewer_name())
    from ._progress import bulk_progress_bar

    with bulk_progress_bar(f"{method} ×{total}", total) as on_progress:
        return approvals.approve(plan_id, reviewer=_reviewer_name(), on_progress=on_progress)


def _reviewer_name() -> str:
    from ._call import _reviewer

    return _reviewer()


EXPORT_HELP = (
    "Examples: b24 export deal --out deals.jsonl --resume · b24 export lead --select ID,TITLE --out l.csv"
)
BULK_HELP = (
    "Example: b24 bulk update deal --from cleanup.jsonl (then b24 review approve PLAN_ID). " + EXIT_CODES_HELP
)
