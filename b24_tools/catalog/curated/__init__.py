"""Hand-written catalog overrides: the methods each pack's toolkit exposes as typed tools, one module per pack.

Each entry tightens what the generated docs data says: a description written for a model, a params model
with real syntax in its field descriptions, the risk (which always wins over the generated rules), the
result shape and, for CRM creates, the origin marker the approval graph reconciles by. A test checks every
entry against the generated facts (the method exists, the scope matches, required params are present).
Keep descriptions short: every word here is paid for in every prompt (see bench/footprint.py).
"""

from __future__ import annotations

from . import automation as _automation
from . import boards as _boards
from . import collab as _collab
from . import commerce as _commerce
from . import comms as _comms
from . import compliance as _compliance
from . import content as _content
from . import core as _core
from . import diagnostics as _diagnostics
from . import platform as _platform
from . import services as _services
from . import sites as _sites
from ._shared import Curated, P

__all__ = ["Curated", "CURATED", "P"]

CURATED: tuple[Curated, ...] = (
    *_core.ENTRIES,
    *_comms.ENTRIES,
    *_automation.ENTRIES,
    *_collab.ENTRIES,
    *_content.ENTRIES,
    *_boards.ENTRIES,
    *_commerce.ENTRIES,
    *_services.ENTRIES,
    *_platform.ENTRIES,
    *_sites.ENTRIES,
    *_compliance.ENTRIES,
    *_diagnostics.ENTRIES,
)
