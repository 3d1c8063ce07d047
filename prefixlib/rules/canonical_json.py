"""RFC 8785 (JSON Canonicalization Scheme) serialisation and strict JSON parsing (SPEC.md 4).

:func:`dumps` has two paths that give the same text.  The fast path, a compiled encoder
(orjson), is taken only where a walk has shown its output to be RFC 8785: exact
``dict``/``list``/``tuple``, ``str`` keys inside the BMP (outside it, code point order and
UTF-16 order part), ``str``/``bool``/``None`` leaves and ``int`` leaves within 2**53 - 1
(no floats: Python's ``repr`` is not ECMAScript's form); and its text is kept only without
lone surrogates.  The slow path implements RFC 8785 for everything else, container by
container, so a subtree without a float still gets the fast path.

Subclasses are serialised as their built-in value: ``bool`` as a literal,
``int`` subclasses (``IntEnum``) and ``float`` subclasses by ``int.__repr__``
and ``float.__repr__``, ``str`` subclasses (``StrEnum``) by their characters,
and any :class:`~collections.abc.Mapping` by its ``items()``.

JSON text of a tools layer (SPEC.md 4.1) has a cheaper way through, with the same result:
:func:`parse_unchecked` parses it with no Python call per object, leaving the check for
duplicate member names to :func:`members_kept`, which counts colons once the text is
serialised; and :func:`dumps_parsed` serialises what it gave without the walk, which only
a float, a key outside the BMP or a lone surrogate can need.

orjson's text with sorted keys is the ``json`` module's (tests compare the two), ~13x faster.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
from collections.abc import Mapping
from operator import itemgetter
from typing import Any, Final

import orjson

from prefixlib.errors import EncodingError, ToolsError
from prefixlib.rules.engine import ANCHOR_START, matcher
from prefixlib.rules.json_places import events, line_column

__all__ = [
    "MAX_SAFE_INTEGER",
    "dumps",
    "dumps_parsed",
    "dumps_plain",
    "json_text",
    "loads",
    "members_kept",
    "parse",
    "parse_plain",
    "parse_unchecked",
]

#: Largest integer magnitude RFC 8785 numbers (IEEE 754 doubles) hold exactly.
MAX_SAFE_INTEGER = 2**53 - 1

#: Sorted keys and no whitespace: orjson then writes what the ``json`` encoder below writes.
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS
_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    check_circular=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)
_ESCAPE = re.compile(r'[\x00-\x1f"\\]')
_ESCAPES = {chr(c): f"\\u{c:04x}" for c in range(0x20)} | {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_SORT_KEY = itemgetter(0)
_CONTAINERS = frozenset({dict, list, tuple})
_NOT_A_DOUBLE = (
    "exceeds 2**53-1 in magnitude: RFC 8785 represents numbers as IEEE 754 doubles, "
    "which cannot hold every such integer exactly"
)
_TOO_DEEP = "value is nested too deeply (or contains a reference cycle)"


def dumps(value: object, *, source: str = "tools") -> str:
    """The RFC 8785 canonical JSON text of ``value`` (RFC 8785 section 3.2).

    Raises :class:`ToolsError` for values outside RFC 8785's domain: a
    non-``str`` object key, a non-finite float, an ``int`` beyond 2**53 - 1 in
    magnitude, a lone surrogate, an unsupported type, or nesting too deep.
    """
    return _dumps(value, source, set())


def _dumps(value: object, source: str, bad: set[int]) -> str:
    """:func:`dumps`, given the ``id`` of each container a walk has found not plain."""
    out: list[str] = []
    try:
        _write(value, out, source, bad)
    except RecursionError:
        raise ToolsError(_TOO_DEEP, source=source) from None
    return "".join(out)


def _fast(value: object, bad: set[int]) -> str | None:
    """The text of a compiled encoder for ``value`` if it is provably the RFC 8785 text
    (RFC 8785 section 3.2), else None."""
    if _plain(value, bad):
        return _encoded(value)
    return None


def _encoded(value: object) -> str | None:
    """The text of a plain value (see :func:`_plain`) with keys sorted by code point and no
    whitespace; None if it holds a lone surrogate.  orjson writes it, or the ``json``
    encoder past orjson's nesting limit of 255."""
    with contextlib.suppress(orjson.JSONEncodeError):  # a lone surrogate; too deep
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode("utf-8")
    text = _ENCODER.encode(value)
    return text if text.isascii() or _no_lone_surrogate(text) else None


def _plain(value: object, bad: set[int]) -> bool:
    """Whether a JSON encoder with sorted keys writes ``value`` as RFC 8785 does, lone surrogates
    aside (RFC 8785 section 3.2); adds the ``id`` of each container found not plain to ``bad``.

    Floats are never plain (section 3.2.2.3 writes them as ECMAScript does), nor keys
    outside the BMP, where UTF-16 order and code point order part (section 3.2.3).
    """
    if type(value) is dict:
        for key, item in value.items():
            if (
                type(key) is not str
                or not (key.isascii() or max(key) < "\U00010000")
                or (type(item) is not str and not _plain(item, bad))
            ):
                bad.add(id(value))
                return False
        return True
    if type(value) is list or type(value) is tuple:
        for item in value:
            if type(item) is not str and not _plain(item, bad):
                bad.add(id(value))
                return False
        return True
    if type(value) is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    return type(value) is str or type(value) is bool or value is None


def _no_lone_surrogate(text: str) -> bool:
    """Whether ``text`` is valid Unicode, as RFC 8785 section 3.2.2.2 requires."""
    try:
        text.encode("utf-16-le")
    except UnicodeEncodeError:
        return False
    return True


def _write(value: object, out: list[str], source: str, bad: set[int]) -> None:
    """Append the RFC 8785 text of ``value`` to ``out`` (RFC 8785 section 3.2).

    A container tries the fast path first unless a walk has already put it in ``bad``, so
    a float sends only the containers above it down the slow path, and no node is walked
    more than twice (lone surrogates aside).
    """
    if isinstance(value, str):
        out.append(_string(value, source))
    elif type(value) in _CONTAINERS and id(value) not in bad and (text := _fast(value, bad)):
        out.append(text)
    elif isinstance(value, (dict, Mapping)):
        out.append("{")
        for index, (name, item) in enumerate(_members(value, source)):
            out.append(f",{name}:" if index else f"{name}:")
            _write(item, out, source, bad)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out, source, bad)
        out.append("]")
    elif value is None or isinstance(value, bool):
        out.append("null" if value is None else "true" if value else "false")
    elif isinstance(value, int):
        out.append(_integer(value, source))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ToolsError(f"number {float.__repr__(value)} is not finite", source=source)
        out.append(_number(value))
    else:
        raise ToolsError(f"unsupported type {type(value).__name__}", source=source)


def _members(obj: Mapping[Any, object], source: str) -> list[tuple[str, object]]:
    """The (serialised name, value) pairs of ``obj`` sorted by the UTF-16 code units of
    their names (RFC 8785 section 3.2.3)."""
    members = []
    for key, item in obj.items():
        if not isinstance(key, str):
            raise ToolsError(
                f"object key {key!r} is {type(key).__name__}, not a string", source=source
            )
        name = _string(key, source)  # first: it rejects the lone surrogates encode() cannot take
        members.append((str.encode(key, "utf-16-be"), name, item))
    members.sort(key=_SORT_KEY)
    return [(name, item) for _, name, item in members]


def _string(text: str, source: str) -> str:
    """``text`` as a JSON string with RFC 8785's minimal escaping (section 3.2.2.2)."""
    if not text.isascii():
        bad = _SURROGATE.search(text)
        if bad:
            preview = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
            raise ToolsError(
                f"string {preview} holds a lone surrogate U+{ord(bad.group()):04X}",
                source=source,
            )
    return '"' + _ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    """The RFC 8785 escape of one character (section 3.2.2.2)."""
    return _ESCAPES[match.group()]


def _integer(value: int, source: str) -> str:
    """An ``int`` as an RFC 8785 number: exact only up to 2**53 - 1 (section 3.2.2.3)."""
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return int.__repr__(value)
    bits = value.bit_length()
    shown = int.__repr__(value) if bits <= 256 else f"of {bits} bits"
    raise ToolsError(f"integer {shown} {_NOT_A_DOUBLE}", source=source)


def _number(value: float) -> str:
    """A finite float in ECMAScript Number.prototype.toString form (RFC 8785 section
    3.2.2.3, ECMA-262 Number::toString)."""
    if value == 0:
        return "0"
    # repr gives the shortest round-tripping digits, as ECMAScript requires.
    mantissa, _, exponent = float.__repr__(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) - len(whole + fraction) + len(digits) + int(exponent or 0)
    digits = digits.rstrip("0")
    sign = "-" if value < 0 else ""
    if len(digits) <= point <= 21:
        return sign + digits + "0" * (point - len(digits))
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    power = point - 1
    head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{head}e{'+' if power > 0 else '-'}{abs(power)}"


class _Reject(Exception):
    """A parse hook's refusal, turned into a :class:`ToolsError` by :func:`loads`."""


def loads(data: str | bytes, *, source: str = "tools") -> object:
    """Parse strict JSON text (RFC 8259) into plain dicts and lists.

    Bytes must be UTF-8; a leading byte order mark is skipped (for ``str`` too).
    Beyond ``json.loads``, duplicate object keys, ``NaN`` and ``Infinity``, numbers
    beyond a double's range and integers beyond 2**53 - 1 (unless RFC 8785's form of
    a double, see :func:`_int`) are errors: RFC 8785 section 3.1 takes I-JSON (RFC 7493).
    """
    return parse(json_text(data, source), source)


def json_text(data: str | bytes, source: str) -> str:
    """JSON text as :func:`loads` reads it: bytes decoded as UTF-8, a leading byte order
    mark skipped (RFC 8259 section 8.1)."""
    return _decode(data, source) if isinstance(data, bytes) else data.removeprefix("\ufeff")


def parse(text: str, source: str) -> object:
    """:func:`loads` of text that :func:`json_text` has given."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as e:
        reason = _JSON_REASONS.get(e.msg, f"invalid JSON ({e.msg})")
        raise ToolsError(reason, source=source, line=e.lineno, column=e.colno) from None
    except _Reject as e:
        offset = _rejected_at(text)
        line, column = (None, None) if offset is None else line_column(text, offset)
        raise ToolsError(str(e), source=source, line=line, column=column) from None
    except RecursionError:
        offset, depth = _deepest(text)
        line, column = line_column(text, offset)
        raise ToolsError(
            f"value is nested too deeply ({depth} levels here)",
            source=source,
            line=line,
            column=column,
        ) from None


def _deepest(text: str) -> tuple[int, int]:
    """Where ``text`` is nested deepest: the offset of the first container opened at the
    greatest depth, and that depth.  Only on the error path."""
    offset, depth, deepest = 0, 0, 0
    for match in _BRACKETS.finditer(text):
        bracket = match[0]
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                offset, deepest = match.start(), depth
        elif bracket in "]}":
            depth -= 1
    return offset, deepest


#: A JSON string (skipped) or a bracket.
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


#: The ``json`` module's messages, worded as prefixlib's messages are (never case-folded).
_JSON_REASONS: Final = {
    "Expecting value": "expecting value",
    "Extra data": "extra data after the JSON value",
    "Expecting ',' delimiter": "expecting ',' delimiter",
    "Expecting ':' delimiter": "expecting ':' delimiter",
    "Expecting property name enclosed in double quotes": (
        "expecting property name enclosed in double quotes"
    ),
    "Unterminated string starting at": "unterminated string starting here",
    "Invalid control character at": "invalid control character in a string",
    "Invalid \\escape": "invalid escape in a string",
    "Invalid \\uXXXX escape": "invalid \\uXXXX escape in a string",
    "Illegal trailing comma before end of object": "trailing comma before the end of an object",
    "Illegal trailing comma before end of array": "trailing comma before the end of an array",
}


def _rejected_at(text: str) -> int | None:
    """Where :func:`parse` found a value RFC 8785 does not take, in the order its hooks run:
    a number or constant as it is read, a duplicate member name when its object closes
    (the second occurrence).  Only on the error path."""
    for event, _ in events(text):
        if event.kind == "close" and event.duplicate is not None:
            return event.duplicate
        if event.kind != "value" or event.token[0] in '"tfn':
            continue
        try:
            if event.token[-1].isdigit() and not ("." in event.token or "e" in event.token.lower()):
                _int(event.token)
            elif event.token[-1].isdigit():
                _float(event.token)
            else:
                _constant(event.token)
        except _Reject:
            return event.offset
    return None


def _decode(data: bytes, source: str) -> str:
    """Decode UTF-8 (RFC 8259 section 8.1) strictly, skipping a BOM; report a bad byte by
    line and column, the column in characters of the line so far."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        raise EncodingError(
            f"invalid UTF-8 byte 0x{data[e.start]:02x}",
            source=source,
            line=data.count(b"\n", 0, e.start) + 1,
            column=len(data[line_start : e.start].decode("utf-8")) + 1,
        ) from None


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object without duplicate member names (RFC 7493 section 2.3)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Reject(f"duplicate key {json.dumps(key)}")
            seen.add(key)
    return obj


def _constant(name: str) -> float:
    """Refuse ``NaN``, ``Infinity`` and ``-Infinity``, which JSON lacks (RFC 8259 section 6)."""
    raise _Reject(f"non-standard constant {name} is not valid JSON")


def _int(text: str) -> int | float:
    """An integer; beyond 2**53 - 1 in magnitude, only the RFC 8785 form of a double.

    RFC 8785 section 3.2.2.3 writes doubles such as ``1e20`` as integers
    (``100000000000000000000``), so parsing canonical text must accept them, as floats.
    Any other big integer (``9007199254740993``) would change when canonicalised.
    """
    if len(text) <= 310:  # a longer one is beyond every double (and int()'s digit limit)
        value = int(text)
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        with contextlib.suppress(OverflowError):
            if _number(float(value)) == text:
                return float(value)
    shown = text if len(text) <= 80 else f"of {len(text)} digits"
    raise _Reject(f"integer {shown} {_NOT_A_DOUBLE}")


def _float(text: str) -> float:
    """A number with a fraction or exponent, as an IEEE 754 double (RFC 7493 section 2.2)."""
    value = float(text)
    if math.isinf(value):
        raise _Reject(f"number {text} is out of range of an IEEE 754 double")
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_constant, parse_float=_float, parse_int=_int
)


# --- the cheaper way for JSON text (SPEC.md 4.1, 4.4) ------------------------------------


def parse_plain(text: str) -> object | None:
    """``text`` parsed by orjson, which builds the value with no Python call per number
    (parsing real tool lists ~3x faster than :func:`parse_unchecked`); None wherever
    orjson refuses it (a lone surrogate, NaN, a number beyond a double, nesting past its
    limit) and for text with the escape ``\\u003a`` (see :func:`parse_unchecked`).

    orjson reads what the ``json`` module reads but for those refusals, and keeps the last
    member of a duplicate name as it does, so :func:`members_kept` applies alike; it gives
    an integer beyond 2**53 - 1 and every float as they are, which :func:`dumps_plain`
    tells apart.
    """
    if text.rfind("\\u003") >= 0 and ("\\u003a" in text or "\\u003A" in text):
        return None
    try:
        value: object = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value


def dumps_plain(value: object) -> bytes | None:
    """The RFC 8785 text, as UTF-8, of a value made of what :func:`parse_plain` gave, where
    orjson's text with sorted keys is it (RFC 8785 section 3.2); None where it may not be.

    That text is RFC 8785's unless it holds a float (written apart, section 3.2.2.3), an
    integer beyond 2**53 - 1 (RFC 8785 has doubles only), or keys that UTF-16 orders apart
    from code points (see :func:`dumps_parsed`), which a scan of the text rules out: a
    number with a point or an exponent, or an integer beyond 2**53 - 1, outside strings.  (A
    walk of the value, :func:`_plain`, cost ~3x the scan.)
    """
    try:
        data = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None
    if _NOT_PLAIN_NUMBER(ANCHOR_START, data, 0, len(data))[0][0] >= 0:
        return None
    if data.isascii() or not _keys_may_part(data):
        return data
    return None


def _digits_above(bound: str) -> bytes:
    """An RE2 pattern for a run of digits greater than ``bound`` (digits, no leading zero):
    a longer run, or one as long with a greater digit after a common start."""
    longer = b"[0-9]{%d}" % (len(bound) + 1)
    same = (
        bound[:i].encode() + b"[%c-9][0-9]{%d}" % (ord(bound[i]) + 1, len(bound) - i - 1)
        for i in range(len(bound))
        if bound[i] != "9"
    )
    return b"|".join((longer, *same))


#: Outside strings, a number with a fraction or exponent, or an integer beyond 2**53 - 1 in
#: magnitude (JSON Schema's 9007199254740991 is within).
_NOT_PLAIN_NUMBER = matcher(
    rb'(?:[^"]|"(?:[^"\\]|\\.)*")*(?:[0-9][.eE]|' + _digits_above(str(MAX_SAFE_INTEGER)) + b")"
)


def _keys_may_part(data: bytes) -> bool:
    """Whether two keys in this UTF-8 JSON text may be ordered apart by code point and by UTF-16
    unit: only a character outside the BMP and one from U+E000 to U+FFFF, first differing
    between two keys, compare differently (RFC 8785 section 3.2.3)."""
    return any(lead in data for lead in _UTF8_4_BYTE_LEADS) and (b"\xee" in data or b"\xef" in data)


def parse_unchecked(text: str) -> tuple[object, bool] | None:
    """``text`` parsed as :func:`parse` does, but for duplicate member names, which it does
    not look for (the last member of a name stays, as in ``json.loads``), and whether the
    value holds a float; None wherever :func:`parse` would raise for another reason, and
    for text with the escape ``\\u003a``, whose colons :func:`members_kept` cannot count.

    Without :func:`_object`, no Python code runs per object.  A caller must rule out a
    dropped member with :func:`members_kept` before it uses the value or reports an error
    found in it, as :func:`parse` reports a duplicate name first (RFC 7493 section 2.3).
    """
    # rfind() compares the first character, a rare backslash; ``in`` the last, a common "a".
    if text.rfind("\\u003") >= 0 and ("\\u003a" in text or "\\u003A" in text):
        return None
    floats = _SEEN.floats
    try:
        value = _UNCHECKED.decode(text)
    except (ValueError, _Reject, RecursionError):
        return None
    # The count only grows, so another parse in between (a signal handler's) can only add.
    return value, _SEEN.floats != floats


class _Seen(threading.local):
    """How many floats :func:`parse_unchecked` has read in this thread: RFC 8785 writes
    them apart (section 3.2.2.3)."""

    floats = 0


_SEEN = _Seen()


def _unchecked_float(text: str) -> float:
    """:func:`_float`, counted in ``_SEEN``."""
    _SEEN.floats += 1
    return _float(text)


def _unchecked_int(text: str) -> int | float:
    """:func:`_int`, counted in ``_SEEN`` where it gives a float."""
    if len(text) < 16:  # below 10**15 in magnitude: within 2**53 - 1
        return int(text)
    value = _int(text)
    if type(value) is float:
        _SEEN.floats += 1
    return value


_UNCHECKED = json.JSONDecoder(
    parse_constant=_constant, parse_float=_unchecked_float, parse_int=_unchecked_int
)


def members_kept(text: str, serialised: bytes, rest: object = None) -> bool:
    """Whether :func:`parse_unchecked` kept every member of every object in ``text`` (a
    text it took): no duplicate name dropped one (RFC 7493 section 2.3).

    ``serialised`` is the RFC 8785 text (UTF-8) of what it gave (arrays in any order), or
    of a part of it; then ``rest`` is what it gave with that part replaced by ``[]``.
    Outside strings a colon in JSON text ends a member name; in a string it stands for
    itself, as neither the text (see :func:`parse_unchecked`) nor an encoder here escapes
    one (RFC 8785 section 3.2.2.2).  So both sides have as many colons unless a member was
    dropped, its colon with it.
    """
    try:
        outside = 0 if rest is None else _ENCODER.encode(rest).count(":")
    except RecursionError:
        return False
    return text.count(":") == serialised.count(b":") + outside


def dumps_parsed(value: object, floats: bool, source: str) -> bytes:
    """:func:`dumps` of a value made of what :func:`parse_unchecked` gave (``floats`` as it
    said), as UTF-8, without the walk where the value cannot need one (RFC 8785 section 3.2).

    Such a value has only ``dict`` and ``list`` containers, ``str`` keys and ``int``
    leaves within 2**53 - 1, so without a float orjson's text is RFC 8785's unless a key
    lies outside the BMP (see :func:`_plain`) or a string holds a lone surrogate, which
    orjson refuses.  Its text holds every key, so a text with no 4-byte UTF-8 sequence
    rules out the first; so does one without a character from U+E000 to U+FFFF (lead
    bytes EE and EF), because only such a character and one outside the BMP, first
    differing between two keys, compare differently by code point and by UTF-16 unit.
    """
    bad: set[int] = set()
    if not floats:
        with contextlib.suppress(orjson.JSONEncodeError):  # a lone surrogate; too deep
            data = orjson.dumps(value, option=_ORJSON_OPTIONS)
            if data.isascii() or not _keys_may_part(data) or _plain(value, bad):
                return data
    return _dumps(value, source, bad).encode("utf-8")


#: The lead bytes of the UTF-8 of characters outside the BMP (U+10000 to U+10FFFF).
_UTF8_4_BYTE_LEADS = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")
