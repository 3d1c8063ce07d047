"""Places in JSON text: where a value or a member name is, by line and column (SPEC.md 4.1).

The parsers of :mod:`~prefixlib.rules.canonical_json` read JSON text at full speed and know
no positions once a value is parsed; an error found after parsing (a duplicate member
name, a number beyond a double, a duplicate tool name) is placed here, on the error path
only, by one more linear walk over the text.  The walk is iterative, so text nested
100,000 deep is walked in constant stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

__all__ = ["Event", "events", "line_column", "offset_of"]

Path = tuple[str | int, ...]

#: One token of JSON text after optional whitespace (RFC 8259 section 2), and the
#: constants Python's ``json`` module reads (which the parsers then reject).
_TOKEN: Final = re.compile(
    r"""[ \t\n\r]*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<punct>[{}\[\],:])
    | (?P<constant>true|false|null|NaN|-?Infinity)
    | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)
    )""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(slots=True)
class Event:
    """What the walk found: ``kind`` is ``key`` (a member name), ``value`` (a scalar),
    ``open`` / ``close`` (a container); ``offset`` is its character offset in the text;
    ``token`` its text; for the ``close`` of an object, ``duplicate`` is the offset of the
    first member name that repeats an earlier one of that object, if any."""

    kind: str
    offset: int
    token: str
    duplicate: int | None = None


@dataclass(slots=True)
class _Frame:
    is_object: bool
    index: int = -1
    key: str | None = None
    seen: set[str] = field(default_factory=set)
    duplicate: int | None = None


def events(text: str) -> Iterator[tuple[Event, list[_Frame]]]:
    """Walk ``text`` left to right; yield each event with the stack of open containers.

    Stops quietly at the first token it cannot read: callers use it on text that the
    parser has read as far as the error they place.
    """
    stack: list[_Frame] = []
    pos = 0
    expect_key = False
    while True:
        match = _TOKEN.match(text, pos)
        if match is None:
            return
        pos = match.end()
        token = match[0].lstrip(" \t\n\r")
        offset = pos - len(token)
        group = match.lastgroup
        if group == "punct":
            if token in "{[":
                yield Event("open", offset, token), stack
                stack.append(_Frame(is_object=token == "{"))
                expect_key = token == "{"
                if not expect_key:
                    stack[-1].index = 0
            elif token in "}]":
                if not stack:
                    return
                frame = stack.pop()
                yield Event("close", offset, token, frame.duplicate), stack
                expect_key = False
            elif token == ",":
                if stack and stack[-1].is_object:
                    expect_key = True
                elif stack:
                    stack[-1].index += 1
            continue
        if group == "string" and expect_key and stack:
            frame = stack[-1]
            frame.key = json.loads(token)
            if frame.key in frame.seen:
                if frame.duplicate is None:
                    frame.duplicate = offset
            else:
                frame.seen.add(frame.key)
            expect_key = False
            yield Event("key", offset, token), stack
            continue
        yield Event("value", offset, token), stack


def _path(stack: list[_Frame]) -> Path:
    return tuple(frame.key if frame.is_object else frame.index for frame in stack)  # type: ignore[misc]


def offset_of(text: str, path: Path, *, name: bool = False) -> int | None:
    """The character offset of the value at ``path`` in ``text`` (keys and array indices
    from the top), or with ``name`` of its member name; None if there is none."""
    depth = len(path)
    for event, stack in events(text):
        if len(stack) != depth:
            continue
        if event.kind == ("key" if name else "value") or (not name and event.kind == "open"):
            if depth and _path(stack) == path:
                return event.offset
            if not depth and not name:
                return event.offset
    return None


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of ``offset``, as ``json`` gives them."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1
