"""Curated catalog entries of the automation pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any

from ._shared import _IBLOCK, _SELECT, Curated, _Empty, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    Curated(
        method="bizproc.workflow.template.list",
        pack="automation",
        risk="read",
        description="List workflow templates.",
        params=_m(
            "BizprocTemplateList",
            select=(list[str], None, '["ID","NAME","DOCUMENT_TYPE"]'),
            filter=(dict[str, Any], None, '{"MODULE_ID":"crm"}'),
        ),
        result="list",
        scope=("bizproc",),
        example={"select": ["ID", "NAME"]},
    ),
    Curated(
        method="bizproc.workflow.start",
        pack="automation",
        risk="write",
        description="Start a workflow on a document; returns instance ID.",
        params=_m(
            "BizprocWorkflowStart",
            TEMPLATE_ID=(int, ..., "template ID"),
            DOCUMENT_ID=(list[str], ..., '["crm","CCrmDocumentDeal","DEAL_5"]'),
            PARAMETERS=(dict[str, Any], None, "template parameters"),
        ),
        result="str id",
        scope=("bizproc",),
        example={"TEMPLATE_ID": 1, "DOCUMENT_ID": ["crm", "CCrmDocumentDeal", "DEAL_1"]},
    ),
    Curated(
        method="bizproc.workflow.instances",
        pack="automation",
        risk="read",
        description="List running workflows.",
        params=_m(
            "BizprocWorkflowInstances", select=_SELECT, filter=(dict[str, Any], None, '{"MODULE_ID":"crm"}')
        ),
        result="list",
        scope=("bizproc",),
        example={},
    ),
    Curated(
        method="bizproc.workflow.terminate",
        pack="automation",
        risk="destructive",
        description="Stop a running workflow.",
        params=_m("BizprocWorkflowTerminate", ID=(str, ..., "instance ID"), STATUS=(str, None, "reason")),
        result="bool",
        scope=("bizproc",),
        example={"ID": "66e81a641752f8.56521481"},
    ),
    Curated(
        method="bizproc.task.list",
        pack="automation",
        risk="read",
        description="List workflow tasks (approvals) for users.",
        params=_m(
            "BizprocTaskList", filter=(dict[str, Any], None, '{"USER_ID":1,"STATUS":0}'), select=_SELECT
        ),
        result="list",
        scope=("bizproc",),
        example={},
    ),
    Curated(
        method="bizproc.robot.list",
        pack="automation",
        risk="read",
        description="List automation rules (robots) this app registered.",
        params=_Empty,
        result="list",
        scope=("bizproc",),
    ),
    Curated(
        method="lists.element.get",
        pack="automation",
        risk="read",
        description="Read elements of a universal list.",
        params=_m(
            "ListsElementGet",
            IBLOCK_TYPE_ID=(str, ..., "lists | bitrix_processes"),
            IBLOCK_ID=(int, None, "list ID"),
            IBLOCK_CODE=(str, None, "or list code"),
            FILTER=(dict[str, Any], None, "filter"),
        ),
        result="list",
        scope=("lists",),
        example={"IBLOCK_TYPE_ID": "lists", "IBLOCK_ID": 1},
        relaxed=_IBLOCK,
    ),
    Curated(
        method="lists.element.add",
        pack="automation",
        risk="write",
        description="Add an element to a universal list.",
        params=_m(
            "ListsElementAdd",
            IBLOCK_TYPE_ID=(str, ..., "lists"),
            IBLOCK_ID=(int, None, "list ID"),
            IBLOCK_CODE=(str, None, "or list code"),
            ELEMENT_CODE=(str, ..., "unique code"),
            FIELDS=(dict[str, Any], ..., '{"NAME":".."}'),
        ),
        result="int id",
        scope=("lists",),
        example={"IBLOCK_TYPE_ID": "lists", "IBLOCK_ID": 1, "ELEMENT_CODE": "e1", "FIELDS": {"NAME": "Row"}},
        relaxed=_IBLOCK,
    ),
    Curated(
        method="crm.automation.trigger.execute",
        pack="automation",
        risk="write",
        description="Fire an automation trigger on a CRM record.",
        params=_m(
            "CrmAutomationTriggerExecute",
            CODE=(str, ..., "trigger code"),
            OWNER_TYPE_ID=(int, ..., "2 deal"),
            OWNER_ID=(int, ..., "record ID"),
        ),
        result="bool",
        scope=("crm",),
        example={"CODE": "paid", "OWNER_TYPE_ID": 2, "OWNER_ID": 1},
    ),
)
