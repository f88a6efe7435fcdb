"""Fuzz the PHP-style query codec: what the client encodes, the emulator decodes to the same params (as PHP would
normalize them), in a query string and in a form body; and no string crashes the emulator's parser.

The client side is `b24_tools.client._phpquery.encode` (http_build_query); the emulator side is its request
parser `b24_tools.emulator._request.read_params` (parse_str), reached with a real Starlette request.
Doc: settings/how-to-call-rest-api/data-encoding.md.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from b24_tools.client._phpquery import encode
from b24_tools.emulator._request import BadBody, read_params

from .conftest import budget
from .strategies import keys, nasty_text

# top-level names as Bitrix24 params have them (letters first: PHP turns a numeric top level into a list)
top_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
)
nested = st.recursive(
    leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=15,
)
params_strategy = st.dictionaries(top_keys, nested, max_size=5)


def php_normal(value: Any) -> Any:
    """What parse_str gives back for what http_build_query sent: strings everywhere, empty containers as "",
    true/false as "1"/"0", null as "", and maps keyed 0..n-1 as lists."""
    if isinstance(value, dict):
        if not value:
            return ""
        out = {str(k): php_normal(v) for k, v in value.items()}
        if list(out) == [str(i) for i in range(len(out))]:
            return list(out.values())
        return out
    if isinstance(value, list | tuple):
        return [php_normal(v) for v in value] if value else ""
    if value is None:
        return ""
    if value is True:
        return "1"
    if value is False:
        return "0"
    return str(value)


def _request(method: str, query: bytes, body: bytes, content_type: str) -> Request:
    sent = {"done": False}

    async def receive() -> dict[str, Any]:
        if sent["done"]:
            return {"type": "http.disconnect"}
        sent["done"] = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http", "method": method, "path": "/rest/1/code/crm.lead.add", "raw_path": b"",
        "query_string": query, "headers": [(b"content-type", content_type.encode())] if content_type else [],
        "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": "",
    }  # fmt: skip
    return Request(scope, receive)


def _emulator_decode(method: str, query: str = "", body: str = "", content_type: str = "") -> dict[str, Any]:
    params, _raw = asyncio.run(read_params(_request(method, query.encode(), body.encode(), content_type)))
    return params


@budget(1.0)
@given(params=params_strategy)
def test_client_encode_then_emulator_decode_round_trips_in_the_query(params: dict[str, Any]) -> None:
    decoded = _emulator_decode("GET", query=encode(params))
    assert decoded == php_normal(params) if params else decoded == {}


@budget(1.0)
@given(params=params_strategy)
def test_client_encode_then_emulator_decode_round_trips_in_a_form_body(params: dict[str, Any]) -> None:
    decoded = _emulator_decode("POST", body=encode(params), content_type="application/x-www-form-urlencoded")
    assert decoded == php_normal(params) if params else decoded == {}


@budget(1.0)
@given(
    text=nasty_text,
    content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json", ""]),
)
def test_no_query_or_body_crashes_the_emulator_parser(text: str, content_type: str) -> None:
    try:
        params = _emulator_decode(
            "POST", query=text.replace(" ", "+")[:500], body=text, content_type=content_type
        )
    except BadBody:
        return  # the documented refusal (malformed JSON)
    assert isinstance(params, dict)
