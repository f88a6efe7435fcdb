"""Hypothesis settings for the fuzz targets: a bounded budget so `make test` stays quick.

`B24_FUZZ_EXAMPLES` scales every target (e.g. 2000 for a longer local run). Examples are derandomized, so every
run of `make test` tries the same inputs (raise the budget locally to explore further). No example database is written
(`database=None`): a failure prints the reproducing input and a `@reproduce_failure` blob instead.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("B24_FUZZ_EXAMPLES", "150"))

settings.register_profile(
    "b24-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run: a landing never fails on a new random input
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def budget(share: float = 1.0) -> settings:
    """The fuzz profile with `share` of the example budget (for targets whose examples are expensive)."""
    return settings(settings.get_profile("b24-fuzz"), max_examples=max(10, int(EXAMPLES * share)))
