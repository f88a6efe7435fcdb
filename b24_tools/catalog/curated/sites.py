"""Curated catalog entries of the sites pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any

from ._shared import Curated, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ sites
    Curated(
        method="landing.site.getlist",
        pack="sites",
        risk="read",
        description="List sites.",
        params=_m(
            "LandingSiteGetlist",
            params=(dict[str, Any], None, '{"select":["ID","TITLE"],"filter":{"ACTIVE":"Y"}}'),
        ),
        result="list",
        scope=("landing",),
        example={},
    ),
    Curated(
        method="landing.site.add",
        pack="sites",
        risk="write",
        description="Create a site.",
        params=_m(
            "LandingSiteAdd", fields=(dict[str, Any], ..., '{"TITLE":"..","CODE":"promo","TYPE":"PAGE"}')
        ),
        result="int id",
        scope=("landing",),
        example={"fields": {"TITLE": "Promo", "CODE": "promo"}},
    ),
    Curated(
        method="landing.landing.getlist",
        pack="sites",
        risk="read",
        description="List pages.",
        params=_m("LandingLandingGetlist", params=(dict[str, Any], None, '{"filter":{"SITE_ID":5}}')),
        result="list",
        scope=("landing",),
        example={},
    ),
    Curated(
        method="landing.landing.add",
        pack="sites",
        risk="write",
        description="Create a page on a site.",
        params=_m(
            "LandingLandingAdd", fields=(dict[str, Any], ..., '{"TITLE":"..","CODE":"..","SITE_ID":5}')
        ),
        result="int id",
        scope=("landing",),
        example={"fields": {"TITLE": "Home", "CODE": "home", "SITE_ID": 1}},
    ),
    Curated(
        method="landing.landing.publication",
        pack="sites",
        risk="write",
        description="Publish a page.",
        params=_m("LandingLandingPublication", lid=(int, ..., "page ID")),
        result="bool",
        scope=("landing",),
        example={"lid": 1},
    ),
    Curated(
        method="landing.landing.getpublicurl",
        pack="sites",
        risk="read",
        description="Public URL of a page.",
        params=_m("LandingLandingGetpublicurl", lid=(int, ..., "page ID")),
        result="str",
        scope=("landing",),
        example={"lid": 1},
    ),
)
