"""RFC 8785 canonical JSON (SPEC.md 4): vectors, tables, errors, and rfc8785 as the oracle."""

from __future__ import annotations

import json
import re
import struct
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import IntEnum, StrEnum
from pathlib import Path
from types import MappingProxyType
from unittest.mock import patch

import orjson
import pytest
import rfc8785
from hypothesis import event, given
from hypothesis import strategies as st

from prefixlib.errors import EncodingError, ToolsError
from prefixlib.rules import canonical_json as cj
from prefixlib.rules.canonical_json import MAX_SAFE_INTEGER, dumps, loads

VECTORS = Path(__file__).parent / "vectors" / "rfc8785"
VECTOR_NAMES = sorted(path.stem for path in (VECTORS / "input").glob("*.json"))


def slow_dumps(value: object) -> str:
    """:func:`dumps` with the fast path switched off."""
    with patch.object(cj, "_fast", lambda value, bad: None):
        return dumps(value)


def oracle(value: object) -> str:
    """The rfc8785 package's canonical text (a test dependency only)."""
    return rfc8785.dumps(value).decode("utf-8")  # type: ignore[arg-type]


# --- RFC test vectors --------------------------------------------------------------------


def test_all_vectors_found() -> None:
    assert VECTOR_NAMES == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_rfc_vector(name: str) -> None:
    data = (VECTORS / "input" / f"{name}.json").read_bytes()
    expected = (VECTORS / "output" / f"{name}.json").read_bytes()
    assert dumps(json.loads(data)).encode("utf-8") == expected
    assert dumps(loads(data)).encode("utf-8") == expected
    assert dumps(loads(expected)).encode("utf-8") == expected


# --- numbers (RFC 8785 section 3.2.2.3) --------------------------------------------------

NUMBERS: list[tuple[object, str]] = [
    (0.0, "0"),
    (-0.0, "0"),
    (1.0, "1"),
    (-1.0, "-1"),
    (1.5, "1.5"),
    (-1.5, "-1.5"),
    (0.1, "0.1"),
    (4.5, "4.5"),
    (0.002, "0.002"),
    (1e21, "1e+21"),
    (-1e21, "-1e+21"),
    (1e20, "100000000000000000000"),
    (1.23e20, "123000000000000000000"),
    (1e16, "10000000000000000"),
    (2.0**53, "9007199254740992"),
    (123456789.0, "123456789"),
    (1e-7, "1e-7"),
    (1.234e-7, "1.234e-7"),
    (1e-6, "0.000001"),
    (1.234e-6, "0.000001234"),
    (0.00001, "0.00001"),
    (1e30, "1e+30"),
    (1.5e300, "1.5e+300"),
    (1.2345e-10, "1.2345e-10"),
    (333333333.33333329, "333333333.3333333"),
    (5e-324, "5e-324"),
    (-5e-324, "-5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (0, "0"),
    (-1, "-1"),
    (MAX_SAFE_INTEGER, "9007199254740991"),
    (-MAX_SAFE_INTEGER, "-9007199254740991"),
    (True, "true"),
    (False, "false"),
    (None, "null"),
]

# Raw IEEE 754 bits and their ECMAScript form, from the rfc8785 package's own tests.
HEX_NUMBERS = [
    ("0000000000000001", "5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("value", "expected"), NUMBERS)
def test_number(value: object, expected: str) -> None:
    assert dumps(value) == expected
    assert dumps([value, 1]) == f"[{expected},1]"
    assert dumps({"k": value}) == f'{{"k":{expected}}}'


@pytest.mark.parametrize(("bits", "expected"), HEX_NUMBERS)
def test_number_from_bits(bits: str, expected: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert dumps(value) == expected


# --- strings (RFC 8785 section 3.2.2.2) --------------------------------------------------

ESCAPES = [
    ("\b", r'"\b"'),
    ("\t", r'"\t"'),
    ("\n", r'"\n"'),
    ("\f", r'"\f"'),
    ("\r", r'"\r"'),
    ('"', r'"\""'),
    ("\\", r'"\\"'),
    ("\x00", r'"\u0000"'),
    ("\x01", r'"\u0001"'),
    ("\x0b", r'"\u000b"'),
    ("\x1a", r'"\u001a"'),
    ("\x1f", r'"\u001f"'),
    ("\x7f", '"\x7f"'),
    ("/", '"/"'),
    ("'", '"\'"'),
    ("\u00e9", '"\u00e9"'),
    ("\u2028\u2029", '"\u2028\u2029"'),
    ("\ufeff", '"\ufeff"'),
    ("\U0001f600", '"\U0001f600"'),
    ("a\nb\u00e9\x00", '"a\\nb\u00e9\\u0000"'),
]


@pytest.mark.parametrize(("text", "expected"), ESCAPES)
def test_escape(text: str, expected: str) -> None:
    assert dumps(text) == expected
    assert dumps([text]) == f"[{expected}]"
    assert dumps({text: text}) == f"{{{expected}:{expected}}}"
    assert slow_dumps({text: [text]}) == f"{{{expected}:[{expected}]}}"


def test_every_ascii_character_matches_oracle() -> None:
    every = "".join(map(chr, range(128)))
    assert dumps(every) == oracle(every)
    assert slow_dumps([every]) == oracle([every])


# --- object member order (RFC 8785 section 3.2.3) ----------------------------------------


def test_keys_sorted_by_utf16_code_units_not_code_points() -> None:
    value = {"\ufb33": 1, "\U0001f600": 2}
    assert sorted(value) == ["\ufb33", "\U0001f600"]  # Python's code point order differs
    assert dumps(value) == '{"\U0001f600":2,"\ufb33":1}'
    assert dumps([{"a": [value]}]) == '[{"a":[{"\U0001f600":2,"\ufb33":1}]}]'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": 2, "aa": 3, "A": 4, "": 5}, '{"":5,"A":4,"a":2,"aa":3,"b":1}'),
        ({"\ue000": 1, "\U00010000": 2}, '{"\U00010000":2,"\ue000":1}'),
        ({"\uffff": 1, "\U0010ffff": 2, "\u00ff": 3}, '{"\u00ff":3,"\U0010ffff":2,"\uffff":1}'),
        ({"x\U0001f600": 1, "x\ufb33": 2, "x": 3}, '{"x":3,"x\U0001f600":1,"x\ufb33":2}'),
        ({"z": {"b": 1, "a": 2}, "y": []}, '{"y":[],"z":{"a":2,"b":1}}'),
    ],
)
def test_key_order(value: dict[str, object], expected: str) -> None:
    assert dumps(value) == expected
    assert oracle(value) == expected


def test_str_subclass_keys_sort_by_their_characters() -> None:
    class Liar(str):
        def __lt__(self, other: object) -> bool:
            return not str.__lt__(self, str(other))

    value = {Liar("b"): 2, Liar("a"): 1}
    assert json.dumps(value, sort_keys=True) == '{"b": 2, "a": 1}'  # why they are not plain
    assert dumps(value) == '{"a":1,"b":2}'


# --- subclasses and containers -----------------------------------------------------------


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 7


class Loud(int):
    def __repr__(self) -> str:
        return "LOUD"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ((1, "a", (None,)), '[1,"a",[null]]'),
        (OrderedDict([("b", 1), ("a", 2)]), '{"a":2,"b":1}'),
        (MappingProxyType({"b": 1, "a": 2}), '{"a":2,"b":1}'),
        ({"c": Colour.RED, "s": Size.BIG}, '{"c":"red","s":7}'),
        ([Loud(3), True, False], "[3,true,false]"),
        (type("F", (float,), {})(2.5), "2.5"),
        ([], "[]"),
        ({}, "{}"),
        ("", '""'),
    ],
)
def test_subclasses_and_containers(value: object, expected: str) -> None:
    assert dumps(value) == expected


# --- errors ------------------------------------------------------------------------------

ERRORS: list[tuple[object, str]] = [
    ({1: 2}, "object key 1 is int, not a string"),
    ({"a": [{True: 1}]}, "object key True is bool"),
    ({None: 1}, "object key None is NoneType"),
    ({1.5: 1}, "object key 1.5 is float"),
    ({1: 2, "a": 3}, "object key 1 is int"),
    ({("a",): 1}, "object key ('a',) is tuple"),
    ([{"x": 1.5, 2: 3}], "object key 2 is int"),
    (float("nan"), "number nan is not finite"),
    ([1.5, float("inf")], "number inf is not finite"),
    ({"a": float("-inf")}, "number -inf is not finite"),
    (2**53, "integer 9007199254740992 exceeds 2**53-1"),
    (-(2**53), "integer -9007199254740992 exceeds 2**53-1"),
    ([{"x": 10**20}], "integer 100000000000000000000 exceeds 2**53-1"),
    ([{"x": 10**20, "y": 0.5}], "integer 100000000000000000000 exceeds 2**53-1"),
    (10**400, "integer of 1329 bits exceeds 2**53-1"),
    (b"x", "unsupported type bytes"),
    ([{1, 2}], "unsupported type set"),
    (object(), "unsupported type object"),
    ({"d": Decimal("1.5")}, "unsupported type Decimal"),
    (iter([]), "unsupported type list_iterator"),
    ("\ud800", "string '\\ud800' holds a lone surrogate U+D800"),
    ({"\udc00": 1}, "lone surrogate U+DC00"),
    (["ok", {"k": "a\ud83d"}], "lone surrogate U+D83D"),
    ("\ud83d\ude00", "lone surrogate U+D83D"),  # a pair of code points is not a character
    ("x" * 100 + "\udfff", "string 'xxxx"),
]


@pytest.mark.parametrize(("value", "fragment"), ERRORS)
def test_error(value: object, fragment: str) -> None:
    with pytest.raises(ToolsError) as info:
        dumps(value, source="t.json")
    assert fragment in info.value.reason
    assert info.value.source == "t.json"
    assert str(info.value) == f"t.json: {info.value.reason}"
    assert info.value.reason[0].islower()


def test_big_integer_error_says_why() -> None:
    with pytest.raises(ToolsError, match="IEEE 754 doubles"):
        dumps(MAX_SAFE_INTEGER + 1)


def nested(depth: int, leaf: object) -> object:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize("leaf", [1, 1.5, "\U0001f600", (1,)])
def test_too_deep(leaf: object) -> None:
    with pytest.raises(ToolsError, match="nested too deeply"):
        dumps(nested(100_000, leaf))


def test_reference_cycle() -> None:
    cycle: list[object] = [1]
    cycle.append({"k": cycle})
    with pytest.raises(ToolsError, match="reference cycle"):
        dumps(cycle)


# --- which path runs -----------------------------------------------------------------------

TOOL = {
    "name": "search",
    "description": 'Search the web \u2014 caf\u00e9 \u4e2d\u6587 \U0001f680, "quoted", a\nnewline.',
    "parameters": {
        "type": "object",
        "properties": {"q": {"type": "string"}, "n": {"type": "integer", "maximum": 10**15}},
        "required": ["q"],
        "additionalProperties": False,
        "nullable": None,
    },
}


def test_plain_tools_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("slow path used")

    expected = oracle([TOOL, TOOL])
    for name in ("_members", "_string", "_integer", "_number"):
        monkeypatch.setattr(cj, name, fail)
    assert dumps([TOOL, TOOL]) == expected


@pytest.mark.parametrize(
    "value",
    [[1.0], {"a": 0.5}, {"\U0001f600": 1}, ["\ud800"], [2**53], [{1: 2}], OrderedDict(a=1)],
)
def test_other_values_take_the_slow_path(value: object) -> None:
    assert cj._fast(value, set()) is None


def test_text_outside_the_bmp_takes_the_fast_path_outside_keys() -> None:
    assert cj._fast({"k": ["\U0001f600", "\ufb33"]}, set()) == '{"k":["\U0001f600","\ufb33"]}'


def test_only_containers_above_a_float_or_emoji_key_take_the_slow_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow_objects: list[object] = []
    members = cj._members

    def spy(obj: Mapping[str, object], source: str) -> list[tuple[str, object]]:
        slow_objects.append(obj)
        return members(obj, source)

    params = {"t": {"default": 0.5}, "plain": TOOL}
    keys = {"\U0001f680": 1, "\ufb33": 2}
    odd = {"name": "f", "params": params, "emoji": "\U0001f680", "keys": keys}
    monkeypatch.setattr(cj, "_members", spy)
    assert dumps([TOOL, odd, TOOL]) == oracle([TOOL, odd, TOOL])
    assert slow_objects == [odd, keys, params, params["t"]]


def test_no_node_is_walked_more_than_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    value: object = {"x": 1.5}
    for _ in range(30):
        value = {"a": {"p": [1, 2, 3]}, "b": value}  # 6 nodes a level
    calls: list[object] = []
    plain = cj._plain

    def spy(item: object, bad: set[int]) -> bool:
        calls.append(item)
        return plain(item, bad)

    monkeypatch.setattr(cj, "_plain", spy)
    assert dumps(value) == oracle(value)
    assert len(calls) <= 2 * (6 * 30 + 2)


def test_deep_values_match_oracle() -> None:
    value = nested(40, 1.5)
    assert dumps(value) == oracle(value)
    assert dumps(nested(40, 1)) == oracle(nested(40, 1))


# --- properties against the rfc8785 oracle ------------------------------------------------

MAX = MAX_SAFE_INTEGER
_ints = st.integers(-MAX, MAX) | st.sampled_from([MAX, -MAX, 10**15, -(10**15), 0])
_floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1e21, 1e20, 1e-7, 1e-6, -0.0, 2.0**53, 5e-324, 0.1, 1.0, 123.0]
)
_tricky = st.sampled_from(
    ["a", "B", "\u00e9", "\ufb33", "\ue000", "\uffff", "\U0001f600", "\U00010000", "\x00", '"']
)
_text = st.text(st.characters(codec="utf-8"), max_size=8) | st.text(_tricky, max_size=3)
_bmp_text = st.text(st.characters(codec="utf-8", max_codepoint=0xFFFF), max_size=8)


def _json(scalars: st.SearchStrategy[object], keys: st.SearchStrategy[str]) -> st.SearchStrategy:
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.lists(children, max_size=3).map(tuple)
            | st.dictionaries(keys, children, max_size=5)
        ),
        max_leaves=25,
    )


#: Any JSON value: floats, non-BMP text and keys, big-but-valid ints (mostly the slow path).
json_values = _json(st.none() | st.booleans() | _ints | _floats | _text, _text)
#: JSON values the fast path takes: no floats, no keys outside the BMP.
plain_values = _json(st.none() | st.booleans() | _ints | _text, _bmp_text)


@given(json_values | plain_values)
def test_matches_oracle(value: object) -> None:
    event("fast path" if cj._fast(value, set()) is not None else "slow path")
    assert dumps(value) == oracle(value)


@given(plain_values)
def test_fast_path_matches_oracle_and_slow_path(value: object) -> None:
    fast = cj._fast(value, set())
    assert fast is not None
    assert fast == oracle(value)
    assert slow_dumps(value) == fast


@given(plain_values)
def test_orjson_writes_what_the_json_encoder_writes(value: object) -> None:
    expected = cj._ENCODER.encode(value)
    try:
        text = orjson.dumps(value, option=cj._ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        assert not cj._no_lone_surrogate(expected)
    else:
        assert text == expected


def test_values_past_orjsons_nesting_limit_take_the_json_encoder() -> None:
    value = nested(300, "\u00e9")
    with pytest.raises(orjson.JSONEncodeError, match="Recursion"):
        orjson.dumps(value)
    assert cj._fast(value, set()) == oracle(value)
    assert cj._fast(nested(300, "\ud800"), set()) is None


@given(st.lists(plain_values | json_values, max_size=6))
def test_tools_arrays_match_oracle(value: list[object]) -> None:
    assert dumps(value) == oracle(value)


@given(json_values | plain_values)
def test_idempotent(value: object) -> None:
    text = dumps(value)
    assert dumps(loads(text)) == text
    assert dumps(loads(text.encode("utf-8"))) == text


@given(st.integers(0, 2**64 - 1))
def test_any_double_matches_oracle(bits: int) -> None:
    (value,) = struct.unpack(">d", bits.to_bytes(8, "big"))
    if value != value or value in (float("inf"), float("-inf")):
        return
    text = dumps(value)
    assert text == oracle(value)
    assert float(text) == value


_bad = st.sampled_from(
    [float("nan"), float("inf"), 2**53, -(2**60), "\ud800", "x\udfff", b"", {1: 2}, {None: 0}]
)


@given(_json(st.none() | _ints | _floats | _text | _bad, _text | st.sampled_from(["\udc00"])))
def test_rejects_what_oracle_rejects(value: object) -> None:
    try:
        expected: str | None = oracle(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        expected = None
    if expected is None:
        with pytest.raises(ToolsError):
            dumps(value)
    else:
        assert dumps(value) == expected


# --- loads ---------------------------------------------------------------------------------

BAD_UTF8 = [
    (b'[\n  "ab\xffc"]', 2, 6, 0xFF),
    (b'{"\xc3\xa9\xfe": 1}', 1, 4, 0xFE),
    (b'\xef\xbb\xbf["\xc3\xa9", "\xc0\xaf"]', 1, 8, 0xC0),
    (b'["x"]\n\n"\xe2\x82', 3, 2, 0xE2),
    (b"\xed\xa0\x80", 1, 1, 0xED),  # an encoded surrogate is not UTF-8
]


@pytest.mark.parametrize(("data", "line", "column", "byte"), BAD_UTF8)
def test_loads_invalid_utf8(data: bytes, line: int, column: int, byte: int) -> None:
    with pytest.raises(EncodingError) as info:
        loads(data, source="t.json")
    assert (info.value.line, info.value.column) == (line, column)
    assert info.value.reason == f"invalid UTF-8 byte 0x{byte:02x}"
    assert str(info.value).startswith(f"t.json:{line}:{column}: ")


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ("", 1, 1, "expecting value"),
        ("[1, 2", 1, 6, "expecting ',' delimiter"),
        ('{\n  "a": 1,\n}', 3, 1, "expecting property name enclosed in double quotes"),
        ("[1] x", 1, 5, "extra data after the JSON value"),
        ('[\n"a\tb"]', 2, 3, "invalid control character in a string"),
        ('{"a" 1}', 1, 6, "expecting ':' delimiter"),
        ("[01]", 1, 3, "expecting ',' delimiter"),
        ("\ufeff\ufeff[]", 1, 1, "expecting value"),
    ],
)
def test_loads_syntax_error(text: str, line: int, column: int, reason: str) -> None:
    for data in (text, text.encode("utf-8")):
        with pytest.raises(ToolsError) as info:
            loads(data, source="t.json")
        assert (info.value.reason, info.value.line, info.value.column) == (reason, line, column)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"name": 1, "name": 2}', 'duplicate key "name"'),
        ('[{"a": {"b": 1, "c": 2, "b": 3}}]', 'duplicate key "b"'),
        ('{"\\u00e9": 1, "\u00e9": 2}', 'duplicate key "\\u00e9"'),
        ("[NaN]", "non-standard constant NaN is not valid JSON"),
        ('{"x": Infinity}', "non-standard constant Infinity"),
        ("-Infinity", "non-standard constant -Infinity"),
        ("[1e400]", "number 1e400 is out of range"),
        ("-1.5E+999", "number -1.5E+999 is out of range"),
        ("9007199254740993", "integer 9007199254740993 exceeds 2**53-1"),
        ("[-12345678901234567890]", "integer -12345678901234567890 exceeds"),
        ("1" * 5000, "integer of 5000 digits exceeds"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_loads_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ToolsError) as info:
        loads(text, source="t.json")
    assert fragment in info.value.reason
    assert info.value.source == "t.json"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'\xef\xbb\xbf{"a": [1, 2.5, "\xc3\xa9"]}', {"a": [1, 2.5, "\u00e9"]}),
        ('\ufeff{"a": null}', {"a": None}),
        (" \t\r\n[true, false] \n", [True, False]),
        ("100000000000000000000", 1e20),
        ("-9007199254740992", -(2.0**53)),
        ("9007199254740991", MAX_SAFE_INTEGER),
        ('"\\ud83d\\ude00"', "\U0001f600"),
    ],
)
def test_loads_accepts(data: str | bytes, expected: object) -> None:
    value = loads(data)
    assert value == expected
    assert type(value) is type(expected)


def test_loads_returns_plain_dicts() -> None:
    def containers(value: object) -> Iterator[type]:
        yield type(value)
        if isinstance(value, dict):
            for item in value.values():
                yield from containers(item)
        elif isinstance(value, list):
            for item in value:
                yield from containers(item)

    value = loads('{"b": [{"c": {}}], "a": {"d": []}}')
    assert set(containers(value)) == {dict, list}
    assert list(value) == ["b", "a"]  # type: ignore[call-overload]


def test_canonical_big_doubles_round_trip() -> None:
    for value in (1e20, 2.0**53, -(2.0**60), 999999999999999900000.0):
        text = dumps(value)
        assert text.lstrip("-").isdigit()
        assert dumps(loads(text)) == text


# --- the cheaper way for JSON text ----------------------------------------------------------


def has_float(value: object) -> bool:
    if isinstance(value, dict):
        return any(map(has_float, value.values()))
    if isinstance(value, list):
        return any(map(has_float, value))
    return type(value) is float


def texts_of(value: object) -> list[str]:
    """JSON texts of ``value``: canonical, ASCII-only (surrogate pair escapes), indented."""
    return [dumps(value), json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)]


def has_colon_escape(text: str) -> bool:
    return "\\u003a" in text or "\\u003A" in text


@given(json_values | plain_values)
def test_cheaper_way_matches_loads_and_dumps(value: object) -> None:
    for text in texts_of(value):
        expected = loads(text)
        parsed = cj.parse_unchecked(text)
        if parsed is None:
            assert has_colon_escape(text)
            continue
        assert repr(parsed[0]) == repr(expected)  # also the order of members, and -0.0
        assert parsed[1] == has_float(expected)
        assert cj.dumps_parsed(parsed[0], parsed[1], "t") == dumps(expected).encode()
        assert cj.members_kept(text, dumps(expected).encode())


@given(json_values | plain_values)
def test_orjson_way_matches_loads_and_dumps_or_declines(value: object) -> None:
    """parse_plain reads what loads reads (members and their order), and dumps_plain gives
    RFC 8785's text or None; None wherever a float or a long integer is in the text."""
    for text in texts_of(value):
        expected = loads(text)
        parsed = cj.parse_plain(text)
        if parsed is None:
            assert expected is None or has_colon_escape(text) or "\\ud" in text.lower()
            continue
        assert repr(parsed) == repr(expected) or has_float(expected)
        written = cj.dumps_plain(parsed)
        if written is not None:
            assert written == dumps(expected).encode()
        elif not has_float(expected):
            may_part = cj._keys_may_part(dumps(expected).encode())
            assert may_part or (re.search(r"[0-9]{16}", text) and not cj._plain(parsed, set()))


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ([{"name": "a", "n": -9007199254740991}], True),  # 16 digits: the walk says plain
        ([{"name": "a", "n": 9007199254740992}], False),  # beyond 2**53 - 1
        ([{"name": "a", "n": 9007199254740991, "x": 0.5}], False),
        ([{"name": "a", "n": 999999999999999}], True),
        ([{"name": "1.5e3", "d": "2.0"}], True),  # numbers in strings are text
        ([{"name": 'q"1.5'}], True),
        ([{"name": "a", "x": 0.5}], False),
        ([{"name": "a", "x": -1e-07}], False),
        ([{"\U0001f600": 1, "\uff01": 2}], False),  # UTF-16 and code point order part
        ([{"\U0001f600": 1, "\u00e9": 2}], True),
    ],
)
def test_dumps_plain_declines_what_orjson_writes_apart(value: object, plain: bool) -> None:
    text = json.dumps(value, ensure_ascii=False)
    written = cj.dumps_plain(cj.parse_plain(text))
    assert (written is not None) == plain
    if written is not None:
        assert written == dumps(value).encode()


#: JSON text with duplicate member names now and then, spelt alike or by escapes, and
#: colons inside and outside strings.
_key_texts = st.sampled_from(
    [
        *['"a"', '"\\u0061"', '"b"', '":"', '"a:"', '"a:b"', '""', '"\U0001f600"'],
        *['"\\ud83d\\ude00"', '"\ufb33"', '"\u00e9"', '"e\\u0301"'],
    ]
)
_scalar_texts = st.sampled_from(
    [
        *["null", "true", "0", "-7", "9007199254740991", "0.5", "-0.0", "1e21", "1E-7"],
        *["100000000000000000000", '":"', '"x:y"', '"\\u003A"', '"\\\\"'],
        *['"\\ud83d\\ude00"', '"\u00e9\\n\\t"', '"\U0001f680"', '"\\"::\\""'],
    ]
)
json_texts = st.recursive(
    _scalar_texts,
    lambda children: (
        st.lists(children, max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
        | st.lists(st.tuples(_key_texts, children), max_size=4).map(
            lambda pairs: "{" + ",".join(f"{key} :{item}" for key, item in pairs) + "}"
        )
    ),
    max_leaves=20,
)


@given(json_texts)
def test_members_kept_finds_every_duplicate(text: str) -> None:
    parsed = cj.parse_unchecked(text)
    try:
        expected = loads(text)
    except ToolsError as e:
        error: ToolsError | None = e
    else:
        error = None
    event("colon escape" if parsed is None else "duplicate" if error else "no duplicate")
    if parsed is None:
        assert has_colon_escape(text)
    elif error is not None:
        assert error.reason.startswith("duplicate key")
        assert not cj.members_kept(text, dumps(parsed[0]).encode())
    else:
        assert repr(parsed[0]) == repr(expected)
        assert cj.members_kept(text, dumps(expected).encode())


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ('{"a": 1, "b": {"c": [2, {"d": 3}]}}', True),
        ('{"a:b": "c:d", "e": ":", "::": [":"]}', True),
        ('{"a": 1, "a": 1}', False),
        ('[{"a": {"b": 1}}, {"a": {"b": 1, "b": 1}}]', False),
        ('{"a": 1, "\\u0061": 1}', False),
        ('{"x": {"a": ":"}, "x": {"a:": ""}}', False),
        ('{"x": {"a": ":"}, "x": {"a": ":"}}', False),
    ],
)
def test_members_kept(text: str, kept: bool) -> None:
    parsed = cj.parse_unchecked(text)
    assert parsed is not None
    assert cj.members_kept(text, dumps(parsed[0]).encode()) is kept


def test_members_kept_counts_the_colons_left_out() -> None:
    text = '{"b": {"c": ":"}, "tools": [{"name": "a:b"}], "a": 1}'
    layer = dumps([{"name": "a:b"}]).encode()
    assert cj.members_kept(text, layer, {"b": {"c": ":"}, "tools": [], "a": 1})
    assert not cj.members_kept(text, layer)
    text = '{"tools": [{"name": "a"}], "tools": [{"name": "a"}]}'
    assert not cj.members_kept(text, dumps([{"name": "a"}]).encode(), {"tools": []})
    text = '{"tools": [{"name": "a"}], "x": 0.5, "x": 0.5}'
    assert not cj.members_kept(text, dumps([{"name": "a"}]).encode(), {"tools": [], "x": 0.5})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[1, 2",
        "[1] x",
        '[\n"a\tb"]',
        "[01]",
        "\ufeff[]",
        "[NaN]",
        '{"x": Infinity}',
        "-Infinity",
        "[1e400]",
        "9007199254740993",
        "[-12345678901234567890]",
        "1" * 5000,
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_parse_unchecked_refuses_what_parse_refuses(text: str) -> None:
    assert cj.parse_unchecked(text) is None
    with pytest.raises(ToolsError):
        cj.parse(text, "t")


@pytest.mark.parametrize(
    "text", ['{"a": "\\u003a"}', '{"\\u003A": 1}', '["\\\\u003a"]', '{":": 1, "\\u003a": 1}']
)
def test_parse_unchecked_refuses_colon_escapes(text: str) -> None:
    """``\\u003a`` (or a backslash, then ``u003a``) is rare, and members_kept() cannot
    count its colon."""
    assert cj.parse_unchecked(text) is None


@pytest.mark.parametrize(
    ("text", "floats"),
    [
        ("[1, -2, 9007199254740991, -9007199254740991, 123456789012345]", False),
        ('["1.5", {"1e2": null}]', False),
        ("[1.0]", True),
        ('{"a": [1e2]}', True),
        ("-0.0", True),
        ("100000000000000000000", True),  # a double, written as RFC 8785 writes it
        ("-9007199254740992", True),
        ("[1]", False),  # no float left over from the call before
    ],
)
def test_parse_unchecked_tells_floats(text: str, floats: bool) -> None:
    parsed = cj.parse_unchecked(text)
    assert parsed is not None
    assert repr(parsed[0]) == repr(loads(text))
    assert parsed[1] is floats


@pytest.mark.parametrize(
    "text",
    [
        '[{"b": 1, "a": [true, null, "\u00e9\\n"]}]',  # the C encoder's text, no walk
        '[{"x": 0.5, "y": {"z": 1}}]',  # a float
        '[{"x": 100000000000000000000}]',  # a big integer: a double
        '[{"\\ud83d\\ude00": 1, "\\ufb33": 2}]',  # keys outside the BMP, by escapes
        '[{"\U0001f600": 1, "\ufb33": 2}]',
        '[{"k": ["\U0001f600", "\\ufb33"], "\ufb33": 2}]',  # outside the BMP, not in a key
    ],
)
def test_dumps_parsed_matches_dumps(text: str) -> None:
    parsed = cj.parse_unchecked(text)
    assert parsed is not None
    value, floats = parsed
    assert cj.dumps_parsed(value, floats, "t").decode() == dumps(value) == oracle(value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('["\\ud800"]', "U+D800"),
        ('[{"k": "a\\udc00"}]', "U+DC00"),
        ('[{"\\ud83d": 1}]', "U+D83D"),
        ('[{"\\ud83d\\ude00": "\\ud83d"}]', "U+D83D"),
        ('[{"x": 0.5, "k": "\\udfff"}]', "U+DFFF"),
    ],
)
def test_dumps_parsed_rejects_lone_surrogates(text: str, fragment: str) -> None:
    parsed = cj.parse_unchecked(text)
    assert parsed is not None
    value, floats = parsed
    with pytest.raises(ToolsError) as info:
        cj.dumps_parsed(value, floats, "t")
    with pytest.raises(ToolsError) as expected:
        dumps(value, source="t")
    assert str(info.value) == str(expected.value)
    assert fragment in info.value.reason


def test_dumps_parsed_skips_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("walked")

    bmp = {**TOOL, "description": "caf\u00e9 \u4e2d\u6587, a\nnewline \ufb33"}
    texts = [json.dumps([bmp, bmp]), json.dumps([bmp], ensure_ascii=False), '[{"a": 1}]']
    parsed = [cj.parse_unchecked(text) for text in texts]
    expected = [oracle(value) for value, _ in filter(None, parsed)]
    for name in ("_plain", "_dumps", "_members", "_string", "_integer", "_number"):
        monkeypatch.setattr(cj, name, fail)
    layers = [cj.dumps_parsed(value, floats, "t") for value, floats in filter(None, parsed)]
    assert [layer.decode() for layer in layers] == expected


def test_dumps_parsed_walks_only_for_text_outside_the_bmp(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("slow path used")

    parsed = cj.parse_unchecked(json.dumps([TOOL, {"k": ["\U0001f600"]}]))
    assert parsed is not None
    value, floats = parsed
    expected = oracle(value)
    for name in ("_dumps", "_members", "_string", "_integer", "_number"):
        monkeypatch.setattr(cj, name, fail)
    assert cj.dumps_parsed(value, floats, "t").decode() == expected


@given(
    st.integers(-(2**64), 2**64)
    | st.integers(2**53 - 2**20, 2**53 + 2**20)
    | st.integers(10**15, 10**16 - 1)
)
def test_dumps_plain_declines_exactly_the_integers_beyond_a_double(n: int) -> None:
    written = cj.dumps_plain(cj.parse_plain(f'[{{"name": "a", "n": {n}}}]'))
    assert (written is None) == (abs(n) > cj.MAX_SAFE_INTEGER)
