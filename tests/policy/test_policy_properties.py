"""Property tests: no spelling, encoding or batch shape makes a write or destructive call pass as a read."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24_tools import B24ValidationError, Policy
from b24_tools.catalog import RISK_ORDER, get_catalog, normalize_method
from b24_tools.client._phpquery import encode

CAT = get_catalog()
POLICY = Policy(packs=("core", "comms", "content", "automation"), allow_unlisted=True)
RISKY = sorted(
    n for n in CAT.names() if CAT.get(n).risk in ("write", "destructive") and n != "event.offline.get"
)
READS = sorted(n for n in CAT.names() if CAT.get(n).risk == "read" and n != "batch")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def spelled(draw, method: str) -> str:
    """The same method as a portal would still understand it: case, blanks, .json, percent-encoding."""
    chars = []
    for ch in method:
        ch = ch.upper() if draw(st.booleans()) else ch
        if draw(st.integers(0, 9)) == 0:
            ch = quote(ch, safe="") if ch.isalnum() is False else f"%{ord(ch):02X}"
        chars.append(ch)
    text = "".join(chars)
    if draw(st.booleans()):
        text += draw(st.sampled_from([".json", ".JSON", ".xml", "/"]))
    pad = st.sampled_from(["", " ", "\t", "\n", "  "])
    text = draw(pad) + text + draw(pad)
    if draw(st.integers(0, 5)) == 0:
        text = quote(text, safe="")  # encoded twice over
    return text


@st.composite
def command(draw, method: str):
    """One batch command in any shape the portal or an SDK accepts."""
    name = draw(spelled(method))
    params = draw(
        st.dictionaries(st.sampled_from(["id", "ID", "fields", "filter", "x"]), st.integers(0, 9), max_size=3)
    )
    shape = draw(st.sampled_from(["string", "dict", "tuple"]))
    if shape == "string":
        return f"{name}?{encode(params)}" if params or draw(st.booleans()) else name
    if shape == "dict":
        return {"method": name, "params": params}
    return [name, params]


def _risk_or_invalid(method, params) -> str | None:
    try:
        return POLICY.assess(method, params).risk
    except B24ValidationError:
        return None


@FAST
@given(st.sampled_from(RISKY).flatmap(lambda m: st.tuples(st.just(m), spelled(m))))
def test_no_spelling_of_a_risky_method_is_assessed_as_read(pair):
    method, text = pair
    risk = _risk_or_invalid(text, {})
    assert risk is None or RISK_ORDER[risk] >= RISK_ORDER[CAT.get(method).risk]


@FAST
@given(
    risky=st.sampled_from(RISKY).flatmap(command),
    reads=st.lists(st.sampled_from(READS).map(lambda m: f"{m}?id=1"), max_size=6),
    position=st.integers(0, 6),
    as_list=st.booleans(),
    key_case=st.sampled_from(["cmd", "CMD", "Cmd"]),
)
def test_a_batch_with_any_risky_command_is_never_a_read(risky, reads, position, as_list, key_case):
    cmds = list(reads)
    cmds.insert(min(position, len(cmds)), risky)
    cmd = cmds if as_list else {f"k{i}": c for i, c in enumerate(cmds)}
    risk = _risk_or_invalid("batch", {key_case: cmd, "halt": 0})
    assert risk is None or risk != "read"


@FAST
@given(
    risky=st.sampled_from(RISKY),
    reads=st.lists(st.sampled_from(READS), max_size=3),
    depth=st.integers(1, 2),
)
def test_nesting_a_risky_command_in_batches_never_hides_it(risky, reads, depth):
    cmd: dict = {"r": f"{risky}?id=1"}
    for i, r in enumerate(reads):
        cmd[f"x{i}"] = r
    params: dict = {"cmd": cmd}
    for _ in range(depth):
        params = {"cmd": {"nested": "batch?" + encode(params)}}
    risk = _risk_or_invalid("batch", params)
    assert risk is None or risk != "read"


@FAST
@given(st.text(min_size=0, max_size=40))
def test_an_arbitrary_name_is_only_read_when_the_catalog_says_read(text):
    risk = _risk_or_invalid(text, {})
    if risk == "read":
        assert CAT.risk_of(normalize_method(text)) == "read"


@FAST
@given(st.text(max_size=60), st.sampled_from(RISKY))
def test_arbitrary_batch_command_text_never_lowers_risk(junk, risky):
    risk = _risk_or_invalid("batch", {"cmd": {"a": junk, "b": f"{risky}?id=1"}})
    assert risk is None or risk != "read"


@FAST
@given(st.text(max_size=60))
def test_a_batch_of_arbitrary_text_is_read_only_if_every_command_is_a_catalog_read(junk):
    try:
        a = POLICY.assess("batch", {"cmd": {"a": junk}})
    except B24ValidationError:
        return
    if a.risk == "read":
        assert all(CAT.risk_of(c.method, c.params) == "read" for c in a.inner if c.method != "batch")
