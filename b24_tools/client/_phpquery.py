"""PHP-style nested query strings, as Bitrix24 parses them (`filter[>ID]=5&select[0]=ID`).

`encode()` builds what `http_build_query` builds (used inside `batch` commands); `decode()` parses what PHP's
`parse_str` parses (used by the emulator for GET query strings, form bodies and batch commands).
Doc: settings/how-to-call-rest-api/data-encoding.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote

__all__ = ["encode", "decode", "decode_pairs", "flatten"]

_KEY_RE = re.compile(r"\[([^\[\]]*)\]")
# PHP drops a variable nested deeper than max_input_nesting_level (64 by default), as parse_str does; so do we,
# which also keeps hostile input (`a[x][x]…` thousands deep) from exhausting the stack.
MAX_NESTING = 64
_INDEX_RE = re.compile(r"^(0|[1-9][0-9]{0,17})$")  # a key PHP reads as an integer index


def flatten(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten nested params to `(key, value)` pairs with PHP bracket keys; booleans as Y/N is NOT applied here."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        pairs.extend(_flatten_value(name, value))
    return pairs


def _flatten_value(name: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        if not value:
            return [(name, "")]
        return flatten(value, name)
    if isinstance(value, list | tuple):
        if not value:
            return [(name, "")]
        out: list[tuple[str, str]] = []
        for i, item in enumerate(value):
            out.extend(_flatten_value(f"{name}[{i}]", item))
        return out
    if value is None:
        return [(name, "")]
    if value is True:
        return [(name, "1")]
    if value is False:
        return [(name, "0")]
    return [(name, str(value))]


# What quote(safe="") leaves as it is (RFC 3986 unreserved): such strings need no quoting at all.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


@lru_cache(maxsize=4096)
def _quote_key(key: str) -> str:
    """Keys repeat across the records of a bulk call (`fields[TITLE]`): quote each spelling once."""
    return quote(key, safe="")


def _quote_value(value: str) -> str:
    return value if _UNRESERVED.fullmatch(value) else quote(value, safe="")


def encode(params: Mapping[str, Any]) -> str:
    """`{"filter": {">ID": 5}, "select": ["ID"]}` → `filter%5B%3EID%5D=5&select%5B0%5D=ID` (RFC 3986 quoting)."""
    return "&".join(f"{_quote_key(k)}={_quote_value(v)}" for k, v in flatten(params))


def decode_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Build nested dicts from bracket keys like PHP: `a[b][]=1` appends, `a[0]=x` gives key "0".

    Keys nested deeper than `MAX_NESTING` are dropped, as PHP drops them.
    """
    root: dict[str, Any] = {}
    next_index: dict[int, tuple[dict[str, Any], int]] = {}  # id(node) → (node kept alive, next `[]` index)
    for raw_key, value in pairs:
        base, _, rest = raw_key.partition("[")
        if not base:
            continue
        path = [base]
        if rest:
            path.extend(_KEY_RE.findall("[" + rest))
        if len(path) > MAX_NESTING + 1:
            continue
        node: Any = root
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, list):
                node = _list_to_dict(node)
            if part == "":
                part = str(next_index.get(id(node), (node, 0))[1])
            if _INDEX_RE.match(part):
                known = next_index.get(id(node), (node, 0))[1]
                next_index[id(node)] = (node, max(known, int(part) + 1))
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return _listify(root)


def decode(query: str) -> dict[str, Any]:
    """Parse a PHP-style query string into nested dicts; maps whose keys are 0..n-1 become lists."""
    return decode_pairs(parse_qsl(query, keep_blank_values=True))


def _list_to_dict(node: list[Any]) -> dict[str, Any]:
    return {str(i): v for i, v in enumerate(node)}


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {k: _listify(v) for k, v in node.items()}
        keys = list(converted)
        if keys and keys == [str(i) for i in range(len(keys))]:
            return [converted[k] for k in keys]
        return converted
    return node
