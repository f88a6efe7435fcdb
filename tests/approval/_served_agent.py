"""An agent for `langgraph dev` in the server test: the shipped assembly with a scripted chat model (no keys).

It asks once to add a lead titled "Agent on the server" and then reports what the tool answered.
"""

from __future__ import annotations

from b24_tools import Engine, build_agent
from b24_tools.cli.demo import ScriptedChatModel

agent = build_agent(
    model=ScriptedChatModel(
        tool_calls=[
            {"name": "crm_lead_add", "args": {"fields": {"TITLE": "Agent on the server"}}, "id": "w1"}
        ]
    ),
    engine=Engine.from_settings(actor="b24-agent"),
)
