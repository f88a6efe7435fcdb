"""The policy gate: packs, allowlist, unlisted methods, require-plan and risk confirmations.

Checked before any network call. `batch` is as risky as its riskiest command: every inner command is parsed
the way the portal parses it (URL-decoding, case, whitespace, `.json` suffix, `cmd` as map or list, nested
`batch`) and checked by the same rules. A command whose method cannot be read statically (for example one
built from a `$result[...]` reference) is refused. Unknown methods are refused unless `allow_unlisted`, and
then count as destructive unless the catalog knows better; `allow_unlisted` never bypasses a risk gate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .._errors import B24PolicyError, B24ValidationError
from ..catalog import (
    DEFAULT_ALLOWLIST,
    PACK_PATTERNS,
    RISK_ORDER,
    get_catalog,
    matches,
    max_risk,
    normalize_method,
    parse_pack_list,
)
from ..catalog._risk import METHOD_NAME_RE

if TYPE_CHECKING:
    from .._settings import B24Settings
    from ..catalog import Catalog

__all__ = ["Policy", "Assessment", "InnerCommand", "parse_batch_commands", "MAX_BATCH_COMMANDS"]

MAX_BATCH_COMMANDS = 50
_MAX_NESTING = 3


class InnerCommand(NamedTuple):
    """One command of a batch as the portal would run it: `(name, method, params)`."""

    name: str  # the cmd key ("0", "get_user", or "outer/inner" for nested batches)
    method: str  # normalized method name
    params: dict[str, Any]


@dataclass(slots=True)
class Assessment:
    """What a call would do: its normalized method, risk, inner batch commands, scopes and refusal (if any)."""

    method: str
    risk: str
    inner: list[InnerCommand] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    refusal: B24PolicyError | None = None
    unknown: list[str] = field(
        default_factory=list
    )  # methods the catalog does not know (counted destructive)

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    @property
    def methods(self) -> list[str]:
        """Every method the call runs (the batch itself plus inner commands)."""
        return [self.method, *(c.method for c in self.inner)]


# ---------------------------------------------------------------------------------------------- parsing


def _validate_method_name(raw: object, *, where: str) -> str:
    if not isinstance(raw, str):
        raise B24ValidationError(
            f"{where}: method name must be a string, got {type(raw).__name__}",
            hint='write it as "crm.lead.list"',
        )
    method = normalize_method(raw)
    if len(method) < 3 or not METHOD_NAME_RE.match(method):
        raise B24ValidationError(
            f"{where}: {raw!r} is not a valid Bitrix24 method name",
            hint="use dotted lower-case names such as crm.lead.add (no spaces, quotes or query strings)",
        )
    return method


def _ci(params: Mapping[str, Any], key: str) -> list[Any]:
    """All values stored under `key` in any letter case (a portal may read any of them)."""
    return [v for k, v in params.items() if isinstance(k, str) and k.strip().lower() == key]


def _parse_command(name: str, cmd: Any) -> tuple[str, dict[str, Any]]:
    """A batch command (string "method?query", or the SDK's {method, params} / (method, params)) → method, params."""
    from ..client._phpquery import decode

    where = f"batch command {name!r}"
    if isinstance(cmd, str):
        text = cmd.strip()
        raw_method, sep, query = text.partition("?")
        if "$result" in raw_method.lower() or "$" in raw_method:
            raise B24ValidationError(
                f"{where}: the method name {raw_method.strip()!r} is computed from another command's result",
                hint="name the method literally; only parameters may use $result[...] references",
            )
        method = _validate_method_name(raw_method, where=where)
        params = decode(query) if sep else {}
        return method, params
    if isinstance(cmd, Mapping):
        m = _ci(cmd, "method")
        if len(m) != 1:
            raise B24ValidationError(
                f"{where}: expected a string 'method?query' or {{method, params}}",
                hint='write it as "crm.lead.list?select[0]=ID"',
            )
        p = _ci(cmd, "params")
        params = p[0] if p else {}
        if not isinstance(params, Mapping):
            raise B24ValidationError(
                f"{where}: params must be an object", hint="pass params as a JSON object"
            )
        return _validate_method_name(m[0], where=where), dict(params)
    if isinstance(cmd, list | tuple) and len(cmd) in (1, 2):
        params = cmd[1] if len(cmd) == 2 else {}
        if not isinstance(params, Mapping):
            raise B24ValidationError(
                f"{where}: params must be an object", hint="pass params as a JSON object"
            )
        return _validate_method_name(cmd[0], where=where), dict(params)
    raise B24ValidationError(
        f"{where}: cannot read a command of type {type(cmd).__name__}",
        hint='write each command as "method?param=value" (e.g. "crm.lead.get?id=5")',
    )


def parse_batch_commands(
    params: Mapping[str, Any] | None, *, _depth: int = 0, _prefix: str = ""
) -> list[InnerCommand]:
    """Every command a `batch` call would run, nested batches flattened; raises B24ValidationError when unreadable."""
    if params is None or not isinstance(params, Mapping):
        raise B24ValidationError(
            "batch params must be an object with 'cmd'", hint='{"cmd": {"a": "user.current"}}'
        )
    cmds_found = _ci(params, "cmd")
    if not cmds_found:
        raise B24ValidationError(
            "batch needs 'cmd' (a map or list of commands)", hint='{"cmd": {"a": "user.current"}}'
        )
    items: list[tuple[str, Any]] = []
    for cmds in cmds_found:
        if isinstance(cmds, Mapping):
            items.extend((str(k), v) for k, v in cmds.items())
        elif isinstance(cmds, list | tuple):
            items.extend((str(i), v) for i, v in enumerate(cmds))
        elif isinstance(cmds, str):
            # a form/GET style "cmd" given as one query string: decode it as the portal would
            from ..client._phpquery import decode

            decoded = decode(cmds)
            if not decoded:
                raise B24ValidationError(
                    "batch 'cmd' must be a map or list of commands", hint='{"cmd": {"a": "user.current"}}'
                )
            items.extend((str(k), v) for k, v in decoded.items())
        else:
            raise B24ValidationError(
                "batch 'cmd' must be a map or list of commands", hint='{"cmd": {"a": "user.current"}}'
            )
    if not items:
        raise B24ValidationError("batch 'cmd' is empty", hint="add at least one command")
    if len(items) > MAX_BATCH_COMMANDS:
        raise B24ValidationError(
            f"batch has {len(items)} commands; the portal runs at most {MAX_BATCH_COMMANDS}",
            hint="split it into batches of 50 (client.batch does this for you)",
        )
    out: list[InnerCommand] = []
    for key, cmd in items:
        name = f"{_prefix}{key}"
        method, inner_params = _parse_command(name, cmd)
        out.append(InnerCommand(name, method, inner_params))
        if method == "batch":
            if _depth + 1 >= _MAX_NESTING:
                raise B24ValidationError("batch nesting too deep", hint="do not nest batch inside batch")
            out.extend(parse_batch_commands(inner_params, _depth=_depth + 1, _prefix=f"{name}/"))
    return out


# ---------------------------------------------------------------------------------------------- policy


def _allow_hint(method: str) -> str:
    from ..catalog import pack_for

    pack = pack_for(method)
    via_pack = f"enable pack '{pack}' (packs=[..., '{pack}'] / B24_PACKS) or " if pack else ""
    return f"{via_pack}add an allowlist pattern such as '{method}' (allowlist= / B24_METHOD_ALLOWLIST), or allow_unlisted=True (--allow-unlisted)"


class Policy:
    """Which methods may run and what they need. Immutable; cheap to build.

    `Policy(packs=("core",), allowlist=(), allow_unlisted=False, require_plan=False)`; `packs=("none",)` or
    `()` leaves only the allowlist (which always contains `batch`, whose commands are checked one by one).
    """

    def __init__(
        self,
        packs: Sequence[str] | str | None = ("core",),
        allowlist: Iterable[str] | str = (),
        allow_unlisted: bool = False,
        require_plan: bool = False,
        *,
        catalog: Catalog | None = None,
    ) -> None:
        if isinstance(packs, Sequence) and not isinstance(packs, str) and len(packs) == 0:
            packs = "none"
        try:
            self.packs: tuple[str, ...] = tuple(parse_pack_list(packs))
        except ValueError as exc:
            raise B24ValidationError(
                str(exc), hint="set packs / B24_PACKS to known pack names or 'none'"
            ) from None
        if isinstance(allowlist, str):
            allowlist = allowlist.split(",")
        extra = [p.strip().lower() for p in allowlist if p and p.strip()]
        base = list(dict.fromkeys([*DEFAULT_ALLOWLIST, *extra]))
        self.allowlist: tuple[str, ...] = tuple(base)
        patterns = list(base)
        for pack in self.packs:
            for p in PACK_PATTERNS[pack]:
                if p not in patterns:
                    patterns.append(p)
        self.patterns: tuple[str, ...] = tuple(patterns)
        self.allow_unlisted = bool(allow_unlisted)
        self.require_plan = bool(require_plan)
        self._catalog = catalog

    @classmethod
    def from_settings(cls, settings: B24Settings, **overrides: Any) -> Policy:
        """Packs (B24_PACKS), allowlist (B24_METHOD_ALLOWLIST) and require-plan (B24_REQUIRE_PLAN) from settings."""
        kw: dict[str, Any] = {
            "packs": settings.packs or None,
            "allowlist": settings.method_allowlist or (),
            "require_plan": settings.require_plan,
        }
        kw.update(overrides)
        return cls(**kw)

    @property
    def catalog(self) -> Catalog:
        return self._catalog or get_catalog()

    def __repr__(self) -> str:
        return (
            f"Policy(packs={self.packs!r}, allowlist={self.allowlist!r}, allow_unlisted={self.allow_unlisted}, "
            f"require_plan={self.require_plan})"
        )

    def is_listed(self, method: str) -> bool:
        """Does a pack or the allowlist allow this (normalized) method?"""
        return matches(normalize_method(method), self.patterns)

    def _risk(self, method: str, params: Mapping[str, Any]) -> tuple[str, bool]:
        spec = self.catalog.get(method)
        if spec is None:
            return "destructive", False
        return spec.risk_for(params), True

    # ------------------------------------------------------------------------------------------ assess

    def assess(self, method: str, params: Mapping[str, Any] | None = None) -> Assessment:
        """Classify a call without refusing it for missing confirmations.

        Raises `B24ValidationError` for input no portal would run as sent (bad method name, params that are not
        an object, an unreadable or oversized batch). `refusal` is set when the call is outside the packs and
        allowlist and `allow_unlisted` is off.
        """
        name = _validate_method_name(method, where="method")
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise B24ValidationError(
                f"params for {name} must be an object, got {type(params).__name__}",
                hint='pass a JSON object, e.g. {"id": 1}',
            )
        calls: list[tuple[str, str, Mapping[str, Any]]] = [("", name, params)]
        inner: list[InnerCommand] = []
        if name == "batch":
            inner = parse_batch_commands(params)
            calls.extend((c.name, c.method, c.params) for c in inner)
        risks: list[str] = []
        scopes: list[str] = []
        unlisted: list[str] = []
        unknown: list[str] = []
        for _, m, p in calls:
            risk, known = self._risk(m, p) if m != "batch" else ("read", True)
            risks.append(risk)
            if not known and m not in unknown:
                unknown.append(m)
            spec = self.catalog.get(m)
            if spec is not None and spec.scope:
                s = spec.scope[0]
                if s not in scopes:
                    scopes.append(s)
            if not self.is_listed(m) and m not in unlisted:
                unlisted.append(m)
        a = Assessment(
            method=name, risk=max_risk(*risks), inner=inner, scopes=scopes, unlisted=unlisted, unknown=unknown
        )
        if unlisted and not self.allow_unlisted:
            what = ", ".join(unlisted)
            where = " (inside batch)" if name == "batch" and name not in unlisted else ""
            a.refusal = B24PolicyError(
                f"method {what}{where} is outside the enabled packs {list(self.packs) or '[none]'} and the allowlist",
                rule="unlisted",
                allow_with=_allow_hint(unlisted[0]),
                method=unlisted[0],
                risk=a.risk,
            )
        return a

    def check(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        confirm_write: bool = False,
        confirm_destructive: bool = False,
        via_plan: bool = False,
    ) -> Assessment:
        """Assess and enforce: raises `B24PolicyError(rule=..., allow_with=...)` or returns the Assessment.

        Order as in the reference: allowlist, require-plan, then the risk gates (confirmations are needed even
        when executing a plan). `confirm_destructive` implies `confirm_write`.
        """
        a = self.assess(method, params)
        if a.refusal is not None:
            raise a.refusal
        level = RISK_ORDER[a.risk]
        if level >= RISK_ORDER["write"] and self.require_plan and not via_plan:
            raise B24PolicyError(
                f"{a.method} is a {a.risk} call and plans are required (require_plan / B24_REQUIRE_PLAN)",
                rule="require_plan",
                allow_with="submit it as a plan for review (Approvals.submit / `b24 call --plan-only`), then approve it",
                method=a.method,
                risk=a.risk,
            )
        if level >= RISK_ORDER["destructive"] and not confirm_destructive:
            raise B24PolicyError(
                f"{a.method} is destructive{self._why(a)}",
                rule="confirm_destructive",
                allow_with="confirm_destructive=True (--confirm-destructive) or approve it in review",
                method=a.method,
                risk=a.risk,
            )
        if level >= RISK_ORDER["write"] and not (confirm_write or confirm_destructive):
            raise B24PolicyError(
                f"{a.method} writes data{self._why(a)}",
                rule="confirm_write",
                allow_with="confirm_write=True (--confirm-write) or approve it in review",
                method=a.method,
                risk=a.risk,
            )
        return a

    @staticmethod
    def _why(a: Assessment) -> str:
        if not a.inner:
            return " (unknown to the catalog, so treated as destructive)" if a.unknown else ""
        worst = [c for c in a.inner if c.method != "batch"]
        top = [f"{c.name}: {c.method}" for c in worst if _inner_risk(a, c) == a.risk]
        return f" (batch commands {', '.join(top[:5])})" if top else ""


def _inner_risk(a: Assessment, c: InnerCommand) -> str:
    spec = get_catalog().get(c.method)
    return "destructive" if spec is None else spec.risk_for(c.params)
