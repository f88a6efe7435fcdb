"""`b24 packs`, `diag`, `export`, `bulk` against the in-process emulator."""

from __future__ import annotations

import csv
import json


def test_packs_lists_the_twelve_packs_with_risk_counts(b24):
    r = b24("packs", "--json")
    assert r.code == 0
    packs = {p["pack"]: p for p in r.json["packs"]}
    assert len(packs) == 12
    assert packs["core"]["selected"] is True
    assert (
        packs["core"]["methods"]
        == packs["core"]["read"] + packs["core"]["write"] + packs["core"]["destructive"]
    )


def test_diag_reports_what_can_and_cannot_be_called_and_why(b24):
    r = b24("diag", "--pack", "diagnostics", "--json")
    assert r.code == 0, r.stderr
    body = r.json
    assert body["packs"] == ["diagnostics"]
    rows = {m["method"]: m for m in body["methods"]}
    assert rows["method.get"]["available"] is True and rows["method.get"]["why"] == "ok"
    assert set(body["features"]) == {"rest_offline_extended", "rest_auth_connector"}
    assert body["callable"] + body["not_callable"] == len(rows)


def test_diag_for_chosen_methods_explains_missing_ones(b24):
    r = b24("diag", "--method", "crm.lead.add", "--method", "user.current", "--json")
    assert r.code == 0, r.stderr
    rows = {m["method"]: m for m in r.json["methods"]}
    assert rows["crm.lead.add"]["available"] is True
    assert b24("diag", "--method", "no.such.method").code == 2


def test_diag_refuses_an_unknown_pack(b24):
    assert b24("diag", "--pack", "spaceship").code == 2


def test_export_writes_jsonl_and_resumes(b24, tmp_path):
    out = tmp_path / "deals.jsonl"
    r = b24("export", "deal", "--out", str(out), "--json")
    assert r.code == 0, r.stderr
    n = b24.emu.count("deal")
    assert r.json["written"] == n
    ids = [int(json.loads(x)["ID"]) for x in out.read_text().splitlines()]
    assert ids == sorted(ids) and len(ids) == n
    # drop the last three lines as if the export had been interrupted, then resume
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:-3]))
    r = b24("export", "deal", "--out", str(out), "--resume", "--json")
    assert r.json["written"] == 3 and r.json["total_in_file"] == n
    assert [int(json.loads(x)["ID"]) for x in out.read_text().splitlines()] == ids


def test_export_csv_with_filter_and_select(b24, tmp_path):
    out = tmp_path / "leads.csv"
    r = b24(
        "export", "lead", "--filter", '{">ID": 5}', "--select", "TITLE,STATUS_ID", "--out", str(out), "--json"
    )
    assert r.code == 0, r.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["ID", "TITLE", "STATUS_ID"]
    assert all(int(r[0]) > 5 for r in rows[1:])
    assert len(rows) - 1 == b24.emu.count("lead") - 5


def test_export_refuses_bad_input_before_any_call(b24, tmp_path):
    assert b24("export", "deal", "--out", str(tmp_path / "x.xlsx")).code == 2
    assert b24("export", "spaceship", "--out", str(tmp_path / "x.jsonl")).code == 2
    assert b24("export", "deal", "--filter", "{bad", "--out", str(tmp_path / "x.jsonl")).code == 2
    assert not (tmp_path / "x.jsonl").exists()


def test_bulk_update_is_one_reviewable_plan_and_runs_once_after_approval(b24, tmp_path):
    src = tmp_path / "cleanup.jsonl"
    src.write_text("".join(json.dumps({"ID": i, "COMMENTS": f"cleanup {i}"}) + "\n" for i in range(1, 8)))
    r = b24("bulk", "update", "deal", "--from", str(src), "--json")
    assert r.code == 5, r.stderr
    plan_id = r.json["plan_id"]
    assert r.json["records"] == 7
    # re-submitting the same file finds the same plan, never a second one
    again = b24("bulk", "update", "deal", "--from", str(src), "--json")
    assert again.json["plan_id"] == plan_id
    with b24.approvals() as approvals:
        assert [p.plan_id for p in approvals.list_pending()] == [plan_id]
        res = approvals.approve(plan_id, reviewer="tester")
        assert res.status == "executed", res.error
    deals = {int(d["ID"]): d for d in b24.emu.records("deal")}
    assert all(deals[i]["COMMENTS"] == f"cleanup {i}" for i in range(1, 8))


def test_bulk_add_from_csv(b24, tmp_path):
    src = tmp_path / "new.csv"
    with src.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["TITLE", "NAME"])
        w.writerows([["Imported 1", "A"], ["Imported 2", "B"]])
    before = b24.emu.count("lead")
    r = b24("bulk", "add", "lead", "--from", str(src), "--json")
    assert r.code == 5
    with b24.approvals() as approvals:
        assert approvals.approve(r.json["plan_id"], reviewer="tester").status == "executed"
    assert b24.emu.count("lead") == before + 2
    # running the same file again (e.g. after a crash mid-way) replays per-record keys: no duplicates
    again = b24("bulk", "add", "lead", "--from", str(src), "--json")
    with b24.approvals() as approvals:
        approvals.approve(again.json["plan_id"], reviewer="tester")
    assert b24.emu.count("lead") == before + 2


def test_bulk_refuses_bad_input(b24, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"COMMENTS": "no id"}\n')
    assert b24("bulk", "update", "deal", "--from", str(src)).code == 2
    assert b24("bulk", "merge", "deal", "--from", str(src)).code == 2
    assert b24("bulk", "update", "spaceship", "--from", str(src)).code == 2
    assert b24("bulk", "update", "deal", "--from", str(tmp_path / "missing.jsonl")).code == 2
    src.write_text("{not json\n")
    r = b24("bulk", "update", "deal", "--from", str(src))
    assert r.code == 2 and "line 1" in r.stderr
    assert not (b24.state / "b24.sqlite").exists()


def test_export_on_a_terminal_shows_a_progress_bar(b24, tmp_path, monkeypatch):
    from b24_tools.cli import _export as _cli_export

    monkeypatch.setattr(_cli_export, "want_json", lambda force: False)
    out = tmp_path / "deals.jsonl"
    r = b24("export", "deal", "--out", str(out))
    assert r.code == 0, r.stderr
    assert "export deal" in r.stdout and "rec/s" in r.stdout
    assert f"wrote {b24.emu.count('deal')} records" in r.stdout


def test_bulk_with_confirm_write_runs_at_once_and_require_plan_refuses_that(b24, tmp_path):
    src = tmp_path / "now.jsonl"
    src.write_text("".join(json.dumps({"ID": i, "COMMENTS": f"now {i}"}) + "\n" for i in (2, 3)))
    r = b24(
        "bulk",
        "update",
        "deal",
        "--from",
        str(src),
        "--confirm-write",
        "--json",
        env={"B24_REQUIRE_PLAN": "1"},
    )
    assert r.code == 3
    with b24.approvals() as approvals:
        assert approvals.list_pending() == []
    r = b24("bulk", "update", "deal", "--from", str(src), "--confirm-write", "--json")
    assert r.code == 0, r.stderr
    assert r.json["status"] == "executed"
    deals = {int(d["ID"]): d.get("COMMENTS") for d in b24.emu.records("deal")}
    assert (deals[2], deals[3]) == ("now 2", "now 3")
