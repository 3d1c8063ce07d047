"""Context: where a date, time, path or id is session state (SPEC.md 5.2).

A shape is hoisted only where its context marks it: right after a label
("Today's date is", ``cwd:``, ``<current_date>``), inside a context block
(``<environment_context>``), or, for paths, under a home, a temp dir or a
root wherever it appears.  One RE2 pattern a region finds every candidate in
one pass over the layer's UTF-8 bytes; :func:`Patterns.scan` keeps those
their context allows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import re2

from prefixlib.rules import blocks, ids, paths, timestamps
from prefixlib.rules.alternation import Alternation, Candidate
from prefixlib.rules.engine import UNANCHORED, matcher

__all__ = [
    "COLON_SEPARATOR",
    "CONTEXT_TAGS",
    "SEPARATOR",
    "Patterns",
    "cut_short",
    "label_forms",
    "sentence_form",
    "words",
]

#: Tags of the context blocks agent CLIs emit (SPEC.md 5.2.2).
CONTEXT_TAGS: Final[tuple[str, ...]] = (
    "environment_context",
    "session_context",
    "environment",
    "env",
)
#: Where a field starts: a line start, then indentation, a list or quote marker, emphasis.
_FIELD_START: Final = r"(?m:^)[ \t]*(?:[-*+>][ \t]+|#+[ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?"
#: A colon or equals sign between a label and its value, with emphasis around it.
_COLON: Final = r"(?:\*\*|__|`)?[ \t]*[:=][ \t]*(?:\*\*|__)?"
#: The quotes and emphasis that may open a value after its separator.
_OPENING: Final = r"[`'\"*]*[ \t]*"
#: Between a label and its value: a colon or equals sign, or "is" / "was" / "are" (A.7).
SEPARATOR: Final = rf"(?:{_COLON}|[ \t]+(?:is|was|are):?[ \t]+){_OPENING}"
#: A colon or equals sign and what may open the value: the separator a learned label has.
COLON_SEPARATOR: Final = _COLON + _OPENING
#: The Codex project-instructions header declares its directory a root.
_AGENTS_HEADER: Final = r"(?m:^)#+[ \t]*AGENTS\.md instructions for[ \t]+"
_WORD_BYTE: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True, slots=True)
class _LabelClass:
    anywhere: tuple[str, ...]
    field: tuple[str, ...]
    shapes: tuple[tuple[str, str], ...]


def words(label: str) -> str:
    """A label's words may be joined by a space, ``_``, ``-`` or nothing (``sessionId``)."""
    return label.replace(" ", "[ _-]?")


def label_forms(
    anywhere: Iterable[str],
    field: Iterable[str],
    *,
    boundary: str = r"\b",
    field_start: str = _FIELD_START,
    blank: str = r"[ \t]",
) -> list[tuple[str, str]]:
    """The forms of a class of labels, each with its lead (see ``Alternation.add``): its tag,
    a label that counts anywhere, a label that starts a field (SPEC.md 5.2.1).  The text
    around them is written with ``boundary``, ``field_start`` and ``blank`` (JSON's for the
    tool descriptions, SPEC.md 5.10)."""
    anywhere, field = tuple(anywhere), tuple(field)
    every = "|".join(words(label) for label in (*anywhere, *field))
    forms = [(rf"<(?i:{every})>{blank}*", "<")]
    if anywhere:
        labels = "|".join(words(label) for label in anywhere)
        forms.append((rf"{boundary}(?i:{labels})\b{SEPARATOR}", ""))
    if field:
        labels = "|".join(words(label) for label in field)
        forms.append((rf"{field_start}(?i:{labels})\b{SEPARATOR}", ""))
    return forms


def sentence_form(instants: str, *, boundary: str = r"\b", blank: str = r"[ \t]") -> str:
    """A session time word, then a full instant (``instants``) with no separator (5.2.3)."""
    sentence = "|".join(label.replace(" ", f"{blank}+") for label in timestamps.SENTENCE_LABELS)
    return rf"{boundary}(?i:{sentence}){blank}+(?:{instants})"


class Patterns:
    """The scan patterns of one policy, per region: prose, context block, code (SPEC.md 5.2)."""

    def __init__(
        self,
        *,
        escape: str,
        context_tags: Iterable[str] = (),
        extra_labels: Iterable[tuple[str, str]] = (),
        hoist_timestamps: bool = True,
        hoist_ids: bool = True,
        hoist_paths: bool = True,
    ) -> None:
        self._tags = "|".join(re2.escape(tag) for tag in (*CONTEXT_TAGS, *context_tags))
        self._extra = tuple(extra_labels)
        self._paths = hoist_paths
        self._sentences = hoist_timestamps
        self._blocks = hoist_timestamps or hoist_ids or hoist_paths
        classes = []
        if hoist_timestamps:
            classes.append(
                _LabelClass(timestamps.LABELS, timestamps.FIELD_LABELS, timestamps.LABELLED)
            )
            classes.append(
                _LabelClass(
                    timestamps.TIMEZONE_LABELS,
                    timestamps.TIMEZONE_FIELD_LABELS,
                    (("TIMEZONE", timestamps.TIMEZONE),),
                )
            )
        if hoist_ids:
            classes.append(_LabelClass(ids.LABELS, ids.FIELD_LABELS, ids.LABELLED))
        if hoist_paths:
            value = paths.PATH_VALUE
            classes.append(
                _LabelClass(paths.ROOT_LABELS, paths.ROOT_FIELD_LABELS, (("ROOT", value),))
            )
            classes.append(_LabelClass(paths.LIST_LABELS, (), (("PATHS", paths.PATH_LIST),)))
            classes.append(_LabelClass(paths.TEMP_LABELS, (), (("TMP", value),)))
            classes.append(_LabelClass((), paths.HOME_FIELD_LABELS, (("HOME", value),)))
        self._classes = tuple(classes)
        bare: list[tuple[str, str]] = []
        if hoist_timestamps:
            bare += timestamps.BARE
        if hoist_ids:
            bare += ids.BARE
        self._bare = tuple(bare)

        self.prose = Alternation()
        opening = rf"(?m:^)[ \t]*<(?:{self._tags})(?:[ \t][^>\n]*)?>"
        self.prose.add(self.prose.group(opening, "open"), lead="<")
        if hoist_paths:
            header = _AGENTS_HEADER + self.prose.group(paths.PATH_VALUE, "label", "ROOT")
            self.prose.add(header, lead="#")
        self._common(self.prose, escape)
        self.prose.compile(roots_first=not self._extra)

        self._close = matcher(rf"</(?:{self._tags})>".encode())
        self.context = Alternation()
        self._common(self.context, escape)
        for kind, pattern in self._bare:
            self.context.add(self.context.group(pattern, "bare", kind))
        if hoist_paths:
            self.context.add(self.context.group(paths.PATH_VALUE, "bare", "PATH"))
        self.context.compile(roots_first=not self._extra)

        self.code = Alternation()
        self._roots(self.code)
        self.code.add(self.code.group(escape, "escape"))
        self.code.compile(roots_first=True)

    def _common(self, p: Alternation, escape: str) -> None:
        """Labelled values, path roots and escapes: alike in prose and in context blocks."""
        # Blocks first: where one starts, it is the whole block (or its sentence) that counts
        # ("Today's date is 2026年11月30日 (formatted according to the user's locale)").
        if self._blocks:
            for kind, heading, body, trailer in blocks.BLOCKS:
                p.add(heading + p.group(body, "block", kind) + trailer)
        # A label's forms are alternatives of their own, in the order of "(?:forms)(?:shapes)":
        # the tag form is led by "<" (see Alternation.add).
        for cls in self._classes:
            for form, lead in label_forms(cls.anywhere, cls.field):
                shapes = "|".join(p.group(shape, "label", kind) for kind, shape in cls.shapes)
                p.add(f"{form}(?:{shapes})", lead=lead)
        if self._sentences:
            instants = "|".join(p.group(shape, "label", kind) for kind, shape in timestamps.INSTANT)
            p.add(sentence_form(instants))
        for label, kind in self._extra:
            word = words(" ".join(re2.escape(part) for part in label.split()))
            value = r"[^<\n]*[^<\s]"
            p.add(rf"<(?i:{word})>[ \t]*" + p.group(value, "extra", kind), lead="<")
            p.add(rf"{_FIELD_START}(?i:{word})\b{SEPARATOR}" + p.group(value, "extra", kind))
        self._roots(p)
        p.add(p.group(escape, "escape"))

    def _roots(self, p: Alternation) -> None:
        if self._paths:
            # temp dirs first: on Windows and macOS they lie under the home, and the longer wins
            p.add(p.group(paths.TEMP, "temp", "TMP"))
            p.add(p.group(paths.HOME, "home", "HOME"))

    def scan(self, text: bytes, code: Sequence[tuple[int, int]]) -> Iterator[Candidate]:
        """The candidates of a layer that their context allows, in order (SPEC.md 5.1).

        ``code`` holds the byte ranges of code, sorted.  One pass of the prose
        pattern covers the whole layer; a candidate in code keeps only what the
        code pattern would find in its span.
        """
        starts = [start for start, _ in code]
        end = len(text)
        pos = 0
        while pos < end:
            found = self.prose.search(text, pos, end)
            if found is None:
                return
            candidate, match_end = found
            region = bisect_right(starts, candidate.start) - 1
            if region >= 0 and candidate.start < code[region][1]:
                match_start = text.rfind(b"\n", 0, candidate.start) + 1
                yield from self._accepted(self.code, text, max(pos, match_start), match_end)
                pos = match_end
                continue
            pos = match_end
            if candidate.role != "open":
                if _allowed(text, candidate):
                    yield candidate
                continue
            # a block ends at its closing tag, within the same prose segment
            limit = starts[region + 1] if region + 1 < len(starts) else end
            close_start, close_end = self._close(UNANCHORED, text, pos, limit)[0]
            if close_start >= 0:  # an unclosed tag is a mention, not a block
                yield from self._accepted(self.context, text, pos, close_start)
                pos = close_end

    def _accepted(self, p: Alternation, text: bytes, pos: int, end: int) -> Iterator[Candidate]:
        while pos < end:
            start, pos = p.find(text, pos, end)
            if start < 0:
                return
            if p.pathless(text, start):  # "/cwd" in "</cwd>"
                continue
            candidate = p.identify(text, start, pos)
            if _allowed(text, candidate):
                yield candidate


def _allowed(text: bytes, c: Candidate) -> bool:
    """The checks a pattern cannot make: what stands around a value (SPEC.md 5.2.3)."""
    if c.role == "home":
        return paths.is_path_start(text, c.start) and _home_end(text, c)
    if c.role == "temp":
        return paths.is_path_start(text, c.start)
    if c.role in ("escape", "extra", "block"):
        return True
    if c.kind in ("ROOT", "TMP", "HOME", "PATH", "PATHS"):
        return paths.is_path_start(text, c.start)
    if cut_short(text, c.end):
        return False
    return c.kind != "ID" or c.role == "bare" or ids.is_token(text[c.start : c.end])


def cut_short(text: bytes, end: int) -> bool:
    """Whether a labelled value ending at ``end`` is a shape cut short: an ASCII letter, digit
    or ``_`` follows it ("2026-11-24x" is no date; SPEC.md 5.2.1)."""
    return end < len(text) and text[end] in _WORD_BYTE


def _home_end(text: bytes, c: Candidate) -> bool:
    """``/home/user`` ends a segment; ``~/`` is followed by its path, and so is ``/root``, also
    a word ("You are `/root`, the primary agent"): a ``/`` and a segment follow it (5.4.1)."""
    if text[c.end - 1 : c.end] == b"/":
        return True
    if text[c.start : c.end] == b"/root":
        return text[c.end : c.end + 1] == b"/" and paths.continuation_end(text, c.end) > c.end + 1
    return paths.is_root_end(text, c.end)
