"""The text rules of SPEC.md 3.4-3.8 in one pass over a layer's UTF-8 bytes.

:mod:`prefixlib.rules.text` states each rule as its own ``str -> str`` function, which
is what ``changes`` reports.  This module gives the same result faster: one RE2 scan
stops only where a rule may apply (a fence line, spaces or tabs before a line end, a run
of blank lines; inside code, only the line that closes it) and the layer is rebuilt
once.  The scan also stops at a character NFC may change (SPEC.md 3.3, see
:mod:`~prefixlib.rules.nfc`), so that only such a layer is normalised; at an invisible
character (SPEC.md 3.5), for which the caller falls back to the rule functions, because
dropping one needs NFC again and may change what opens a fence; and it notes a lead-in
phrase that may declare an unordered list (SPEC.md 3.9), so the ordering rule runs only
on a layer with one.
Tests compare this module with the rule functions on random and real layers.
"""

from __future__ import annotations

import functools
import re
from typing import Final, Literal, NamedTuple

from prefixlib.rules import nfc
from prefixlib.rules.engine import UNANCHORED, Matcher, matcher
from prefixlib.rules.ordering import LEAD_INS
from prefixlib.rules.text import INVISIBLE

__all__ = ["Fallback", "Scanned", "scan_layer"]

#: The characters of SPEC.md 3.5 as an RE2 class, from the rules' own set.
_INVISIBLE_CLASS: Final = f"[{nfc.char_class(sorted(map(ord, INVISIBLE)))}]".encode()
#: A run of fence characters starting a line (3.4).
_FENCE_RUN: Final = rb"(?m:^)[ \t]*(?:`{3,}|~{3,})"
#: A built-in lead-in phrase or the marker's word, ASCII case folded (3.9): the ordering rule
#: runs only on a layer with one.  (Scanning for "order" alone stopped at every "border" and
#: "in order to", and sent such layers through the ordering rule for nothing; "prefixlib:"
#: for the marker stopped at the adapters' part line, SPEC.md 9, in every Codex request.)
_DECLARES: Final = (
    b"(?i:" + b"|".join(re.escape(phrase.encode()) for phrase in (*LEAD_INS, "unordered")) + b")"
)
_ALTERNATIVES: Final = b"|".join(
    (
        _FENCE_RUN,
        rb"(?m:^)(?:[ \t]*\n){2,}",  # two or more blank lines (3.6, 3.7)
        rb"[ \t]+(?:\n|\z)",  # spaces and tabs at the end of a line (3.6)
        _INVISIBLE_CLASS,  # an invisible character (3.5)
        _DECLARES,  # may declare an unordered list (3.9)
    )
)
# No groups: RE2 then needs no submatch pass, and the first and last bytes of a match tell
# which alternative it is (see scan_layer).
_MATCH: Final = matcher(_ALTERNATIVES)
_NFC_CLASS: Final = b"|[" + nfc.UNSTABLE.encode() + b"]"
#: Also stops at a character NFC may change (SPEC.md 3.3), for a layer not yet in NFC.
_MATCH_NFC: Final = matcher(_ALTERNATIVES + _NFC_CLASS)
_BACKTICK: Final = 0x60
_TILDE: Final = 0x7E
_LF: Final = 0x0A
_BLANK: Final = b" \t\n"
_INVISIBLE: Final = frozenset(char.encode() for char in INVISIBLE)
_MAX_REPEAT: Final = 1000


@functools.lru_cache(maxsize=64)
def _closer(char: int, length: int, normalized: bool) -> Matcher:
    """Inside a fence of ``length`` ``char``s, the scan stops only at its closer (3.4), at an
    invisible character, which a closer may hold, and, in text not in NFC, at NFC (3.3):
    the other rules are for prose."""
    # ` and ~ stand for themselves; RE2 repeats at most 1000 times, the scan checks the rest
    run = bytes((char,)) + b"{%d,}" % min(length, _MAX_REPEAT)
    nfc_class = b"" if normalized else _NFC_CLASS
    return matcher(rb"(?m:^)[ \t]*" + run + rb"[ \t]*(?:\n|\z)|" + _INVISIBLE_CLASS + nfc_class)


#: Why :func:`scan_layer` stopped: the rule functions must handle an invisible character,
#: and a layer that NFC may change must be normalised first.
Fallback = Literal["invisible", "nfc"]


class Scanned(NamedTuple):
    """A text layer after the rules of SPEC.md 3.4-3.8."""

    text: bytes
    code: list[tuple[int, int]]  # byte ranges of code, sorted
    may_declare: bool  # holds a lead-in phrase or "unordered" in prose, ASCII case folded


def scan_layer(data: bytes, *, normalized: bool = True) -> Scanned | Fallback:
    """Apply fences, trailing whitespace, blank lines and trim (SPEC.md 3.4-3.8) to ``data``.

    ``data`` is the layer after SPEC.md 3.2, as UTF-8, and in NFC (SPEC.md 3.3) if
    ``normalized``; if not, the scan stops at a character NFC may change and returns
    ``"nfc"``.  It returns ``"invisible"`` if the layer holds an invisible character
    (SPEC.md 3.5): the rule functions handle that case.
    """
    prose = _MATCH if normalized else _MATCH_NFC
    end = len(data)
    cuts: list[tuple[int, int, bytes]] = []  # (start, stop, replacement), in order
    code: list[tuple[int, int]] = []
    fence_char = fence_length = 0  # of the open fence; 0: none is open
    code_start = end + 1
    may_declare = False
    pos = 0
    while pos < end:
        if pos >= code_start:  # in code, up to the closer, whose line is prose
            closer = _closer(fence_char, fence_length, normalized)
            start, stop = closer(UNANCHORED, data, pos, end)[0]
            if start < 0:
                break
            if data[start] >= 0x80:
                return "invisible" if data[start:stop] in _INVISIBLE else "nfc"
            if fence_length > _MAX_REPEAT and len(data[start:stop].strip(b" \t\n")) < fence_length:
                pos = stop  # too short to close this fence
                continue
            code.append((code_start, start))
            fence_char, code_start = 0, end + 1
            pos = start + len(data[start:stop].rstrip(b" \t\n"))  # the run's end
            continue
        # the opener's line is prose, to the code after it
        limit = code_start if fence_char else end
        start, stop = prose(UNANCHORED, data, pos, limit)[0]
        if start < 0:
            if limit == end:
                break
            pos = limit
            continue
        pos = stop
        last = data[pos - 1]
        if last in (_BACKTICK, _TILDE):  # a fence run: an opener unless it has a backtick
            line_end = data.find(b"\n", pos)
            info = data[pos:line_end]
            if line_end != -1 and (last == _TILDE or b"`" not in info):
                fence_char, code_start = last, line_end + 1
                fence_length = len(data[start:pos].lstrip(b" \t"))
                if _plain_info(info):
                    pos = code_start  # nothing on the opener's line to stop at
        elif data[start] in _BLANK:  # blank lines, or spaces and tabs ending a line
            if data.count(b"\n", start, pos) > 1:
                cuts.append((start, pos, b"\n"))
            else:
                cuts.append((start, pos - (last == _LF), b""))
        elif data[start] >= 0x80:
            return "invisible" if data[start:pos] in _INVISIBLE else "nfc"
        else:
            may_declare = True
    if fence_char:
        code.append((code_start, end))
    return Scanned(*_assemble(data, cuts, code), may_declare)


def _plain_info(info: bytes) -> bool:
    """An opener's info string with nothing the scan stops at: empty, or ASCII letters and
    digits (``python``, ``sh``), which hold no lead-in phrase (each has a space, a
    parenthesis or a colon)."""
    return not info or (info.isascii() and info.isalnum())


def _assemble(
    data: bytes, cuts: list[tuple[int, int, bytes]], code: list[tuple[int, int]]
) -> tuple[bytes, list[tuple[int, int]]]:
    """``data`` with each cut made and trimmed (SPEC.md 3.8), and its code ranges moved.

    Trim bounds are found in ``data`` itself: cuts remove only spaces, tabs and LFs, and
    never one between a line's start and its first other character.  So each cut lies
    wholly inside or outside the bounds, and the layer is copied at most once.
    """
    last = len(data)
    while last and data[last - 1] in _BLANK:
        last -= 1
    if not last:
        return b"", []
    first = 0
    while data[first] in _BLANK:
        first += 1
    start = data.rfind(b"\n", 0, first) + 1
    stop = data.find(b"\n", last)
    if stop == -1:
        stop = len(data)
    cuts = [cut for cut in cuts if start <= cut[0] < stop]
    # views, not slices: a slice would copy the layer once more before the join
    view = memoryview(data)
    out: list[bytes | memoryview] = []
    moved: list[tuple[int, int]] = []
    pos, removed, index = start, start, 0
    for cut_start, cut_stop, replacement in (*cuts, (stop, stop, b"\n")):
        # code between the previous cut and this one moves back by what was removed so far
        while index < len(code) and code[index][0] < cut_start:
            code_start, code_end = code[index]
            if min(code_end, stop) > code_start:
                end = stop + 1 if code_end >= stop else code_end  # a fence left open takes the LF
                moved.append((max(code_start, start) - removed, end - removed))
            index += 1
        out += [view[pos:cut_start], replacement]
        pos = cut_stop
        removed += cut_stop - cut_start - len(replacement)
    if len(out) == 2 and start == 0 and stop == len(data) - 1:
        return data, moved  # already canonical: no copy
    return b"".join(out), moved
