"""iter_list: fast ID cursor chained in batch (settings/performance/huge-data.md), offset paging, parallel cursors."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24_tools import B24Client, B24ValidationError
from b24_tools.client._paging import (
    auto_concurrency,
    chain_commands,
    chain_segments,
    consume_chain,
    shape_for,
)
from b24_tools.client._response import BatchResult

from .fakeportal import FakePortal, make_records

SHAPES = ["crm.lead.list", "crm.item.list", "tasks.task.list", "user.get"]


def _ids(records: list[dict], method: str) -> list[int]:
    key = "id" if method in ("crm.item.list", "tasks.task.list") else "ID"
    return [int(r[key]) for r in records]


@pytest.mark.parametrize("method", SHAPES)
@pytest.mark.parametrize("n", [0, 1, 49, 50, 51, 100, 2499, 2500, 2501, 5100])
def test_fast_mode_yields_every_record_once_in_id_order(
    client: B24Client, portal: FakePortal, method: str, n: int
) -> None:
    portal.tables[method] = make_records(method, n, step=3)
    got = list(client.iter_list(method, {"entityTypeId": 1} if method == "crm.item.list" else None))
    assert _ids(got, method) == [1 + 3 * i for i in range(n)]


def test_fast_mode_chains_pages_inside_one_batch(client: B24Client, portal: FakePortal) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 5000)
    got = list(client.iter_list("crm.lead.list", {"select": ["TITLE"]}))
    assert len(got) == 5000
    # one opening batch (first page + the largest matching ID, which bounds and sizes the scan), then chained
    # batches of up to 50 pages (2,500 records): 3 requests for 5,000 records, none to look for the end
    assert portal.methods == ["batch", "batch", "batch"]
    opening = {k: unquote(v) for k, v in portal.bodies[0]["cmd"].items()}
    assert set(opening) == {"p0", "max"}
    assert "filter[>ID]=0" in opening["p0"] and "order[ID]=ASC" in opening["p0"]
    assert (
        "order[ID]=DESC" in opening["max"]
        and "select[0]=ID" in opening["max"]
        and "start=-1" in opening["max"]
    )
    # the two chains after the opening page are read by two cursors at once, each bounded to its span
    cmds = next(b["cmd"] for b in portal.bodies[1:] if "filter[>ID]=50&" in unquote(b["cmd"]["p0"]))
    assert len(cmds) == 50
    first = unquote(cmds["p0"])
    assert "filter[>ID]=50" in first and "filter[<=ID]=2550" in first
    assert "order[ID]=ASC" in first and "start=-1" in first
    assert (
        "select[0]=TITLE&select[1]=ID" in first
    )  # the cursor needs ID even when the caller did not select it
    assert "filter[>ID]=$result[p0][49][ID]" in unquote(cmds["p1"])


@pytest.mark.parametrize(
    ("method", "ref", "order"),
    [
        ("crm.lead.list", "filter[>ID]=$result[p0][49][ID]", "order[ID]=ASC"),
        ("crm.item.list", "filter[>id]=$result[p0][items][49][id]", "order[id]=ASC"),
        ("tasks.task.list", "filter[>ID]=$result[p0][tasks][49][id]", "order[ID]=asc"),
        ("user.get", "filter[>ID]=$result[p0][49][ID]", "sort=ID&order=ASC"),
    ],
)
def test_chained_references_point_at_the_last_record_of_the_previous_page(
    method: str, ref: str, order: str
) -> None:
    from b24_tools.client._batch import encode_command

    cmds = chain_commands(method, {"filter": {}}, shape_for(method), 100, 3)
    encoded = [unquote(encode_command(c)[1]) for c in cmds.values()]
    assert "filter[>" in encoded[0] and "=100" in encoded[0] and order in encoded[0]
    assert ref in encoded[1] and ref.replace("p0", "p1") in encoded[2]


def test_records_after_a_short_page_are_ignored() -> None:
    shape = shape_for("crm.lead.list")
    full = [{"ID": str(i)} for i in range(1, 51)]
    short = [{"ID": str(i)} for i in range(51, 60)]
    # an unresolved reference made the portal drop the filter: p2 starts from the beginning again
    res = BatchResult(results={"p0": full, "p1": short, "p2": full}, order=["p0", "p1", "p2"])
    records, last, done = consume_chain(res, 3, shape, 0)
    assert len(records) == 59 and last == 59 and done


def test_a_page_that_does_not_continue_the_chain_ends_it_without_being_used() -> None:
    shape = shape_for("crm.lead.list")
    p0 = [{"ID": str(i)} for i in range(1, 51)]
    res = BatchResult(results={"p0": p0, "p1": p0}, order=["p0", "p1"])
    records, last, done = consume_chain(res, 2, shape, 0)
    assert len(records) == 50 and last == 50 and not done


def test_portal_that_ignores_references_still_gets_every_record_once(
    client: B24Client, portal: FakePortal
) -> None:
    portal.resolve_refs = False  # literal "$result[..]" arrives as the filter value
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 180)
    assert _ids(list(client.iter_list("crm.lead.list")), "crm.lead.list") == list(range(1, 181))


def test_fast_mode_continues_after_the_callers_own_id_filter(client: B24Client, portal: FakePortal) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 300)
    got = list(client.iter_list("crm.lead.list", {"filter": {">ID": 200}}))
    assert _ids(got, "crm.lead.list") == list(range(201, 301))


@pytest.mark.parametrize("params", [{"order": {"TITLE": "ASC"}}, {"order": {"ID": "DESC"}}, {"start": 50}])
def test_fast_mode_refuses_other_orders_and_start(client: B24Client, params: dict) -> None:
    with pytest.raises(B24ValidationError, match="offset|start"):
        client.iter_list("crm.lead.list", params)


@pytest.mark.parametrize("n", [0, 30, 50, 51, 130, 2600, 2651])
def test_offset_mode_pages_with_start_and_next(client: B24Client, portal: FakePortal, n: int) -> None:
    portal.tables["crm.deal.list"] = make_records("crm.deal.list", n)
    got = list(client.iter_list("crm.deal.list", {"order": {"TITLE": "ASC"}}, mode="offset"))
    assert sorted(_ids(got, "crm.deal.list")) == list(range(1, n + 1))
    assert json.loads(portal.requests[0].content)["start"] == 0
    if n > 50:  # later pages go as start offsets inside batches
        assert portal.methods[1] == "batch"
        assert list(portal.bodies[1]["cmd"])[0] == "o50"


def test_iter_list_is_lazy(client: B24Client, portal: FakePortal) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 5000)
    it = client.iter_list("crm.lead.list")
    assert portal.requests == []
    next(it)
    assert len(portal.requests) == 1


@pytest.mark.parametrize("method", SHAPES)
@pytest.mark.parametrize(("n", "parallel"), [(0, 4), (1, 4), (120, 3), (2600, 4), (3001, 8)])
def test_parallel_cursors_yield_every_record_once(
    client: B24Client, portal: FakePortal, method: str, n: int, parallel: int
) -> None:
    portal.tables[method] = make_records(method, n, step=2)
    params = {"entityTypeId": 2} if method == "crm.item.list" else None
    got = list(client.iter_list(method, params, parallel=parallel))
    ids = _ids(got, method)
    assert sorted(ids) == [1 + 2 * i for i in range(n)] and len(set(ids)) == n


def test_parallel_cursors_yield_records_in_id_order(client: B24Client, portal: FakePortal) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 4000)
    ids = _ids(list(client.iter_list("crm.lead.list", parallel=4)), "crm.lead.list")
    assert ids == list(range(1, 4001))


def test_defaults_read_several_chains_at_once_with_no_extra_request(
    client: B24Client, portal: FakePortal
) -> None:
    """No `parallel=`: the opening batch shows four chains of data, so four cursors read them concurrently;
    the requests are those of the sequential scan (ceil(N/2,500) + 1) and the records come in ID order."""
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 10_000)
    portal.delay = 0.05
    ids = _ids(list(client.iter_list("crm.lead.list")), "crm.lead.list")
    assert ids == list(range(1, 10_001))
    assert portal.methods == ["batch"] * 5
    assert portal.max_in_flight >= 2


def test_parallel_learns_the_id_bound_in_the_opening_request(client: B24Client, portal: FakePortal) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 200)
    assert len(list(client.iter_list("crm.lead.list", parallel=2))) == 200
    assert portal.methods[0] == "batch" and set(portal.bodies[0]["cmd"]) == {"p0", "max"}
    # 150 records left fit one chain: no second cursor, so no request more than the sequential scan
    assert portal.methods == ["batch", "batch"]


def test_parallel_splits_only_what_fills_a_chain_per_cursor(client: B24Client, portal: FakePortal) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 10_050)
    got = list(client.iter_list("crm.lead.list", parallel=4))
    assert sorted(int(r["ID"]) for r in got) == list(range(1, 10_051))
    # opening batch, then four cursors of 2,500 IDs each read by one chained batch apiece
    assert portal.methods == ["batch"] * 5


def test_chain_segments_cut_the_range_into_one_chain_spans() -> None:
    assert chain_segments(50, 2_500) == [(50, 2_500)]
    assert chain_segments(0, 5_000) == [(0, 2_500), (2_500, 5_000)]
    assert chain_segments(50, 10_000) == [(50, 2_550), (2_550, 5_050), (5_050, 7_550), (7_550, 10_000)]


def test_auto_concurrency_stays_inside_the_burst() -> None:
    assert auto_concurrency(10, 48.0) == 6
    assert auto_concurrency(10, 16.0) == 2
    assert auto_concurrency(10, 1.0) == 1
    assert auto_concurrency(3, float("inf")) == 3
    assert auto_concurrency(10, 48.0, override=9) == 9
    assert auto_concurrency(2, 48.0, override=9) == 2


def test_parallel_needs_fast_mode(client: B24Client) -> None:
    with pytest.raises(B24ValidationError):
        client.iter_list("crm.lead.list", mode="offset", parallel=2)
    with pytest.raises(B24ValidationError):
        client.iter_list("crm.lead.list", mode="quick")  # type: ignore[arg-type]


@pytest.mark.parametrize("parallel", [1, 3])
def test_an_unknown_wrapped_list_is_learned_from_its_first_page(
    client: B24Client, portal: FakePortal, parallel: int
) -> None:
    portal.tables["catalog.product.list"] = make_records("catalog.product.list", 2700)
    got = list(client.iter_list("catalog.product.list", parallel=parallel))
    assert sorted(r["id"] for r in got) == list(range(1, 2701))
    # the chain references the learned wrapper, so a batch still carries many pages
    batches = [
        b for m, b in zip(portal.methods, portal.bodies, strict=True) if m == "batch" and "p1" in b["cmd"]
    ]
    assert batches and "$result[p0][products][49][id]" in unquote(batches[0]["cmd"]["p1"])


@given(low=st.integers(0, 10**6), width=st.integers(1, 10**5))
@settings(max_examples=200, deadline=None)
def test_chain_segments_partition_the_id_range(low: int, width: int) -> None:
    segs = chain_segments(low, low + width)
    assert segs[0][0] == low and segs[-1][1] == low + width
    assert all(0 < b - a <= 2_500 for a, b in segs)
    assert all(segs[i][1] == segs[i + 1][0] for i in range(len(segs) - 1))


@given(ids=st.lists(st.integers(1, 10**6), unique=True, max_size=400), after=st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_fast_paging_returns_exactly_the_records_after_the_cursor(ids: list[int], after: int) -> None:
    from b24_tools.client._auth import WebhookAuth
    from b24_tools.client.ratelimit import NoopRateLimiter

    portal = FakePortal()
    portal.tables["crm.lead.list"] = [{"ID": str(i)} for i in ids]
    with B24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, portal.code),
        limiter=NoopRateLimiter(),
        transport=portal.transport(),
    ) as c:
        got = [int(r["ID"]) for r in c.iter_list("crm.lead.list", {"filter": {">ID": after}})]
    assert got == sorted(i for i in ids if i > after)
