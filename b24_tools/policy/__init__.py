"""The policy gate: packs, allowlist, risk from params as the portal reads them, batch inner commands."""

from __future__ import annotations

from ._policy import MAX_BATCH_COMMANDS, Assessment, InnerCommand, Policy, parse_batch_commands

__all__ = ["Policy", "Assessment", "InnerCommand", "parse_batch_commands", "MAX_BATCH_COMMANDS"]
