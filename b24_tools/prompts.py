"""The shipped prompts: `load("system")`, `load("packs/core")`, `load("recipes/01-lead-from-web-form")`.

Markdown files live in the repo's `prompts/` folder; the wheel carries them as `b24_tools/_prompts`
(pyproject force-include). `load` reads the packaged copy first and falls back to the repo checkout.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ._errors import B24ValidationError

__all__ = ["load", "names", "system_prompt"]

_REPO_DIR = Path(__file__).resolve().parent.parent / "prompts"


def _roots() -> list[Traversable | Path]:
    roots: list[Traversable | Path] = []
    try:
        packaged = resources.files(__package__ or "b24_tools").joinpath("_prompts")
        if packaged.is_dir():
            roots.append(packaged)
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - odd installs
        pass
    if _REPO_DIR.is_dir():
        roots.append(_REPO_DIR)
    return roots


def _parts(name: str) -> list[str]:
    clean = name.strip().strip("/").removesuffix(".md")
    parts = [p for p in clean.replace("\\", "/").split("/") if p]
    if not parts or any(p in (".", "..") or p.startswith(".") for p in parts):
        raise B24ValidationError(
            f"bad prompt name {name!r}", hint="use names such as 'system' or 'packs/core'"
        )
    return parts


def load(name: str) -> str:
    """The text of one prompt (`"system"`, `"packs/core"`, `"recipes/05-deal-stage-and-notify"`)."""
    parts = _parts(name)
    for root in _roots():
        node: Traversable | Path = root
        for p in parts[:-1]:
            node = node.joinpath(p)
        node = node.joinpath(parts[-1] + ".md")
        if node.is_file():
            return node.read_text(encoding="utf-8")
    raise B24ValidationError(f"no prompt named {name!r}", hint=f"available: {', '.join(names()[:40])}")


def names() -> list[str]:
    """Every prompt name, e.g. ["packs/comms", ..., "recipes/01-...", "system"]."""
    found: set[str] = set()

    def walk(node: Traversable | Path, prefix: str) -> None:
        for child in node.iterdir():
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".md"):
                found.add(prefix + child.name[: -len(".md")])

    for root in _roots():
        walk(root, "")
    return sorted(found)


def system_prompt(packs: tuple[str, ...] | list[str] = ("core",)) -> str:
    """The system prompt followed by the guide of each enabled pack: a ready `system_prompt=` for create_agent."""
    parts = [load("system").strip()]
    for pack in packs:
        try:
            parts.append(load(f"packs/{pack}").strip())
        except B24ValidationError:
            continue
    return "\n\n".join(parts) + "\n"
