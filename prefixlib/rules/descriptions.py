"""Volatile values in tool descriptions: labelled dates and times (SPEC.md 5.10).

A client that writes "The current month is November 2026" into a web-search tool's
description changes the tools layer at every month boundary.  The canonical tools layer
(RFC 8785 JSON, SPEC.md 4.4) is scanned once, as bytes, for the time labels and session
time words of SPEC.md 5.2 and their values; a value is hoisted only inside a
``description`` string.  The values of these shapes need no JSON escapes, so hoisting
them in the JSON text keeps it canonical JSON.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from prefixlib.model import Binding
from prefixlib.rules import timestamps
from prefixlib.rules.alternation import Alternation, Candidate
from prefixlib.rules.context import SEPARATOR, words
from prefixlib.rules.placeholders import STYLES, Style

__all__ = ["DescriptionPatterns", "in_description", "restore_tools"]

#: Where a field starts in a JSON string: its opening quote or an escaped line feed, then
#: indentation, a list or quote marker, emphasis (5.2.1's FIELD_START, as JSON writes it).
JSON_FIELD_START = r"(?:\"|\\n)(?:[ ]|\\t)*(?:[-*+>][ ]+|#+[ ]+|\d+[.)][ ]+)?(?:\*\*|__)?"
#: A word boundary, or an escaped line feed or tab before the word.
JSON_BOUNDARY = r"(?:\b|\\[nt])"
_DESCRIPTION = b'"description":'


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
            every = "|".join(words(label) for label in (*anywhere, *field))
            forms = [
                rf"<(?i:{every})>[ ]*",
                rf"{JSON_BOUNDARY}(?i:{'|'.join(words(label) for label in anywhere)})\b{SEPARATOR}",
                rf"{JSON_FIELD_START}(?i:{'|'.join(words(label) for label in field)})\b{SEPARATOR}",
            ]
            for form in forms:
                grouped = "|".join(p.group(shape, "label", kind) for kind, shape in shapes)
                p.add(f"{form}(?:{grouped})")
        sentence = "|".join(label.replace(" ", "[ ]+") for label in timestamps.SENTENCE_LABELS)
        instants = "|".join(p.group(shape, "label", kind) for kind, shape in timestamps.INSTANT)
        p.add(rf"{JSON_BOUNDARY}(?i:{sentence})[ ]+(?:{instants})")
        p.add(p.group(escape, "escape"))
        p.compile(roots_first=False)

    def scan(self, data: bytes) -> Iterator[Candidate]:
        """The candidates of the tools layer ``data`` that lie in a description string."""
        pos, end = 0, len(data)
        while pos < end:
            found = self.alternation.search(data, pos, end)
            if found is None:
                return
            candidate, pos = found
            after = data[candidate.end : candidate.end + 1]
            if candidate.role == "label" and (after.isalnum() or after == b"_"):
                continue  # a shape cut short: "2026-11-24x" is no date
            if in_description(data, candidate.start):
                yield candidate


@functools.lru_cache(maxsize=4)
def patterns(style: Style) -> DescriptionPatterns:
    """The description scan for a placeholder style."""
    open_, close = (re.escape(part) for part in STYLES[style])
    return DescriptionPatterns(escape=rf"{open_}!*[A-Z][A-Z0-9_]*{close}")


def in_description(data: bytes, pos: int) -> bool:
    """Whether ``pos`` of canonical tools JSON lies in a string that is a ``description``'s value.

    The string's opening quote is the nearest ``"`` before ``pos`` not escaped by a backslash.
    """
    quote = data.rfind(b'"', 0, pos)
    while quote > 0:
        backslashes = len(data[:quote]) - len(data[:quote].rstrip(b"\\"))
        if backslashes % 2 == 0:
            return data.endswith(_DESCRIPTION, 0, quote)
        quote = data.rfind(b'"', 0, quote)
    return False


def restore_tools(data: str, bindings: Iterable[Binding], *, style: Style) -> str:
    """The tools layer with the placeholders and escapes of its descriptions undone (5.8)."""
    open_, close = (re.escape(part) for part in STYLES[style])
    values = {b.placeholder: b.value for b in bindings}
    raw = data.encode("utf-8")
    out, pos = [], 0
    for match in re.finditer(rf"{open_}(!*)([A-Z][A-Z0-9_]*){close}".encode(), raw):
        if not in_description(raw, match.start()):
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
