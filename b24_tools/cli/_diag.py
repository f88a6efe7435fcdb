"""`b24 packs` and `b24 diag`: what the packs contain, and what this webhook/app can actually call.

`diag` asks the portal, in batches of 50: `method.get` per method (isExisting / isAvailable,
api-reference/common/system/method-get.md), `scope` (granted scopes), and `feature.get` for the offline-event
features (rest_offline_extended, rest_auth_connector).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._common import (
    EmulatorOption,
    JsonOption,
    build_client,
    emit,
    fail,
    handle_errors,
    load_settings,
    want_json,
)

__all__ = ["packs_command", "diag_command", "diagnose"]

FEATURES = ("rest_offline_extended", "rest_auth_connector")


def packs_command(
    json_out: JsonOption = False,
    verbose: Annotated[bool, typer.Option("--methods", help="List every method with its risk")] = False,
) -> None:
    """List the capability packs with their methods and risk counts."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        from ..catalog import PACKS, get_catalog

        cat = get_catalog()
        settings = load_settings()
        selected = settings.pack_list()
        rows = []
        for p in PACKS:
            specs = list(cat.by_pack(p))
            risks = {r: sum(1 for s in specs if s.risk == r) for r in ("read", "write", "destructive")}
            row: dict[str, Any] = {"pack": p, "selected": p in selected, "methods": len(specs), **risks}
            if verbose or as_json:
                row["method_list"] = [{"method": s.name, "risk": s.risk} for s in specs] if verbose else None
            rows.append(row)
        if as_json:
            emit({"packs": rows, "selected": selected}, as_json=True)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Capability packs (selected: {', '.join(selected) or 'none'})")
        for col in ("pack", "selected", "methods", "read", "write", "destructive"):
            table.add_column(col, justify="right" if col not in ("pack", "selected") else "left")
        for r in rows:
            table.add_row(
                r["pack"],
                "✓" if r["selected"] else "",
                *(str(r[k]) for k in ("methods", "read", "write", "destructive")),
            )
        console = Console()
        console.print(table)
        if verbose:
            for r in rows:
                if r.get("method_list"):
                    console.print(
                        f"[bold]{r['pack']}[/]: "
                        + ", ".join(f"{m['method']}({m['risk'][0]})" for m in r["method_list"])
                    )


def diagnose(client: Any, methods: list[Any]) -> dict[str, Any]:
    """Ask the portal about each catalog entry; returns scopes, features and one row per method with a verdict."""
    scopes_resp = client.call("scope", {})
    granted = {str(s).lower() for s in (scopes_resp.result or [])}
    features: dict[str, str] = {}
    fres = client.call_many("feature.get", [{"CODE": c} for c in FEATURES])
    for i, code in enumerate(FEATURES):
        val = fres.results.get(str(i))
        features[code] = (
            (val or {}).get("value", "?") if isinstance(val, dict) else ("?" if val is None else str(val))
        )
    rows = []
    for start in range(0, len(methods), 50):
        chunk = methods[start : start + 50]
        res = client.call_many("method.get", [{"name": s.name} for s in chunk])
        for i, spec in enumerate(chunk):
            info = res.results.get(str(i)) or {}
            err = res.errors.get(str(i))
            exists = bool(info.get("isExisting")) if isinstance(info, dict) else False
            available = bool(info.get("isAvailable")) if isinstance(info, dict) else False
            need = [
                s.lower() for s in (spec.scope if isinstance(spec.scope, list | tuple) else [spec.scope]) if s
            ]
            missing = [s for s in need if s not in granted and s != "basic"]
            if err is not None:
                why = f"method.get failed: {getattr(err, 'code', err)}"
            elif not exists:
                why = "not on this portal (module missing or plan lacks it)"
            elif available:
                why = "ok"
            elif missing:
                why = "missing scope " + ", ".join(missing)
            else:
                why = "not available to this webhook/app (auth type or rights)"
            rows.append(
                {
                    "method": spec.name,
                    "pack": spec.pack,
                    "risk": spec.risk,
                    "scope": ",".join(need),
                    "exists": exists,
                    "available": available,
                    "why": why,
                }
            )
    return {
        "scopes": sorted(granted),
        "features": features,
        "methods": rows,
        "callable": sum(1 for r in rows if r["available"]),
        "not_callable": sum(1 for r in rows if not r["available"]),
    }


def diag_command(
    pack: Annotated[
        list[str] | None, typer.Option("--pack", help="Pack(s) to check (default: selected packs)")
    ] = None,
    method: Annotated[list[str] | None, typer.Option("--method", help="Check only these methods")] = None,
    emulator: EmulatorOption = False,
    json_out: JsonOption = False,
) -> None:
    """Which methods of the selected packs this webhook/app can and cannot call, and why."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        from ..catalog import get_catalog
        from ._call import parse_packs

        settings = load_settings()
        packs = parse_packs(",".join(pack)) if pack else parse_packs(settings.packs)
        cat = get_catalog()
        if method:
            specs = []
            for m in method:
                spec = cat.get(m)
                if spec is None:
                    fail(f"Error: {m!r} is not in the catalog")
                specs.append(spec)
        else:
            specs = [s for p in packs for s in cat.by_pack(p)]
        if not specs:
            fail("Error: no methods to check (select a pack with --pack)")
        client = build_client(settings, emulator=emulator)
        with client:
            report = diagnose(client, specs)
        report["packs"] = packs
        if as_json:
            emit(report, as_json=True)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"diag {', '.join(packs)} — scopes: {', '.join(report['scopes']) or '(none)'}")
        for col in ("method", "pack", "risk", "scope", "callable", "why"):
            table.add_column(col)
        for r in report["methods"]:
            table.add_row(
                r["method"],
                r["pack"],
                r["risk"],
                r["scope"],
                "[green]yes[/]" if r["available"] else "[red]no[/]",
                r["why"],
            )
        console = Console()
        console.print(table)
        console.print(
            f"features: {report['features']}  callable {report['callable']} / not {report['not_callable']}"
        )
