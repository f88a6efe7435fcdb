"""Run in a subprocess: allow only the modules that ship with the core install, then use the core for real.

Every module is looked up as usual; one that would load from a distribution outside the closure of
b24-tools' core requirements (no extras) is refused, exactly as if it were not installed. Then the client,
the toolkits and the approval engine on SQLite run against the emulator URL given on the command line,
and each optional part must fail with `B24MissingExtra` naming its extra.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata as md
import json
import os
import sys
import sysconfig
import tempfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = Path(__file__).resolve().parents[2]


def core_closure() -> set[str]:
    """Names of every distribution `pip install b24-tools` (no extras) brings in, b24-tools included."""
    seen: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = [("b24-tools", frozenset())]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in done:
            continue
        done.add((name, extras))
        seen.add(name)
        for raw in md.distribution(name).requires or []:
            req = Requirement(raw)
            wanted = [""] + sorted(extras)
            if req.marker and not any(
                req.marker.evaluate({**default_environment(), "extra": e}) for e in wanted
            ):
                continue
            todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return seen


def allowed_files(dists: set[str]) -> set[str]:
    files: set[str] = set()
    for name in dists:
        for f in md.distribution(name).files or []:
            files.add(os.path.realpath(md.distribution(name).locate_file(f)))
    return files


class CoreOnly:
    """A meta-path finder that refuses modules whose file belongs to no core distribution."""

    def __init__(self, files: set[str]) -> None:
        self.files = files
        self.roots = [
            os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")
        ] + [str(PROJECT / "b24_tools") + os.sep]
        self.refused: set[str] = set()

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        spec = importlib.machinery.PathFinder.find_spec(name, path)  # type: ignore[arg-type]
        if spec is None or spec.origin in (None, "built-in", "frozen"):
            return None
        origin = os.path.realpath(spec.origin)
        site = any(origin.startswith(p) for p in sysconfig.get_paths()["purelib"].split(os.pathsep))
        if origin in self.files or (not site and any(origin.startswith(r) for r in self.roots)):
            return None
        self.refused.add(name)
        raise ModuleNotFoundError(f"No module named {name!r} (not a core dependency)", name=name)


def main(url: str) -> dict[str, object]:
    dists = core_closure()
    finder = CoreOnly(allowed_files(dists))
    sys.meta_path.insert(0, finder)
    out: dict[str, object] = {"core": sorted(dists)}

    import b24_tools
    from b24_tools import Approvals, B24Client, B24MissingExtra, B24Toolkit, Policy

    with B24Client.from_webhook(url) as client:
        out["server_time"] = bool(client.call("server.time").result)
        lead_id = client.call("crm.lead.add", {"fields": {"TITLE": "core install"}}).result
        out["lead_title"] = client.call("crm.lead.get", {"id": lead_id}).result["TITLE"]

        tools = {t.name: t for t in B24Toolkit(client, packs=("core",)).get_tools()}
        out["tool_count"] = len(tools)
        listing = tools["crm_lead_list"].invoke(
            {"filter": {"TITLE": "core install"}, "select": ["ID", "TITLE"]}
        )
        out["tool_listing"] = str(listing)

        with tempfile.TemporaryDirectory() as tmp:
            settings = b24_tools.B24Settings(
                runtime_dir=tmp, sqlite_path=Path(tmp) / "b24.sqlite", webhook_url=url
            )
            with Approvals.open(settings, client=client, policy=Policy(packs=("core",))) as approvals:
                r = approvals.submit("crm.lead.update", {"id": lead_id, "fields": {"TITLE": "approved"}})
                out["submitted"] = r.status
                done = approvals.approve(r.plan_id, reviewer="alice")
                out["approved"] = done.status
        out["after_approval"] = client.call("crm.lead.get", {"id": lead_id}).result["TITLE"]

    missing: dict[str, str] = {}
    for label, attempt in {
        "emulator": lambda: importlib.import_module("b24_tools.emulator"),
        "Emulator": lambda: b24_tools.Emulator,
        "inbox": lambda: importlib.import_module("b24_tools.inbox").create_app,
        "events": lambda: importlib.import_module("b24_tools.events").create_receiver_app(
            application_token="t", queue=None
        ),
    }.items():
        try:
            attempt()
        except B24MissingExtra as exc:
            missing[label] = f"{exc.extra}: {exc}"
    out["missing"] = missing

    from typer.testing import CliRunner

    from b24_tools.cli import app

    result = CliRunner().invoke(app, ["--help"])
    out["cli_help"] = result.exit_code
    result = CliRunner().invoke(app, ["emulator", "serve"])
    out["cli_emulator_serve"] = [result.exit_code, result.output.strip().splitlines()[-1:]]
    out["refused"] = sorted(finder.refused)
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
