"""The shipped prompts over MCP: the system prompt and pack guides as resources, the recipes as prompts.

b24://guides/system            the system prompt
b24://guides/packs/core        one guide per pack
recipe-05-deal-stage-and-notify   one MCP prompt per recipe (optional argument `details`)
"""

from __future__ import annotations

from collections.abc import Callable

from mcp.server.fastmcp.prompts import Prompt
from mcp.server.fastmcp.resources import TextResource

from .. import prompts

__all__ = ["guide_resources", "recipe_prompts", "GUIDE_URI"]

GUIDE_URI = "b24://guides/"


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def guide_resources() -> list[TextResource]:
    """`system` and every `packs/NAME` guide, as markdown resources."""
    out = []
    for name in prompts.names():
        if name != "system" and not name.startswith("packs/"):
            continue
        text = prompts.load(name)
        out.append(
            TextResource(
                uri=GUIDE_URI + name,
                name=name.replace("/", "-"),
                title=_title(text, name),
                description="How to use these tools well"
                if name == "system"
                else f"Guide to the {name.split('/', 1)[1]} pack's tools",
                mime_type="text/markdown",
                text=text,
            )
        )
    return out


def _recipe_fn(text: str) -> Callable[..., str]:
    def recipe(details: str = "") -> str:
        body = text.strip()
        if details.strip():
            body += "\n\nSpecifics for this run:\n" + details.strip()
        return (
            body
            + "\n\nWrites become plans for human review; tell the user the plan id and wait for approval."
        )

    return recipe


def recipe_prompts() -> list[Prompt]:
    """One MCP prompt per recipe in `prompts/recipes/` (the tool calls in order, for the model to follow)."""
    out = []
    for name in prompts.names():
        if not name.startswith("recipes/"):
            continue
        text = prompts.load(name)
        stem = name.split("/", 1)[1]
        prompt = Prompt.from_function(
            _recipe_fn(text),
            name=f"recipe-{stem}",
            title=_title(text, stem),
            description=_title(text, stem) + " (the tool calls in order; writes pause for review)",
        )
        if prompt.arguments:
            for arg in prompt.arguments:
                arg.description = "Specifics for this run: ids, names, dates (optional)"
        out.append(prompt)
    return out
