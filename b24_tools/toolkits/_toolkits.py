"""`B24Toolkit` and one toolkit per capability pack; `interrupt_on_config` for LangChain's HITL middleware."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import ConfigDict, Field, PrivateAttr

from ..catalog import PACKS, get_catalog
from ..policy._policy import Policy
from ._discovery import discovery_tools
from ._fields import method_tool
from ._files import pack_extra_tools
from ._runtime import Runtime

__all__ = [
    "B24Toolkit",
    "CoreToolkit",
    "CommsToolkit",
    "AutomationToolkit",
    "CollabToolkit",
    "ContentToolkit",
    "BoardsToolkit",
    "CommerceToolkit",
    "ServicesToolkit",
    "PlatformToolkit",
    "SitesToolkit",
    "ComplianceToolkit",
    "DiagnosticsToolkit",
    "TOOLKITS",
    "interrupt_on_config",
]


class B24Toolkit(BaseToolkit):
    """Typed Bitrix24 tools for the enabled packs, plus the discovery trio for the long tail.

    Safe by default: reads run; a write or delete (including a `batch` or `b24_call_method` whose arguments carry
    one) never executes from a tool. It becomes a pending plan in `approvals` (or, without it, in the default
    store that `Approvals.open()` opens from settings) and the model is told the plan id and that a human must
    approve it. For agents, put `B24ApprovalMiddleware` in front of the tools: the agent thread then pauses at the
    write and resumes with the result once a reviewer decides.

    WARNING: `confirm_write=True` / `confirm_destructive=True` let the model create, change (and delete) data in
    the portal with no human review. They still run through the approval engine (idempotency ledger, origin
    marker, audit), but nobody looks first. Use them only for trusted, scripted callers.

        tools = B24Toolkit(client, packs=("core", "comms")).get_tools()
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: Any = Field(default=None, description="B24Client or AsyncB24Client")
    packs: tuple[str, ...] = ("core",)
    allowlist: tuple[str, ...] = ()
    allow_unlisted: bool = False
    approvals: Any = None
    require_plan: bool = False
    discovery: bool = True
    confirm_write: bool = Field(
        False, description="True: writes execute with no human review (through the engine). Unsafe opt-in."
    )
    confirm_destructive: bool = Field(
        False, description="True: deletes execute with no human review (through the engine). Unsafe opt-in."
    )
    settings: Any = Field(default=None, description="B24Settings for the default store (else from env)")
    policy: Policy | None = Field(
        default=None, description="overrides packs/allowlist/allow_unlisted/require_plan"
    )

    _tools: list[BaseTool] | None = PrivateAttr(default=None)

    def __init__(self, client: Any = None, /, **kw: Any) -> None:
        if client is not None:
            kw["client"] = client
        if isinstance(kw.get("packs"), str):
            kw["packs"] = tuple(p.strip() for p in kw["packs"].split(",") if p.strip())
        if isinstance(kw.get("allowlist"), str):
            kw["allowlist"] = tuple(p.strip() for p in kw["allowlist"].split(",") if p.strip())
        super().__init__(**kw)

    def _policy(self) -> Policy:
        if self.policy is not None:
            return self.policy
        return Policy(
            packs=self.packs,
            allowlist=self.allowlist,
            allow_unlisted=self.allow_unlisted,
            require_plan=self.require_plan,
        )

    def runtime(self) -> Runtime:
        return Runtime(
            client=self.client,
            policy=self._policy(),
            approvals=self.approvals,
            confirm_write=self.confirm_write,
            confirm_destructive=self.confirm_destructive,
            settings=self.settings,
        )

    def _tool_packs(self, policy: Policy) -> tuple[str, ...]:
        return policy.packs

    def get_tools(self) -> list[BaseTool]:
        """One typed tool per curated method of the enabled packs (+ discovery tools when `discovery`)."""
        if self._tools is None:
            runtime = self.runtime()
            cat = get_catalog()
            seen: set[str] = set()
            tools: list[BaseTool] = []
            for pack in self._tool_packs(runtime.policy):
                for spec in cat.by_pack(pack):
                    if spec.name not in seen:
                        seen.add(spec.name)
                        tools.append(method_tool(spec, runtime))
                tools.extend(pack_extra_tools(pack, runtime))
            if self.discovery:
                tools.extend(discovery_tools(runtime))
            self._tools = tools
        return list(self._tools)


class _PackToolkit(B24Toolkit):
    pack: ClassVar[str] = ""
    discovery: bool = False

    def __init__(self, client: Any = None, /, **kw: Any) -> None:
        kw.setdefault("packs", (self.pack,))
        super().__init__(client, **kw)

    def _tool_packs(self, policy: Policy) -> tuple[str, ...]:
        return (self.pack,)


def _pack_class(pack: str, doc: str) -> type[_PackToolkit]:
    name = f"{pack.title()}Toolkit"
    cls = type(name, (_PackToolkit,), {"pack": pack, "__doc__": doc, "__module__": __name__})
    return cls


CoreToolkit = _pack_class(
    "core", "CRM leads/deals/contacts/companies/items, activities, timeline, tasks, users, events, batch."
)
CommsToolkit = _pack_class("comms", "Chats, messages, notifications and chat bots.")
AutomationToolkit = _pack_class(
    "automation", "Business processes (bizproc), robots, triggers and universal lists."
)
CollabToolkit = _pack_class("collab", "Workgroups/projects and the News Feed.")
ContentToolkit = _pack_class("content", "Drive storages, folders and files.")
BoardsToolkit = _pack_class("boards", "Scrum: sprints, backlog, kanban stages.")
CommerceToolkit = _pack_class("commerce", "Orders, payments and the product catalog.")
ServicesToolkit = _pack_class("services", "Calendar, booking and work-time (timeman).")
PlatformToolkit = _pack_class("platform", "App data storage (entity), BI connectors, AI engines.")
SitesToolkit = _pack_class("sites", "Sites and pages (landing).")
ComplianceToolkit = _pack_class("compliance", "User consents and e-signature (sign.b2e) documents.")
DiagnosticsToolkit = _pack_class("diagnostics", "Method availability, scopes, features, events, server time.")

TOOLKITS: dict[str, type[B24Toolkit]] = {
    "core": CoreToolkit,
    "comms": CommsToolkit,
    "automation": AutomationToolkit,
    "collab": CollabToolkit,
    "content": ContentToolkit,
    "boards": BoardsToolkit,
    "commerce": CommerceToolkit,
    "services": ServicesToolkit,
    "platform": PlatformToolkit,
    "sites": SitesToolkit,
    "compliance": ComplianceToolkit,
    "diagnostics": DiagnosticsToolkit,
}
assert tuple(TOOLKITS) == PACKS


def _needs_review_by_args(tool: BaseTool) -> Any:
    """`when` for a tool whose arguments decide its risk (`batch`, `b24_call_method`): assessed per call."""
    policy = getattr(getattr(tool, "runtime", None), "policy", None) or Policy(allow_unlisted=True)

    def when(request: Any) -> bool:
        call = getattr(request, "tool_call", None) or {}
        args = call.get("args", {}) if isinstance(call, dict) else {}
        try:
            if tool.name == "b24_call_method":
                return policy.assess(str(args.get("method", "")), args.get("params") or {}).risk != "read"
            return policy.assess("batch", args).risk != "read"
        except Exception:  # noqa: BLE001 - anything unreadable goes to a human
            return True

    return when


def _describe(tool_call: Any, state: Any = None, runtime: Any = None) -> str:
    name = tool_call.get("name", "?") if isinstance(tool_call, dict) else "?"
    args = tool_call.get("args", {}) if isinstance(tool_call, dict) else {}
    import json

    from .._redact import redact

    return f"Bitrix24 call needs approval\n\nTool: {name}\nArgs: {json.dumps(redact(args), ensure_ascii=False, default=str)[:2000]}"


def interrupt_on_config(tools: Iterable[BaseTool], *, edit_writes: bool = True) -> dict[str, Any]:
    """The `interrupt_on` mapping for LangChain's `HumanInTheLoopMiddleware`: writes approve/edit/reject,
    destructive approve/reject, reads not gated; `batch` and `b24_call_method` are gated per call by the risk of
    their arguments. Prefer `B24ApprovalMiddleware`: with the stock middleware an approved call runs in the tool,
    which (safe default) only files a plan unless the toolkit opted into `confirm_write` / `confirm_destructive`."""
    tools = list(tools)
    out: dict[str, Any] = {}
    for tool in tools:
        meta = tool.metadata or {}
        risk = meta.get("risk")
        if tool.name == "b24_call_method" or meta.get("method") == "batch":
            out[tool.name] = {
                "allowed_decisions": ["approve", "reject"],
                "description": _describe,
                "when": _needs_review_by_args(tool),
            }
        elif risk == "write":
            decisions = ["approve", "edit", "reject"] if edit_writes else ["approve", "reject"]
            out[tool.name] = {"allowed_decisions": decisions, "description": _describe}
        elif risk == "destructive":
            out[tool.name] = {"allowed_decisions": ["approve", "reject"], "description": _describe}
        else:
            out[tool.name] = False
    return out
