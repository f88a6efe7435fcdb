"""Collab pack: workgroups and their members, the News Feed.

Docs (api-reference/…): log/log-blogpost-{add,get}.md, log/blogcomment/log-blogcomment-add.md,
sonet-group/sonet-group-create.md, sonet-group/members/sonet-group-user-{add,get}.md,
sonet-group/socialnetwork-api-workgroup-list.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Answer, Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now
from ._common import uid as _uid

__all__ = ["register"]

OPS: list[Op] = [
    Op("log.blogpost.add", "add", "blogpost", "log", "collab", ("POST_MESSAGE",), fields_param=None,
       missing=lambda n, m: ApiError("SONET_CONTROLLER_LIVEFEED_BLOGPOST_ADD_ERROR", "Blog post hasn't been added", 400),
       defaults={"AUTHOR_ID": _uid, "DATE_PUBLISH": _now, "BLOG_ID": 1, "PUBLISH_STATUS": "P", "NUM_COMMENTS": 0}),
    Op("sonet_group.create", "add", "sonet_group", "sonet", "collab", ("NAME",), fields_param=None,
       missing=lambda n, m: ApiError("", "Incorrect input data", 400),
       defaults={"OWNER_ID": _uid, "DATE_CREATE": _now, "VISIBLE": "Y", "OPENED": "N", "PROJECT": "N"}),
    Op("sonet_group.get", "list", "sonet_group", "sonet", "collab", filter_param="FILTER"),
    Op("sonet_group.update", "update", "sonet_group", "sonet", "collab", fields_param=None, id_param="GROUP_ID",
       update_result=lambda row: int(row["ID"]), not_found=("", "Socialnetwork group not found", 400),
       missing=lambda n, m: ApiError("", "Wrong socialnetwork group ID", 400)),
    Op("sonet_group.delete", "delete", "sonet_group", "sonet", "collab", id_param="GROUP_ID",
       not_found=("", "Socialnetwork group not found", 400),
       missing=lambda n, m: ApiError("", "Wrong socialnetwork group ID", 400)),
    Op("log.blogpost.update", "update", "blogpost", "log", "collab", fields_param=None, id_param="POST_ID",
       update_result=lambda row: int(row["ID"]),
       not_found=("SONET_CONTROLLER_LIVEFEED_BLOGPOST_NOT_FOUND", "Blog post not found", 400),
       missing=lambda n, m: ApiError("SONET_CONTROLLER_LIVEFEED_BLOGPOST_NOT_FOUND", "Blog post not found", 400)),
    Op("log.blogpost.delete", "delete", "blogpost", "log", "collab", id_param="POST_ID",
       not_found=("SONET_CONTROLLER_LIVEFEED_BLOGPOST_NOT_FOUND", "Blog post not found", 400),
       missing=lambda n, m: ApiError("SONET_CONTROLLER_LIVEFEED_BLOGPOST_NOT_FOUND", "Blog post not found", 400)),
    Op("log.blogcomment.delete", "delete", "blogcomment", "log", "collab", id_param="COMMENT_ID",
       not_found=("SONET_CONTROLLER_LIVEFEED_BLOGCOMMENT_NOT_FOUND", "Comment not found", 400),
       missing=lambda n, m: ApiError("SONET_CONTROLLER_LIVEFEED_BLOGCOMMENT_NOT_FOUND", "Comment not found", 400)),
]  # fmt: skip


def sonet_group_user_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    group_id: Any = params.get("GROUP_ID")
    users: Any = params.get("USER_ID")
    try:
        gid = int(group_id)
    except (TypeError, ValueError):
        raise ApiError("", "Wrong socialnetwork group ID", 400) from None
    group = ctx.portal.store.get("sonet_group", gid)
    if group is None:
        raise ApiError("", "Socialnetwork group not found", 400)
    ids = [int(u) for u in (users if isinstance(users, list) else [users]) if str(u).isdigit()]
    if not ids:
        raise ApiError("", "Wrong user IDs", 400)
    members = set(group.get("__members", []))
    added = [u for u in ids if u not in members]
    group["__members"] = sorted(members | set(ids))
    ctx.portal.store.put("sonet_group", gid, group)
    return added


def sonet_group_user_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    try:
        gid = int(params.get("ID"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("", "Wrong socialnetwork group ID", 400) from None
    group = ctx.portal.store.get("sonet_group", gid)
    if group is None:
        raise ApiError("", "Socialnetwork group not found", 400)
    owner = int(group.get("OWNER_ID") or 0)
    out = [{"USER_ID": str(owner), "ROLE": "A"}]
    out += [{"USER_ID": str(u), "ROLE": "K"} for u in group.get("__members", []) if u != owner]
    return out


def log_blogpost_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    out = []
    for i, d in ctx.portal.store.select("blogpost", order="id DESC"):
        if params.get("POST_ID") and str(i) != str(params["POST_ID"]):
            continue
        out.append({"ID": str(i), "BLOG_ID": str(d.get("BLOG_ID", 1)), "PUBLISH_STATUS": d.get("PUBLISH_STATUS", "P"),
                    "TITLE": d.get("POST_TITLE") or "", "AUTHOR_ID": str(d.get("AUTHOR_ID")), "ENABLE_COMMENTS": "Y",
                    "NUM_COMMENTS": str(d.get("NUM_COMMENTS", 0)), "CODE": None, "MICRO": "N" if d.get("POST_TITLE") else "Y",
                    "DETAIL_TEXT": d.get("POST_MESSAGE"), "DATE_PUBLISH": d.get("DATE_PUBLISH"),
                    "CATEGORY_ID": "", "HAS_SOCNET_ALL": "Y" if "UA" in (d.get("DEST") or ["UA"]) else "N"})  # fmt: skip
    return out


def log_blogcomment_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    post_id, text = params.get("POST_ID"), params.get("TEXT")
    if not post_id or not text:
        raise ApiError(
            "SONET_CONTROLLER_LIVEFEED_BLOGCOMMENT_ADD_ERROR", "POST_ID and TEXT are required", 400
        )
    store = ctx.portal.store
    post = store.get("blogpost", int(post_id))
    if post is None:
        raise ApiError("SONET_CONTROLLER_LIVEFEED_BLOGPOST_NOT_FOUND", "Blog post not found", 400)
    post["NUM_COMMENTS"] = int(post.get("NUM_COMMENTS", 0)) + 1
    store.put("blogpost", int(post_id), post)
    return store.insert("blogcomment", {"POST_ID": int(post_id), "TEXT": text, "AUTHOR_ID": params.get("USER_ID") or ctx.user_id,
                                        "DATE": ctx.portal.clock.iso()})  # fmt: skip


def workgroup_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    groups = []
    for i, d in ctx.portal.store.select("sonet_group"):
        groups.append({"id": str(i), "name": d.get("NAME"), "type": "project" if d.get("PROJECT") == "Y" else "group",
                       "imageId": None, "avatarType": None, "avatar": "", "additionalData": {"role": "", "initiatedByType": ""},
                       "dialogId": ""})  # fmt: skip
    return Answer({"workgroups": groups}, total=len(groups), records=len(groups))


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("log.blogpost.get", log_blogpost_get, scope="log", pack="collab")
    reg.add("log.blogcomment.add", log_blogcomment_add, scope="log", write=True, pack="collab")
    reg.add("sonet_group.user.add", sonet_group_user_add, scope="sonet", write=True, pack="collab")
    reg.add("sonet_group.user.get", sonet_group_user_get, scope="sonet", pack="collab")
    reg.add("socialnetwork.api.workgroup.list", workgroup_list, scope="socialnetwork", pack="collab")
