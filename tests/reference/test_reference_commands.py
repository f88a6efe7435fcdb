"""Every command line of the reference's README and skill files, with only the command name changed, against a
served emulator: exit code and output shape as its users' scripts read them.

Sources: the reference's README.md ("Safer execution mode", "Quick start", "Pack-enabled CLI usage",
"Practical API examples", "If the skill does not cover a Bitrix24 function") and SKILL.md ("Quick Start",
"Execution Flow"); its references/packs.md ("Runtime usage").
"""

from __future__ import annotations

import re

from reference_helpers import CLIENT, REFERENCE_AUDIT_FIELDS, WORKER

from b24_tools import B24Client, OAuthAuth

# The reference's PACK_METHOD_ALLOWLIST (scripts/bitrix24_client.py): what `--list-packs` prints there.
REFERENCE_PACKS = {
    "core": ["batch", "user.*", "department.*", "crm.*", "tasks.task.*", "task.*", "event.*"],
    "comms": [
        "im.*",
        "imbot.*",
        "imopenlines.*",
        "imconnector.*",
        "messageservice.*",
        "mailservice.*",
        "telephony.*",
    ],
    "automation": ["bizproc.*", "crm.automation.*", "lists.*"],
    "collab": ["sonet_group.*", "socialnetwork.*", "log.*", "calendar.*", "vote.*"],
    "content": ["disk.*", "file.*", "files.*", "documentgenerator.*"],
    "boards": ["tasks.api.scrum.*", "tasks.scrum.*"],
    "commerce": ["sale.*", "catalog.*"],
    "services": ["booking.*", "calendar.*", "timeman.*"],
    "platform": ["entity.*", "biconnector.*", "ai.*"],
    "sites": ["landing.*"],
    "compliance": ["userconsent.*", "sign.*"],
    "diagnostics": ["method.get", "methods", "events", "feature.get", "scope", "server.time"],
}


def _chat1(ref):
    """The README's DIALOG_ID "chat1": a chat with id 1 must exist on the portal (a seeded one has "General")."""
    if not any(int(c["ID"]) == 1 for c in ref.emu.records("im_chat")):
        chat_id = ref.emu.client().call("im.chat.add", {"TITLE": "Campaign", "USERS": [1]}).result
        assert str(chat_id) == "1"


def _read_ok(r):
    assert r.code == 0, r.stderr
    body = r.json
    assert isinstance(body, dict) and "result" in body
    return body


def _audit_is_reference_shaped(ref, statuses=("ok", "error", "idempotent_replay")):
    rows = ref.audit_rows()
    assert rows, "the call left no line in the reference's audit file"
    for row in rows:
        for name, kind in REFERENCE_AUDIT_FIELDS.items():
            assert isinstance(row[name], kind), (name, row[name])
        assert row["status"] in statuses
        assert re.fullmatch(r"[0-9a-f]{12}", row["request_id"])
        assert row["tenant"] == ref.url.split("://", 1)[1]
        assert row["param_keys"] == sorted(row["param_keys"])
    return rows


# -- README "Quick start" smoke tests; SKILL.md "Read probe" ---------------------------------------------------


def test_read_probe_user_current(ref):
    body = _read_ok(ref(f"{CLIENT} user.current --params '{{}}'"))
    assert body["result"]["ID"] == str(ref.emu.config.user_id)
    assert isinstance(body["time"], dict) and "start" in body["time"]
    [row] = _audit_is_reference_shaped(ref)
    assert (row["method"], row["risk"], row["status"], row["packs"]) == (
        "user.current",
        "read",
        "ok",
        ["core"],
    )


def test_lead_list_smoke_test(ref):
    body = _read_ok(ref(f"""{CLIENT} crm.lead.list --params '{{"select":["ID","TITLE"],"start":0}}'"""))
    assert len(body["result"]) == 5 and set(body["result"][0]) == {"ID", "TITLE"}
    assert body["total"] == 5
    [row] = _audit_is_reference_shaped(ref)
    assert row["param_keys"] == ["select", "start"]


# -- README "Safer execution mode" / SKILL.md "Quick Start": plan, then execute ---------------------------------


def test_two_phase_write_plan_only_then_execute_plan(ref):
    before = ref.emu.count("lead")
    planned = ref(
        f"""{CLIENT} crm.lead.add \\
  --params '{{"fields":{{"TITLE":"Plan demo"}}}}' \\
  --packs core \\
  --plan-only"""
    )
    assert planned.code == 0, planned.stderr
    plan = planned.json["plan"]
    assert (plan["method"], plan["risk"], plan["packs"], plan["executed"]) == (
        "crm.lead.add",
        "write",
        ["core"],
        False,
    )
    assert plan["allowlisted"] is True and plan["tenant"] == ref.url.split("://", 1)[1]
    assert plan["expires_at"] > plan["created_at"]
    assert planned.json["next"]["execute_command"].endswith(
        f"--execute-plan {plan['plan_id']} --confirm-write"
    )
    assert ref.emu.count("lead") == before  # nothing sent

    done = ref(f"""{CLIENT} \\
  --execute-plan {plan["plan_id"]} \\
  --confirm-write""")
    assert done.code == 0, done.stderr
    assert ref.emu.count("lead") == before + 1
    new_id = done.json["result"]
    assert ref.emu.client().call("crm.lead.get", {"id": new_id}).result["TITLE"] == "Plan demo"
    [row] = _audit_is_reference_shaped(ref)
    assert (row["status"], row["plan_id"], row["method"]) == ("ok", plan["plan_id"], "crm.lead.add")


def test_require_plan_variable_sends_writes_through_plans(ref):
    ref.env["B24_REQUIRE_PLAN"] = "1"  # README: export B24_REQUIRE_PLAN="1"
    before = ref.emu.count("lead")
    direct = ref(f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"Direct"}}}}' --confirm-write""")
    assert direct.code == 5 and "B24_REQUIRE_PLAN" in direct.stderr  # waits for review instead of writing
    assert ref.emu.count("lead") == before
    plan_id = direct.json["plan_id"]
    done = ref(f"{CLIENT} --execute-plan {plan_id} --confirm-write")
    assert done.code == 0 and ref.emu.count("lead") == before + 1


def test_idempotent_write_replays_instead_of_writing_twice(ref):
    line = f"""{CLIENT} crm.lead.add \\
  --params '{{"fields":{{"TITLE":"Idempotent lead"}}}}' \\
  --confirm-write \\
  --idempotency-key "lead-source-123\""""
    before = ref.emu.count("lead")
    first = ref(line)
    second = ref(line)
    assert first.code == second.code == 0, (first.stderr, second.stderr)
    assert first.json["result"] == second.json["result"]
    assert ref.emu.count("lead") == before + 1
    rows = _audit_is_reference_shaped(ref)
    assert [r["status"] for r in rows] == ["ok", "idempotent_replay"]
    assert rows[1]["idempotent_replay"] is True and rows[0]["idempotent_replay"] is False
    assert rows[0]["idempotency_key"] == rows[1]["idempotency_key"] != ""


# -- README "Pack-enabled CLI usage", references/packs.md "Runtime usage" ---------------------------------------


def test_list_packs_prints_the_reference_pack_patterns(ref):
    r = ref(f"{CLIENT} user.current --params '{{}}' --list-packs")
    assert r.code == 0, r.stderr
    body = r.json
    assert body["default_packs"] == ["core"] and body["selected_packs"] == ["core"]
    for pack, patterns in REFERENCE_PACKS.items():
        assert set(patterns) <= set(body["available_packs"][pack]), pack
        assert body["pack_methods"][pack], pack  # and the catalog's methods of each pack
    assert "crm.lead.add" in body["pack_methods"]["core"]


def test_packs_md_global_packs_example(ref):
    ref.env["B24_PACKS"] = "core,commerce"  # references/packs.md: B24_PACKS="core,commerce"
    r = ref(f"{CLIENT} crm.lead.list --params '{{}}' --list-packs")
    assert r.json["selected_packs"] == ["core", "commerce"]
    _read_ok(ref(f"{CLIENT} crm.lead.list --params '{{}}'"))


def test_packs_for_one_call(ref):
    _chat1(ref)
    line = f"""{CLIENT} im.message.add \\
  --params '{{"DIALOG_ID":"chat1","MESSAGE":"hello"}}' \\
  --packs core,comms \\
  --confirm-write"""
    r = ref(line)
    assert r.code == 0, r.stderr
    assert r.json["status"] == "executed" and r.json["result"]
    without = ref(
        f"""{CLIENT} im.message.add --params '{{"DIALOG_ID":"chat1","MESSAGE":"hello"}}' --confirm-write"""
    )
    assert without.code == 3 and "outside the enabled packs" in without.stderr


def test_packs_from_the_environment(ref):
    ref.env["B24_PACKS"] = "core,comms"  # README: export B24_PACKS="core,comms"
    _chat1(ref)
    r = ref(f"""{CLIENT} im.message.add --params '{{"DIALOG_ID":"chat1","MESSAGE":"hi"}}' --confirm-write""")
    assert r.code == 0, r.stderr


def test_packs_none_with_an_explicit_allowlist(ref):
    body = _read_ok(ref(f"{CLIENT} user.current --params '{{}}' --packs none --method-allowlist 'user.*'"))
    assert body["result"]["ID"]
    refused = ref(f"{CLIENT} crm.lead.list --params '{{}}' --packs none --method-allowlist 'user.*'")
    assert refused.code == 3


def test_diagnostics_pack_example(ref):
    line = f"""{CLIENT} method.get \\
  --params '{{"name":"crm.lead.add"}}' \\
  --packs core,diagnostics"""
    body = _read_ok(ref(line))
    assert body["result"] == {"isExisting": True, "isAvailable": True}


# -- README "Practical API examples" ----------------------------------------------------------------------------


def test_create_lead(ref):
    r = ref(f"""{CLIENT} crm.lead.add \\
  --params '{{"fields":{{"TITLE":"Skill Demo Lead","NAME":"Agent"}}}}' \\
  --confirm-write""")
    assert r.code == 0, r.stderr
    lead = ref.emu.client().call("crm.lead.get", {"id": r.json["result"]}).result
    assert (lead["TITLE"], lead["NAME"]) == ("Skill Demo Lead", "Agent")


def test_update_lead(ref):
    r = ref(f"""{CLIENT} crm.lead.update \\
  --params '{{"id":1,"fields":{{"COMMENTS":"Updated by agent"}}}}' \\
  --confirm-write""")
    assert r.code == 0, r.stderr
    assert r.json["result"] is True
    assert ref.emu.client().call("crm.lead.get", {"id": 1}).result["COMMENTS"] == "Updated by agent"


def test_batch_call(ref):
    r = ref(f"""{CLIENT} batch --params '{{
  "halt":0,
  "cmd":{{
    "lead_list":"crm.lead.list?select[0]=ID&select[1]=TITLE",
    "user":"user.current"
  }}
}}' --confirm-write""")
    assert r.code == 0, r.stderr
    result = r.json["result"]
    assert len(result["result"]["lead_list"]) == 5 and result["result"]["user"]["ID"]


def test_batch_call_raw_is_the_portal_envelope(ref):
    r = ref(f"""{CLIENT} batch --params '{{"halt":0,"cmd":{{"user":"user.current"}}}}' --raw""")
    assert r.code == 0, r.stderr
    body = r.json
    assert set(body) <= {"result", "total", "next", "time"} and "time" in body
    assert set(body["result"]) >= {"result", "result_error", "result_total", "result_next", "result_time"}


def test_unlisted_method_in_controlled_mode(ref):
    # README "If the skill does not cover a Bitrix24 function": <method> outside the enabled packs
    _chat1(ref)
    line = f"""{CLIENT} im.message.add \\
  --params '{{"DIALOG_ID":"chat1","MESSAGE":"controlled"}}' \\
  --allow-unlisted \\
  --confirm-write"""
    r = ref(line)
    assert r.code == 0, r.stderr
    [row] = _audit_is_reference_shaped(ref)
    assert row["allowlisted"] is False and row["method"] == "im.message.add"


def test_command_template_of_the_skill(ref):
    # SKILL.md "Execution Flow": <method> --params '<json>' --packs core
    _read_ok(
        ref(f"""{CLIENT} crm.deal.list \\
  --params '{{"select":["ID"]}}' \\
  --packs core""")
    )


# -- README "Offline events worker" -----------------------------------------------------------------------------


def test_offline_events_worker_once(ref):
    client_id, secret = ref.emu.oauth.register_app(scopes={"crm", "user"})
    tokens = ref.emu.oauth.issue_tokens(client_id)
    oauth = {  # README "OAuth example" names; offline events need application context
        "B24_AUTH_MODE": "oauth",
        "B24_ACCESS_TOKEN": tokens["access_token"],
        "B24_REFRESH_TOKEN": tokens["refresh_token"],
        "B24_CLIENT_ID": client_id,
        "B24_CLIENT_SECRET": secret,
        "B24_WEBHOOK_USER_ID": None,
        "B24_WEBHOOK_CODE": None,
    }
    with B24Client(ref.url, auth=OAuthAuth(tokens["access_token"]), transport=ref.emu.transport()) as app:
        app.call("event.bind", {"event": "ONCRMLEADADD", "event_type": "offline"})
    ref.emu.client().call("crm.lead.add", {"fields": {"TITLE": "offline"}})
    r = ref(f"{WORKER} --once", env=oauth)
    assert r.code == 0, r.stderr
    assert "Processed batch size: 1" in r.stderr  # stdout carries JSON when piped
    assert r.json["fetched"] == 1 and len(r.json["cleared"]) == 1


# -- README "Quick start" 1: cp .env.example .env (the reference's `export KEY="value"` lines) -----------------


def test_a_reference_env_file_is_read(ref):
    env_lines = [
        f'export B24_DOMAIN="{ref.url}"',
        'export B24_AUTH_MODE="webhook"',
        f'export B24_WEBHOOK_USER_ID="{ref.emu.config.user_id}"',
        f'export B24_WEBHOOK_CODE="{ref.emu.config.webhook_code}"',
        '# export B24_PACKS="core"',
        'export B24_RATE_LIMITER="file"',
        'export B24_RATE_LIMITER_RATE="2.0"',
        'export B24_RATE_LIMITER_BURST="10"',
    ]
    (ref.home / ".env").write_text("\n".join(env_lines) + "\n")
    for name in ("B24_DOMAIN", "B24_AUTH_MODE", "B24_WEBHOOK_USER_ID", "B24_WEBHOOK_CODE"):
        ref.env[name] = None
    _read_ok(ref(f"{CLIENT} user.current --params '{{}}'"))
