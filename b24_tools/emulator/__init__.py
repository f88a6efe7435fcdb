"""A faithful local Bitrix24 REST emulator: the test bed, the demo portal and the benchmark target.

    from b24_tools.emulator import Emulator, EmulatorConfig
    emu = Emulator()                       # or Emulator("portal.sqlite", EmulatorConfig(rate=2, burst=50))
    emu.seed(leads=500, deals=100)
    http = httpx.Client(transport=emu.transport(), base_url=emu.base_url)
    http.post(f"{emu.webhook_url}crm.lead.list", json={"start": -1})

Served over a socket with `b24 emulator serve` or `with emu.serve() as url: ...`.
"""

from __future__ import annotations

from ._config import ALL_SCOPES, EmulatorConfig
from ._emulator import Emulator
from ._faults import FAULT_KINDS, Fault, Faults
from ._limits import Stats
from ._server import make_self_signed

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "ALL_SCOPES",
    "Fault",
    "Faults",
    "FAULT_KINDS",
    "Stats",
    "make_self_signed",
]
