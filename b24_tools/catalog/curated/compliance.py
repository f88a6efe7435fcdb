"""Curated catalog entries of the compliance pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any

from ._shared import Curated, _Empty, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ compliance
    Curated(
        method="userconsent.agreement.list",
        pack="compliance",
        risk="read",
        description="List consent agreements.",
        params=_Empty,
        result="list",
        scope=("userconsent",),
    ),
    Curated(
        method="userconsent.agreement.text",
        pack="compliance",
        risk="read",
        description="Text of a consent agreement.",
        params=_m(
            "UserconsentAgreementText",
            id=(int, ..., "agreement ID"),
            replace=(dict[str, Any], None, "placeholders"),
        ),
        result="object",
        scope=("userconsent",),
        example={"id": 1},
    ),
    Curated(
        method="userconsent.consent.add",
        pack="compliance",
        risk="write",
        description="Record that a person gave consent.",
        params=_m(
            "UserconsentConsentAdd",
            AGREEMENT_ID=(int, ..., "agreement ID"),
            IP=(str, ..., "client IP"),
            USER_ID=(int, None, "user"),
            URL=(str, None, "form page"),
            ORIGINATOR_ID=(str, None, "source"),
            ORIGIN_ID=(str, None, "record"),
        ),
        result="int id",
        scope=("userconsent",),
        example={"AGREEMENT_ID": 1, "IP": "127.0.0.1"},
    ),
    Curated(
        method="sign.b2e.document.get",
        pack="compliance",
        risk="read",
        description="Get a signing document (B2E).",
        params=_m("SignB2eDocumentGet", uid=(str, ..., "document UID")),
        result="object",
        scope=("sign.b2e", "crm"),
        example={"uid": "abc"},
    ),
    Curated(
        method="sign.b2e.personal.tail",
        pack="compliance",
        risk="read",
        description="The user's own signed documents.",
        params=_m("SignB2ePersonalTail", limit=(int, None, "max"), offset=(int, None, "offset")),
        result="list",
        scope=("sign.b2e",),
        example={},
    ),
    Curated(
        method="sign.b2e.mysafe.tail",
        pack="compliance",
        risk="read",
        description="Documents in the company safe.",
        params=_m("SignB2eMysafeTail", limit=(int, None, "max"), offset=(int, None, "offset")),
        result="list",
        scope=("sign.b2e",),
        example={},
    ),
)
