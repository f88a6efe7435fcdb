"""Shared hypothesis strategies: JSON-like values, PHP bracket keys, hostile nesting."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# keys as Bitrix24 params use them (filter operators included), never brackets: `a[b]` is a path, not a key
KEY_ALPHABET = st.characters(codec="utf-8", exclude_characters="[]", exclude_categories=("Cs", "Cc"))
keys = st.text(KEY_ALPHABET, min_size=1, max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
)


def json_values(max_leaves: int = 25) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars | st.floats(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=max_leaves,
    )


def deep(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for i in range(depth):
        value = {"a": value} if i % 2 else [value]
    return value


# text that tends to look like what parsers choke on
nasty_text = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(min_value=1, max_value=3000).map(lambda n: "a" + "[x]" * n + "=1"),
    st.sampled_from(
        ["", "{}", "[]", "null", "NaN", "1e999", '"\\ud800"', '{"a":}', "%ff%fe", "a=%", "&&&=="]
    ),
)
