"""Where a place in a canonical layer was in the file as written (SPEC.md 3 drops lines,
3.9 moves them, and no rule adds one)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Final

from prefixlib.rules import text as t

__all__ = [
    "INVISIBLE_CHARACTER",
    "Lines",
    "code_lines",
    "drop_invisible",
    "map_lines",
    "ordering_map",
    "split_lines",
]

INVISIBLE_CHARACTER: Final = re.compile(f"[{t.INVISIBLE}]")


class Lines:
    """The lines of a text after each stage, and which canonical line came from which."""

    def __init__(self, text: str) -> None:
        self.bom = len(text) - len(t.strip_bom(text))
        self.lf = t.normalize_line_endings(t.strip_bom(text))
        self.nfc = t.normalize_unicode(self.lf)
        self.original = split_lines(self.lf)
        self.lines = split_lines(self.nfc)
        self.code = code_lines(self.nfc)
        self.invisible = INVISIBLE_CHARACTER.search(self.nfc) is not None
        drop = drop_invisible if self.invisible else str
        self.cleaned = [
            line if self.code[i] else drop(line).rstrip(" \t") for i, line in enumerate(self.lines)
        ]

    def column(self, line: int, column: int) -> int:
        """The 1-based column in the original of 0-based ``column`` in NFC line ``line``."""
        original = self.original[line]
        nfc = self.lines[line]
        shift = self.bom if line == 0 else 0
        if original == nfc:
            return column + 1 + shift
        # the last prefix of the original whose NFC is no longer than the column: where
        # the NFC character at the column begins (a base before its combining marks)
        found = 0
        for i in range(len(original) + 1):
            if len(unicodedata.normalize("NFC", original[:i])) > column:
                break
            found = i
        return found + 1 + shift

    def cleaned_column(self, line: int, column: int) -> int:
        """The 1-based original column of 0-based ``column`` in the cleaned line ``line``."""
        nfc = self.lines[line]
        if self.code[line] or not any(char in nfc for char in t.INVISIBLE):
            return self.column(line, column)
        seen = 0
        for i, char in enumerate(nfc):
            if char in t.INVISIBLE:
                continue
            if seen == column:
                return self.column(line, i)
            seen += 1
        return self.column(line, len(nfc))


def split_lines(text: str) -> list[str]:
    """The lines of an LF text, without their LF (a final LF ends the last line)."""
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def code_lines(text: str) -> list[bool]:
    """Per line, whether it is inside a fence (SPEC.md 3.4)."""
    flags: list[bool] = []
    for segment in t.split_fences(text):
        count = segment.text.count("\n") + (0 if segment.text.endswith("\n") else 1)
        if segment.text:
            flags += [segment.is_code] * count
    return flags + [False] * (len(split_lines(text)) - len(flags))


def drop_invisible(line: str) -> str:
    for char in t.INVISIBLE:
        line = line.replace(char, "")
    return line


def _kept(lines: Lines) -> list[int]:
    """The original line of each canonical line: the lines the text rules do not drop."""
    blank = [not line.strip(" \t") for line in lines.cleaned]
    content = [i for i, is_blank in enumerate(blank) if not is_blank]
    if not content:
        return []
    kept = []
    for i in range(content[0], content[-1] + 1):
        prose_blank = blank[i] and not lines.code[i]
        if prose_blank and i > 0 and blank[i - 1] and not lines.code[i - 1]:
            continue
        kept.append(i)
    return kept


def map_lines(lines: Lines, canonical: str) -> list[int]:
    """The 0-based original line of each line of ``canonical`` (SPEC.md 3 only drops lines)."""
    target = split_lines(canonical)
    kept = _kept(lines)
    if len(kept) == len(target):
        return kept
    matcher = difflib.SequenceMatcher(None, lines.cleaned, target, autojunk=False)
    found = [0] * len(target)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            found[j] = min(i1 + (j - j1), max(i2 - 1, i1), len(lines.lines) - 1)
    return found


def ordering_map(canonical: list[str], ordered: list[str]) -> list[int]:
    """The canonical line of each ordered line: sorting only moves lines (SPEC.md 3.9)."""
    if len(canonical) != len(ordered):
        return [min(j, len(canonical) - 1) for j in range(len(ordered))]
    found = list(range(len(ordered)))
    moved: dict[str, list[int]] = {}
    for j, (a, b) in enumerate(zip(canonical, ordered, strict=True)):
        if a != b:
            moved.setdefault(a, []).append(j)
    for j, (a, b) in enumerate(zip(canonical, ordered, strict=True)):
        if a != b and moved.get(b):
            found[j] = moved[b].pop(0)
    return found
