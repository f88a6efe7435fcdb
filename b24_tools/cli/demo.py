"""`make demo` / `python -m b24_tools.cli.demo`: four scenarios on the embedded defaults.

Starts the emulator in process with seed data, opens the real approval graph on SQLite under a fresh
`.runtime/demo/<stamp>/`, and runs:

1. a lead from a web-form payload with source metadata — write → pending → what the reviewer sees →
   approved → executed once (a second approval finds the plan decided; the emulator holds exactly one lead)
   → audit;
2. the daily list of deals without active tasks — reads only, no review;
3. a guarded batch update for operational cleanup — one plan; the reviewer edits one value, then approves;
4. an agent (`create_agent` + `B24ApprovalMiddleware`, a scripted chat model): its read runs at once, its write
   pauses as a plan, a reviewer approves it with `b24 review approve` in another process, and the agent thread
   resumes (`resume_decided`) and reports the new lead's ID.

It ends with the audit trail and the command to inspect it. With `B24_MODEL` and the provider's API key set,
scenario 4 is driven by that model. No portal and no keys are needed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from pydantic import Field

__all__ = ["main", "run_demo", "ScriptedChatModel", "WEB_FORM_PAYLOAD"]

WEB_FORM_PAYLOAD: dict[str, Any] = {
    "submission_id": "wf-2026-11-25-0042",
    "form": "Pricing page: talk to sales",
    "page_url": "https://example.com/pricing?utm_source=newsletter&utm_campaign=winter",
    "company": "Acme Robotics",
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "Jane.Doe@Acme-Robotics.example",
    "phone": "+1 (555) 010-0042",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "winter",
    "message": "We need 40 units by March.",
}

_PROVIDER_KEYS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
}


def lead_params_from_form(payload: dict[str, Any]) -> dict[str, Any]:
    """The web-form payload → `crm.lead.add` params, with the source metadata in its own fields."""
    return {
        "fields": {
            "TITLE": f"Web form: {payload['company']}",
            "NAME": payload["first_name"],
            "LAST_NAME": payload["last_name"],
            "COMPANY_TITLE": payload["company"],
            "EMAIL": [{"VALUE": payload["email"].strip().lower(), "VALUE_TYPE": "WORK"}],
            "PHONE": [{"VALUE": payload["phone"], "VALUE_TYPE": "WORK"}],
            "SOURCE_ID": "WEB",
            "SOURCE_DESCRIPTION": f"{payload['form']} — {payload['page_url']}",
            "UTM_SOURCE": payload["utm_source"],
            "UTM_MEDIUM": payload["utm_medium"],
            "UTM_CAMPAIGN": payload["utm_campaign"],
            "COMMENTS": payload["message"],
            "ORIGINATOR_ID": "webform",
            "ORIGIN_ID": payload["submission_id"],
        }
    }


def _model_available() -> str | None:
    model = os.environ.get("B24_MODEL")
    if not model:
        return None
    provider = model.split(":", 1)[0] if ":" in model else "openai"
    key = _PROVIDER_KEYS.get(provider)
    return model if key is None or os.environ.get(key) else None


class _Out:
    """Rich when available on a terminal, plain text otherwise (CI logs)."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 110)

    def h(self, text: str) -> None:
        self.console.rule(f"[bold cyan]{text}")

    def p(self, text: str = "") -> None:
        self.console.print(text)

    def json(self, obj: Any) -> None:
        from rich.json import JSON

        self.console.print(JSON.from_data(obj, default=str))

    def table(self, title: str, cols: list[str], rows: list[list[Any]]) -> None:
        from rich.table import Table

        t = Table(title=title, title_justify="left")
        for c in cols:
            t.add_column(c)
        for r in rows:
            t.add_row(*("" if v is None else str(v) for v in r))
        self.console.print(t)


def _reviewer_view(out: _Out, approvals: Any, plan_id: str) -> Any:
    view = approvals.show(plan_id)
    plan = view.plan
    out.p(f"[bold]What the reviewer sees[/] ([italic]b24 review show {plan_id}[/]):")
    out.p(f"  {str(view.summary).splitlines()[0]}")
    out.p(
        f"  method: {plan.method}   risk: {plan.risk}   status: {plan.status}   requested_by: {plan.requested_by}"
    )
    out.p(
        f"  idempotency_key: {plan.idempotency_key}   expires: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(plan.expires_at))}"
    )
    if plan.kind == "batch":
        out.table(
            "commands",
            ["name", "method", "params"],
            [
                [c.get("name"), c.get("method"), json.dumps(c.get("params"), ensure_ascii=False)]
                for c in view.calls
            ],
        )
    else:
        out.json(view.params)
    return view


def _readable(value: Any) -> str:
    """A batch command string `method?query` → `method {params}` (what the reviewer actually changed)."""
    if isinstance(value, str) and "?" in value:
        from ..client._phpquery import decode

        method, _, query = value.partition("?")
        return f"{method} {json.dumps(decode(query), ensure_ascii=False)}"
    return json.dumps(value, ensure_ascii=False, default=str)


def scenario_lead_from_form(out: _Out, emu: Any, client: Any, approvals: Any) -> dict[str, Any]:
    out.h("1 · Lead from a web-form payload (write → review → executed once)")
    out.p("Web-form payload received:")
    out.json(WEB_FORM_PAYLOAD)
    params = lead_params_from_form(WEB_FORM_PAYLOAD)
    from ..toolkits import B24Toolkit

    tools = {t.name: t for t in B24Toolkit(client, packs=("core",), approvals=approvals).get_tools()}
    tool = next(t for t in tools.values() if (t.metadata or {}).get("method") == "crm.lead.add")
    out.p(f"The toolkit's tool [bold]{tool.name}[/] is called with the mapped fields:")
    answer = tool.invoke(params)
    out.p(f"  tool answered: [yellow]{str(answer)[:200]}[/]")
    pending = approvals.list_pending(method="crm.lead.add")
    plan_id = pending[-1].plan_id
    before = emu.count("lead")
    _reviewer_view(out, approvals, plan_id)
    out.p(f"Leads in the portal before approval: {before}")
    res = approvals.approve(plan_id, reviewer="demo-reviewer")
    out.p(f"[green]approved by demo-reviewer → {res.status}[/], new lead ID = {res.result}")
    again = _approve_again(approvals, plan_id)
    out.p(f"A second approval of the same plan → {again} (nothing is written twice)")
    leads = [r for r in emu.records("lead") if str(r.get("ORIGIN_ID")) == WEB_FORM_PAYLOAD["submission_id"]]
    out.p(f"Leads with ORIGIN_ID={WEB_FORM_PAYLOAD['submission_id']}: {len(leads)} (executed exactly once)")
    lead = client.call("crm.lead.get", {"id": int(res.result)}).result
    out.table(
        "Stored lead (source metadata)",
        ["field", "value"],
        [
            [k, lead.get(k)]
            for k in (
                "ID",
                "TITLE",
                "SOURCE_ID",
                "SOURCE_DESCRIPTION",
                "UTM_SOURCE",
                "UTM_CAMPAIGN",
                "ORIGINATOR_ID",
                "ORIGIN_ID",
            )
        ],
    )
    return {
        "plan_id": plan_id,
        "lead_id": res.result,
        "leads_with_origin": len(leads),
        "second_approval": again,
    }


def _approve_again(approvals: Any, plan_id: str) -> str:
    from .._errors import B24PlanError

    try:
        res = approvals.approve(plan_id, reviewer="demo-reviewer-2")
    except B24PlanError as exc:
        return f"refused ({exc.reason or 'already decided'})"
    return f"{res.status}" + (f" ({res.error})" if getattr(res, "error", None) else "")


class ScriptedChatModel(GenericFakeChatModel):
    """A chat model with no keys: asks for `tool_calls` first, then reports what the tools answered.

    `bind_tools` returns the model itself (the tool calls are scripted); after a tool result it replies
    "Done. <tool answer>", so a resumed thread in any process reports the result it got (e.g. the new ID).
    """

    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    messages: Any = Field(default_factory=lambda: iter(()))

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kw: Any) -> ScriptedChatModel:
        return self

    def _generate(self, messages: list[Any], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        from langchain_core.messages import AIMessage, ToolMessage
        from langchain_core.outputs import ChatGeneration, ChatResult

        results = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            results.append(str(message.content).splitlines()[0] if message.content else "")
        if results:
            reply = AIMessage(content="Done. " + " | ".join(reversed(results)))
        else:
            reply = AIMessage(content="", tool_calls=[{**c, "type": "tool_call"} for c in self.tool_calls])
        return ChatResult(generations=[ChatGeneration(message=reply)])


def _agent_model(model: str | None, chat_model: Any) -> Any:
    if chat_model is not None:
        return chat_model
    if model:
        from .._settings import B24Settings
        from ..approval._agent import load_model

        return load_model(B24Settings(model=model))
    fields = {
        "TITLE": f"Follow-up call: {WEB_FORM_PAYLOAD['company']}",
        "NAME": WEB_FORM_PAYLOAD["first_name"],
        "LAST_NAME": WEB_FORM_PAYLOAD["last_name"],
        "SOURCE_ID": "WEB",
        "COMMENTS": "Asked for 40 units by March; call back this week.",
    }
    return ScriptedChatModel(
        tool_calls=[
            {
                "name": "crm_lead_list",
                "args": {"filter": {"%TITLE": "Acme"}, "select": ["ID", "TITLE"]},
                "id": "r1",
            },
            {"name": "crm_lead_add", "args": {"fields": fields}, "id": "w1"},
        ]
    )


def _cli(args: list[str], env: dict[str, str]) -> Any:
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "b24_tools.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def scenario_agent(
    out: _Out, emu: Any, client: Any, approvals: Any, settings: Any, *, model: str | None, chat_model: Any
) -> dict[str, Any]:
    """An agent (B24ApprovalMiddleware) asks to write: its thread pauses at a plan, a reviewer approves it from
    the CLI in another process, and the thread resumes with the new record's ID."""
    from langchain_core.messages import HumanMessage

    from ..approval import resume_decided
    from ..approval._agent import open_agent

    out.h("4 · Agent: the write pauses, a reviewer approves from the CLI, the thread resumes")
    agent_model = _agent_model(model, chat_model)
    out.p(
        f"model: {type(agent_model).__name__} (scripted, no keys)"
        if chat_model is None and not model
        else f"model: {model or type(agent_model).__name__}"
    )
    thread = "demo-agent-" + time.strftime("%H%M%S")
    config = {"configurable": {"thread_id": thread}}
    prompt = (
        "Jane Doe from Acme Robotics wants 40 units by March. If there is no lead for Acme yet, create one "
        "so sales calls her back. Payload: " + json.dumps(WEB_FORM_PAYLOAD)
    )
    with open_agent(settings, model=agent_model, client=client, packs=("core",)) as agent:
        state = agent.invoke({"messages": [HumanMessage(prompt)]}, config, version="v2", durability="sync")
        for msg in state.value.get("messages", []):
            if getattr(msg, "type", "") == "tool":
                out.p(f"  read ran at once: [italic]{msg.name}[/] → {str(msg.content).splitlines()[0][:90]}")
        if not state.interrupts:
            out.p(f"Agent: {state.value['messages'][-1].content}")
            return {"thread_id": thread, "paused": False}
        request = state.interrupts[0].value
        action = request["action_requests"][0]
        plan_id = action["plan_id"]
        out.p(
            f"[bold]The agent thread paused[/] at {action['name']} → plan [bold]{plan_id}[/] (a HITLRequest interrupt)"
        )
        plan = approvals.get_plan(plan_id)
        out.p(f"  {plan.summary}")
        out.p(
            f"  requested_by: {plan.requested_by}   status: {plan.status}   leads in the portal: {emu.count('lead')}"
        )
        env = {"B24_SQLITE_PATH": str(settings.sqlite_path), "B24_RUNTIME_DIR": str(settings.runtime_dir)}
        out.p(f"Reviewer, in another process: [bold]b24 review approve {plan_id} --reviewer demo-reviewer[/]")
        cli = _cli(["review", "approve", plan_id, "--reviewer", "demo-reviewer", "--json"], env)
        decided = json.loads(cli.stdout or "{}") if cli.stdout.strip().startswith("{") else {}
        out.p(
            f"  exit {cli.returncode}: {decided.get('status', cli.stderr.strip()[-200:])} — {decided.get('error') or ''}"
        )
        done = resume_decided(agent, thread, approvals=approvals)
        final = done.value["messages"][-1].content if done is not None else "(not resumed)"
    out.p(f"The thread resumed: [green]Agent: {final}[/]")
    after = approvals.get_plan(plan_id)
    title = (after.params.get("fields") or {}).get("TITLE")
    same = emu.count("lead", TITLE=title) if title else 0
    out.p(
        f"plan {plan_id}: {after.status} by {after.decided_by}; new lead ID {after.result}; "
        f"leads titled {title!r}: {same} (exactly once)"
    )
    out.table(
        "audit of the agent's plan",
        ["event", "actor", "outcome"],
        [[e.get("event"), e.get("actor"), e.get("outcome")] for e in approvals.audit.events(plan_id=plan_id)],
    )
    return {
        "thread_id": thread,
        "paused": True,
        "plan_id": plan_id,
        "cli_exit": cli.returncode,
        "cli_status": decided.get("status"),
        "status": after.status,
        "lead_id": after.result,
        "final": final,
        "records_with_title": same,
    }


def scenario_deals_without_tasks(out: _Out, client: Any) -> dict[str, Any]:
    out.h("2 · Daily list of deals without active tasks (reads only)")
    deals = list(
        client.iter_list(
            "crm.deal.list",
            {"filter": {"CLOSED": "N"}, "select": ["ID", "TITLE", "STAGE_ID", "ASSIGNED_BY_ID"]},
        )
    )
    tasks = list(client.iter_list("tasks.task.list", {"select": ["ID", "UF_CRM_TASK", "STATUS"]}))
    active: set[str] = set()
    for t in tasks:
        status = str(t.get("status", t.get("STATUS", "")))
        if status in ("5", "7"):  # completed / deferred-closed
            continue
        for b in t.get("ufCrmTask", t.get("UF_CRM_TASK")) or []:
            if str(b).startswith("D_"):
                active.add(str(b)[2:])
    without = [d for d in deals if str(d["ID"]) not in active]
    out.table(
        f"{len(without)} of {len(deals)} open deals have no active task",
        ["ID", "TITLE", "STAGE", "owner"],
        [[d["ID"], d.get("TITLE"), d.get("STAGE_ID"), d.get("ASSIGNED_BY_ID")] for d in without[:10]],
    )
    if len(without) > 10:
        out.p(f"  … and {len(without) - 10} more")
    return {"open_deals": len(deals), "without_tasks": len(without)}


def scenario_guarded_batch(out: _Out, emu: Any, client: Any, approvals: Any) -> dict[str, Any]:
    out.h("3 · Guarded batch update (one plan; the reviewer edits one value)")
    deals = list(
        client.iter_list("crm.deal.list", {"filter": {"CLOSED": "N"}, "select": ["ID", "TITLE", "COMMENTS"]})
    )
    targets = deals[:5]
    cmd: dict[str, list[Any]] = {
        f"d{d['ID']}": [
            "crm.deal.update",
            {"id": int(d["ID"]), "fields": {"COMMENTS": "Q4 cleanup: verified"}},
        ]
        for d in targets
    }
    res = approvals.submit("batch", {"halt": 0, "cmd": cmd}, requested_by="demo:ops")
    out.p(f"batch of {len(cmd)} × crm.deal.update submitted → [yellow]{res.status}[/], plan_id={res.plan_id}")
    _reviewer_view(out, approvals, res.plan_id)
    edited_key = next(iter(cmd))
    edited_cmd: dict[str, list[Any]] = {k: list(v) for k, v in cmd.items()}
    edited = {"halt": 0, "cmd": edited_cmd}
    edited_cmd[edited_key] = [
        "crm.deal.update",
        {"id": cmd[edited_key][1]["id"], "fields": {"COMMENTS": "Q4 cleanup: verified — keep open, VIP"}},
    ]
    out.p(
        f"Reviewer edits {edited_key}: COMMENTS → 'Q4 cleanup: verified — keep open, VIP' "
        f"([italic]b24 review edit {res.plan_id} --params @edited.json[/])"
    )
    done = approvals.edit(res.plan_id, edited, reviewer="demo-reviewer")
    out.p(f"[green]edited + approved → {done.status}[/]")
    view = approvals.show(res.plan_id)
    diff = getattr(view, "diff", None)
    if diff:
        out.p("Diff against the original plan (what the reviewer changed):")
        out.table(
            "diff",
            ["path", "before", "after"],
            [[d.get("path"), _readable(d.get("old")), _readable(d.get("new"))] for d in diff],
        )
    rows = []
    for d in targets:
        now = client.call("crm.deal.get", {"id": int(d["ID"])}).result
        rows.append([d["ID"], now.get("COMMENTS")])
    out.table("Deals after execution", ["ID", "COMMENTS"], rows)
    return {
        "plan_id": res.plan_id,
        "status": done.status,
        "updated": len(rows),
        "edited_value": rows[0][1] if rows else None,
    }


def run_demo(
    base_dir: str | Path = ".runtime/demo", *, keep: bool = False, quiet: bool = False, chat_model: Any = None
) -> dict[str, Any]:
    """Run the three scenarios; returns what happened (for tests). State lives in a fresh directory."""
    from .._settings import B24Settings
    from ..approval import Approvals
    from ..emulator import Emulator
    from ..policy._policy import Policy

    t0 = time.monotonic()
    base = Path(base_dir)
    run_dir = base / ("last" if keep else time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}")
    run_dir.mkdir(parents=True, exist_ok=True)
    out = _Out()
    if quiet:
        import io

        from rich.console import Console

        out.console = Console(file=io.StringIO(), width=110)
    model = _model_available()
    out.h("b24-tools demo — emulator in process, approval graph on SQLite")
    out.p(
        f"state: {run_dir}   model: {model or 'none (direct tool calls; set B24_MODEL + API key for an agent)'}"
    )
    emu = Emulator(run_dir / "emulator.sqlite")
    emu.seed(leads=25, deals=30, contacts=15, companies=5, tasks=20, users=5)
    settings = B24Settings(
        _env_file=None,
        runtime_dir=run_dir,
        sqlite_path=run_dir / "b24.sqlite",
        audit_file=run_dir / "audit.jsonl",
        rate_limiter="off",
        packs="core",
    )
    client = emu.client()
    open_deals = [
        int(d["ID"]) for d in client.iter_list("crm.deal.list", {"filter": {"CLOSED": "N"}, "select": ["ID"]})
    ]
    for deal_id in open_deals[1:4]:  # portal history: three open deals already have a follow-up task
        client.call(
            "tasks.task.add",
            {
                "fields": {
                    "TITLE": f"Call back about deal {deal_id}",
                    "RESPONSIBLE_ID": 1,
                    "UF_CRM_TASK": [f"D_{deal_id}"],
                }
            },
        )
    policy = Policy(packs=("core",), allowlist=(), allow_unlisted=False, require_plan=False)
    summary: dict[str, Any] = {"run_dir": str(run_dir)}
    with Approvals.open(settings, client=client, policy=policy) as approvals:
        summary["lead"] = scenario_lead_from_form(out, emu, client, approvals)
        summary["deals_without_tasks"] = scenario_deals_without_tasks(out, client)
        summary["batch"] = scenario_guarded_batch(out, emu, client, approvals)
        summary["agent"] = scenario_agent(
            out, emu, client, approvals, settings, model=model, chat_model=chat_model
        )
        out.h("Audit trail")
        events = approvals.audit.events()
        out.table(
            f"{len(events)} audit events",
            ["event", "actor", "method", "plan_id", "decision", "outcome"],
            [
                [
                    e.get("event"),
                    e.get("actor"),
                    e.get("method"),
                    (e.get("plan_id") or "")[:12],
                    e.get("decision"),
                    e.get("outcome"),
                ]
                for e in events
            ],
        )
        n = approvals.audit.export(run_dir / "audit.jsonl")
        summary["audit_events"] = n
    summary["seconds"] = round(time.monotonic() - t0, 2)
    env = f"B24_SQLITE_PATH={run_dir / 'b24.sqlite'} {b24_command()}"
    out.p(f"\nAudit exported to {run_dir / 'audit.jsonl'} ({n} lines). Inspect it with:")
    out.p(f"  [bold]{env} audit tail[/]")
    out.p(f"  [bold]{env} review list --status executed[/]")
    out.p(f"done in {summary['seconds']} s")
    client.close()
    return summary


def b24_command() -> str:
    """`b24` as the reader can type it here: bare when it is on PATH, else this environment's script
    (`.venv/bin/b24` when the environment lives under the current directory)."""
    import shutil

    script = Path(sys.executable).parent / "b24"
    found = shutil.which("b24")
    if not script.exists() or (found is not None and Path(found).absolute() == script.absolute()):
        return "b24"
    try:
        return str(script.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def main(*, keep: bool = False) -> int:
    from .._errors import B24Error

    try:
        run_demo(keep=keep)
    except KeyboardInterrupt:
        return 130
    except B24Error as exc:  # a bad setting (e.g. B24_ENCRYPTION_KEY): one line naming it, no traceback
        print(f"demo stopped: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(keep="--keep" in sys.argv))
