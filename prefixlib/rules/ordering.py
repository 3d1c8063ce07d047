"""Declared-unordered lists: their items are sorted (SPEC.md 3.9).

A bullet list declared unordered by a lead-in line (``Tools (unordered):``) or
the marker line ``<!-- prefixlib: unordered -->`` is a set, so its canonical
form lists its items sorted; everything else keeps its order.  Almost no real
prompt declares one, so a substring test returns most layers untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from prefixlib.rules.text import split_fences

__all__ = ["LEAD_INS", "MARKER", "sort_unordered"]

#: Phrases that make a prose line a lead-in, matched ASCII-case-insensitively (SPEC.md 3.9).
LEAD_INS: tuple[str, ...] = (
    "(unordered)",
    "in any order",
    "order does not matter",
    "order doesn't matter",
    "order doesn\u2019t matter",
)
#: The explicit marker line, invisible in rendered Markdown (SPEC.md 3.9).
MARKER = "<!-- prefixlib: unordered -->"

_MARKER_LINE = re.compile(r"[ \t]*<!--[ \t]*prefixlib:[ \t]*unordered[ \t]*-->[ \t]*", re.I | re.A)
_BULLET = re.compile(r"([ \t]*)([-*+])[ \t]")
# Lines that start a block of their own, so never continue an item lazily.
_INTERRUPTS = re.compile(
    r"[ \t]*(?:[#>|<=]|[-*+](?:[ \t]|$)|-+[ \t]*$|[0-9]{1,9}[.)](?:[ \t]|$)|```|~~~)"
)
_THEMATIC_BREAK = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")
_WORD = "[A-Za-z0-9]"

Key = Callable[[str], str]


class _Line(NamedTuple):
    """One line of the layer, with what SPEC.md 3.4 and 3.9 say about it."""

    text: str
    fenced: bool  # code, or the closer of a fence
    unclosed: bool  # the opener or code of a fence left open at the end of the layer
    declares: bool  # a lead-in or marker line


_Block = list[_Line]


def _phrases(markers: Sequence[str]) -> tuple[str, ...]:
    """The built-in lead-in phrases and the caller's extra ones (SPEC.md 3.9)."""
    if isinstance(markers, str):
        raise TypeError("markers must be a sequence of phrases, not one str")
    for phrase in markers:
        if not phrase.strip() or "\n" in phrase:
            raise ValueError(f"lead-in phrase {phrase!r} must be one non-blank line")
    return (*LEAD_INS, *markers)


def _mentions(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether a phrase or the marker may occur in ``text``; ASCII case folded (SPEC.md 3.9)."""
    folded = text.encode("utf-8", "surrogatepass").lower()
    # Every built-in phrase and the marker hold "order": one scan rules them all out in
    # most layers.  The marker needs "unordered" as well as "prefixlib:", which the
    # adapters' part line (SPEC.md 9) and other prefixlib comments also hold.
    if b"order" not in folded:
        candidates = phrases[len(LEAD_INS) :]
    elif b"prefixlib:" in folded and b"unordered" in folded:
        return True
    else:
        candidates = phrases
    return any(phrase.encode("utf-8", "surrogatepass").lower() in folded for phrase in candidates)


def _lead_in(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """A phrase, not inside a longer ASCII word, ASCII-case-insensitively (SPEC.md 3.9)."""
    alternatives = (
        (f"(?<!{_WORD})" if re.match(_WORD, p) else "")
        + re.escape(p)
        + (f"(?!{_WORD})" if re.match(_WORD, p[-1]) else "")
        for p in phrases
    )
    return re.compile("|".join(alternatives), re.I | re.A)


def _lines(body: str, lead_in: re.Pattern[str]) -> list[_Line]:
    """The lines of ``body`` (the layer without its final LF), classified (SPEC.md 3.4, 3.9)."""
    texts = body.split("\n")
    fenced = [False] * len(texts)
    segments = split_fences(body + "\n")  # every segment is whole LF-ended lines
    start, after_code = 0, False
    for segment in segments:
        count = segment.text.count("\n")
        if segment.is_code:
            fenced[start : start + count] = [True] * count
        elif after_code:
            fenced[start] = True  # the closer
        after_code, start = segment.is_code, start + count
    # A fence left open runs to the end (its content may be empty): from its opener on.
    unclosed_from = start - count - 1 if after_code else len(texts)
    return [
        _Line(
            text,
            fenced[i],
            i >= unclosed_from,
            not fenced[i] and bool(lead_in.search(text) or _MARKER_LINE.fullmatch(text)),
        )
        for i, text in enumerate(texts)
    ]


def _indent(text: str) -> int:
    """The width of a line's leading spaces and tabs, tab stops every 4 (SPEC.md 3.9)."""
    return len(text[: len(text) - len(text.lstrip(" \t"))].expandtabs(4))


def _bullet(line: _Line) -> tuple[int, str] | None:
    """A bullet line's kind, its indentation and marker character (SPEC.md 3.9)."""
    match = None if line.fenced else _BULLET.match(line.text)
    if match is None or _THEMATIC_BREAK.fullmatch(line.text):
        return None
    return len(match[1].expandtabs(4)), match[2]


def _blank(line: _Line) -> bool:
    """A prose line of spaces and tabs only."""
    return not line.fenced and not line.text.strip(" \t")


def _first_bullet(lines: Sequence[_Line], i: int) -> int | None:
    """The first bullet of the list that line ``i`` declares, if any (SPEC.md 3.9)."""
    j = i + 2 if i + 2 < len(lines) and _blank(lines[i + 1]) else i + 1
    return j if lines[i].declares and j < len(lines) and _bullet(lines[j]) else None


def _split_list(lines: Sequence[_Line], first: int) -> tuple[list[_Block], list[_Block], int]:
    """The items of the list at ``first``, the blank lines between them, and its end (3.9)."""
    kind = _bullet(lines[first])
    assert kind is not None
    items: list[_Block] = [[lines[first]]]
    gaps: list[_Block] = []
    i = first + 1
    while i < len(lines):
        j = i
        while j < len(lines) and _blank(lines[j]):
            j += 1
        if j == len(lines):
            break
        line = lines[j]
        if not line.fenced and _bullet(line) == kind:
            gaps.append(list(lines[i:j]))
            items.append([line])
        elif line.fenced or _indent(line.text) > kind[0] or (j == i and _lazy(line)):
            items[-1].extend(lines[i : j + 1])
        else:
            break
        i = j + 1
    return items, gaps, i


def _lazy(line: _Line) -> bool:
    """Whether a line at or left of the bullet may continue its item (SPEC.md 3.9)."""
    text = line.text
    return not (line.declares or _INTERRUPTS.match(text) or _THEMATIC_BREAK.fullmatch(text))


def _sort_list(items: list[_Block], gaps: list[_Block], key: Key | None) -> _Block:
    """The list with declared sub-lists sorted, then its items, gaps kept in place (3.9)."""
    items = [_sort_lines(item, key) for item in items]
    if not items[-1][-1].unclosed:
        items.sort(key=lambda item: _rank(item, key))
    return [line for gap, item in zip([[], *gaps], items, strict=True) for line in gap + item]


def _rank(item: _Block, key: Key | None) -> tuple[str, str]:
    """An item's sort key: ``key`` of its text, ties broken by the text (SPEC.md 3.9)."""
    text = "\n".join(line.text for line in item)
    return (text if key is None else key(text)), text


def _sort_lines(lines: Sequence[_Line], key: Key | None) -> _Block:
    """``lines`` with every list declared inside them sorted (SPEC.md 3.9)."""
    out: _Block = []
    i = 0
    while i < len(lines):
        first = _first_bullet(lines, i)
        if first is None:
            out.append(lines[i])
            i += 1
        else:
            items, gaps, end = _split_list(lines, first)
            out += [*lines[i:first], *_sort_list(items, gaps, key)]
            i = end
    return out


def sort_unordered(text: str, *, markers: Sequence[str] = (), key: Key | None = None) -> str:
    """Sort the items of every declared-unordered bullet list of a layer (SPEC.md 3.9).

    ``markers`` are extra lead-in phrases; ``key`` maps an item's text to the
    string it sorts by (ties are broken by the text itself).  A layer with no
    lead-in phrase and no marker is returned as it is, without being split.
    """
    phrases = _phrases(markers)
    if not _mentions(text, phrases):
        return text
    body, end = (text[:-1], "\n") if text.endswith("\n") else (text, "")
    lines = _sort_lines(_lines(body, _lead_in(phrases)), key)
    return "\n".join(line.text for line in lines) + end
