"""Tasks — api-reference/tasks/tasks-task-*.md, checklist-item/*.md, and REST 3.0 (api-reference/rest-v3.md,
tasks/tasks-task-*-rest-v3.md)."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator


def test_task_add_takes_upper_fields_and_answers_camelcase_strings(http: httpx.Client) -> None:
    r = http.post(
        "tasks.task.add", json={"fields": {"TITLE": "Call", "RESPONSIBLE_ID": 1, "UF_CRM_TASK": ["L_4"]}}
    )
    task = r.json()["result"]["task"]
    assert task["id"] == "1" and task["title"] == "Call" and task["responsibleId"] == "1"
    assert task["status"] == "2" and task["ufCrmTask"] == ["L_4"] and task["guid"].startswith("{")


def test_task_add_without_title_answers_error_core(http: httpx.Client) -> None:
    r = http.post("tasks.task.add", json={"fields": {"RESPONSIBLE_ID": 1}})
    assert r.status_code == 400
    assert r.json() == {"error": "ERROR_CORE", "error_description": "Task title is not specified<br>"}


def test_task_add_without_fields_answers_code_100(http: httpx.Client) -> None:
    r = http.post("tasks.task.add", json={})
    assert r.status_code == 400 and r.json()["error"] == "100"


def test_task_get_of_a_missing_task_answers_an_empty_array(http: httpx.Client) -> None:
    assert http.post("tasks.task.get", json={"taskId": 404}).json()["result"] == []


def test_task_update_list_and_delete(http: httpx.Client) -> None:
    tid = int(
        http.post("tasks.task.add", json={"fields": {"TITLE": "a", "RESPONSIBLE_ID": 1}}).json()["result"][
            "task"
        ]["id"]
    )
    upd = http.post("tasks.task.update", json={"taskId": tid, "fields": {"STATUS": 5}}).json()["result"][
        "task"
    ]
    assert upd["status"] == "5" and upd["closedDate"]
    body = http.post("tasks.task.list", json={"filter": {"STATUS": 5}, "select": ["ID", "TITLE"]}).json()
    assert body["result"]["tasks"] == [{"id": str(tid), "title": "a"}] and body["total"] == 1
    assert http.post("tasks.task.delete", json={"taskId": tid}).json()["result"] == {"task": True}


def test_task_list_refuses_an_unknown_sort_key(http: httpx.Client) -> None:
    r = http.post("tasks.task.list", json={"order": {"NOPE": "asc"}})
    assert r.status_code == 400 and r.json()["error"] == "0"


def test_checklist_items_and_comments(http: httpx.Client) -> None:
    tid = http.post("tasks.task.add", json={"fields": {"TITLE": "t", "RESPONSIBLE_ID": 1}}).json()["result"][
        "task"
    ]["id"]
    item_id = http.post("task.checklistitem.add", json={"TASKID": tid, "FIELDS": {"TITLE": "step 1"}}).json()[
        "result"
    ]
    assert isinstance(item_id, int)
    http.post(
        "task.checklistitem.add", json=[tid, {"TITLE": "step 2", "IS_COMPLETE": "Y"}]
    )  # positional form
    items = http.post("task.checklistitem.getlist", json={"TASKID": tid}).json()["result"]
    assert [(i["TITLE"], i["IS_COMPLETE"]) for i in items] == [("step 1", "N"), ("step 2", "Y")]
    cid = http.post("task.commentitem.add", json={"TASKID": tid, "FIELDS": {"POST_MESSAGE": "hi"}}).json()[
        "result"
    ]
    assert isinstance(cid, int)
    r = http.post("task.checklistitem.add", json={"TASKID": 999, "FIELDS": {"TITLE": "x"}})
    assert r.status_code == 400 and r.json()["error"] == "ERROR_CORE"


@pytest.fixture
def v3(emu: Emulator) -> httpx.Client:
    return httpx.Client(
        transport=emu.transport(), base_url=f"{emu.base_url}/rest/api/1/{emu.config.webhook_code}/"
    )


def test_rest_v3_add_get_list_update_delete(v3: httpx.Client) -> None:
    item = v3.post(
        "tasks.task.add", json={"fields": {"title": "v3", "creatorId": 1, "responsibleId": 1}}
    ).json()["result"]["item"]
    assert item["id"] == 1 and item["status"] == "pending" and item["priority"] == "average"
    assert v3.post("tasks.task.get", json={"id": 1, "select": ["title"]}).json()["result"]["item"] == {
        "id": 1,
        "title": "v3",
    }
    assert v3.post("tasks.task.update", json={"id": 1, "fields": {"status": "completed"}}).json()[
        "result"
    ] == {"result": True}
    items = v3.post(
        "tasks.task.list", json={"filter": [["status", "=", "completed"]], "select": ["id", "status"]}
    ).json()
    assert items["result"]["items"] == [{"id": 1, "status": "completed"}]
    assert v3.post("tasks.task.delete", json={"id": 1}).json()["result"] == {"result": True}


def test_rest_v3_filter_logic_or_and_in(v3: httpx.Client) -> None:
    for t in ("a", "b", "c"):
        v3.post("tasks.task.add", json={"fields": {"title": t, "creatorId": 1, "responsibleId": 1}})
    flt = [{"logic": "or", "conditions": [["id", [1]], ["title", "=", "c"]]}]
    ids = [x["id"] for x in v3.post("tasks.task.list", json={"filter": flt}).json()["result"]["items"]]
    assert ids == [1, 3]


def test_rest_v3_errors_use_the_v3_dialect(v3: httpx.Client) -> None:
    r = v3.post("tasks.task.get", json={})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION"
    assert r.json()["error"]["validation"] == [
        {"message": "Required field `id` is not specified", "field": "id"}
    ]
    r = v3.post("tasks.task.get", json={"id": 77})
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION"
    r = v3.post("tasks.task.list", json={"filter": [["id", "like", 1]]})
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_UNKNOWNFILTEROPERATOREXCEPTION"
    r = v3.post(
        "tasks.task.get", content=b"id=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDJSONEXCEPTION"
    r = v3.get("tasks.task.get", params={"id": 1})  # the query string is not read
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION"


def test_idempotency_key_replays_the_stored_answer(emu: Emulator, v3: httpx.Client) -> None:
    body = {"fields": {"title": "once", "creatorId": 1, "responsibleId": 1}}
    first = v3.post("tasks.task.add", json=body, headers={"Idempotency-Key": "k-1"})
    again = v3.post("tasks.task.add", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.headers["Idempotency-Key"] == "k-1" and "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["result"] == first.json()["result"]
    assert emu.count("task") == 1


def test_idempotency_key_with_another_body_answers_422(v3: httpx.Client) -> None:
    v3.post(
        "tasks.task.add",
        json={"fields": {"title": "a", "creatorId": 1, "responsibleId": 1}},
        headers={"Idempotency-Key": "k"},
    )
    r = v3.post(
        "tasks.task.add",
        json={"fields": {"title": "b", "creatorId": 1, "responsibleId": 1}},
        headers={"Idempotency-Key": "k"},
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_IDEMPOTENCYKEYREUSEDEXCEPTION"


def test_idempotency_key_expires_after_24_hours_and_bad_keys_are_refused(
    emu: Emulator, v3: httpx.Client
) -> None:
    body = {"fields": {"title": "a", "creatorId": 1, "responsibleId": 1}}
    v3.post("tasks.task.add", json=body, headers={"Idempotency-Key": "day"})
    emu.clock.advance(24 * 3600 + 1)
    r = v3.post("tasks.task.add", json=body, headers={"Idempotency-Key": "day"})
    assert "Idempotent-Replayed" not in r.headers and emu.count("task") == 2
    r = v3.post("tasks.task.add", json=body, headers={"Idempotency-Key": "x" * 256})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDIDEMPOTENCYKEYEXCEPTION"


def test_failed_calls_are_not_stored_under_the_key(emu: Emulator, v3: httpx.Client) -> None:
    bad = {"fields": {"title": "", "creatorId": 1, "responsibleId": 1}}
    assert v3.post("tasks.task.add", json=bad, headers={"Idempotency-Key": "e"}).status_code == 400
    good = {"fields": {"title": "ok", "creatorId": 1, "responsibleId": 1}}
    assert v3.post("tasks.task.add", json=good, headers={"Idempotency-Key": "e"}).status_code == 200


def test_legacy_only_method_is_unknown_in_rest_v3(v3: httpx.Client) -> None:
    r = v3.post("crm.lead.list", json={})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION"


def test_openapi_lists_the_v3_methods(v3: httpx.Client) -> None:
    paths = v3.get("rest.documentation.openapi").json()["result"]["paths"]
    assert "/tasks.task.add" in paths and "/tasks.task.list" in paths


def test_rest_v3_with_application_auth_in_the_body(emu: Emulator) -> None:
    client_id, _ = emu.oauth.register_app(scopes={"task"})
    token = emu.oauth.issue_tokens(client_id)["access_token"]
    with emu.http() as h:
        r = h.post(
            "/rest/api/tasks.task.add",
            json={"auth": token, "fields": {"title": "app", "creatorId": 1, "responsibleId": 1}},
        )
        assert r.status_code == 200 and r.json()["result"]["item"]["title"] == "app"
        bad = h.post("/rest/api/tasks.task.get", json={"auth": "nope", "id": 1})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "NO_AUTH_FOUND"


def test_rest_v3_batch_is_a_json_array_of_method_and_query(v3: httpx.Client) -> None:
    # api-reference/rest-v3.md#batch
    for t in ("one", "two"):
        v3.post("tasks.task.add", json={"fields": {"title": t, "creatorId": 1, "responsibleId": 1}})
    calls = [{"method": "tasks.task.get", "query": {"id": i, "select": ["id", "title"]}} for i in (2, 1)]
    body = v3.post("batch", json=calls).json()
    assert body["result"] == [{"item": {"id": 2, "title": "two"}}, {"item": {"id": 1, "title": "one"}}]
    old_style = v3.post("batch", json={"cmd": {"a": "tasks.task.get?id=1"}})
    assert old_style.status_code == 400
    assert old_style.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION"


def test_checklist_positional_form_body(http: httpx.Client) -> None:
    tid = http.post("tasks.task.add", json={"fields": {"TITLE": "t", "RESPONSIBLE_ID": 1}}).json()["result"][
        "task"
    ]["id"]
    r = http.post("task.checklistitem.add", data={"0": tid, "1[TITLE]": "from a form"})
    assert isinstance(r.json()["result"], int)
    assert (
        http.post("task.checklistitem.getlist", data={"TASKID": tid}).json()["result"][0]["TITLE"]
        == "from a form"
    )


def test_lost_answer_then_retry_with_the_same_idempotency_key_is_replayed(
    emu: Emulator, v3: httpx.Client
) -> None:
    # the case exactly-once execution must survive: the write commits, the answer is lost, the retry replays
    emu.faults.add("tasks.task.add", "drop_after_commit")
    body = {"fields": {"title": "once only", "creatorId": 1, "responsibleId": 1}}
    with pytest.raises(httpx.RemoteProtocolError):
        v3.post("tasks.task.add", json=body, headers={"Idempotency-Key": "retry-me"})
    again = v3.post("tasks.task.add", json=body, headers={"Idempotency-Key": "retry-me"})
    assert (
        again.headers["Idempotent-Replayed"] == "true"
        and again.json()["result"]["item"]["title"] == "once only"
    )
    assert emu.count("task") == 1


def test_rest_v3_select_reaches_related_users(emu: Emulator, v3: httpx.Client) -> None:
    # rest-v3.md#connection: "select": ["responsible.name", "responsible.email"]
    emu.seed(users=2)
    v3.post("tasks.task.add", json={"fields": {"title": "r", "creatorId": 1, "responsibleId": 2}})
    item = v3.post(
        "tasks.task.get", json={"id": 1, "select": ["title", "responsible.name", "responsible.email"]}
    ).json()
    user = emu.records("user", ID=2)[0]
    assert item["result"]["item"] == {
        "id": 1,
        "title": "r",
        "responsible": {"name": user["NAME"], "email": user["EMAIL"]},
    }
    unknown_own = v3.post("tasks.task.get", json={"id": 1, "select": ["title", "stageId"]}).json()["result"][
        "item"
    ]
    assert unknown_own == {"id": 1, "title": "r"}  # an unknown own field is omitted, not an error
    bad = v3.post("tasks.task.get", json={"id": 1, "select": ["responsible.nope"]})
    assert bad.json()["error"]["code"] == "BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION"
