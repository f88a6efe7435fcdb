"""`python -m b24_tools.cli`: the same as the `b24` console script."""

from __future__ import annotations

from ._app import main

main()
