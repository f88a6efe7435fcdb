"""The method catalog: generated docs facts + curated overrides.

    from b24_tools.catalog import get_catalog
    spec = get_catalog().get("CRM.Lead.Add.json")     # normalized lookup; None if unknown
    spec.risk, spec.scope, spec.params_model, spec.validate_params({...}), spec.origin_marker

Facts (names, scopes, parameters, required flags) come from `_generated.json`, written by
`scripts/gen_catalog.py` from the official docs repository `bitrix24/b24restdocs`; `curated.py` adds
descriptions for models, typed params, risk and origin markers.
"""

from __future__ import annotations

from ._loader import Catalog, get_catalog, load_generated
from ._models import MethodSpec, OriginMarker, ParamFact, tool_name_for
from ._packs import DEFAULT_ALLOWLIST, DEFAULT_PACKS, PACK_PATTERNS, PACKS, matches, pack_for, parse_pack_list
from ._risk import RISK_ORDER, Risk, classify, max_risk, normalize_method

__all__ = [
    "Catalog",
    "MethodSpec",
    "OriginMarker",
    "ParamFact",
    "PACKS",
    "PACK_PATTERNS",
    "DEFAULT_PACKS",
    "DEFAULT_ALLOWLIST",
    "RISK_ORDER",
    "Risk",
    "classify",
    "get_catalog",
    "load_generated",
    "matches",
    "max_risk",
    "normalize_method",
    "pack_for",
    "parse_pack_list",
    "tool_name_for",
]
