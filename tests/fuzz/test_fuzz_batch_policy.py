"""Fuzz the policy's batch parser: any params → the inner commands or a `B24ValidationError`, nothing else; and
however a command is spelled (string, list, object, nested batch, odd case and spaces), a write inside a batch
never makes the batch read-only."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from b24_tools import B24PolicyError, B24ValidationError, Policy
from b24_tools.client._phpquery import encode
from b24_tools.policy import parse_batch_commands

from .conftest import budget
from .strategies import json_values, keys, nasty_text

RANK = {"read": 0, "write": 1, "destructive": 2}
METHODS = ["crm.lead.list", "crm.lead.get", "user.current", "crm.lead.add", "crm.lead.update", "crm.lead.delete",
           "crm.deal.add", "tasks.task.delete", "disk.file.moveto", "batch"]  # fmt: skip
POLICY = Policy(packs=("core",), allow_unlisted=True)


@budget(1.0)
@given(
    params=st.one_of(json_values(), st.dictionaries(st.sampled_from(["cmd", "CMD", "halt"]), json_values()))
)
def test_batch_parser_reads_any_params_or_raises_a_validation_error(params: Any) -> None:
    try:
        inner = parse_batch_commands(params)
    except B24ValidationError:
        return
    assert inner and all(c.method == c.method.strip().lower() for c in inner)


spelled = st.sampled_from(METHODS).flatmap(
    lambda m: st.tuples(
        st.just(m),
        st.sampled_from([m, m.upper(), " " + m, m + " ", m.title()]),
        st.dictionaries(st.sampled_from(["id", "ID", "fields", "filter"]), json_values(4), max_size=2),
    )
)


def _spell(spelling: str, params: dict[str, Any], form: int) -> Any:
    if form == 0:
        return spelling + ("?" + encode(params) if params else "")
    if form == 1:
        return [spelling, params]
    return {"method": spelling, "params": params}


@budget(1.0)
@given(
    commands=st.lists(
        st.tuples(keys, spelled, st.integers(0, 2)), min_size=1, max_size=6, unique_by=lambda c: c[0]
    ),
    as_list=st.booleans(),
)
def test_a_write_inside_a_batch_never_passes_as_a_read(commands: list[Any], as_list: bool) -> None:
    cmd_items = [(name, _spell(spelling, params, form)) for name, (_m, spelling, params), form in commands]
    cmd: Any = [c for _, c in cmd_items] if as_list else dict(cmd_items)
    try:
        batch = POLICY.assess("batch", {"cmd": cmd})
    except B24ValidationError:
        return  # unreadable: refused before anything runs
    worst = 0
    for command in batch.inner:
        if command.method == "batch":
            continue
        try:
            alone = POLICY.assess(command.method, command.params)
        except B24ValidationError:
            worst = 2
            continue
        worst = max(worst, RANK[alone.risk])
    assert RANK[batch.risk] >= worst, (batch.risk, [c.method for c in batch.inner])
    if worst > 0:
        try:
            POLICY.check("batch", {"cmd": cmd})
        except (B24PolicyError, B24ValidationError):
            pass
        else:
            raise AssertionError("a batch with a write passed the policy check without a confirmation")


@budget(1.0)
@given(text=nasty_text)
def test_a_batch_given_as_one_query_string_is_read_or_refused(text: str) -> None:
    try:
        parse_batch_commands({"cmd": text})
    except B24ValidationError:
        pass
