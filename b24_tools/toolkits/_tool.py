"""One tool class for every catalog method: `B24MethodTool.from_spec(spec, runtime)`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, SkipValidation, ValidationError

from .._errors import B24Error
from ..catalog import MethodSpec
from ._render import render_error, render_result
from ._runtime import CallOutcome, Runtime

__all__ = ["B24MethodTool", "outcome_to_content", "params_from_kwargs", "format_validation_error"]


def params_from_kwargs(model: type[BaseModel] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Tool kwargs (python field names, defaults filled in) → Bitrix24 params (docs spelling, unset dropped)."""
    fields = model.model_fields if model is not None else {}
    out: dict[str, Any] = {}
    for name, value in kwargs.items():
        if value is None:
            continue
        info = fields.get(name)
        key = (info.alias or name) if info is not None else name
        if isinstance(value, BaseModel):
            value = value.model_dump(by_alias=True, exclude_none=True)
        out[key] = value
    return out


def format_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "input"
        parts.append(f"'{where}': {err.get('msg', 'invalid')}")
    return "Invalid arguments: " + "; ".join(parts) + ". Fix them and call again."


def outcome_to_content(outcome: CallOutcome) -> tuple[str, dict[str, Any]]:
    """(text for the model, full payload artifact)."""
    if outcome.pending is not None:
        res = outcome.pending
        status = getattr(res, "status", "pending")
        plan_id = getattr(res, "plan_id", None)
        artifact = {
            "method": outcome.method,
            "params": outcome.params,
            "risk": outcome.assessment.risk,
            "status": status,
            "plan_id": plan_id,
            "result": getattr(res, "result", None),
            "error": getattr(res, "error", None),
        }
        if status == "pending":
            text = (
                f"Pending human review: plan_id={plan_id}. The {outcome.assessment.risk} call {outcome.method} "
                "was NOT run: a human must approve it first (b24 review approve, or the reviewer inbox). "
                "Do not retry it; tell the user it awaits approval."
            )
        elif status in ("executed", "replayed"):
            text = render_result(outcome.method, getattr(res, "result", None))
        else:
            raise ToolException(
                f"{outcome.method} was not run: status {status}"
                + (f" ({res.error})" if getattr(res, "error", None) else "")
            )
        return text, artifact
    resp = outcome.response
    result = getattr(resp, "result", resp)
    total = getattr(resp, "total", None)
    nxt = getattr(resp, "next", None)
    artifact = {
        "method": outcome.method,
        "params": outcome.params,
        "result": result,
        "total": total,
        "next": nxt,
    }
    return render_result(outcome.method, result, total=total, next_start=nxt), artifact


def _handle_validation_error(exc: ValidationError) -> str:
    return format_validation_error(exc)


class B24MethodTool(StructuredTool):
    """A typed tool for one Bitrix24 method, built from its catalog entry.

    Policy-checked before any I/O. Reads run; writes become plans for review (in `approvals`, or the default
    store) and run only after a human approves — or at once through the engine with the toolkit's explicit
    `confirm_write` / `confirm_destructive` opt-in. Returns compact text for the model and the full answer as the
    artifact; Bitrix24 errors come back as text with the code and a hint.
    """

    spec: Annotated[MethodSpec, SkipValidation]
    runtime: Annotated[Runtime, SkipValidation]
    response_format: str = "content_and_artifact"  # type: ignore[assignment]
    handle_tool_error: bool = True

    @property
    def tool_call_schema(self) -> Any:
        """The params model as is: no injected args to hide, and its tight JSON schema saves prompt tokens."""
        return self.args_schema

    @classmethod
    def from_spec(cls, spec: MethodSpec, runtime: Runtime) -> B24MethodTool:
        return cls(
            name=spec.tool_name,
            description=spec.description,
            args_schema=spec.params_model,
            func=None,
            spec=spec,
            runtime=runtime,
            metadata={"risk": spec.risk, "method": spec.name, "pack": spec.pack},
            response_format="content_and_artifact",
            handle_tool_error=True,
            handle_validation_error=_handle_validation_error,
        )

    def b24_request(self, args: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The (method, params) a tool call with these model-given `args` would send (validated, no I/O).

        Used by `B24ApprovalMiddleware` to assess the call by its arguments and plan it; raises on bad input.
        """
        model = self.spec.params_model
        if model is None:
            return self.spec.name, self.spec.validate_params(dict(args))
        parsed = model.model_validate(dict(args))
        return self.spec.name, self._params({n: getattr(parsed, n) for n in parsed.model_fields_set})

    def _params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.pop("run_manager", None)
        kwargs.pop("callbacks", None)
        params = params_from_kwargs(self.spec.params_model, kwargs)
        self.runtime.gate(self.spec.name, params)  # policy first, then the schema
        return self.spec.validate_params(params)

    def _run(
        self, *args: Any, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        try:
            outcome = self.runtime.call(self.spec.name, self._params(kwargs))
            return outcome_to_content(outcome)
        except B24Error as exc:
            raise ToolException(render_error(exc)) from None

    async def _arun(
        self, *args: Any, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        try:
            outcome = await self.runtime.acall(self.spec.name, self._params(kwargs))
            return outcome_to_content(outcome)
        except B24Error as exc:
            raise ToolException(render_error(exc)) from None
