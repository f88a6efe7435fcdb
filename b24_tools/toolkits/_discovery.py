"""The long tail: find a method, read its contract, call it (policy-checked, validated when known)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import StructuredTool, ToolException
from pydantic import Field, SkipValidation

from .._errors import B24Error, B24ValidationError
from ..catalog import PACKS, get_catalog, normalize_method
from ..catalog.curated import P
from ._render import render_error
from ._runtime import Runtime
from ._tool import _handle_validation_error, outcome_to_content

__all__ = [
    "FindMethodsTool",
    "DescribeMethodTool",
    "CallMethodTool",
    "discovery_tools",
    "DISCOVERY_TOOL_NAMES",
]

DISCOVERY_TOOL_NAMES = (
    "b24_find_methods",
    "b24_describe_method",
    "b24_call_method",
    "b24_entity_fields",
    "b24_find_id",
)
PackName = Literal[PACKS]  # type: ignore[valid-type]


class FindArgs(P):
    query: str = Field(description="words, e.g. 'deal products' or 'disk.file'")
    pack: PackName | None = Field(None, description="limit to one pack")


class DescribeArgs(P):
    name: str = Field(description="method, e.g. crm.deal.productrows.set")


class CallArgs(P):
    method: str = Field(description="method name from b24_find_methods")
    params: dict[str, Any] = Field(default_factory=dict, description="params per b24_describe_method")


class _DiscoveryTool(StructuredTool):
    runtime: Annotated[Runtime, SkipValidation]
    response_format: str = "content_and_artifact"  # type: ignore[assignment]
    handle_tool_error: bool = True

    def __init__(self, runtime: Runtime, **kw: Any) -> None:
        super().__init__(
            runtime=runtime,
            func=None,
            response_format="content_and_artifact",
            handle_tool_error=True,
            handle_validation_error=_handle_validation_error,
            **kw,
        )

    @property
    def tool_call_schema(self) -> Any:
        return self.args_schema

    def _do(self, *args: Any, **kwargs: Any) -> tuple[str, Any]:
        raise NotImplementedError

    def _run(self, *args: Any, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any) -> Any:
        try:
            return self._do(**kwargs)
        except B24Error as exc:
            raise ToolException(render_error(exc)) from None

    async def _arun(
        self, *args: Any, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> Any:
        return self._run(**kwargs)


class FindMethodsTool(_DiscoveryTool):
    """Search the catalog of every documented method."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            runtime,
            name="b24_find_methods",
            description="Search all Bitrix24 REST methods when no other tool fits. Returns names, risk, summary.",
            args_schema=FindArgs,
            metadata={"risk": "read", "method": None, "pack": None},
        )

    def _do(self, query: str, pack: str | None = None, **_: Any) -> tuple[str, Any]:
        found = get_catalog().search(query, pack=pack, limit=10)
        if not found:
            return f"No method matches {query!r}. Try other words or the English entity name.", []
        lines = []
        for s in found:
            allowed = (
                ""
                if self.runtime.policy.is_listed(s.name)
                else f" (not enabled: needs pack {s.pack or 'allowlist'})"
            )
            lines.append(f"{s.display_name or s.name} [{s.risk}] {s.description[:120]}{allowed}")
        return "\n".join(lines), [s.describe() for s in found]


class DescribeMethodTool(_DiscoveryTool):
    """Params schema, risk, scope and docs link of one method."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            runtime,
            name="b24_describe_method",
            description="Get a method's params, risk, scope and docs link before b24_call_method.",
            args_schema=DescribeArgs,
            metadata={"risk": "read", "method": None, "pack": None},
        )

    def _do(self, name: str, **_: Any) -> tuple[str, Any]:
        spec = get_catalog().get(name)
        if spec is None:
            raise B24ValidationError(
                f"{name!r} is not a documented method",
                hint="search with b24_find_methods",
                method=normalize_method(name),
            )
        info = spec.describe()
        info["enabled"] = self.runtime.policy.is_listed(spec.name)
        props = info["params"].get("properties", {})
        compact = {
            "method": info["method"],
            "risk": info["risk"],
            "scope": info["scope"],
            "enabled": info["enabled"],
            "description": info["description"],
            "params": {k: v.get("description", v.get("type", "")) for k, v in props.items()},
            "required": info["params"].get("required", []),
            "doc": info["doc"],
        }
        if "fields" in info:
            compact["fields"] = info["fields"]
        return json.dumps(compact, ensure_ascii=False), info


class CallMethodTool(_DiscoveryTool):
    """Call any method the policy allows; the gate and review apply exactly as for typed tools."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            runtime,
            name="b24_call_method",
            description="Call a Bitrix24 method that has no dedicated tool. Policy-checked; writes may need approval.",
            args_schema=CallArgs,
            metadata={"risk": "destructive", "method": "*", "pack": None},
        )

    def _prepare(self, method: str, params: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        params = dict(params or {})
        self.runtime.gate(method, params)  # policy first: a refused method gets no schema advice
        spec = get_catalog().get(method)
        if spec is not None and spec.name != "batch":
            params = spec.validate_params(params)
        return normalize_method(method), params  # send exactly the name the policy checked

    def b24_request(self, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The (method, params) this call would send (policy-checked and validated, no I/O)."""
        parsed = CallArgs.model_validate(dict(args))
        return self._prepare(parsed.method, parsed.params)

    def _do(self, method: str, params: dict[str, Any] | None = None, **_: Any) -> tuple[str, Any]:
        name, p = self._prepare(method, params)
        return outcome_to_content(self.runtime.call(name, p))

    async def _arun(
        self, *args: Any, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> Any:
        try:
            name, p = self._prepare(kwargs["method"], kwargs.get("params"))
            return outcome_to_content(await self.runtime.acall(name, p))
        except B24Error as exc:
            raise ToolException(render_error(exc)) from None


def discovery_tools(runtime: Runtime) -> list[StructuredTool]:
    """Find, describe and call any method; learn the portal's own fields; turn names into IDs."""
    from ._fields import EntityFieldsTool
    from ._lookup import FindIdTool

    return [
        FindMethodsTool(runtime),
        DescribeMethodTool(runtime),
        CallMethodTool(runtime),
        EntityFieldsTool(runtime),
        FindIdTool(runtime),
    ]
