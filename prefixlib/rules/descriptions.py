"""Volatile values in tool descriptions: labelled dates and times (SPEC.md 5.10).

A client that writes "The current month is November 2026" into a web-search tool's
description changes the tools layer at every month boundary.  The canonical tools layer
(RFC 8785 JSON, SPEC.md 4.4) is scanned once, as bytes, for the time labels and session
time words of SPEC.md 5.2 and their values; a value is hoisted only inside a
``description`` string.  The values of these shapes need no JSON escapes, so hoisting
them in the JSON text keeps it canonical JSON.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator

from prefixlib.model import Binding
from prefixlib.rules import timestamps
from prefixlib.rules.alternation import Alternation, Candidate
from prefixlib.rules.context import cut_short, label_forms, sentence_form
from prefixlib.rules.placeholders import NAME, STYLES, Style, escape_pattern

__all__ = ["DescriptionPatterns", "description_spans", "in_description", "restore_tools"]

#: Where a field starts in a JSON string: its opening quote or an escaped line feed, then
#: indentation, a list or quote marker, emphasis (5.2.1's FIELD_START, as JSON writes it).
JSON_FIELD_START = r"(?:\"|\\n)(?:[ ]|\\t)*(?:[-*+>][ ]+|#+[ ]+|\d+[.)][ ]+)?(?:\*\*|__)?"
#: A word boundary, or an escaped line feed or tab before the word.
JSON_BOUNDARY = r"(?:\b|\\[nt])"
#: Past any byte offset: the second member of a bisection key.
_END = 1 << 62


class DescriptionPatterns:
    """The scan of the tools layer for time values, with the policy's escape (SPEC.md 5.10)."""

    def __init__(self, *, escape: str) -> None:
        p = self.alternation = Alternation()
        classes = (
            (timestamps.LABELS, timestamps.FIELD_LABELS, timestamps.LABELLED),
            (
                timestamps.TIMEZONE_LABELS,
                timestamps.TIMEZONE_FIELD_LABELS,
                (("TIMEZONE", timestamps.TIMEZONE),),
            ),
        )
        for anywhere, field, shapes in classes:
            json_forms = label_forms(
                anywhere, field, boundary=JSON_BOUNDARY, field_start=JSON_FIELD_START, blank="[ ]"
            )
            for form, _lead in json_forms:
                grouped = "|".join(p.group(shape, "label", kind) for kind, shape in shapes)
                p.add(f"{form}(?:{grouped})")
        instants = "|".join(p.group(shape, "label", kind) for kind, shape in timestamps.INSTANT)
        p.add(sentence_form(instants, boundary=JSON_BOUNDARY, blank="[ ]"))
        p.add(p.group(escape, "escape"))
        p.compile(roots_first=False)

    def scan(self, data: bytes) -> Iterator[Candidate]:
        """The candidates of the tools layer ``data`` that lie in a description string
        (SPEC.md 5.10)."""
        found = []
        pos, end = 0, len(data)
        while pos < end:
            match = self.alternation.search(data, pos, end)
            if match is None:
                break
            candidate, pos = match
            if candidate.role == "label" and cut_short(data, candidate.end):
                continue
            found.append(candidate)
        if len(found) <= _FEW:  # each looks back to its string's opening quote
            yield from (c for c in found if _opened_by_description(data, c.start))
        else:  # many: where the description strings are, in one linear pass
            spans = description_spans(data)
            yield from (c for c in found if _within(spans, c.start))


@functools.lru_cache(maxsize=4)
def patterns(style: Style) -> DescriptionPatterns:
    """The description scan for a placeholder style (SPEC.md 5.10, 5.7)."""
    return DescriptionPatterns(escape=escape_pattern(style))


#: A ``description`` member's string value in canonical JSON: inside a string every ``"`` is
#: escaped, so an unescaped ``"description":"`` is always a member's key (RFC 8785).
_MEMBER = re.compile(rb'"description":"((?:[^"\\]++|\\.)*+)"', re.S)  # possessive: linear


def description_spans(data: bytes) -> list[tuple[int, int]]:
    """Where the ``description`` strings of canonical tools JSON are, as byte ranges of their
    text (between the quotes), in order: one linear pass (SPEC.md 5.10)."""
    return [match.span(1) for match in _MEMBER.finditer(data)]


def _within(spans: list[tuple[int, int]], pos: int) -> bool:
    """Whether ``pos`` lies in one of ``spans`` (sorted, disjoint byte ranges)."""
    index = bisect.bisect_right(spans, (pos, _END)) - 1
    return index >= 0 and spans[index][0] <= pos < spans[index][1]


#: Up to this many candidates, each looks back to its string's start (C-speed searches);
#: more, and the description strings are found in one pass (a few MB/s in Python's re).
_FEW = 16


def _opened_by_description(data: bytes, pos: int) -> bool:
    """Whether the string ``pos`` lies in is a ``description``'s value: its opening quote,
    the nearest ``"`` before ``pos`` not escaped by a backslash, follows ``"description":``."""
    quote = data.rfind(b'"', 0, pos)
    while quote > 0:
        before = quote - 1
        while before >= 0 and data[before] == 0x5C:  # a run of backslashes
            before -= 1
        if (quote - 1 - before) % 2 == 0:
            return data.endswith(b'"description":', 0, quote)
        quote = data.rfind(b'"', 0, quote)
    return False


def in_description(data: bytes, pos: int) -> bool:
    """Whether ``pos`` of canonical tools JSON lies in a ``description`` string's text."""
    return _within(description_spans(data), pos)


def restore_tools(data: str, bindings: Iterable[Binding], *, style: Style) -> str:
    """The tools layer with the placeholders and escapes of its descriptions undone (5.8)."""
    open_, close = (re.escape(part) for part in STYLES[style])
    values = {b.placeholder: b.value for b in bindings}
    raw = data.encode("utf-8")
    spans = description_spans(raw)
    out, pos = [], 0
    for match in re.finditer(rf"{open_}(!*)({NAME}){close}".encode(), raw):
        if not _within(spans, match.start()):
            continue
        out.append(raw[pos : match.start()])
        placeholder = match[0].decode()
        if match[1]:
            out.append(match[0].replace(b"!", b"", 1))
        else:
            out.append(values.get(placeholder, placeholder).encode("utf-8"))
        pos = match.end()
    out.append(raw[pos:])
    return b"".join(out).decode("utf-8")
