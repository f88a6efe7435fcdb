"""Every method of the reference skill pack's catalogs has a typed tool in its pack, or a documented reason."""

from __future__ import annotations

import pytest

from b24_tools.catalog import PACKS, get_catalog
from b24_tools.catalog._reference import REFERENCE_PACKS, UNTYPED

CAT = get_catalog()
ALL = [(pack, m) for pack, methods in REFERENCE_PACKS.items() for m in methods]


def test_the_reference_lists_every_pack_and_its_146_methods():
    assert tuple(REFERENCE_PACKS) == PACKS
    assert len(ALL) == 127 and len({m for _, m in ALL}) == 127


@pytest.mark.parametrize(("pack", "method"), ALL, ids=[m for _, m in ALL])
def test_reference_method_is_typed_in_its_pack_or_says_why_not(pack, method):
    spec = CAT.get(method)
    if method in UNTYPED:
        reason = UNTYPED[method]
        assert len(reason) > 30 and "\n" not in reason
        assert spec is None or not spec.curated or spec.pack != pack
        return
    assert spec is not None and spec.curated, f"{method}: no typed tool and no reason in UNTYPED"
    assert spec.pack == pack, f"{method}: typed in {spec.pack}, the reference puts it in {pack}"


def test_untyped_reasons_name_only_reference_methods():
    assert set(UNTYPED) <= {m for _, m in ALL}
