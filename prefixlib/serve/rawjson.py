"""Edit one top-level string field of a JSON object in its raw bytes, leaving every other byte.

``key`` mode (issue 13) forwards the body byte for byte as the client sent it except the value
of ``prompt_cache_key``; re-serialising the JSON would change spacing, escapes and number
forms, so the value's span is found by a scan of the top level and replaced in place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["set_top_level_string"]

_WS = b" \t\r\n"


class _Malformed(ValueError):
    """The bytes are not one JSON object (the caller has parsed them already, so rare)."""


def _skip_ws(data: bytes, i: int) -> int:
    while i < len(data) and data[i] in _WS:
        i += 1
    return i


def _string_end(data: bytes, i: int) -> int:
    """The offset just past the string that opens at ``data[i] == '"'``."""
    j = i + 1
    while True:
        quote = data.find(b'"', j)
        if quote < 0:
            raise _Malformed(f"unterminated string at byte {i}")
        backslashes = 0
        k = quote - 1
        while data[k] == 0x5C:  # an odd run of backslashes escapes the quote
            backslashes += 1
            k -= 1
        if backslashes % 2 == 0:
            return quote + 1
        j = quote + 1


def _value_end(data: bytes, i: int) -> int:
    """The offset just past the JSON value that starts at ``i``."""
    if data[i] == 0x22:
        return _string_end(data, i)
    if data[i] in b"[{":
        depth = 0
        j = i
        while j < len(data):
            c = data[j]
            if c == 0x22:
                j = _string_end(data, j)
                continue
            if c in b"[{":
                depth += 1
            elif c in b"]}":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        raise _Malformed(f"unclosed container at byte {i}")
    j = i
    while j < len(data) and data[j] not in b",}] \t\r\n":
        j += 1
    return j


#: A JSON string in raw bytes (its escapes included), as ``re`` finds it in C.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def _balance(data: bytes, start: int, end: int) -> int:
    """Brackets opened minus closed in ``data[start:end]`` (``start`` outside a string).

    The strings are cut out and the brackets left are counted, both in C: a Python loop
    over the bytes cost 3x as much for the 1.4 KB after Codex's ``prompt_cache_key``.
    """
    bare = _STRING.sub(b"", data[start:end])
    return bare.count(b"[") + bare.count(b"{") - bare.count(b"]") - bare.count(b"}")


def _fast_span(data: bytes, name: str) -> tuple[int, int] | None:
    """The span of the value of top-level ``name``, found by ``bytes.find``, or None.

    Each literal occurrence of the name as a member name (its opening quote not escaped, a
    ``:`` after it) is checked for depth 1 by counting brackets over the shorter side: from
    the start to it, or from its value to the end (-1, the object's closing brace).  None if
    there is not exactly one such occurrence at the top level (the name spelled with an
    escape, or repeated): the scan of the whole object, ~5x slower on a 48 KB body, decides.
    """
    needle = json.dumps(name, ensure_ascii=False).encode("utf-8")
    found: tuple[int, int] | None = None
    at = data.find(needle)
    while at >= 0:
        k = at - 1
        while k >= 0 and data[k] == 0x5C:
            k -= 1
        colon = _skip_ws(data, at + len(needle))
        if (at - 1 - k) % 2 == 0 and colon < len(data) and data[colon] == 0x3A:
            start = _skip_ws(data, colon + 1)
            end = _value_end(data, start)
            if at < len(data) - end:
                top = _balance(data, 0, at) == 1
            else:
                top = _balance(data, end, len(data)) == -1
            if top:
                if found is not None:
                    return None
                found = (start, end)
        at = data.find(needle, at + 1)
    return found


def set_top_level_string(
    data: bytes, name: str, value: str, *, parsed: Mapping[str, Any] | None = None
) -> bytes:
    """``data`` with the top-level field ``name`` set to the string ``value``.

    Every byte outside that field's value is kept (each value, if the name repeats); a
    missing field is appended as the last member, with no spaces.  ``parsed``, the object
    already parsed from ``data``, allows a faster search.  Raises ``ValueError`` if ``data``
    is not a JSON object.
    """
    encoded = json.dumps(value, ensure_ascii=False).encode("utf-8")
    if parsed is not None:
        if name not in parsed:  # append after the last member, before the closing brace
            close = len(data.rstrip(_WS)) - 1
            if close > 0 and data[close] == 0x7D:
                return _append(data, close, name, encoded, members=len(parsed))
        else:
            span = _fast_span(data, name)
            if span is not None:
                return data[: span[0]] + encoded + data[span[1] :]
    i = _skip_ws(data, 0)
    if i >= len(data) or data[i] != 0x7B:
        raise _Malformed("the body is not a JSON object")
    i = _skip_ws(data, i + 1)
    members = 0
    spans: list[tuple[int, int]] = []
    while i < len(data) and data[i] != 0x7D:
        if data[i] != 0x22:
            raise _Malformed(f"expected a member name at byte {i}")
        name_end = _string_end(data, i)
        member = json.loads(data[i:name_end])
        i = _skip_ws(data, name_end)
        if i >= len(data) or data[i] != 0x3A:
            raise _Malformed(f"expected ':' at byte {i}")
        start = _skip_ws(data, i + 1)
        if start >= len(data):
            raise _Malformed("truncated object")
        end = _value_end(data, start)
        if member == name:  # every occurrence: parsers differ on which duplicate wins
            spans.append((start, end))
        members += 1
        i = _skip_ws(data, end)
        if i < len(data) and data[i] == 0x2C:
            i = _skip_ws(data, i + 1)
    if i >= len(data):
        raise _Malformed("truncated object")
    if spans:
        out = bytearray()
        last = 0
        for start, end in spans:
            out += data[last:start]
            out += encoded
            last = end
        out += data[last:]
        return bytes(out)
    return _append(data, i, name, encoded, members=members)


def _append(data: bytes, close: int, name: str, encoded: bytes, *, members: int) -> bytes:
    """``data`` with the member ``name`` put after the last one (``close``: the ``}``)."""
    member_text = json.dumps(name, ensure_ascii=False).encode("utf-8") + b":" + encoded
    k = close  # right after the last member, before any whitespace that precedes the brace
    while k > 0 and data[k - 1] in _WS:
        k -= 1
    if members:
        return data[:k] + b"," + member_text + data[k:]
    return data[:k] + member_text + data[k:]
