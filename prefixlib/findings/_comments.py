"""Which findings are reported: ``<!-- prefixlib: ignore ... -->`` comments and selection."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from prefixlib.findings._places import split_lines
from prefixlib.rules import text as t

__all__ = ["ignore_comments", "selected"]

_IGNORE: Final = re.compile(
    r"<!--[ \t]*prefixlib:[ \t]*ignore(?P<file>-file)?(?P<codes>(?:[ \t,]+PL[0-9]{0,3})*)[ \t]*-->"
)


def ignore_comments(text: str) -> tuple[frozenset[str], dict[int, frozenset[str]]]:
    """The codes ``<!-- prefixlib: ignore ... -->`` comments turn off: (whole file, per line).

    ``ignore-file`` applies to the whole file; ``ignore`` after content on a line
    applies to that line, and on a line of its own to the next line with content.
    No code means every code; ``PL3`` means every ``PL3xx``.  Lines are 1-based.
    """
    whole: set[str] = set()
    per_line: dict[int, frozenset[str]] = {}
    if "prefixlib:" not in text:
        return frozenset(), per_line
    lines = split_lines(t.normalize_line_endings(t.strip_bom(text)))
    pending: set[str] = set()
    for number, line in enumerate(lines, start=1):
        found = list(_IGNORE.finditer(line))
        codes = {
            code
            for match in found
            for code in (re.findall(r"PL[0-9]{0,3}", match["codes"]) or ["PL"])
        }
        if any(match["file"] for match in found):
            whole |= codes
            continue
        rest = _IGNORE.sub("", line).strip(" \t" + t.INVISIBLE)
        if found and not rest:
            pending |= codes
            continue
        if rest and (codes or pending):
            per_line[number] = frozenset(codes | pending)
            pending = set()
    return frozenset(whole), per_line


def selected(code: str, *, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """Whether ``code`` is reported: the longest matching prefix of select or ignore wins.

    ``ALL`` matches every code, as in ruff; a tie goes to ``ignore``.
    """

    def longest(prefixes: Iterable[str]) -> int:
        lengths = [
            0 if prefix == "ALL" else len(prefix)
            for prefix in prefixes
            if prefix == "ALL" or code.startswith(prefix)
        ]
        return max(lengths, default=-1)

    chosen, dropped = longest(select), longest(ignore)
    return chosen >= 0 and chosen > dropped
