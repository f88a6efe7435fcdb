"""The reference client's flags beside this package's own: each does what the reference's does; each flag that
weakens a guard rail does exactly that and says so on stderr."""

from __future__ import annotations

import json
import sqlite3

import pytest
from reference_helpers import CLIENT, REFERENCE_AUDIT_FIELDS

from b24_tools.cli._reference import WARN_NO_AUDIT, WARN_NO_IDEMPOTENCY, WARN_NO_MASK

ADD = f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"Flag lead"}}}}' --confirm-write"""


def _store_events(ref) -> int:
    with ref.approvals() as approvals:
        return len(approvals.audit.events())


# -- --no-idempotency -------------------------------------------------------------------------------------------


def test_a_repeated_write_replays_by_default(ref):
    before = ref.emu.count("lead")
    assert ref(ADD).code == 0 and ref(ADD).code == 0
    assert ref.emu.count("lead") == before + 1


def test_no_idempotency_writes_again_on_repeat_and_says_so(ref):
    before = ref.emu.count("lead")
    first, second = ref(ADD, "--no-idempotency"), ref(ADD, "--no-idempotency")
    assert first.code == second.code == 0, (first.stderr, second.stderr)
    assert ref.emu.count("lead") == before + 2
    assert first.json["result"] != second.json["result"]
    assert WARN_NO_IDEMPOTENCY in first.stderr and WARN_NO_IDEMPOTENCY in second.stderr
    assert [r["status"] for r in ref.audit_rows()] == ["ok", "ok"]


def test_no_idempotency_leaves_later_keyed_writes_protected(ref):
    before = ref.emu.count("lead")
    ref(ADD, "--no-idempotency")
    assert ref(ADD).code == 0 and ref(ADD).code == 0  # without the flag: one more write, then a replay
    assert ref.emu.count("lead") == before + 2


def test_no_idempotency_with_an_explicit_key_is_refused(ref):
    before = ref.emu.count("lead")
    r = ref(ADD, "--no-idempotency", "--idempotency-key", "k-1")
    assert r.code == 2 and "contradict" in r.stderr
    assert ref.emu.count("lead") == before


# -- --no-audit / --audit-file ----------------------------------------------------------------------------------


def test_no_audit_leaves_no_record_anywhere_and_says_so(ref):
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    rows, events = ref.audit_rows(), _store_events(ref)
    for line in (ADD, f"{CLIENT} user.current --params '{{}}'"):
        r = ref(line, "--no-audit")
        assert r.code == 0, r.stderr
        assert WARN_NO_AUDIT in r.stderr
    assert ref.audit_rows() == rows
    assert _store_events(ref) == events


def test_audit_file_selects_where_the_jsonl_goes(ref, tmp_path):
    target = tmp_path / "elsewhere" / "audit.jsonl"
    r = ref(f"{CLIENT} user.current --params '{{}}'", "--audit-file", str(target))
    assert r.code == 0, r.stderr
    [row] = ref.audit_rows(target)
    assert set(REFERENCE_AUDIT_FIELDS) <= set(row)
    assert not ref.audit_file.exists()


def test_an_empty_audit_file_turns_off_only_the_jsonl(ref):
    r = ref(f"{CLIENT} user.current --params '{{}}'", "--audit-file", "")
    assert r.code == 0 and not ref.audit_file.exists()
    assert _store_events(ref) == 1  # the audit store still has the read
    ref.env["B24_AUDIT_FILE"] = ""  # the reference's way to disable its file
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    assert not ref.audit_file.exists()


# -- --mask-secrets / --no-mask-secrets -------------------------------------------------------------------------


def test_no_mask_secrets_prints_what_masking_hides_and_says_so(ref):
    code = ref.emu.config.webhook_code
    ref.emu.client().call("crm.lead.update", {"id": 1, "fields": {"COMMENTS": f"hook {code}"}})
    get = f"""{CLIENT} crm.lead.get --params '{{"id":1}}'"""
    masked, explicit = ref(get), ref(get, "--mask-secrets")
    assert masked.json["result"]["COMMENTS"] == explicit.json["result"]["COMMENTS"] == "hook ***"
    assert WARN_NO_MASK not in masked.stderr
    plain = ref(get, "--no-mask-secrets")
    assert plain.code == 0 and plain.json["result"]["COMMENTS"] == f"hook {code}"
    assert WARN_NO_MASK in plain.stderr
    assert code not in ref.audit_file.read_text()  # the audit stays masked


# -- --plan-file / --idempotency-file / --plan-ttl-sec / --idempotency-ttl-sec ---------------------------------


def test_plan_file_selects_where_plans_are_kept(ref, tmp_path):
    store = tmp_path / "plans" / "b24_plans.sqlite"
    planned = ref(
        f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"P"}}}}' --plan-only""",
        "--plan-file",
        str(store),
    )
    assert planned.code == 0, planned.stderr
    plan_id = planned.json["plan"]["plan_id"]
    assert store.exists() and not (ref.home / ".runtime" / "b24.sqlite").exists()
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM store").fetchone()[0] > 0
    elsewhere = ref(f"{CLIENT} --execute-plan {plan_id} --confirm-write")
    assert elsewhere.code == 3 and "not found" in elsewhere.stderr
    ref.env["B24_PLAN_FILE"] = str(store)  # the reference's variable selects the same store
    done = ref(f"{CLIENT} --execute-plan {plan_id} --confirm-write")
    assert done.code == 0, done.stderr


def test_idempotency_file_keeps_the_ledger_there(ref, tmp_path):
    store = tmp_path / "keys.sqlite"
    before = ref.emu.count("lead")
    assert ref(ADD, "--idempotency-file", str(store)).code == 0
    assert ref(ADD, "--idempotency-file", str(store)).json["status"] == "replayed"
    assert ref.emu.count("lead") == before + 1
    assert ref(ADD).code == 0  # another ledger: it does not know the key
    assert ref.emu.count("lead") == before + 2


def test_plan_and_idempotency_files_must_agree(ref, tmp_path):
    r = ref(ADD, "--plan-file", str(tmp_path / "a.sqlite"), "--idempotency-file", str(tmp_path / "b.sqlite"))
    assert r.code == 2 and "one database" in r.stderr


def test_a_reference_json_state_file_is_refused_not_overwritten(ref):
    old = ref.home / ".runtime" / "bitrix24_plans.json"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text('{"plans": {}}')
    ref.env["B24_PLAN_FILE"] = str(old)
    r = ref(ADD)
    assert r.code == 2 and "not an SQLite database" in r.stderr and "B24_PLAN_FILE" in r.stderr
    assert old.read_text() == '{"plans": {}}'


def test_plan_ttl_sec_sets_how_long_a_plan_waits(ref):
    r = ref(
        f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"T"}}}}' --plan-only --plan-ttl-sec 600"""
    )
    plan = r.json["plan"]
    assert plan["expires_at"] - plan["created_at"] in (599, 600, 601)
    ref.env["B24_PLAN_TTL_SEC"] = "1800"
    plan = ref(f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"U"}}}}' --plan-only""").json["plan"]
    assert plan["expires_at"] - plan["created_at"] in (1799, 1800, 1801)
    short = ref(
        f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"V"}}}}' --plan-only --plan-ttl-sec 5"""
    )
    assert short.code == 2 and "at least 60" in short.stderr


def test_idempotency_ttl_sec_sets_how_long_a_result_replays(ref):
    r = ref(ADD, "--idempotency-key", "ttl-1", "--idempotency-ttl-sec", "120")
    assert r.code == 0, r.stderr
    with ref.approvals() as approvals:
        [record] = [
            item.value for item in approvals.store.search(("b24", "ledger"), limit=100) if "ttl-1" in item.key
        ]
    assert round(record["expires_at"] - record["completed_at"]) == 120


# -- --rest-v3, --auto-refresh, --raw ---------------------------------------------------------------------------


def test_rest_v3_calls_the_rest_api_path_and_is_audited(ref):
    r = ref(f"""{CLIENT} tasks.task.list --params '{{"select":["id","title"]}}'""", "--rest-v3")
    assert r.code == 0, r.stderr
    assert "items" in r.json["result"]  # the REST 3.0 answer (/rest/api/tasks.task.list)
    [row] = ref.audit_rows()
    assert row["rest_v3"] is True
    plain = ref(f"""{CLIENT} tasks.task.list --params '{{"select":["ID","TITLE"]}}'""")
    assert ref.audit_rows()[-1]["rest_v3"] is False and plain.code == 0
    assert "tasks" in plain.json["result"]  # REST 2 (/rest/…/tasks.task.list)


def test_auto_refresh_renews_an_expired_oauth_token(ref):
    client_id, secret = ref.emu.oauth.register_app(scopes={"crm", "user"})
    tokens = ref.emu.oauth.issue_tokens(client_id)
    oauth = {
        "B24_AUTH_MODE": "oauth",
        "B24_ACCESS_TOKEN": tokens["access_token"],
        "B24_REFRESH_TOKEN": tokens["refresh_token"],
        "B24_CLIENT_ID": client_id,
        "B24_CLIENT_SECRET": secret,
        "B24_OAUTH_SERVER": ref.url,
        "B24_TOKEN_FILE": str(ref.home / ".runtime" / "tokens.json"),
        "B24_WEBHOOK_USER_ID": None,
        "B24_WEBHOOK_CODE": None,
    }
    ref.emu.oauth.expire_all()
    r = ref(f"{CLIENT} user.current --params '{{}}'", "--auto-refresh", env=oauth)
    assert r.code == 0, r.stderr
    assert r.json["result"]["ID"]


def test_auto_refresh_names_what_it_needs(ref):
    oauth = {"B24_AUTH_MODE": "oauth", "B24_ACCESS_TOKEN": "t0k3n", "B24_REFRESH_TOKEN": None}
    r = ref(f"{CLIENT} user.current --params '{{}}'", "--auto-refresh", env=oauth)
    assert r.code == 2 and "B24_REFRESH_TOKEN" in r.stderr and "B24_CLIENT_ID" in r.stderr


def test_auto_refresh_on_a_webhook_is_a_note_not_an_error(ref):
    r = ref(f"{CLIENT} user.current --params '{{}}'", "--auto-refresh")
    assert r.code == 0 and "applies to OAuth" in r.stderr


def test_raw_prints_the_portal_envelope_unchanged(ref):
    with ref.emu.http() as http:
        url = f"/rest/{ref.emu.config.user_id}/{ref.emu.config.webhook_code}/crm.lead.list.json"
        direct = http.post(url, json={"select": ["ID", "TITLE"], "start": 0}).json()
    r = ref(f"""{CLIENT} crm.lead.list --params '{{"select":["ID","TITLE"],"start":0}}'""", "--raw")
    assert r.code == 0, r.stderr
    body = r.json
    assert set(body) == set(direct) and {"result", "total", "time"} <= set(body)
    assert body["result"] == direct["result"] and body["total"] == direct["total"]
    assert set(body["time"]) == set(direct["time"])
    page = ref(f"""{CLIENT} crm.lead.list --params '{{"select":["ID"],"start":0}}'""", "--raw")
    assert page.json.get("next") is None  # five leads: one page, no `next`, as the portal says


def test_raw_of_a_write_prints_its_result(ref):
    r = ref(ADD, "--raw")
    assert r.code == 0, r.stderr
    assert set(r.json) == {"result"} and int(r.json["result"]) > 0


def test_list_packs_table_shows_patterns(ref):
    r = ref(f"{CLIENT} --list-packs", "--json")
    assert r.json["available_packs"]["comms"][0] == "im.*"
    assert json.dumps(r.json["available_packs"]["diagnostics"]).count("method.get") == 1


@pytest.mark.parametrize(
    "flag",
    ["--rest-v3", "--auto-refresh", "--mask-secrets", "--no-mask-secrets", "--no-audit", "--no-idempotency"],
)
def test_every_boolean_flag_of_the_reference_is_known(ref, flag):
    r = ref(f"{CLIENT} user.current --params '{{}}'", flag)
    assert "No such option" not in r.stderr and r.code == 0, r.stderr
