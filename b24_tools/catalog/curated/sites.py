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
    Curated(
        method="landing.site.update",
        pack="sites",
        risk="write",
        description="Change a site.",
        params=_m(
            "LandingSiteUpdate", id=(int, ..., "site ID"), fields=(dict[str, Any], ..., '{"TITLE":".."}')
        ),
        result="bool",
        scope=("landing",),
        example={"id": 99, "fields": {"TITLE": "x"}},
    ),
    Curated(
        method="landing.site.delete",
        pack="sites",
        risk="destructive",
        description="Delete a site.",
        params=_m("LandingSiteDelete", id=(int, ..., "site ID")),
        result="bool",
        scope=("landing",),
        example={"id": 99},
    ),
    Curated(
        method="landing.landing.update",
        pack="sites",
        risk="write",
        description="Change a page.",
        params=_m(
            "LandingLandingUpdate", lid=(int, ..., "page ID"), fields=(dict[str, Any], ..., '{"TITLE":".."}')
        ),
        result="bool",
        scope=("landing",),
        example={"lid": 99, "fields": {"TITLE": "x"}},
    ),
    Curated(
        method="landing.landing.delete",
        pack="sites",
        risk="destructive",
        description="Delete a page.",
        params=_m("LandingLandingDelete", lid=(int, ..., "page ID")),
        result="bool",
        scope=("landing",),
        example={"lid": 99},
    ),
    Curated(
        method="landing.block.getlist",
        pack="sites",
        risk="read",
        description="List a page's blocks.",
        params=_m("LandingBlockGetlist", lid=(int, ..., "page ID")),
        result="list",
        scope=("landing",),
        example={"lid": 99},
    ),
    Curated(
        method="landing.block.addcard",
        pack="sites",
        risk="write",
        description="Add a card (repeating item) to a block.",
        params=_m(
            "LandingBlockAddcard",
            lid=(int, ..., "page ID"),
            block=(int, ..., "block ID"),
            selector=(str, ..., ".landing-block-card@0"),
            content=(str, ..., "card HTML"),
        ),
        result="int card",
        scope=("landing",),
        example={"lid": 99, "block": 1, "selector": ".landing-block-card@0", "content": "<div>x</div>"},
    ),
)
