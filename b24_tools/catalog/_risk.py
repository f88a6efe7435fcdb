"""Risk rules for methods the curated list does not cover.

Not a suffix regex: the last segment of the name is read as a verb phrase (`moveTo` → move, `getList` → get,
`markDeleted` → mark deleted), a few nouns that overwrite whole collections (`contact.items.set`,
`productrows.set`) count as destructive, and anything the vocabulary does not know is treated as
destructive — the gate errs towards asking. Curated risk always wins over these rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

__all__ = ["Risk", "RISK_ORDER", "PARAM_RISK", "classify", "max_risk", "normalize_method", "METHOD_NAME_RE"]

Risk = Literal["read", "write", "destructive"]
RISK_ORDER: dict[str, int] = {"read": 0, "write": 1, "destructive": 2}

METHOD_NAME_RE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")

# Verbs that lose data or cannot be undone. Checked first, as prefixes of the last segment.
# fmt: off
_DESTRUCTIVE = (
    "delete", "remove", "unbind", "unregister", "clear", "stop", "terminate", "kill", "purge", "erase",
    "truncate", "drop", "markdeleted", "recyclebin", "wipe", "destroy", "revoke", "uninstall", "unlink",
    "reset", "unset", "deactivate", "disapprove", "unpublic", "unbinding", "forcedelete", "leave", "merge",
)
# fmt: on
# Verbs that change data but can be corrected.
# fmt: off
_WRITE = (
    "add", "update", "set", "create", "register", "bind", "import", "complete", "start", "move", "copy",
    "rename", "restore", "share", "upload", "send", "save", "attach", "modify", "edit", "change", "pin",
    "unpin", "mark", "read", "unread", "mute", "unmute", "renew", "delegate", "activate", "approve",
    "defer", "pause", "resume", "cancel", "conduct", "enable", "disable", "notify", "answer", "hide",
    "show", "transfer", "join", "open", "close", "archive", "execute", "trigger", "expose", "pay", "unfavorite",
    "unpay", "commit", "command", "like", "confirm", "end", "subscribe", "unsubscribe", "skip", "spam",
    "intercept", "silent", "clone", "up", "down", "favorite", "resolve", "debug", "invite", "request",
    "apply", "forward", "reply", "call", "recall", "vote", "writing", "reading", "fill", "publication",
    "binding", "finish", "force", "startwatch", "addto", "deletefrom", "install", "accept", "decline",
    "reject", "assign", "link", "publish", "sync", "mode", "error", "process", "put", "post", "push",
    "invoke", "run", "approve", "return", "tail", "filter",
)
# fmt: on
# Read-only verbs and nouns (the method only answers questions).
# fmt: off
_READ = (
    "get", "list", "fields", "search", "count", "is", "has", "can", "check", "find", "info", "status",
    "current", "time", "scope", "methods", "events", "profile", "types", "children", "rights", "access",
    "name", "log", "instances", "nearest", "countries", "availabletoadd", "subordinates", "settings",
    "senders", "url", "id", "full", "items", "messages", "all", "groups", "payment", "delivery", "operator",
    "text", "admin", "enabled", "important", "thread", "listcontacts", "listemployees", "statuslist",
    "ownertype", "addresstype", "multidepartment", "preview", "data", "description", "version", "versions",
    "template", "templates", "download", "tasks", "users", "tree", "history", "result", "results", "stats",
    "summary",
)
# fmt: on
# Reads by verb that still change state or expose data: classified explicitly.
_EXCEPTIONS: dict[str, Risk] = {
    "getexternallink": "write",  # creates a public link (disk.file/folder.getExternalLink)
    "getpublicurl": "read",
    "getlist": "read",
    "enablepublicurl": "write",
    "markdeletedblock": "destructive",
    "markundeletedblock": "write",
    "deleteblock": "destructive",
    "removecard": "destructive",
    "removecrmactivity": "destructive",
    "deletefile": "destructive",
    "deletetree": "destructive",
    "deletefromfavorite": "write",
    "downblock": "write",
    "upblock": "write",
    "getmanifestfile": "read",
    "startwithsound": "write",
    "startwithtext": "write",
    "stopwatch": "write",
    "unset": "destructive",
    "multidepartment": "read",
    "moveafteritem": "write",
    "canmovetask": "read",
    "isactionallowed": "read",
    "tail": "read",
    "payment": "read",
}
# Collection setters that replace the whole set (links or rows not listed are dropped).
_OVERWRITE_PARENTS = {"items", "productrows", "rows", "contacts", "bindings", "members", "blocks"}
# Whole-name overrides for names whose last segment misleads.
_NAME_OVERRIDES: dict[str, Risk] = {
    "event.offline.get": "destructive",  # clear=1 by default deletes the returned events (see risk_for)
    "event.offline.list": "read",
    "event.offline.clear": "destructive",
    "event.offline.error": "write",
    "batch": "read",  # the real risk is its riskiest inner command (policy inspects them)
}


def normalize_method(name: object) -> str:
    """The portal's spelling of a method: URL-decoded, trimmed, lower case, no `.json`/`.xml`, no `/` ends."""
    from urllib.parse import unquote

    text = str(name)
    for _ in range(4):  # portals decode once; hostile input may be encoded several times over
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    text = text.strip().strip("/").strip().lower()
    for suffix in (".json", ".xml"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].rstrip()
    return text


def classify(method: str) -> Risk:
    """Risk of `method` by rule (used for generated, non-curated entries)."""
    name = normalize_method(method)
    if name in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[name]
    parts = name.split(".")
    last = parts[-1]
    if last in ("fields", "getfields"):  # describes fields, changes nothing (`crm.requisite.link.fields`)
        return "read"
    if last == "set" and len(parts) > 2 and parts[-2] in _OVERWRITE_PARENTS:
        return "destructive"
    if any(p in {"recyclebin"} for p in parts):
        return "destructive"
    # a verb in the middle of the name counts too (`imconnector.delete.messages`, `im.dialog.read.all`)
    middle = set(parts[1:-1])
    if middle & set(_DESTRUCTIVE):
        return "destructive"
    floor: Risk = "write" if middle & set(_WRITE) else "read"
    return max_risk(floor, _classify_last(last))


def _classify_last(last: str) -> Risk:
    if last in _EXCEPTIONS:
        return _EXCEPTIONS[last]
    for verb in sorted(_DESTRUCTIVE, key=len, reverse=True):
        if last.startswith(verb):
            return "destructive"
    best: tuple[int, Risk] | None = None
    for vocab, risk in ((_WRITE, "write"), (_READ, "read")):
        for verb in vocab:
            if last.startswith(verb) and (best is None or len(verb) > best[0]):
                best = (len(verb), risk)  # type: ignore[assignment]
    if best is not None:
        return best[1]
    return "destructive"


def max_risk(*risks: str) -> Risk:
    """The riskiest of `risks` ("read" when none)."""
    top = max((RISK_ORDER.get(r, 2) for r in risks), default=0)
    levels: tuple[Risk, ...] = ("read", "write", "destructive")
    return levels[top]


def _offline_get_risk(params: Mapping[str, Any]) -> Risk:
    """event.offline.get deletes what it returns unless clear=0 (api-reference/events/event-offline-get.md)."""
    clear = next((v for k, v in params.items() if str(k).lower() == "clear"), 1)
    return "read" if str(clear).strip().lower() in {"0", "false", "n"} else "destructive"


# Methods whose risk depends on their params (the name-level risk is the worst case).
PARAM_RISK: dict[str, Callable[[Mapping[str, Any]], Risk]] = {
    "event.offline.get": _offline_get_risk,
}
