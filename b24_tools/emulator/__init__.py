"""A faithful local Bitrix24 REST emulator: the test bed, the demo portal and the benchmark target.

    from b24_tools.emulator import Emulator, EmulatorConfig
    emu = Emulator()                       # or Emulator("portal.sqlite", EmulatorConfig(rate=2, burst=50))
    emu.seed(leads=500, deals=100)
    http = httpx.Client(transport=emu.transport(), base_url=emu.base_url)
    http.post(f"{emu.webhook_url}crm.lead.list", json={"start": -1})

Served over a socket with `b24 emulator serve` or `with emu.serve() as url: ...`.
The emulator is an ASGI (Starlette) app: it needs the `server` extra (`pip install 'b24-tools[server]'`).
"""

from __future__ import annotations

from .._errors import require_extra

require_extra("the emulator", "server", "starlette")  # before the modules that need it

from ._config import ALL_SCOPES, EmulatorConfig  # noqa: E402
from ._emulator import Emulator  # noqa: E402
from ._faults import FAULT_KINDS, Fault, Faults  # noqa: E402
from ._limits import Stats  # noqa: E402
from ._server import make_self_signed  # noqa: E402

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
