"""The catalog: generated docs facts, curated overrides and the agreement between them."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from b24_tools import B24ValidationError
from b24_tools.catalog import PACK_PATTERNS, PACKS, get_catalog, load_generated, matches, pack_for
from b24_tools.catalog.curated import CURATED

CAT = get_catalog()
GEN = load_generated()["methods"]


def test_generated_data_says_it_is_generated_on_line_one_and_names_the_docs_commit():
    text = resources.files("b24_tools.catalog").joinpath("_generated.json").read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert "GENERATED" in first and "do not edit" in first
    data = json.loads(text)
    assert data["source"]["repo"] == "bitrix24/b24restdocs"
    assert re.fullmatch(r"[0-9a-f]{40}", data["source"]["commit"])
    assert data["count"] == len(data["methods"]) > 1000


def test_generated_data_holds_no_machine_paths():
    text = resources.files("b24_tools.catalog").joinpath("_generated.json").read_text(encoding="utf-8")
    roots = ("work", "home", "tmp", "root")  # joined below so this file holds no such path itself
    for marker in (*(f"/{r}/" for r in roots), ".mirror", "C:\\\\"):
        assert marker not in text


@pytest.mark.parametrize("entry", CURATED, ids=lambda c: c.method)
def test_every_curated_entry_agrees_with_the_generated_facts(entry):
    key = entry.method.lower()
    assert key in GEN, f"{entry.method} is not in the docs data"
    facts = GEN[key]
    spec = CAT.get(key)
    assert spec is not None and spec.curated
    if facts["scope"]:
        assert set(spec.scope) == set(facts["scope"]), (
            f"scope of {key}: curated {spec.scope} vs docs {facts['scope']}"
        )
    declared = {(f.alias or n).lower() for n, f in spec.params_model.model_fields.items()}
    for name, _typ, required in facts["params"]:
        if required and name not in entry.relaxed:
            assert name.lower() in declared, f"{key}: required param {name} missing from the curated model"
            field = next(
                f for n, f in spec.params_model.model_fields.items() if (f.alias or n).lower() == name.lower()
            )
            assert field.is_required(), f"{key}: {name} is required in the docs"
    # the curated pack is one whose patterns allow the method
    assert matches(key, PACK_PATTERNS[entry.pack])
    # example params validate
    spec.validate_params(entry.example)


def test_curated_coverage_meets_the_pack_minimums():
    counts = {p: len(CAT.by_pack(p)) for p in PACKS}
    assert counts["core"] >= 25
    assert all(n >= 6 for n in counts.values()), counts


# reference patterns with no method in today's docs (kept: the policy honours them anyway)
_EMPTY_PATTERNS = {"file.*", "files.*", "tasks.scrum.*"}


@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_pattern_matches_documented_methods(pack):
    names = CAT.names()
    for pattern in PACK_PATTERNS[pack]:
        if pattern in _EMPTY_PATTERNS:
            continue
        assert any(matches(n, (pattern,)) for n in names), (
            f"{pack}: pattern {pattern} matches nothing in the docs"
        )


def test_core_covers_crm_tasks_users_events_and_batch():
    core = {s.name for s in CAT.by_pack("core")}
    for area in (
        "crm.lead.",
        "crm.deal.",
        "crm.contact.",
        "crm.company.",
        "crm.item.",
        "crm.activity.",
        "crm.timeline.",
        "tasks.task.",
        "task.checklistitem.",
        "user.",
        "event.",
    ):
        assert any(n.startswith(area) for n in core), area
    assert "batch" in core


@pytest.mark.parametrize(
    "spelling",
    [
        "crm.lead.add",
        "CRM.Lead.Add",
        " crm.lead.add.json ",
        "crm.lead.add.JSON",
        "crm%2Elead%2Eadd",
        "/crm.lead.add/",
    ],
)
def test_lookup_normalizes_case_whitespace_and_json_suffix(spelling):
    spec = CAT.get(spelling)
    assert spec is not None and spec.name == "crm.lead.add"


def test_unknown_and_malformed_names_are_not_found():
    assert CAT.get("crm.lead.explode") is None
    assert CAT.get("crm.lead.add;drop") is None
    assert CAT.get("") is None
    assert CAT.risk_of("no.such.method") is None


@pytest.mark.parametrize(
    ("method", "risk"),
    [
        ("crm.lead.list", "read"),
        ("crm.lead.add", "write"),
        ("crm.lead.delete", "destructive"),
        ("disk.file.moveTo", "write"),  # the reference's suffix regex calls this a read
        ("disk.folder.moveto", "write"),
        ("disk.file.getExternalLink", "write"),
        ("disk.folder.deleteTree", "destructive"),
        ("disk.file.markDeleted", "destructive"),
        ("event.unbind", "destructive"),
        ("event.bind", "write"),
        ("event.offline.clear", "destructive"),
        ("bizproc.workflow.terminate", "destructive"),
        ("bizproc.workflow.kill", "destructive"),
        ("crm.deal.contact.items.set", "destructive"),  # overwrites the whole set
        ("crm.deal.productrows.set", "destructive"),
        ("crm.deal.contact.add", "write"),
        ("imconnector.delete.messages", "destructive"),
        ("im.dialog.read.all", "write"),
        ("crm.entity.mergebatch", "destructive"),  # merging removes the duplicates
        ("crm.timeline.layout.blocks.set", "destructive"),  # replaces the whole set of blocks
        ("timeman.status", "read"),
        ("user.current", "read"),
        ("server.time", "read"),
    ],
)
def test_risk_is_read_from_the_verb_not_a_suffix_regex(method, risk):
    assert CAT.risk_of(method) == risk


def test_event_offline_get_is_a_read_only_when_it_keeps_the_events():
    spec = CAT.get("event.offline.get")
    assert spec.risk_for({"clear": 0}) == "read"
    assert spec.risk_for({"CLEAR": "0"}) == "read"
    assert spec.risk_for({}) == "destructive"
    assert spec.risk_for({"clear": "$result[x]"}) == "destructive"


def test_curated_risk_wins_over_the_rules():
    assert CAT.get("batch").risk == "read"  # batch itself; the policy rates its inner commands
    assert CAT.get("crm.deal.contact.items.set").curated


def test_validate_params_names_the_missing_field_and_the_fix():
    spec = CAT.get("crm.deal.contact.items.get")
    with pytest.raises(B24ValidationError) as err:
        spec.validate_params({})
    assert "'id'" in str(err.value) and "crm-deal-contact-items-get.md" in str(err.value)
    with pytest.raises(B24ValidationError) as err:
        spec.validate_params({"id": "not a number"})
    assert "'id'" in str(err.value) and "invalid" in str(err.value)


def test_validate_params_suggests_the_field_a_typo_meant():
    with pytest.raises(B24ValidationError, match="got 'fieldz': did you mean 'fields'"):
        CAT.get("crm.lead.add").validate_params({"fieldz": {"TITLE": "x"}})


def test_validate_params_matches_keys_case_insensitively_and_keeps_unknown_keys():
    out = CAT.get("crm.deal.contact.items.get").validate_params({"ID": "5", "auth_connector": "x"})
    assert out == {"id": 5, "auth_connector": "x"}


def test_validate_params_refuses_a_non_object():
    with pytest.raises(B24ValidationError):
        CAT.get("crm.lead.get").validate_params([1, 2])  # type: ignore[arg-type]


def test_generated_specs_check_required_params_from_the_docs():
    spec = CAT.get("disk.folder.deletetree")
    assert not spec.curated and spec.risk == "destructive"
    with pytest.raises(B24ValidationError, match="'id'"):
        spec.validate_params({})
    assert spec.validate_params({"id": 3}) == {"id": 3}


def test_origin_markers_build_the_reconciliation_lookup():
    lead = CAT.get("crm.lead.add").origin_marker
    assert lead.lookup({"fields": {"TITLE": "x"}}) is None
    method, query = lead.lookup({"fields": {"ORIGINATOR_ID": "site", "ORIGIN_ID": "f-1"}})
    assert method == "crm.lead.list" and query["filter"] == {"ORIGIN_ID": "f-1", "ORIGINATOR_ID": "site"}
    assert lead.extract_ids([{"ID": "7"}]) == ["7"]
    item = CAT.get("crm.item.add").origin_marker
    method, query = item.lookup({"entityTypeId": 2, "fields": {"originId": "x"}})
    assert method == "crm.item.list" and query["entityTypeId"] == 2 and query["filter"] == {"originId": "x"}
    assert item.extract_ids({"items": [{"id": 3}]}) == [3]
    for name in ("crm.deal.add", "crm.contact.add", "crm.company.add"):
        assert CAT.get(name).origin_marker is not None


def test_tool_names_are_safe_for_every_provider():
    for name in CAT.names():
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", CAT.get(name).tool_name)


def test_search_finds_curated_methods_first():
    assert CAT.search("lead add")[0].name == "crm.lead.add"
    assert CAT.search("move file")[0].name == "disk.file.moveto"
    assert all(s.pack == "commerce" for s in CAT.search("order", pack="commerce"))
    assert CAT.search("   ") == []


def test_pack_homes():
    assert pack_for("crm.lead.add") == "core"
    assert pack_for("crm.automation.trigger.execute") == "automation"
    assert pack_for("tasks.api.scrum.sprint.list") == "boards"
    assert pack_for("calendar.event.add") == "services"
    assert pack_for("placement.bind") is None


def test_describe_is_json_ready():
    d = CAT.get("crm.lead.add").describe()
    json.dumps(d)
    assert (
        d["risk"] == "write"
        and d["doc"].endswith("crm-lead-add.md")
        and "fields" in d["params"]["properties"]
    )
