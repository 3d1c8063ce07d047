"""Text rules: decoding, line endings, Unicode, whitespace and fences (SPEC.md section 3).

Each rule is a pure ``str -> str`` function and idempotent.  Whole-text rules
see the entire layer; prose rules see one prose segment at a time (the text
outside fenced code, see :func:`split_fences`), so whitespace inside code is
never touched.  Every rule checks cheaply whether it has anything to do before
doing it: most real prompts need only one or two of them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from prefixlib.errors import EncodingError

__all__ = [
    "INVISIBLE",
    "Segment",
    "byte_spans",
    "collapse_blank_lines",
    "decode",
    "drop_invisible",
    "join_segments",
    "normalize_line_endings",
    "normalize_unicode",
    "split_fences",
    "strip_bom",
    "strip_trailing_whitespace",
    "trim_bounds",
    "trim_layer",
    "trim_to",
]

#: Invisible format characters dropped outside fences (SPEC.md 3.5).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_INV = "[" + INVISIBLE + "]"

# A fence opener (SPEC.md 3.4): any indentation of spaces and tabs, then three
# or more backticks whose info string holds no backtick, or three or more
# tildes.  Invisible characters may stand anywhere in the line, because the
# prose rules drop them from opener and closer lines, and the cleaned line must
# open or close the same fence on a second pass.
_FENCE_OPENER = re.compile(
    rf"^[ \t{INVISIBLE}]*"
    rf"(?:(?P<ticks>(?:`{_INV}*){{3,}})[^`\n]*|(?P<tildes>(?:~{_INV}*){{3,}}).*)$",
    re.MULTILINE,
)
_CLOSERS: dict[tuple[str, int], re.Pattern[str]] = {}


class Segment(NamedTuple):
    """A run of whole lines of a layer: prose, or the content of a fence."""

    text: str
    is_code: bool


def decode(data: bytes, *, source: str) -> str:
    """Decode UTF-8 strictly; report a bad byte by line and column (SPEC.md 3.1)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        column = len(data[line_start : e.start].decode("utf-8", "replace")) + 1
        raise EncodingError(
            f"invalid UTF-8 byte 0x{data[e.start]:02x}",
            source=source,
            line=data.count(b"\n", 0, e.start) + 1,
            column=column,
        ) from e


def check_encodable(text: str, *, source: str) -> None:
    """Reject lone surrogates, which have no UTF-8 form (SPEC.md 3.1)."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        line = text.count("\n", 0, e.start) + 1
        column = e.start - (text.rfind("\n", 0, e.start) + 1) + 1
        raise EncodingError(
            f"lone surrogate U+{ord(text[e.start]):04X}", source=source, line=line, column=column
        ) from e


def strip_bom(text: str) -> str:
    """Remove the U+FEFF byte order marks at the start of the layer (SPEC.md 3.2)."""
    return text.lstrip("\ufeff") if text.startswith("\ufeff") else text


def normalize_line_endings(text: str) -> str:
    """Turn CRLF and lone CR into LF (SPEC.md 3.2)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalize_unicode(text: str) -> str:
    """Unicode Normalization Form C, never NFKC (SPEC.md 3.3)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def _closer(char: str, length: int) -> re.Pattern[str]:
    """The pattern of a line that closes a fence of ``length`` ``char``s (SPEC.md 3.4)."""
    pattern = _CLOSERS.get((char, length))
    if pattern is None:
        run = rf"(?:{re.escape(char)}{_INV}*){{{length},}}"
        pattern = re.compile(rf"^[ \t{INVISIBLE}]*{run}[ \t{INVISIBLE}]*$", re.MULTILINE)
        _CLOSERS[(char, length)] = pattern
    return pattern


class _Lines:
    """Finds fence lines fast: such a line holds three fence characters in a row.

    ``str.find`` skips to the next run and the pattern checks only its line.
    The next position of each run is cached, so a layer is scanned once per run.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._next: dict[str, int] = {}

    def _hit(self, run: str, pos: int) -> int:
        hit = self._next.get(run, -2)
        if hit == -2 or (hit != -1 and hit < pos):
            hit = self._next[run] = self.text.find(run, pos)
        return hit

    def find(
        self, pattern: re.Pattern[str], runs: tuple[str, ...], pos: int
    ) -> re.Match[str] | None:
        """The first line at or after ``pos`` (a line start) that ``pattern`` matches."""
        text = self.text
        while True:
            hits = [hit for hit in (self._hit(run, pos) for run in runs) if hit != -1]
            if not hits:
                return None
            hit = min(hits)
            match = pattern.match(text, text.rfind("\n", pos, hit) + 1 or pos)
            if match is not None:
                return match
            pos = text.find("\n", hit) + 1
            if pos == 0:
                return None


def split_fences(text: str) -> list[Segment]:
    """Split a layer into prose and fenced-code segments of whole lines (SPEC.md 3.4).

    The opener and closer lines belong to the prose around them; the lines
    between them are code.  A fence left open runs to the end of the layer.
    Joining the segments gives ``text`` back.
    """
    # Invisible characters may split a fence run: then search line by line with the pattern.
    tolerant = not text.isascii() and _has_invisible(text)
    if not tolerant and "```" not in text and "~~~" not in text:
        return [Segment(text, is_code=False)]

    lines = _Lines(text)

    def find(pattern: re.Pattern[str], runs: tuple[str, ...], pos: int) -> re.Match[str] | None:
        return pattern.search(text, pos) if tolerant else lines.find(pattern, runs, pos)

    segments: list[Segment] = []
    prose_start = search_from = 0
    while (opener := find(_FENCE_OPENER, ("```", "~~~"), search_from)) is not None:
        content_start = text.find("\n", opener.end()) + 1
        if content_start == 0:  # the opener is the last line: no content
            break
        run = opener["ticks"] or opener["tildes"]
        char = run[0]
        closer = find(_closer(char, run.count(char)), (char * 3,), content_start)
        content_end = len(text) if closer is None else closer.start()
        segments.append(Segment(text[prose_start:content_start], is_code=False))
        segments.append(Segment(text[content_start:content_end], is_code=True))
        if closer is None:
            return segments
        prose_start = content_end
        search_from = text.find("\n", closer.end()) + 1
        if search_from == 0:
            break
    segments.append(Segment(text[prose_start:], is_code=False))
    return segments


def _has_invisible(text: str) -> bool:
    return any(char in text for char in INVISIBLE)


def byte_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping character spans of ``text`` as UTF-8 byte spans, in one pass."""
    if text.isascii():
        return spans
    ranges, chars, size = [], 0, 0
    for start, end in spans:
        size += len(text[chars:start].encode())
        length = len(text[start:end].encode())
        ranges.append((size, size + length))
        chars, size = end, size + length
    return ranges


def join_segments(segments: list[Segment]) -> str:
    """The layer text of ``segments``."""
    return "".join(segment.text for segment in segments)


def drop_invisible(prose: str) -> str:
    """Drop the invisible format characters of :data:`INVISIBLE` (SPEC.md 3.5).

    Dropping one can leave a combining mark next to a base it composes with,
    so the result is normalised to NFC again.
    """
    if prose.isascii() or not _has_invisible(prose):
        return prose
    for char in INVISIBLE:
        prose = prose.replace(char, "")
    return unicodedata.normalize("NFC", prose)


def strip_trailing_whitespace(prose: str) -> str:
    """Remove spaces and tabs at the end of every line (SPEC.md 3.6).

    Only the lines that have them are rebuilt, unless they are many.
    """
    limit = len(prose) // 128 + 16
    ends = _ends(prose, " \n", limit) | _ends(prose, "\t\n", limit)
    if prose.endswith((" ", "\t")):
        ends.add(len(prose))
    if not ends:
        return prose
    if len(ends) > limit:
        return "\n".join(line.rstrip(" \t") for line in prose.split("\n"))
    out = []
    pos = 0
    for end in sorted(ends):
        line_start = prose.rfind("\n", pos, end) + 1 or pos
        out += [prose[pos:line_start], prose[line_start:end].rstrip(" \t")]
        pos = end
    out.append(prose[pos:])
    return "".join(out)


def _ends(text: str, mark: str, limit: int) -> set[int]:
    """Where each line ending in ``mark`` ends, up to ``limit`` + 1 of them."""
    found: set[int] = set()
    i = text.find(mark)
    while i != -1 and len(found) <= limit:
        found.add(i + 1)
        i = text.find(mark, i + 1)
    return found


def collapse_blank_lines(prose: str) -> str:
    """Collapse each run of empty lines to one (SPEC.md 3.7).

    Runs after :func:`strip_trailing_whitespace`, so blank lines are empty.
    """
    run = prose.find("\n\n\n")
    if run == -1:
        return prose
    out = []
    pos = 0
    while run != -1:
        out.append(prose[pos : run + 2])
        pos = run + 3
        while prose.startswith("\n", pos):
            pos += 1
        run = prose.find("\n\n\n", pos)
    out.append(prose[pos:])
    return "".join(out)


def trim_layer(text: str) -> str:
    """Drop leading and trailing blank lines; end a non-empty layer with one LF (SPEC.md 3.8).

    A blank line here is one of spaces and tabs only.  This applies to the
    layer as a whole, so also to a fence left open at its end.
    """
    return trim_to(text, *trim_bounds(text))


def trim_to(text: str, start: int, end: int) -> str:
    """``text`` trimmed to the bounds :func:`trim_bounds` found (SPEC.md 3.8)."""
    if start == 0 and end == len(text) - 1:
        return text  # already trimmed
    return text[start:end] + "\n" if end > start else ""


def trim_bounds(text: str) -> tuple[int, int]:
    """Where the trimmed layer's content starts and ends (before its final LF) (SPEC.md 3.8)."""
    if (
        text.endswith("\n")
        and text[:1] not in ("", " ", "\t", "\n")
        and text[-2:-1] not in ("", " ", "\t", "\n")
    ):
        return 0, len(text) - 1  # first and last lines have content
    start = 0
    while True:
        end_of_line = text.find("\n", start)
        if end_of_line == -1 or text[start:end_of_line].strip(" \t"):
            break
        start = end_of_line + 1
    end = len(text)
    while end > start:
        line_start = text.rfind("\n", start, end) + 1 or start
        if text[line_start:end].strip(" \t"):
            break
        end = max(line_start - 1, start)
    return start, end
