"""Curated catalog entries of the collab pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any, Literal

from ._shared import _ORDER, _SELECT, Curated, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ collab
    Curated(
        method="sonet_group.create",
        pack="collab",
        risk="write",
        description="Create a workgroup/project; returns its ID.",
        params=_m(
            "SonetGroupCreate",
            NAME=(str, ..., "name"),
            DESCRIPTION=(str, None, "text"),
            PROJECT=(Literal["Y", "N"], None, "Y = project"),
            VISIBLE=(Literal["Y", "N"], None, "listed"),
            OPENED=(Literal["Y", "N"], None, "free to join"),
        ),
        result="int id",
        scope=("sonet",),
        example={"NAME": "Launch"},
    ),
    Curated(
        method="sonet_group.get",
        pack="collab",
        risk="read",
        description="Find workgroups.",
        params=_m("SonetGroupGet", FILTER=(dict[str, Any], None, '{"%NAME":"Launch"}'), ORDER=_ORDER),
        result="list",
        scope=("sonet",),
        example={"FILTER": {"%NAME": "Launch"}},
    ),
    Curated(
        method="sonet_group.user.add",
        pack="collab",
        risk="write",
        description="Add users to a workgroup.",
        params=_m("SonetGroupUserAdd", GROUP_ID=(int, ..., "group ID"), USER_ID=(list[int], ..., "user IDs")),
        result="object",
        scope=("sonet",),
        example={"GROUP_ID": 1, "USER_ID": [2]},
    ),
    Curated(
        method="sonet_group.user.get",
        pack="collab",
        risk="read",
        description="List members of a workgroup.",
        params=_m("SonetGroupUserGet", ID=(int, ..., "group ID")),
        result="list",
        scope=("sonet",),
        example={"ID": 1},
    ),
    Curated(
        method="socialnetwork.api.workgroup.list",
        pack="collab",
        risk="read",
        description="Find workgroups/projects (new API).",
        params=_m(
            "SocialnetworkWorkgroupList", filter=(dict[str, Any], None, '{"%NAME":"Launch"}'), select=_SELECT
        ),
        result="list",
        scope=("socialnetwork",),
        example={"select": ["ID", "NAME"]},
    ),
    Curated(
        method="log.blogpost.add",
        pack="collab",
        risk="write",
        description="Publish a News Feed post.",
        params=_m(
            "LogBlogpostAdd",
            POST_MESSAGE=(str, ..., "text"),
            POST_TITLE=(str, None, "title"),
            DEST=(list[str], None, '["UA"] all, ["SG5"] group, ["U1"] user'),
        ),
        result="int id",
        scope=("log",),
        example={"POST_MESSAGE": "Release 2.0 is out", "DEST": ["UA"]},
    ),
    Curated(
        method="log.blogpost.get",
        pack="collab",
        risk="read",
        description="Read News Feed posts.",
        params=_m("LogBlogpostGet", POST_ID=(int, None, "one post"), LOG_RIGHTS=(list[str], None, '["UA"]')),
        result="list",
        scope=("log",),
        example={},
    ),
    Curated(
        method="log.blogcomment.add",
        pack="collab",
        risk="write",
        description="Comment on a News Feed post.",
        params=_m("LogBlogcommentAdd", POST_ID=(int, ..., "post ID"), TEXT=(str, ..., "text")),
        result="int id",
        scope=("log",),
        example={"POST_ID": 1, "TEXT": "Congrats"},
    ),
)
