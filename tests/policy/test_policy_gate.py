"""The policy gate: the reference's semantics, plus batches that try to smuggle a write past it."""

from __future__ import annotations

import json

import pytest

from b24_tools import B24PolicyError, B24Settings, B24ValidationError, Policy
from b24_tools.client._phpquery import encode
from b24_tools.policy._policy import parse_batch_commands

CORE = Policy()
ALL = {"confirm_write": True, "confirm_destructive": True}


def _refusal(
    policy: Policy, method: str, params: dict | None = None, **kw
) -> B24PolicyError | B24ValidationError:
    with pytest.raises((B24PolicyError, B24ValidationError)) as err:
        policy.check(method, params or {}, **kw)
    return err.value


# (policy kwargs, method, params, check kwargs, expected: "ok" | rule name | "invalid")
TABLE = [
    ({}, "crm.lead.list", {}, {}, "ok"),
    ({}, "user.current", {}, {}, "ok"),
    ({}, "crm.lead.add", {"fields": {"TITLE": "x"}}, {}, "confirm_write"),
    ({}, "crm.lead.add", {"fields": {"TITLE": "x"}}, {"confirm_write": True}, "ok"),
    ({}, "crm.lead.delete", {"id": 1}, {"confirm_write": True}, "confirm_destructive"),
    ({}, "crm.lead.delete", {"id": 1}, {"confirm_destructive": True}, "ok"),
    ({}, "im.message.add", {}, ALL, "unlisted"),
    ({"packs": ("core", "comms")}, "im.message.add", {}, {"confirm_write": True}, "ok"),
    ({"packs": "core,comms"}, "im.message.add", {}, {"confirm_write": True}, "ok"),
    ({"packs": ("none",)}, "crm.lead.list", {}, {}, "unlisted"),
    ({"packs": ()}, "crm.lead.list", {}, {}, "unlisted"),
    ({"packs": "none", "allowlist": ("user.*",)}, "user.current", {}, {}, "ok"),
    ({"packs": "none", "allowlist": "user.*,crm.lead.list"}, "crm.lead.list", {}, {}, "ok"),
    ({"packs": "none", "allowlist": ("user.*",)}, "crm.lead.get", {"id": 1}, {}, "unlisted"),
    ({"packs": ("diagnostics",)}, "method.get", {"name": "crm.lead.add"}, {}, "ok"),
    ({"packs": ("diagnostics",)}, "crm.lead.list", {}, {}, "unlisted"),
    ({}, "no.such.method", {}, {}, "unlisted"),
    ({"allow_unlisted": True}, "no.such.method", {}, {}, "confirm_destructive"),
    ({"allow_unlisted": True}, "no.such.method", {}, {"confirm_write": True}, "confirm_destructive"),
    ({"allow_unlisted": True}, "no.such.method", {}, ALL, "ok"),
    ({"allow_unlisted": True}, "im.message.add", {}, {}, "confirm_write"),  # known to the catalog: a write
    ({"allow_unlisted": True}, "disk.folder.getchildren", {"id": 1}, {}, "ok"),  # known read outside packs
    ({"require_plan": True}, "crm.lead.add", {}, {"confirm_write": True}, "require_plan"),
    ({"require_plan": True}, "crm.lead.add", {}, {"confirm_write": True, "via_plan": True}, "ok"),
    ({"require_plan": True}, "crm.lead.delete", {}, {"via_plan": True}, "confirm_destructive"),
    ({"require_plan": True}, "crm.lead.list", {}, {}, "ok"),
    ({}, "event.offline.get", {"clear": 0}, {}, "ok"),
    ({}, "event.offline.get", {}, {"confirm_write": True}, "confirm_destructive"),
    ({}, "CRM.LEAD.DELETE.json", {"id": 1}, {"confirm_write": True}, "confirm_destructive"),
    ({}, "crm.lead.delete;", {}, ALL, "invalid"),
    ({}, "crm lead delete", {}, ALL, "invalid"),
    ({}, "", {}, ALL, "invalid"),
    # batches
    ({}, "batch", {"cmd": {"a": "crm.lead.list", "b": "user.current"}}, {}, "ok"),
    ({}, "batch", {"cmd": {"a": "crm.lead.list", "b": "crm.lead.add?fields[TITLE]=x"}}, {}, "confirm_write"),
    (
        {},
        "batch",
        {"cmd": {"a": "crm.lead.list", "b": "crm.lead.delete?id=1"}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    (
        {},
        "batch",
        {"cmd": ["crm.lead.list", "crm.lead.delete?id=1"]},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    (
        {},
        "batch",
        {"cmd": {"a": " CRM.LEAD.DELETE.JSON ?id=1"}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    ({}, "batch", {"cmd": {"a": "crm.lead.de%6Cete?id=1"}}, {"confirm_write": True}, "confirm_destructive"),
    (
        {},
        "batch",
        {"cmd": {"a": "crm%252Elead%252Edelete?id=1"}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    ({}, "batch", {"cmd": {"a": "\tcrm.lead.delete\n?id=1"}}, {"confirm_write": True}, "confirm_destructive"),
    ({}, "batch", {"cmd": {"a": "crm.lead.delete/?id=1"}}, {"confirm_write": True}, "confirm_destructive"),
    (
        {},
        "batch",
        {"cmd": {"a": {"method": "crm.lead.delete", "params": {"id": 1}}}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    (
        {},
        "batch",
        {"cmd": {"a": ["crm.lead.delete", {"id": 1}]}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    ({}, "batch", {"CMD": {"a": "crm.lead.delete?id=1"}}, {"confirm_write": True}, "confirm_destructive"),
    (
        {},
        "batch",
        {"cmd": {"a": "user.current"}, "Cmd": {"b": "crm.lead.delete?id=1"}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    (
        {},
        "batch",
        {"cmd": {"a": "batch?" + encode({"cmd": {"x": "crm.deal.delete?id=1"}})}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    (
        {},
        "BATCH.json",
        {"cmd": {"a": "crm.deal.delete?id=1"}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    ({}, "batch", {"cmd": {"a": "im.message.add?DIALOG_ID=1&MESSAGE=x"}}, ALL, "unlisted"),
    ({"packs": "none"}, "batch", {"cmd": {"a": "user.current"}}, {}, "unlisted"),
    ({"packs": "none", "allowlist": "user.*"}, "batch", {"cmd": {"a": "user.current"}}, {}, "ok"),
    ({}, "batch", {"cmd": {"a": "no.such.method"}}, ALL, "unlisted"),
    (
        {"allow_unlisted": True},
        "batch",
        {"cmd": {"a": "no.such.method"}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    ({}, "batch", {"cmd": {"a": "event.offline.get?clear=0"}}, {}, "ok"),
    (
        {},
        "batch",
        {"cmd": {"a": "event.offline.get?clear=$result[x]"}},
        {"confirm_write": True},
        "confirm_destructive",
    ),
    ({}, "batch", {"cmd": {"a": "crm.lead.list", "b": "$result[a][0][METHOD]?id=1"}}, ALL, "invalid"),
    ({}, "batch", {"cmd": {"a": "crm.lead.delete;x?id=1"}}, ALL, "invalid"),
    ({}, "batch", {"cmd": {"a": "crm.lead.delete\x00?id=1"}}, ALL, "invalid"),
    ({}, "batch", {"cmd": {"a": 42}}, ALL, "invalid"),
    ({}, "batch", {"cmd": {}}, ALL, "invalid"),
    ({}, "batch", {}, ALL, "invalid"),
    ({}, "batch", {"cmd": "not a map"}, ALL, "invalid"),
    ({}, "batch", {"cmd": {str(i): "user.current" for i in range(51)}}, ALL, "invalid"),
    ({}, "crm.lead.list", [1, 2], ALL, "invalid"),
]


@pytest.mark.parametrize(
    ("policy_kw", "method", "params", "check_kw", "expected"),
    TABLE,
    ids=[f"{i}-{row[1]}-{row[4]}" for i, row in enumerate(TABLE)],
)
def test_policy_table(policy_kw, method, params, check_kw, expected):
    policy = Policy(**policy_kw)
    if expected == "ok":
        policy.check(method, params, **check_kw)
        return
    err = _refusal(policy, method, params, **check_kw)
    if expected == "invalid":
        assert isinstance(err, B24ValidationError), err
        assert err.hint
    else:
        assert isinstance(err, B24PolicyError), err
        assert err.rule == expected, (err.rule, str(err))


def test_refusals_name_the_rule_and_the_flag_that_allows_it():
    err = _refusal(CORE, "im.message.add", {})
    assert err.rule == "unlisted" and "comms" in err.allow_with and "allow_unlisted" in err.allow_with
    err = _refusal(CORE, "crm.lead.add", {})
    assert err.rule == "confirm_write" and "confirm_write" in err.allow_with
    err = _refusal(CORE, "crm.lead.delete", {}, confirm_write=True)
    assert "confirm_destructive" in err.allow_with and err.risk == "destructive"
    err = _refusal(Policy(require_plan=True), "crm.lead.add", {}, confirm_write=True)
    assert err.rule == "require_plan" and "plan" in err.allow_with


def test_a_batch_refusal_names_the_hidden_command():
    err = _refusal(
        CORE,
        "batch",
        {"cmd": {"list": "crm.lead.list", "sneaky": "crm.lead.delete?id=1"}},
        confirm_write=True,
    )
    assert "sneaky: crm.lead.delete" in str(err)


def test_assessment_lists_inner_commands_scopes_and_unlisted_methods():
    a = Policy(allow_unlisted=True).assess(
        "batch", {"cmd": {"a": "crm.lead.get?id=5", "b": "im.message.add?DIALOG_ID=1&MESSAGE=hi"}}
    )
    assert [(c.name, c.method) for c in a.inner] == [("a", "crm.lead.get"), ("b", "im.message.add")]
    assert a.inner[0].params == {"id": "5"}
    name, method, params = a.inner[1]
    assert (name, method, params["MESSAGE"]) == ("b", "im.message.add", "hi")
    assert a.risk == "write" and a.unlisted == ["im.message.add"] and a.refusal is None
    assert {"crm", "im"} <= set(a.scopes)
    assert a.methods == ["batch", "crm.lead.get", "im.message.add"]


def test_assess_marks_unlisted_calls_without_raising():
    a = CORE.assess("im.message.add", {})
    assert a.refusal is not None and a.refusal.rule == "unlisted" and not a.allowed
    assert a.risk == "write"


def test_nested_batches_are_flattened():
    inner = parse_batch_commands({"cmd": {"a": "batch?" + encode({"cmd": {"x": "crm.deal.delete?id=1"}})}})
    assert [c.name for c in inner] == ["a", "a/x"] and inner[1].method == "crm.deal.delete"


def test_dollar_result_references_in_params_are_fine():
    a = CORE.check("batch", {"cmd": {"u": "user.current", "d": "user.get?ID=$result[u][ID]"}})
    assert a.risk == "read"


def test_policy_from_settings_reads_packs_allowlist_and_require_plan():
    s = B24Settings(_env_file=None, packs="core,comms", method_allowlist="placement.*", require_plan=True)
    p = Policy.from_settings(s)
    assert p.packs == ("core", "comms") and "placement.*" in p.patterns and p.require_plan
    p = Policy.from_settings(B24Settings(_env_file=None, packs="none"))
    assert p.packs == ()


def test_unknown_pack_is_a_validation_error_listing_the_packs():
    with pytest.raises(B24ValidationError, match="available packs: core, comms"):
        Policy(packs=("core", "bogus"))


def test_packs_deduplicate_and_calendar_is_allowed_by_collab_and_services():
    p = Policy(packs=("core", "comms", "core"))
    assert p.packs == ("core", "comms")
    assert Policy(packs=("collab",)).is_listed("calendar.event.add")
    assert Policy(packs=("services",)).is_listed("calendar.event.add")
    assert Policy(packs="none").is_listed("batch")  # batch is always listed; its commands are checked


def test_policy_error_messages_are_json_safe():
    err = _refusal(CORE, "crm.lead.delete", {}, confirm_write=True)
    json.dumps({"rule": err.rule, "allow_with": err.allow_with, "message": str(err)})
