"""Automation pack: business processes, universal lists, CRM automation triggers.

Docs: api-reference/bizproc/bizproc-workflow-{start,instances,terminate}.md,
api-reference/bizproc/template/bizproc-workflow-template-list.md, api-reference/bizproc/bizproc-task/bizproc-task-list.md,
api-reference/bizproc/bizproc-robot/bizproc-robot-list.md, api-reference/lists/elements/lists-element-{add,get}.md,
api-reference/crm/automation/triggers/crm-automation-trigger-execute.md.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

from .._crm import crm_exists
from .._errors import ApiError
from .._paging import page_rows, parse_start
from .._registry import Answer, Ctx, Registry
from .._schema import render_legacy_value

__all__ = ["register", "TEMPLATES"]

TEMPLATES = [
    {"ID": "1", "MODULE_ID": "crm", "ENTITY": "CCrmDocumentDeal", "DOCUMENT_TYPE": ["crm", "CCrmDocumentDeal", "DEAL"],
     "AUTO_EXECUTE": "0", "NAME": "Deal approval", "TEMPLATE": [], "PARAMETERS": [], "VARIABLES": [],
     "CONSTANTS": [], "MODIFIED": "2026-01-05T09:00:00+00:00", "IS_MODIFIED": "N", "USER_ID": "1",
     "SYSTEM_CODE": None},
    {"ID": "2", "MODULE_ID": "crm", "ENTITY": "CCrmDocumentLead", "DOCUMENT_TYPE": ["crm", "CCrmDocumentLead", "LEAD"],
     "AUTO_EXECUTE": "1", "NAME": "Lead qualification", "TEMPLATE": [], "PARAMETERS": [], "VARIABLES": [],
     "CONSTANTS": [], "MODIFIED": "2026-01-05T09:00:00+00:00", "IS_MODIFIED": "N", "USER_ID": "1",
     "SYSTEM_CODE": None},
]  # fmt: skip
_DOC_ENTITIES = {"CCrmDocumentDeal": ("deal", "DEAL_"), "CCrmDocumentLead": ("lead", "LEAD_"),
                 "CCrmDocumentContact": ("contact", "CONTACT_"), "CCrmDocumentCompany": ("company", "COMPANY_")}  # fmt: skip


def template_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    flt = params.get("filter") or params.get("FILTER") or {}
    select = (
        params.get("select") or params.get("SELECT") or ["ID", "NAME", "MODULE_ID", "ENTITY", "DOCUMENT_TYPE"]
    )
    wanted = {str(s).upper() for s in select}
    out = []
    for t in _templates(ctx):
        if isinstance(flt, dict) and any(str(t.get(str(k).upper())) != str(v) for k, v in flt.items()):
            continue
        out.append({k: v for k, v in t.items() if k in wanted or k == "ID"})
    return out


def workflow_start(ctx: Ctx, params: dict[str, Any]) -> Any:
    template_id = params.get("TEMPLATE_ID")
    if not template_id:
        raise ApiError("ERROR_WRONG_WORKFLOW_ID", "Empty TEMPLATE_ID", 400)
    template = next((t for t in TEMPLATES if t["ID"] == str(template_id)), None)
    if template is None:
        raise ApiError("ERROR_WRONG_WORKFLOW_ID", "Template not found", 400)
    doc = params.get("DOCUMENT_ID")
    if not isinstance(doc, list) or len(doc) != 3:
        raise ApiError("", "Wrong DOCUMENT_ID!", 400)
    entity = _DOC_ENTITIES.get(str(doc[1]))
    if entity is None:
        raise ApiError("", "Incorrect document type!", 400)
    if str(doc[1]) != template["ENTITY"]:
        raise ApiError("", "Template type and DOCUMENT_ID mismatch!", 400)
    kind, prefix = entity
    raw_id = str(doc[2])
    if not raw_id.startswith(prefix) or not crm_exists(ctx, kind, raw_id[len(prefix) :]):
        raise ApiError("", "Wrong DOCUMENT_ID!", 400)
    n = ctx.portal.store.next_seq("workflow")
    wid = f"{0x66E81A641752F8 + n:x}.{56521481 + n}"
    ctx.portal.store.insert("bizproc_workflow", {
        "ID": wid, "DOCUMENT_ID": raw_id, "ENTITY": template["ENTITY"], "MODULE_ID": "crm",
        "STARTED": ctx.portal.clock.iso(), "OWNED_UNTIL": None, "TEMPLATE_ID": str(template_id),
        "STARTED_BY": str(ctx.user_id), "PARAMETERS": params.get("PARAMETERS") or {},
    })  # fmt: skip
    if template["ID"] == "1":  # the approval template leaves a task for the user
        ctx.portal.store.insert("bizproc_task", {
            "ENTITY": template["ENTITY"], "DOCUMENT_ID": raw_id, "WORKFLOW_ID": wid, "DOCUMENT_NAME": raw_id,
            "DESCRIPTION": "", "NAME": "Approve the deal", "MODIFIED": ctx.portal.clock.iso(),
            "WORKFLOW_STARTED": ctx.portal.clock.iso(), "WORKFLOW_STARTED_BY": str(ctx.user_id),
            "OVERDUE_DATE": None, "WORKFLOW_TEMPLATE_ID": "1", "WORKFLOW_TEMPLATE_NAME": template["NAME"],
            "WORKFLOW_STATE": "In progress", "STATUS": "0", "USER_ID": str(ctx.user_id), "USER_STATUS": "0",
            "MODULE_ID": "crm", "ACTIVITY": "ApproveActivity",
        })  # fmt: skip
    return wid


def _rows(ctx: Ctx, table: str, params: dict[str, Any]) -> Answer:
    flt = params.get("filter") or params.get("FILTER") or {}
    start = parse_start(params)
    rows, total, nxt, cost = page_rows(ctx, table, "", [], "id ASC", start)
    out = []
    for i, d in rows:
        row = {k: render_legacy_value(v) for k, v in d.items() if k != "PARAMETERS"}
        row.setdefault("ID", str(i))
        if isinstance(flt, dict) and any(str(row.get(str(k).upper())) != str(v) for k, v in flt.items()):
            continue
        out.append(row)
    return Answer(out, total=len(out) if total is not None else 0, next=nxt, records=len(out), cost=cost)


def workflow_instances(ctx: Ctx, params: dict[str, Any]) -> Any:
    return _rows(ctx, "bizproc_workflow", params)


def workflow_terminate(ctx: Ctx, params: dict[str, Any]) -> Any:
    wid = params.get("ID")
    if not wid:
        raise ApiError("ERROR_WRONG_WORKFLOW_ID", "Empty workflow instance ID", 400)
    store = ctx.portal.store
    rows = store.select("bizproc_workflow", "json_extract(data,'$.ID') = ?", [str(wid)])
    if not rows:
        raise ApiError("ERROR_WRONG_WORKFLOW_ID", "Workflow instance not found", 400)
    store.delete("bizproc_workflow", rows[0][0])
    for i, _ in store.select("bizproc_task", "json_extract(data,'$.WORKFLOW_ID') = ?", [str(wid)]):
        store.delete("bizproc_task", i)
    return True


def task_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return _rows(ctx, "bizproc_task", params)


def robot_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return [d["CODE"] for _, d in ctx.portal.store.select("bizproc_robot")]


def lists_element_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    for req in ("IBLOCK_TYPE_ID", "ELEMENT_CODE"):
        if not params.get(req):
            raise ApiError("ERROR_REQUIRED_PARAMETERS_MISSING", f"Required parameter {req} is missing", 400)
    if not (params.get("IBLOCK_ID") or params.get("IBLOCK_CODE")):
        raise ApiError(
            "ERROR_REQUIRED_PARAMETERS_MISSING", "Required parameter IBLOCK_ID or IBLOCK_CODE is missing", 400
        )
    fields = params.get("FIELDS")
    if not isinstance(fields, dict) or not fields.get("NAME"):
        raise ApiError("ERROR_REQUIRED_PARAMETERS_MISSING", "Required field NAME is missing", 400)
    block = str(params.get("IBLOCK_ID") or params.get("IBLOCK_CODE"))
    store = ctx.portal.store
    for _, d in store.select("lists_element", "json_extract(data,'$.IBLOCK') = ?", [block]):
        if d["CODE"] == params["ELEMENT_CODE"]:
            raise ApiError("ERROR_ELEMENT_ALREADY_EXISTS", "Element with this code already exists", 400)
    row = {"IBLOCK": block, "IBLOCK_TYPE_ID": params["IBLOCK_TYPE_ID"], "CODE": params["ELEMENT_CODE"],
           "NAME": fields["NAME"], "IBLOCK_SECTION_ID": params.get("IBLOCK_SECTION_ID"),
           "CREATED_BY": str(ctx.user_id), **{k: v for k, v in fields.items() if k != "NAME"}}  # fmt: skip
    return store.insert("lists_element", row)


def lists_element_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    if not params.get("IBLOCK_TYPE_ID") or not (params.get("IBLOCK_ID") or params.get("IBLOCK_CODE")):
        raise ApiError(
            "ERROR_REQUIRED_PARAMETERS_MISSING", "Required parameter IBLOCK_TYPE_ID/IBLOCK_ID is missing", 400
        )
    block = str(params.get("IBLOCK_ID") or params.get("IBLOCK_CODE"))
    rows = ctx.portal.store.select("lists_element", "json_extract(data,'$.IBLOCK') = ?", [block])
    out = []
    for i, d in rows:
        if params.get("ELEMENT_ID") and str(i) != str(params["ELEMENT_ID"]):
            continue
        if params.get("ELEMENT_CODE") and d["CODE"] != params["ELEMENT_CODE"]:
            continue
        out.append(
            {"ID": str(i), **{k: render_legacy_value(v) for k, v in d.items() if k not in ("IBLOCK",)}}
        )
    start = parse_start(params)
    page = out[max(start, 0) : max(start, 0) + 50]
    nxt = start + 50 if start >= 0 and start + 50 < len(out) else None
    return Answer(page, total=len(out), next=nxt, records=len(page))


def trigger_execute(ctx: Ctx, params: dict[str, Any]) -> Any:
    code = params.get("CODE")
    if not code:
        raise ApiError("", "Trigger CODE is not specified", 400)
    kind = {1: "lead", 2: "deal", 3: "contact", 4: "company"}.get(int(params.get("OWNER_TYPE_ID") or 0))
    if kind is None or not crm_exists(ctx, kind, params.get("OWNER_ID")):
        raise ApiError("", "Owner entity not found", 400)
    ctx.portal.store.insert("automation_trigger_run", {"CODE": code, "OWNER_TYPE_ID": params["OWNER_TYPE_ID"],
                                                       "OWNER_ID": params["OWNER_ID"], "AT": ctx.portal.clock.iso()})  # fmt: skip
    return True


def workflow_kill(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Stops the instance and deletes its data (bizproc-workflow-kill.md); same checks as terminate."""
    return workflow_terminate(ctx, params)


_TASK_STATUS = {"1": 1, "yes": 1, "2": 2, "no": 2, "3": 3, "ok": 3, "4": 4, "cancel": 4}


def task_complete(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Only an open task; approval tasks take 1 or 2 (bizproc-task/bizproc-task-complete.md)."""
    if not params.get("TASK_ID"):
        raise ApiError("ERROR_TASK_VALIDATION", "empty TASK_ID", 400)
    status = _TASK_STATUS.get(str(params.get("STATUS", "")).strip().lower())
    if status is None:
        raise ApiError("ERROR_TASK_VALIDATION", "incorrect STATUS", 400)
    try:
        tid = int(params["TASK_ID"])
    except (TypeError, ValueError):
        raise ApiError("ERROR_TASK_NOT_FOUND", "Task not found", 400) from None
    task = ctx.portal.store.get("bizproc_task", tid)
    if task is None:
        raise ApiError("ERROR_TASK_NOT_FOUND", "Task not found", 400)
    if str(task.get("STATUS")) != "0":
        raise ApiError("ERROR_TASK_COMPLETED", "Task already completed", 400)
    if task.get("ACTIVITY") == "ApproveActivity" and status not in (1, 2):
        raise ApiError("ERROR_TASK_VALIDATION", "incorrect STATUS", 400)
    task.update({"STATUS": str(status), "USER_STATUS": str(status), "COMMENT": params.get("COMMENT") or "",
                 "MODIFIED": ctx.portal.clock.iso()})  # fmt: skip
    ctx.portal.store.put("bizproc_task", tid, task)
    return True


_ROBOT_CODE = re.compile(r"^[A-Za-z0-9._-]+$")


def _app_context(ctx: Ctx) -> None:
    if ctx.auth_kind != "oauth":
        raise ApiError("ACCESS_DENIED", "Application context required", 403)


def _robot_handler(url: Any) -> str:
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https"):
        raise ApiError("ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol", 400)
    if not parts.hostname:
        raise ApiError("ERROR_WRONG_HANDLER_URL", "Wrong handler URL", 400)
    return str(url)


def robot_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    """bizproc-robot/bizproc-robot-add.md: app context; code, handler URL and name checked; codes unique."""
    _app_context(ctx)
    code = str(params.get("CODE") or "")
    if not code:
        raise ApiError("ERROR_ACTIVITY_VALIDATION_FAILURE", "Empty activity code!", 400)
    if not _ROBOT_CODE.match(code):
        raise ApiError("ERROR_ACTIVITY_VALIDATION_FAILURE", "Wrong activity code!", 400)
    handler = _robot_handler(params.get("HANDLER"))
    if not params.get("NAME"):
        raise ApiError("ERROR_ACTIVITY_VALIDATION_FAILURE", "Empty activity NAME!", 400)
    props = params.get("PROPERTIES")
    if props is not None and not isinstance(props, dict):
        raise ApiError("ERROR_ACTIVITY_VALIDATION_FAILURE", "Wrong properties array!", 400)
    store = ctx.portal.store
    if store.select("bizproc_robot", "json_extract(data,'$.CODE') = ?", [code]):
        raise ApiError(
            "ERROR_ACTIVITY_ALREADY_INSTALLED", "Activity or Automation rule already installed!", 400
        )
    store.insert("bizproc_robot", {"CODE": code, "HANDLER": handler, "NAME": params["NAME"], "PROPERTIES": props or {},
                                   "APP_ID": ctx.client_id})  # fmt: skip
    return True


def robot_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """bizproc-robot/bizproc-robot-update.md: the robot must exist; FIELDS must not be empty."""
    _app_context(ctx)
    code = str(params.get("CODE") or "")
    if not code:
        raise ApiError("ERROR_ACTIVITY_VALIDATION_FAILURE", "Empty activity code!", 400)
    fields = params.get("FIELDS")
    if not isinstance(fields, dict) or not fields:
        raise ApiError("ERROR_ACTIVITY_VALIDATION_FAILURE", "No fields to update.", 400)
    rows = ctx.portal.store.select("bizproc_robot", "json_extract(data,'$.CODE') = ?", [code])
    if not rows:
        raise ApiError("ERROR_ACTIVITY_NOT_FOUND", "Activity or Automation rule not found!", 400)
    rid, robot = rows[0]
    if "HANDLER" in fields:
        fields = {**fields, "HANDLER": _robot_handler(fields["HANDLER"])}
    robot.update({str(k).upper(): v for k, v in fields.items() if str(k).upper() != "CODE"})
    ctx.portal.store.put("bizproc_robot", rid, robot)
    return True


def template_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """bizproc-workflow-template-update.md: app context; the template must exist; FIELDS not empty."""
    _app_context(ctx)
    fields = params.get("FIELDS")
    if not isinstance(fields, dict) or not fields:
        raise ApiError("ERROR_TEMPLATE_VALIDATION_FAILURE", "Empty data!", 400)
    tid = str(params.get("ID"))
    if not any(t["ID"] == tid for t in TEMPLATES):
        raise ApiError("ERROR_TEMPLATE_NOT_FOUND", "Workflow template not found.", 400)
    overrides = ctx.portal.store.kv_get("bizproc_template_overrides", {}) or {}
    change = {k: (str(fields[k]) if k == "AUTO_EXECUTE" else fields[k]) for k in ("NAME", "DESCRIPTION", "AUTO_EXECUTE")
              if k in fields}  # fmt: skip
    overrides[tid] = {
        **overrides.get(tid, {}),
        **change,
        "MODIFIED": ctx.portal.clock.iso(),
        "IS_MODIFIED": "Y",
    }
    ctx.portal.store.kv_set("bizproc_template_overrides", overrides)
    return True


def _templates(ctx: Ctx) -> list[dict[str, Any]]:
    overrides = ctx.portal.store.kv_get("bizproc_template_overrides", {}) or {}
    return [{**copy.deepcopy(t), **overrides.get(t["ID"], {})} for t in TEMPLATES]


def register(reg: Registry) -> None:
    for name, fn, write in (
        ("bizproc.workflow.template.list", template_list, False), ("bizproc.workflow.start", workflow_start, True),
        ("bizproc.workflow.instances", workflow_instances, False),
        ("bizproc.workflow.terminate", workflow_terminate, True), ("bizproc.task.list", task_list, False),
        ("bizproc.robot.list", robot_list, False), ("bizproc.workflow.kill", workflow_kill, True),
        ("bizproc.task.complete", task_complete, True), ("bizproc.robot.add", robot_add, True),
        ("bizproc.robot.update", robot_update, True), ("bizproc.workflow.template.update", template_update, True),
    ):  # fmt: skip
        reg.add(name, fn, scope="bizproc", write=write, pack="automation")
    reg.add("lists.element.add", lists_element_add, scope="lists", write=True, pack="automation")
    reg.add("lists.element.get", lists_element_get, scope="lists", pack="automation")
    reg.add("crm.automation.trigger.execute", trigger_execute, scope="crm", write=True, pack="automation")
