from __future__ import annotations

import csv
import json

import pytest

from b24_tools import B24ValidationError
from b24_tools.cli._exporter import export_entity, last_exported_id, list_method_for


class FakeClient:
    """iter_list over N deals in ID order, honouring the `>ID` filter like fast paging does."""

    def __init__(self, n: int, fail_after: int | None = None) -> None:
        self.n = n
        self.fail_after = fail_after
        self.params: list[dict] = []

    def iter_list(self, method, params=None, *, mode="fast", parallel=1):
        assert mode == "fast"
        self.params.append(params)
        after = int((params or {}).get("filter", {}).get(">ID", 0))
        for i in range(after + 1, self.n + 1):
            if self.fail_after is not None and i > self.fail_after:
                raise ConnectionError("network dropped")
            yield {
                "ID": str(i),
                "TITLE": f"Deal {i}",
                "STAGE_ID": "NEW" if i % 2 else "WON",
                "OPPORTUNITY": "10.00",
            }


def _ids_jsonl(path):
    return [int(json.loads(x)["ID"]) for x in path.read_text().splitlines()]


def test_entities_map_to_list_methods():
    assert list_method_for("deals") == "crm.deal.list"
    assert list_method_for("company") == "crm.company.list"
    assert list_method_for("crm.item.list") == "crm.item.list"
    with pytest.raises(B24ValidationError, match="unknown entity"):
        list_method_for("spaceship")


def test_jsonl_export_writes_every_record_once(tmp_path):
    out = tmp_path / "deals.jsonl"
    res = export_entity(FakeClient(120), "deal", out)
    assert res.written == 120 and res.last_id == 120 and res.format == "jsonl"
    assert _ids_jsonl(out) == list(range(1, 121))


def test_an_interrupted_export_resumes_after_the_last_written_id(tmp_path):
    out = tmp_path / "deals.jsonl"
    with pytest.raises(ConnectionError):
        export_entity(FakeClient(300, fail_after=170), "deal", out)
    client = FakeClient(300)
    res = export_entity(client, "deal", out, resume=True)
    assert res.resumed_after_id == 170
    assert client.params[0]["filter"][">ID"] == 170
    assert _ids_jsonl(out) == list(range(1, 301))
    assert res.total_in_file == 300


def test_a_torn_last_line_is_cut_before_resuming(tmp_path):
    out = tmp_path / "deals.jsonl"
    export_entity(FakeClient(10), "deal", out)
    with out.open("a") as fh:
        fh.write('{"ID": "11", "TIT')
    assert last_exported_id(out) == (10, 10)
    export_entity(FakeClient(12), "deal", out, resume=True)
    assert _ids_jsonl(out) == list(range(1, 13))


def test_csv_export_with_select_keeps_the_header_on_resume(tmp_path):
    out = tmp_path / "deals.csv"
    with pytest.raises(ConnectionError):
        export_entity(FakeClient(80, fail_after=60), "deal", out, select=["TITLE", "STAGE_ID"])
    export_entity(FakeClient(80), "deal", out, select=["TITLE", "STAGE_ID"], resume=True)
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["ID", "TITLE", "STAGE_ID"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 81))


def test_a_fresh_export_replaces_an_old_file(tmp_path):
    out = tmp_path / "deals.jsonl"
    export_entity(FakeClient(5), "deal", out)
    export_entity(FakeClient(3), "deal", out)
    assert _ids_jsonl(out) == [1, 2, 3]


def test_user_filter_is_kept_and_combined_with_resume(tmp_path):
    out = tmp_path / "d.jsonl"
    export_entity(FakeClient(5), "deal", out)
    client = FakeClient(9)
    export_entity(client, "deal", out, filter={"STAGE_ID": "WON"}, resume=True)
    assert client.params[0]["filter"] == {"STAGE_ID": "WON", ">ID": 5}


def test_unsupported_file_types_are_refused_before_any_call(tmp_path):
    client = FakeClient(5)
    with pytest.raises(B24ValidationError, match="jsonl"):
        export_entity(client, "deal", tmp_path / "x.xlsx")
    assert client.params == []


def test_progress_is_reported(tmp_path):
    seen = []
    export_entity(FakeClient(120), "deal", tmp_path / "d.jsonl", progress=seen.append)
    assert seen[-1] == 120 and 50 in seen
