"""langchain-tests' standard suites, run for every tool of every pack toolkit (one generated class per tool)."""

from __future__ import annotations

from typing import Any

from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from b24_tools.catalog import get_catalog
from b24_tools.client._response import B24Response
from b24_tools.toolkits import TOOLKITS


class CannedClient:
    """Answers every call with a small list, so invoking a tool needs no portal."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, **_: Any) -> B24Response:
        self.calls.append((method, dict(params or {})))
        return B24Response(result=[{"ID": "1", "TITLE": "canned"}], total=1)


def _example(tool) -> dict[str, Any]:
    spec = getattr(tool, "spec", None)
    if spec is not None:
        return dict(spec.example)
    return {
        "b24_find_methods": {"query": "lead add"},
        "b24_describe_method": {"name": "crm.lead.add"},
        "b24_call_method": {"method": "crm.lead.list", "params": {"select": ["ID"]}},
        "b24_entity_fields": {"entity": "deal", "custom_only": True},
        "b24_find_id": {"kind": "user", "name": "Elena"},
        "b24_upload_file": {"source": "pyproject.toml", "folderId": 1},
    }[tool.name]


def _all_tools() -> list[tuple[str, Any]]:
    out = []
    for pack, cls in TOOLKITS.items():
        toolkit = cls(CannedClient(), discovery=pack == "core", allow_unlisted=False)
        for tool in toolkit.get_tools():
            out.append((pack, tool))
    return out


TOOLS = _all_tools()


def _make(base: type, pack: str, tool: Any) -> type:
    example = _example(tool)
    return type(
        f"Test{base.__name__}_{pack}_{tool.name}",
        (base,),
        {
            "tool_constructor": property(lambda self, t=tool: t),
            "tool_invoke_params_example": property(lambda self, e=example: e),
            "__module__": __name__,
        },
    )


for _pack, _tool in TOOLS:
    for _base in (ToolsUnitTests, ToolsIntegrationTests):
        _cls = _make(_base, _pack, _tool)
        globals()[_cls.__name__] = _cls
del _pack, _tool, _base, _cls


def test_the_generated_suites_cover_every_curated_method_and_the_discovery_tools():
    names = {t.name for _, t in TOOLS}
    curated = {s.tool_name for s in get_catalog().curated()}
    assert curated <= names
    assert {"b24_find_methods", "b24_describe_method", "b24_call_method"} <= names
    generated = [n for n in globals() if n.startswith(("TestToolsUnitTests_", "TestToolsIntegrationTests_"))]
    assert len(generated) == 2 * len(TOOLS)
