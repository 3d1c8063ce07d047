"""The text rules of SPEC.md 3.4-3.8 in one pass over a layer's UTF-8 bytes.

:mod:`prefixlib.rules.text` states each rule as its own ``str -> str`` function, which
is what ``changes`` reports.  This module gives the same result faster: one RE2 scan
stops only where a rule may apply (a fence line, spaces or tabs before a line end, a run
of blank lines) and the layer is rebuilt once.  The scan also reports an invisible
character (SPEC.md 3.5), for which the caller falls back to the rule functions, because
dropping one needs NFC again and may change what opens a fence; and a word that may
declare an unordered list (SPEC.md 3.9), so the ordering rule need not scan again.
Tests compare this module with the rule functions on random and real layers.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import re2

__all__ = ["Scanned", "scan_layer"]

_SCAN: Final = re2.compile(
    rb"(?m:^)[ \t]*(`{3,}|~{3,})"  # 1: a run of fence characters starting a line (3.4)
    rb"|(?m:^)((?:[ \t]*\n){2,})"  # 2: a run of two or more blank lines (3.6, 3.7)
    rb"|([ \t]+)(?:\n|\z)"  # 3: spaces and tabs at the end of a line (3.6)
    rb"|([\x{200B}-\x{200D}\x{2060}\x{FEFF}])"  # 4: an invisible character (3.5)
    rb"|((?i:order|prefixlib:))"  # 5: may declare an unordered list (3.9)
)
_MATCH: Final = _SCAN._regexp.Match  # type: ignore[attr-defined]
_UNANCHORED: Final = re2._Anchor.UNANCHORED  # type: ignore[attr-defined]
_BACKTICK: Final = 0x60
_BLANK: Final = b" \t\n"


class Scanned(NamedTuple):
    """A text layer after the rules of SPEC.md 3.4-3.8."""

    text: bytes
    code: list[tuple[int, int]]  # byte ranges of code, sorted
    may_declare: bool  # holds "order" or "prefixlib:", ASCII case folded


def scan_layer(data: bytes) -> Scanned | None:
    """Apply fences, trailing whitespace, blank lines and trim (SPEC.md 3.4-3.8) to ``data``.

    ``data`` is the layer after SPEC.md 3.2-3.3, as UTF-8.  Returns None if the layer
    holds an invisible character (SPEC.md 3.5): the rule functions handle that case.
    """
    end = len(data)
    cuts: list[tuple[int, int, bytes]] = []  # (start, stop, replacement), in order
    code: list[tuple[int, int]] = []
    fence_char = fence_length = 0  # of the open fence; 0: none is open
    code_start = end + 1
    may_declare = False
    pos = 0
    while pos < end:
        spans = _MATCH(_UNANCHORED, data, pos, end)
        start, pos = spans[0]
        if start < 0:
            break
        if spans[1][0] >= 0:
            run_start, run_end = spans[1]
            line_end = data.find(b"\n", run_end)
            if fence_char:  # a closer: enough of the fence's character and nothing else
                rest = data[run_end : end if line_end == -1 else line_end]
                if (
                    data[run_start] == fence_char
                    and run_end - run_start >= fence_length
                    and not rest.strip(b" \t")
                ):
                    code.append((code_start, start))
                    fence_char, code_start = 0, end + 1
            elif line_end != -1 and (
                data[run_start] != _BACKTICK or b"`" not in data[run_end:line_end]
            ):
                fence_char, fence_length = data[run_start], run_end - run_start
                code_start = line_end + 1
        elif spans[2][0] >= 0:
            if start < code_start:
                cuts.append((start, pos, b"\n"))
        elif spans[3][0] >= 0:
            if start < code_start:
                cuts.append(spans[3] + (b"",))
        elif spans[4][0] >= 0:
            return None
        else:
            may_declare = True
    if fence_char:
        code.append((code_start, end))
    text, code = _rebuild(data, cuts, code)
    return Scanned(*_trim(text, code), may_declare)


def _rebuild(
    data: bytes, cuts: list[tuple[int, int, bytes]], code: list[tuple[int, int]]
) -> tuple[bytes, list[tuple[int, int]]]:
    """``data`` with each cut replaced, and the code ranges moved to match (no cut is in code)."""
    if not cuts:
        return data, code
    out: list[bytes] = []
    moved: list[tuple[int, int]] = []
    last = removed = index = 0
    for start, stop, replacement in cuts:
        while index < len(code) and code[index][0] < start:
            moved.append((code[index][0] - removed, code[index][1] - removed))
            index += 1
        out += [data[last:start], replacement]
        last = stop
        removed += stop - start - len(replacement)
    out.append(data[last:])
    moved += [(s - removed, e - removed) for s, e in code[index:]]
    return b"".join(out), moved


def _trim(text: bytes, code: list[tuple[int, int]]) -> tuple[bytes, list[tuple[int, int]]]:
    """Drop leading and trailing blank lines, end with one LF (SPEC.md 3.8); move the code."""
    end = len(text)
    last = end
    while last and text[last - 1] in _BLANK:
        last -= 1
    if not last:
        return b"", []
    first = 0
    while text[first] in _BLANK:
        first += 1
    start = text.rfind(b"\n", 0, first) + 1
    stop = text.find(b"\n", last)
    if stop == -1:
        stop = end
    already = start == 0 and stop == end - 1
    trimmed = text if already else text[start:stop] + b"\n"
    # code that runs to the end of the layer (a fence left open) takes the final LF
    code = [
        (max(s - start, 0), (stop + 1 if e >= stop else e) - start)
        for s, e in code
        if min(e, stop) > s
    ]
    return trimmed, code
