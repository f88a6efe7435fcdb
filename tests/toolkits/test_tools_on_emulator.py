"""Every curated tool, called with its documented example, against the emulator: the portal knows the method,
the policy lets it through, the params are accepted, and any refusal is one a real portal gives."""

from __future__ import annotations

import pytest

from b24_tools import B24Toolkit
from b24_tools.catalog import PACKS, get_catalog

# Answers a real portal gives these examples too: webhooks cannot bind events or read app info, and a few
# examples name records the small seed does not have.
EXPECTED_REFUSALS = {
    "event_bind": "WRONG_AUTH_TYPE",
    "event_unbind": "WRONG_AUTH_TYPE",
    "event_offline_get": "WRONG_AUTH_TYPE",
    "app_info": "WRONG_AUTH_TYPE",
    "catalog_product_get": "not exist",
    "sign_b2e_document_get": "not found",
    "telephony_externalcall_finish": "not found",
    "bizproc_workflow_terminate": "not found",
    "disk_file_get": "not find",
    "disk_file_moveto": "not find",
    "disk_file_markdeleted": "not find",
    "tasks_api_scrum_sprint_get": "not found",
    "tasks_api_scrum_sprint_start": "not found",
    "tasks_api_scrum_sprint_complete": "not found",
    "tasks_api_scrum_kanban_getstages": "not found",
    "sale_order_get": "not exist",
    "booking_v1_booking_add": "not found",
    # validation of the reference catalog's write methods: examples name records the seed does not have
    "im_message_delete": "Message ID",
    "mailservice_list": "insufficient_scope",  # the test webhook is not granted the mailservice scope
    "bizproc_task_complete": "Task not found",
    "bizproc_robot_add": "Application context required",
    "bizproc_robot_update": "Application context required",
    "bizproc_workflow_template_update": "Application context required",
    "sonet_group_delete": "group not found",
    "log_blogpost_delete": "post not found",
    "log_blogcomment_delete": "Comment not found",
    "disk_file_copyto": "Could not find",
    "disk_file_delete": "Could not find",
    "booking_v1_booking_update": "Booking not found",
    "calendar_event_update": "Event not found",
    "ai_engine_unregister": "Engine not found",
    "entity_update": "Entity not found",
    "landing_site_update": "Site not found",
    "landing_site_delete": "Site not found",
    "landing_landing_update": "Landing not found",
    "landing_landing_delete": "Landing not found",
    "landing_block_getlist": "Landing not found",
    "landing_block_addcard": "Landing not found",
}


@pytest.fixture
def all_tools(emulator, b24_client):
    emulator.seed(tasks=3, deals=2)
    # the documented opt-in: writes and deletes run with no reviewer (still through the approval engine)
    tools = B24Toolkit(
        b24_client, packs=PACKS, discovery=False, confirm_write=True, confirm_destructive=True
    ).get_tools()
    return [t for t in tools if getattr(t, "spec", None) is not None]  # the catalog's typed tools


def test_every_curated_tool_runs_its_example_against_the_emulator(all_tools):
    assert len(all_tools) == len(get_catalog().curated())
    problems = []
    for tool in all_tools:
        msg = tool.invoke(
            {"type": "tool_call", "name": tool.name, "id": "x", "args": dict(tool.spec.example)}
        )
        text = msg.content
        for bad in (
            "METHOD_NOT_FOUND",
            "Refused by policy",
            "Invalid input",
            "Invalid arguments",
            "Unexpected",
        ):
            if bad in text:
                problems.append(f"{tool.name}: {text[:160]}")
        if msg.status == "error":
            expected = EXPECTED_REFUSALS.get(tool.name)
            if expected is None or expected.lower() not in text.lower():
                problems.append(f"{tool.name}: unexpected error {text[:160]}")
        else:
            assert msg.artifact["method"] == tool.metadata["method"]
    assert not problems, "\n".join(problems)
