"""batch — settings/how-to-call-rest-api/batch.md."""

from __future__ import annotations

import httpx

from b24_tools.client._phpquery import encode
from b24_tools.emulator import Emulator


def test_batch_runs_in_order_and_substitutes_results(http: httpx.Client) -> None:
    cmd = {
        "add": "crm.deal.add?" + encode({"fields": {"TITLE": "from batch"}}),
        "get": "crm.deal.get?id=$result[add]",
        "list": "crm.deal.list?" + encode({"filter": {"ID": "$result[get][ID]"}, "select": ["ID", "TITLE"]}),
    }
    body = http.post("batch", json={"halt": 0, "cmd": cmd}).json()["result"]
    assert body["result"]["get"]["TITLE"] == "from batch"
    assert body["result"]["list"][0]["TITLE"] == "from batch"
    assert body["result_error"] == [] and body["result_next"] == []  # empty PHP arrays
    assert body["result_total"] == {"list": 1}
    assert set(body["result_time"]) == {"add", "get", "list"}


def test_batch_with_a_list_cmd_answers_lists(http: httpx.Client) -> None:
    body = http.post("batch", json={"cmd": ["server.time", "user.current"]}).json()["result"]
    assert isinstance(body["result"], list) and body["result"][1]["ID"] == "1"


def test_batch_form_encoded_cmd_double_encoding(http: httpx.Client) -> None:
    # data-encoding.md: cmd strings are themselves query strings, encoded again as form values
    inner = "crm.lead.add?" + encode({"fields": {"TITLE": "John&Martin"}})
    body = http.post("batch", data={"cmd[a]": inner, "cmd[b]": "crm.lead.get?id=$result[a]"}).json()["result"]
    assert body["result"]["b"]["TITLE"] == "John&Martin"


def test_batch_halt_stops_at_the_first_error(http: httpx.Client) -> None:
    cmd = {"a": "crm.deal.get?id=999", "b": "server.time"}
    halted = http.post("batch", json={"halt": 1, "cmd": cmd}).json()["result"]
    assert halted["result"] == [] and list(halted["result_error"]) == ["a"]
    full = http.post("batch", json={"halt": 0, "cmd": cmd}).json()["result"]
    assert list(full["result"]) == ["b"] and full["result_error"]["a"]["error_description"] == "Not found"


def test_nested_batch_is_refused_inside_result_error(http: httpx.Client) -> None:
    body = http.post("batch", json={"cmd": {"x": "batch?cmd[0]=server.time"}}).json()["result"]
    assert body["result_error"]["x"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"


def test_more_than_50_commands_is_refused(http: httpx.Client, emu: Emulator) -> None:
    r = http.post("batch", json={"cmd": {str(i): "server.time" for i in range(51)}})
    assert r.status_code == 400 and r.json()["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"


def test_b24pysdk_style_chained_fast_paging_stops_on_a_short_page(emu: Emulator, http: httpx.Client) -> None:
    emu.seed(leads=70, users=1)
    cmd = {
        "1": "crm.lead.list?"
        + encode({"order": {"ID": "ASC"}, "filter": {">ID": 0}, "select": ["ID"], "start": -1})
    }
    cmd["2"] = "crm.lead.list?" + encode(
        {"order": {"ID": "ASC"}, "filter": {">ID": "$result[1][49][ID]"}, "select": ["ID"], "start": -1}
    )
    cmd["3"] = "crm.lead.list?" + encode(
        {"order": {"ID": "ASC"}, "filter": {">ID": "$result[2][49][ID]"}, "select": ["ID"], "start": -1}
    )
    res = http.post("batch", json={"cmd": cmd}).json()["result"]["result"]
    assert len(res["1"]) == 50 and len(res["2"]) == 20 and res["3"] == []


def test_references_reach_into_wrapped_results(emu: Emulator, http: httpx.Client) -> None:
    # peer-clients.md: b24pysdk chains `$result[k][tasks][49][id]` for wrapped list answers
    emu.seed(tasks=60, users=1)
    cmd = {
        "p1": "tasks.task.list?"
        + encode({"order": {"ID": "ASC"}, "filter": {">ID": 0}, "select": ["ID"], "start": -1}),
        "p2": "tasks.task.list?"
        + encode(
            {
                "order": {"ID": "ASC"},
                "filter": {">ID": "$result[p1][tasks][49][id]"},
                "select": ["ID"],
                "start": -1,
            }
        ),  # fmt: skip
    }
    res = http.post("batch", json={"cmd": cmd}).json()["result"]["result"]
    assert [t["id"] for t in res["p2"]["tasks"]] == [str(i) for i in range(51, 61)]


def test_method_names_inside_batch_are_normalised(http: httpx.Client) -> None:
    body = http.post("batch", json={"cmd": {"a": "Server.Time.json", "b": "USER.CURRENT"}}).json()["result"]
    assert set(body["result"]) == {"a", "b"} and body["result_error"] == []
