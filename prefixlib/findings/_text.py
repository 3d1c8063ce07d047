"""Findings of the text rules (PL1xx, SPEC.md 3.2-3.8) and of ordering (PL2xx, 3.9)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Final

from prefixlib.changes import diff
from prefixlib.findings._model import Finding, fixable
from prefixlib.findings._places import INVISIBLE_CHARACTER, Lines, split_lines
from prefixlib.model import LayerName
from prefixlib.rules import text as t

__all__ = ["text_findings", "unsorted"]

_BLANK_TAIL: Final = " \t" + t.INVISIBLE
_BLANK_TAIL_CHARS: Final = tuple(_BLANK_TAIL)
_LIST_LINE: Final = re.compile(r"[ \t]*(?:[-*+][ \t]|$)|[ \t]+\S")


def text_findings(text: str, lines: Lines) -> Iterator[Finding]:
    """The places the text rules change, each under the code of its rule (SPEC.md 3.2-3.8)."""
    if lines.bom:
        yield fixable("PL101", 1, 1, "byte order mark at the start of the file")
    yield from _line_endings(text)
    for i, (original, nfc) in enumerate(zip(lines.original, lines.lines, strict=True)):
        if original != nfc:
            first = next(
                (k for k, (a, b) in enumerate(zip(original, nfc, strict=False)) if a != b),
                min(len(original), len(nfc)),
            )
            column = first + 1 + (lines.bom if i == 0 else 0)
            yield fixable("PL103", i + 1, column, "text not in Unicode NFC (decomposed characters)")
    yield from _whitespace(lines)


def _line_endings(text: str) -> Iterator[Finding]:
    """One finding for the file's CRLF or CR line endings, at the first (SPEC.md 3.2)."""
    if "\r" not in text:
        return
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    first = text.index("\r")
    line = t.normalize_line_endings(text[:first]).count("\n") + 1
    column = first - (text.rfind("\n", 0, first) + 1) + 1
    kinds = [f"{n} {name}" for n, name in ((crlf, "CRLF"), (cr, "CR")) if n]
    yield fixable("PL102", line, column, f"line endings are {' and '.join(kinds)}, not LF")


def _whitespace(lines: Lines) -> Iterator[Finding]:
    """Invisible characters, trailing whitespace and blank lines (SPEC.md 3.5-3.8)."""
    blank = [not line.strip(" \t") for line in lines.cleaned]
    content = [i for i, is_blank in enumerate(blank) if not is_blank]
    first, last = (content[0], content[-1]) if content else (len(blank), -1)
    for i, line in enumerate(lines.lines):
        if lines.code[i]:
            continue
        for match in INVISIBLE_CHARACTER.finditer(line) if lines.invisible else ():
            char = match[0]
            yield fixable(
                "PL104",
                i + 1,
                lines.column(i, match.start()),
                f"invisible character U+{ord(char):04X} {unicodedata.name(char, '')}",
            )
        if not line.endswith(_BLANK_TAIL_CHARS):
            continue
        tail = len(line) - len(line.rstrip(_BLANK_TAIL))
        spaces = [k for k in range(len(line) - tail, len(line)) if line[k] in " \t"]
        if spaces and first <= i <= last:
            yield fixable("PL105", i + 1, lines.column(i, spaces[0]), "trailing whitespace")
    if first > 0:
        yield fixable("PL107", 1, 1, f"{_plural(first, 'blank line')} at the start of the file")
    i = first
    while i <= last:
        if blank[i] and not lines.code[i]:
            run = i
            while run <= last and blank[run] and not lines.code[run]:
                run += 1
            if run - i > 1:
                yield fixable(
                    "PL106", i + 2, 1, f"{run - i} blank lines in a row; canonical is one"
                )
            i = run
        else:
            i += 1
    if content and last < len(blank) - 1:
        count = len(blank) - 1 - last
        yield fixable(
            "PL108", last + 2, 1, f"{_plural(count, 'blank line')} at the end of the file"
        )
    elif content and not lines.lf.endswith("\n"):
        end = lines.column(last, len(lines.lines[last]))
        yield fixable("PL108", last + 1, end, "no newline at the end of the file")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def unsorted(canonical: str, ordered: str, line_map: list[int], layer: LayerName) -> list[Finding]:
    """One finding per list that sorting changes, at its first moved line (SPEC.md 3.9).

    Changes are one list while only list lines (bullets, indented or blank lines) lie
    between them.
    """
    lines = split_lines(canonical)
    found: list[Finding] = []
    end = -1
    for change in diff("unordered", layer, canonical, ordered):
        start = change.line - 1
        if end < 0 or not all(_LIST_LINE.match(line) for line in lines[end:start]):
            original = line_map[start] if start < len(line_map) else 0
            message = "list declared unordered is not sorted"
            found.append(fixable("PL201", original + 1, 1, message))
        end = start + change.before.count("\n") + 1
    return found
