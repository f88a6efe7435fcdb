"""The method table: name → handler plus what the dispatcher must know (scope, read/write, app-only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["Ctx", "Answer", "MethodDef", "Registry", "normalize_method"]


def normalize_method(name: str) -> str:
    """Method names are case-insensitive and `.json` is optional (b24pysdk sends `crm.deal.List.json`)."""
    name = name.strip().strip("/").lower()
    for suffix in (".json", ".xml"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


@dataclass
class Ctx:
    """Who is calling and through what; handlers read the portal through `ctx.portal`."""

    portal: Portal
    method: str
    user_id: int
    auth_kind: str  # "webhook" | "oauth"
    auth_key: str  # operating-time bucket owner: one webhook or one app
    scopes: frozenset[str]
    client_id: str | None = None
    auth_connector: str | None = None
    in_batch: bool = False
    v3: bool = False
    events: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    sleep: float = 0.0  # modelled cost of inner batch commands, slept by the HTTP layer

    def emit(self, event: str, data: dict[str, Any], object_key: str) -> None:
        """Queue an event; it is published after the handler succeeds."""
        self.events.append((event.upper(), data, object_key))


@dataclass
class Answer:
    """A handler's success: `result` plus list metadata and the modelled server cost."""

    result: Any
    total: int | None = None
    next: int | None = None
    records: int = 0
    cost: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Ctx, dict[str, Any]], Any]


@dataclass(frozen=True)
class MethodDef:
    name: str
    handler: Handler
    scope: str = "basic"
    write: bool = False
    app_only: bool = False
    batch_ok: bool = True
    pack: str = "core"

    def allowed(self, scopes: frozenset[str]) -> bool:
        """`basic` is always granted; `user|user_brief|user_basic` means any of them (api-reference/user/user-current.md)."""
        return self.scope == "basic" or any(s in scopes for s in self.scope.split("|"))


class Registry:
    def __init__(self) -> None:
        self._methods: dict[str, MethodDef] = {}

    def add(
        self,
        name: str,
        handler: Handler,
        *,
        scope: str = "basic",
        write: bool = False,
        app_only: bool = False,
        batch_ok: bool = True,
        pack: str = "core",
    ) -> None:
        key = normalize_method(name)
        self._methods[key] = MethodDef(key, handler, scope, write, app_only, batch_ok, pack)

    def get(self, name: str) -> MethodDef | None:
        return self._methods.get(normalize_method(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_method(name) in self._methods

    def __iter__(self) -> Iterator[MethodDef]:
        return iter(sorted(self._methods.values(), key=lambda m: m.name))

    def __len__(self) -> int:
        return len(self._methods)
