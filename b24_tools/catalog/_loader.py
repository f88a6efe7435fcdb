"""Load the generated docs facts, merge the curated overrides, answer lookups."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from ._models import MethodSpec, ParamFact, tool_name_for
from ._packs import PACKS, pack_for
from ._risk import METHOD_NAME_RE, PARAM_RISK, classify, normalize_method
from .curated import CURATED, Curated

__all__ = ["Catalog", "get_catalog", "load_generated"]

_PY_TYPES: dict[str, Any] = {
    "integer": int | str,
    "int": int | str,
    "double": float | int | str,
    "float": float | int | str,
    "string": str | int | float,
    "text": str,
    "boolean": bool | int | str,
    "bool": bool | int | str,
    "char": str | bool | int,
    "object": dict[str, Any] | list[Any],
    "array": list[Any] | dict[str, Any],
}


_STOPWORDS = frozenset(
    {"a", "an", "the", "to", "of", "for", "in", "on", "from", "with", "and", "or", "by", "my"}
)
# query word -> other words the docs use for the same thing (b24_find_methods)
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "send": ("add", "post"),
    "post": ("add", "blogpost"),
    "create": ("add",),
    "remove": ("delete",),
    "change": ("update", "set"),
    "edit": ("update",),
    "find": ("list", "search", "get"),
    "product": ("productrow", "productrows"),
    "products": ("productrows", "productrow"),
    "stage": ("status", "stages"),
    "stages": ("status", "category"),
    "pipeline": ("category", "dealcategory"),
    "comment": ("comment", "commentitem"),
    "file": ("disk",),
    "files": ("disk",),
    "meeting": ("event", "calendar"),
    "employee": ("user",),
    "employees": ("user",),
    "sms": ("messageservice",),
    "checklist": ("checklistitem",),
    "project": ("sonet_group", "workgroup"),
    "group": ("sonet_group", "workgroup"),
}


class _GeneratedParams(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# Documented methods the generated data misses (their page title names no method), as the docs state them.
DOCS_GAPS: dict[str, dict[str, Any]] = {
    "crm.item.fields": {
        "doc": "api-reference/crm/universal/crm-item-fields.md",
        "name": "crm.item.fields",
        "params": [["entityTypeId", "integer", True], ["useOriginalUfNames", "boolean", False]],
        "scope": ["crm"],
        "summary": "The method crm.item.fields returns the fields of a CRM object type, custom fields included.",
        "title": "Get Fields of a CRM Object",
    },
}


def load_generated() -> dict[str, Any]:
    """The committed docs facts (`_generated.json`)."""
    text = resources.files(__package__).joinpath("_generated.json").read_text(encoding="utf-8")
    return json.loads(text)


def _facts(rows: Iterable[list[Any]]) -> tuple[ParamFact, ...]:
    return tuple(ParamFact(str(r[0]), str(r[1]), bool(r[2])) for r in rows)


def _py_ident(name: str, taken: set[str]) -> str:
    ident = re.sub(r"\W", "_", name)
    if (
        not ident
        or ident[0].isdigit()
        or ident in {"from", "class", "def", "global", "import", "in", "is", "not"}
    ):
        ident = f"p_{ident}"
    if ident.startswith("_") or ident.startswith("model_"):
        ident = f"p{ident}"
    while ident.lower() in taken:
        ident += "_"
    taken.add(ident.lower())
    return ident


def _model_from_facts(method: str, params: tuple[ParamFact, ...]) -> type[BaseModel]:
    spec: dict[str, Any] = {}
    taken: set[str] = set()
    for p in params:
        typ = _PY_TYPES.get(p.type.lower().rstrip("[]"), Any)
        if p.type.endswith("[]"):
            typ = list[Any] | dict[str, Any]
        ident = _py_ident(p.name, taken)
        default = ... if p.required else None
        spec[ident] = (typ, Field(default, alias=p.name, description=p.type))
    name = "".join(part.title() for part in re.split(r"[._]", method)) + "Params"
    return create_model(name, __base__=_GeneratedParams, **spec)


class Catalog:
    """All methods the docs describe; curated ones carry typed params and model-facing descriptions."""

    def __init__(self, generated: dict[str, Any], curated: Iterable[Curated] = CURATED) -> None:
        self.source: dict[str, Any] = dict(generated.get("source", {}))
        self._raw: dict[str, dict[str, Any]] = {k.lower(): v for k, v in generated.get("methods", {}).items()}
        for key, facts in DOCS_GAPS.items():
            self._raw.setdefault(key, facts)
        self._curated: dict[str, Curated] = {}
        for c in curated:
            key = normalize_method(c.method)
            if key in self._curated:
                raise ValueError(f"curated method listed twice: {c.method}")
            self._curated[key] = c
        self._specs: dict[str, MethodSpec] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------ lookups

    @staticmethod
    def normalize(method: str) -> str:
        """The portal's spelling: case, whitespace, URL-encoding and `.json` suffix do not matter."""
        return normalize_method(method)

    def __contains__(self, method: object) -> bool:
        return isinstance(method, str) and self.get(method) is not None

    def __len__(self) -> int:
        return len(self.names())

    def names(self) -> list[str]:
        return sorted(set(self._raw) | set(self._curated))

    def get(self, method: str) -> MethodSpec | None:
        """The spec of `method` (`"CRM.Lead.Add.json"` works), or None when the docs do not know it."""
        if not isinstance(method, str):
            return None
        key = normalize_method(method)
        if not METHOD_NAME_RE.match(key):
            return None
        spec = self._specs.get(key)
        if spec is not None:
            return spec
        if key not in self._raw and key not in self._curated:
            return None
        with self._lock:
            spec = self._specs.get(key) or self._build(key)
            self._specs[key] = spec
        return spec

    def risk_of(self, method: str, params: dict[str, Any] | None = None) -> str | None:
        """Catalog risk of `method` (params-aware where the method needs it), or None when unknown."""
        spec = self.get(method)
        if spec is None:
            return None
        return spec.risk_for(params) if params is not None else spec.risk

    def curated(self, pack: str | None = None) -> list[MethodSpec]:
        """Curated specs (the typed tools), in catalog order; one pack's when `pack` is given."""
        out = []
        for key, c in self._curated.items():
            if pack is None or c.pack == pack:
                spec = self.get(key)
                assert spec is not None
                out.append(spec)
        return out

    def by_pack(self, pack: str, *, curated_only: bool = True) -> list[MethodSpec]:
        """Specs of one pack: the curated ones (default) or every documented method the pack allows."""
        if pack not in PACKS:
            raise ValueError(f"unknown pack '{pack}', available packs: {', '.join(PACKS)}")
        if curated_only:
            return self.curated(pack)
        return [s for s in (self.get(n) for n in self.names()) if s is not None and s.pack == pack]

    def search(self, query: str, pack: str | None = None, *, limit: int = 10) -> list[MethodSpec]:
        """Methods whose name, title or summary match the words of `query`, best first (curated first on ties)."""
        words = [w for w in re.split(r"[\s,;]+", query.lower().strip()) if w and w not in _STOPWORDS]
        if not words:
            return []
        scored: list[tuple[float, str]] = []
        for key in self.names():
            raw = self._raw.get(key, {})
            cur = self._curated.get(key)
            home = cur.pack if cur else pack_for(key)
            if pack is not None and home != pack:
                continue
            hay_name = key
            hay_text = " ".join(
                [raw.get("title", ""), raw.get("summary", ""), cur.description if cur else ""]
            ).lower()
            score = 0.0
            hits = 0
            for w in words:
                wn = normalize_method(w)
                if wn == key:
                    score += 10
                    continue
                best = 0.0
                for i, alt in enumerate((w, *_SYNONYMS.get(w, ()))):
                    weight = 1.0 if i == 0 else 0.8
                    if alt in hay_name:
                        best = max(best, 3 * weight)
                    elif alt in hay_text:
                        best = max(best, 1 * weight)
                    else:
                        stem = alt[:-1] if len(alt) > 4 and alt.endswith("s") else alt
                        if stem in hay_name or stem in hay_text:
                            best = max(best, 0.7 * weight)
                score += best
                hits += best > 0
            if score <= 0:
                continue
            if hits == len(words):
                score += 1.0  # every word of the query found
            if cur is not None:
                score += 1.5 * hits / len(words)
            if raw.get("deprecated"):
                score -= 0.3
            if key.startswith(("imbot.v2.", "im.v2.")):  # bot/app-context APIs rarely fit a user's request
                score -= 0.5
            scored.append((-score, key))
        scored.sort()
        out = []
        for _, key in scored[:limit]:
            spec = self.get(key)
            if spec is not None:
                out.append(spec)
        return out

    # ------------------------------------------------------------------------------------------ building

    def _build(self, key: str) -> MethodSpec:
        raw = self._raw.get(key, {})
        cur = self._curated.get(key)
        params = _facts(raw.get("params", []))
        fields = _facts(raw.get("fields", []))
        display = raw.get("name", key)
        if cur is None:
            desc = raw.get("summary") or raw.get("title") or key
            return MethodSpec(
                name=key,
                pack=pack_for(key),
                scope=tuple(raw.get("scope", [])),
                risk=classify(key),
                description=desc,
                params_factory=lambda: _model_from_facts(key, params),
                result_shape="see docs",
                doc_path=raw.get("doc", ""),
                curated=False,
                tool_name=tool_name_for(key),
                display_name=display,
                params=params,
                fields=fields,
                deprecated=bool(raw.get("deprecated")),
                risk_fn=PARAM_RISK.get(key),
            )
        return MethodSpec(
            name=key,
            pack=cur.pack,
            scope=tuple(cur.scope or raw.get("scope", [])),
            risk=cur.risk,
            description=cur.description,
            params_factory=lambda: cur.params,
            result_shape=cur.result,
            doc_path=raw.get("doc", ""),
            curated=True,
            tool_name=tool_name_for(key),
            display_name=display,
            origin_marker=cur.origin,
            params=params,
            fields=fields,
            deprecated=bool(raw.get("deprecated")),
            example=dict(cur.example),
            risk_fn=cur.risk_fn or PARAM_RISK.get(key),
        )


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The process-wide catalog (loaded once)."""
    return Catalog(load_generated())
