"""Departments, telephony, open lines, SMS senders, workgroups (new API), document generator.

Docs (api-reference/…): departments/department-get.md, telephony/telephony-external-call-{register,finish}.md,
imopenlines/openlines/imopenlines-config-list-get.md, messageservice/messageservice-sender-list.md,
sonet-group/socialnetwork-api-workgroup-list.md, document-generator/templates/document-generator-template-list.md,
document-generator/document-generator-document-add.md.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .._crm import crm_exists
from .._errors import ApiError
from .._registry import Answer, Ctx, Registry

__all__ = ["register", "DEPARTMENTS"]

DEPARTMENTS = [
    {"ID": "1", "NAME": "Emulator Inc.", "SORT": 500, "PARENT": None, "UF_HEAD": "1"},
    {"ID": "2", "NAME": "Sales", "SORT": 500, "PARENT": "1", "UF_HEAD": "2"},
    {"ID": "3", "NAME": "Support", "SORT": 500, "PARENT": "1", "UF_HEAD": "3"},
]


def department_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    rows = [d for d in DEPARTMENTS if all(str(d.get(k)) == str(params[k]) for k in ("ID", "NAME", "PARENT", "UF_HEAD")
                                          if params.get(k) not in (None, ""))]  # fmt: skip
    return Answer(rows, total=len(rows), records=len(rows))


def _required(params: dict[str, Any], *names: str) -> None:
    for n in names:
        if params.get(n) in (None, ""):
            raise ApiError("", f"Parameter {n} is required", 400)


def externalcall_register(ctx: Ctx, params: dict[str, Any]) -> Any:
    _required(params, "USER_ID", "PHONE_NUMBER", "TYPE")
    if not params.get("USER_PHONE_INNER") and not params.get("USER_ID"):
        raise ApiError("", "Parameter USER_PHONE_INNER is required", 400)
    phone = str(params["PHONE_NUMBER"])
    entity_type, entity_id = None, None
    for kind in ("contact", "company", "lead"):
        rows = ctx.portal.store.select(
            kind,
            "EXISTS (SELECT 1 FROM json_each(data, '$.PHONE') j WHERE json_extract(j.value, '$.VALUE') = ?)",
            [phone],
        )
        if rows:
            entity_type, entity_id = kind.upper(), rows[0][0]
            break
    created: list[dict[str, Any]] = []
    lead = None
    if entity_id is None and str(params.get("CRM_CREATE", "0")) in ("1", "Y", "true"):
        from .._crm import write_crm

        lead, _ = write_crm(
            ctx, "lead", {"TITLE": f"Call from {phone}", "PHONE": [{"VALUE": phone}], "SOURCE_ID": "CALL"}
        )
        entity_type, entity_id = "LEAD", lead
        created.append({"LEAD": lead})
    digest = hashlib.md5(f"{phone}{ctx.portal.clock.now()}".encode(), usedforsecurity=False).hexdigest()
    call_id = f"externalCall.{digest}.{int(ctx.portal.clock.now())}"
    ctx.portal.store.insert("telephony_call", {"CALL_ID": call_id, "PHONE_NUMBER": phone, "USER_ID": int(params["USER_ID"]),
                                               "TYPE": int(params["TYPE"]), "CRM_ENTITY_TYPE": entity_type,
                                               "CRM_ENTITY_ID": entity_id, "STARTED": ctx.portal.clock.iso()})  # fmt: skip
    return {"CALL_ID": call_id, "CRM_CREATED_LEAD": lead, "CRM_CREATED_ENTITIES": created,
            "CRM_ENTITY_TYPE": entity_type, "CRM_ENTITY_ID": entity_id}  # fmt: skip


def externalcall_finish(ctx: Ctx, params: dict[str, Any]) -> Any:
    _required(params, "CALL_ID", "USER_ID")
    rows = ctx.portal.store.select(
        "telephony_call", "json_extract(data,'$.CALL_ID') = ?", [str(params["CALL_ID"])]
    )
    if not rows:
        raise ApiError("", "Call is not found, or finished", 400)
    i, call = rows[0]
    if call.get("FINISHED"):
        raise ApiError("", "Call is not found, or finished", 400)
    call.update({"FINISHED": True, "CALL_DURATION": int(params.get("DURATION") or 0)})
    ctx.portal.store.put("telephony_call", i, call)
    return {"CALL_ID": call["CALL_ID"], "EXTERNAL_CALL_ID": None, "PORTAL_USER_ID": int(params["USER_ID"]),
            "PHONE_NUMBER": call["PHONE_NUMBER"], "PORTAL_NUMBER": "", "INCOMING": str(call["TYPE"]),
            "CALL_DURATION": call["CALL_DURATION"], "CALL_START_DATE": call["STARTED"], "CALL_STATUS": 1,
            "CALL_VOTE": params.get("VOTE"), "COST": float(params.get("COST") or 0),
            "COST_CURRENCY": params.get("COST_CURRENCY") or "", "CALL_FAILED_CODE": str(params.get("STATUS_CODE") or 200),
            "CALL_FAILED_REASON": params.get("FAILED_REASON") or "", "CRM_ENTITY_TYPE": call["CRM_ENTITY_TYPE"],
            "CRM_ENTITY_ID": call["CRM_ENTITY_ID"]}  # fmt: skip


def openlines_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return [
        {
            "ID": "1",
            "LINE_NAME": "Emulator support line",
            "ACTIVE": "Y",
            "QUEUE": [1],
            "QUEUE_USERS_FIELDS": {},
        }
    ]


def sender_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return ["emulator_sms"]


def workgroup_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    groups = []
    for i, d in ctx.portal.store.select("sonet_group"):
        groups.append({"id": str(i), "name": d.get("NAME"), "type": "project" if d.get("PROJECT") == "Y" else "group",
                       "imageId": None, "avatarType": None, "avatar": "", "additionalData": {"role": "", "initiatedByType": ""},
                       "dialogId": ""})  # fmt: skip
    return Answer({"workgroups": groups}, total=len(groups), records=len(groups))


_TEMPLATE = {"id": "1", "active": "Y", "name": "Invoice template", "code": "EMULATOR_INVOICE", "region": "us", "sort": "500",
             "createTime": "2026-01-05T09:00:00+00:00", "updateTime": "2026-01-05T09:00:00+00:00", "createdBy": "1",
             "updatedBy": "1", "moduleId": "rest", "fileId": "1", "numeratorId": "1", "withStamps": "N",
             "providers": ["bitrix\\crm\\integration\\documentgenerator\\dataprovider\\deal"], "users": ["UA"]}  # fmt: skip


def template_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return Answer({"templates": {"1": _TEMPLATE}}, total=1, records=1)


def document_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    if str(params.get("templateId") or "") != "1":
        raise ApiError("DOCUMENTGENERATOR_TEMPLATE_NOT_FOUND", "Template not found", 400)
    value = params.get("value")
    if value in (None, ""):
        raise ApiError("DOCUMENTGENERATOR_VALUE_REQUIRED", "Parameter value is required", 400)
    provider = str(params.get("providerClassName") or "")
    if provider.lower().endswith("\\deal") and not crm_exists(ctx, "deal", value):
        raise ApiError("DOCUMENTGENERATOR_PROVIDER_VALUE", "Deal not found", 400)
    store = ctx.portal.store
    number = f"DOC-{store.count('generated_document') + 1:04d}"
    now = ctx.portal.clock.iso()
    doc = {"publicUrl": None, "title": f"{_TEMPLATE['name']} {number}", "number": number, "createTime": now,
           "createdBy": ctx.user_id, "updateTime": now, "updatedBy": None, "stampsEnabled": bool(params.get("stampsEnabled")),
           "isTransformationError": False, "value": str(value), "values": params.get("values") or {},
           "templateId": 1}  # fmt: skip
    doc_id = store.insert("generated_document", doc)
    return {
        "document": {"id": doc_id, "downloadUrl": f"{ctx.portal.base_url}/docgen/{doc_id}/download", **doc}
    }


def register(reg: Registry) -> None:
    reg.add("department.get", department_get, scope="department", pack="core")
    reg.add(
        "telephony.externalcall.register", externalcall_register, scope="telephony", write=True, pack="comms"
    )
    reg.add("telephony.externalcall.finish", externalcall_finish, scope="telephony", write=True, pack="comms")
    reg.add("imopenlines.config.list.get", openlines_list, scope="imopenlines", pack="comms")
    reg.add("messageservice.sender.list", sender_list, scope="messageservice", pack="comms")
    reg.add("socialnetwork.api.workgroup.list", workgroup_list, scope="socialnetwork", pack="collab")
    reg.add("documentgenerator.template.list", template_list, scope="documentgenerator", pack="content")
    reg.add(
        "documentgenerator.document.add", document_add, scope="documentgenerator", write=True, pack="content"
    )
