"""Context: where a date, time, path or id is session state (SPEC.md 5.2).

A shape is hoisted only where its context marks it: right after a label
("Today's date is", ``cwd:``, ``<current_date>``), inside a context block
(``<environment_context>``), or, for paths, under a home, a temp dir or a
root wherever it appears.  One RE2 pattern a region finds every candidate in
one pass over the layer's UTF-8 bytes; :func:`Patterns.scan` keeps those
their context allows.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

import re2

from prefixlib.rules import ids, paths, timestamps
from prefixlib.rules.engine import ANCHOR_BOTH, UNANCHORED, Matcher, matcher

__all__ = ["CONTEXT_TAGS", "Candidate", "Patterns"]

#: Tags of the context blocks agent CLIs emit (SPEC.md 5.2.2).
CONTEXT_TAGS: Final[tuple[str, ...]] = (
    "environment_context",
    "session_context",
    "environment",
    "env",
)
#: Where a field starts: a line start, then indentation, a list or quote marker, emphasis.
_FIELD_START: Final = r"(?m:^)[ \t]*(?:[-*+>][ \t]+|#+[ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?"
#: Between a label and its value: a colon or equals sign, or "is" / "was".
_SEPARATOR: Final = (
    r"(?:(?:\*\*|__|`)?[ \t]*[:=][ \t]*(?:\*\*|__)?|[ \t]+(?:is|was|are)[ \t]+)[`'\"*]*[ \t]*"
)
#: The Codex project-instructions header declares its directory a root.
_AGENTS_HEADER: Final = r"(?m:^)#+[ \t]*AGENTS\.md instructions for[ \t]+"
#: Opens a capturing group while a pattern is built (``(`` in one program, ``(?:`` in the other).
_GROUP: Final = "\x00("
_ROOT_START: Final = b"/~"
_BLANKS: Final = b" \t"
_DRIVE: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
#: How a temp dir at "/" starts (paths.TEMP); no home does (paths.HOME).
_TEMP_STARTS: Final = (b"/private/", b"/var/", b"/tmp/")
_WORD_BYTE: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


class Candidate(NamedTuple):
    """A value to hoist: ``text[start:end]`` of ``kind``, found in the way ``role`` says.

    Roles: ``label`` (after a label), ``bare`` (inside a context block),
    ``home`` / ``temp`` (a path root by its shape), ``root`` (an occurrence of a
    given or declared root), ``extra`` (a policy label's whole value),
    ``escape`` (placeholder syntax in the input).
    """

    role: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _LabelClass:
    anywhere: tuple[str, ...]
    field: tuple[str, ...]
    shapes: tuple[tuple[str, str], ...]


def _words(label: str) -> str:
    """A label's words may be joined by a space, ``_``, ``-`` or nothing (``sessionId``)."""
    return label.replace(" ", "[ _-]?")


class _Pattern:
    """One compiled alternation whose capturing groups each name a (role, kind)."""

    def __init__(self) -> None:
        self._alternatives: list[str] = []
        self.roles: list[tuple[str, str]] = [("", "")]
        self._roots: Matcher | None = None
        self._roots_only = False
        self._leads: list[tuple[str, int]] = []  # per alternative: lead, its first group
        self._grouped = 1  # groups of the alternatives added so far, and the whole match
        self._led: dict[int, list[tuple[Matcher, int]]] = {}

    def group(self, pattern: str, role: str, kind: str = "") -> str:
        self.roles.append((role, kind))
        return f"{_GROUP}{pattern})"

    def add(self, pattern: str, *, lead: str = "") -> None:
        """Add an alternative.  ``lead``: the character every match of it starts with after
        blanks, where no alternative before it may start so without the same ``lead``.  A
        match that starts so is then told by the first of those alternatives that matches it,
        each with a small program of its own (:meth:`identify`)."""
        if pattern:
            self._leads.append((lead, self._grouped))
            self._grouped = len(self.roles)
            self._alternatives.append(pattern)

    def compile(self, *, roots_first: bool) -> _Pattern:
        """Build the programs.  ``roots_first``: no alternative before the home and temp dirs
        can match at a ``/`` or ``~`` (no policy label is in the pattern)."""
        # Without groups RE2 finds a match by its DFA alone, which is cheap; a grouped
        # program, anchored to that match, then tells its alternative (identify).  Most
        # matches are paths under a home or temp dir, told by their first segment or a small
        # program, or are led by "<" or "#", told by the programs of their alternatives.
        self._pattern = "|".join(self._alternatives)
        self._find = matcher(self._pattern.replace(_GROUP, "(?:").encode())
        if roots_first and ("home", "HOME") in self.roles:
            self._roots = matcher(f"({paths.TEMP})|(?:{paths.HOME})".encode())
            # with no bare path after them, a match at "/" or "~" is a temp dir or a home,
            # and its first segment tells which
            self._roots_only = ("bare", "PATH") not in self.roles
        self._last = len(self.roles) - 1
        for alternative, (lead, first) in zip(self._alternatives, self._leads, strict=True):
            if lead:
                grouped = matcher(alternative.replace(_GROUP, "(").encode())
                self._led.setdefault(ord(lead), []).append((grouped, first - 1))
        return self

    @functools.cached_property
    def _match(self) -> Matcher:
        """The program with every group: large, and needed only where no shortcut tells."""
        return matcher(self._pattern.replace(_GROUP, "(").encode())

    def find(self, text: bytes, pos: int, end: int) -> tuple[int, int]:
        """The span of the next match in ``text[pos:end]``; ``(-1, -1)`` if there is none."""
        return self._find(UNANCHORED, text, pos, end)[0]

    def search(self, text: bytes, pos: int, end: int) -> tuple[Candidate, int] | None:
        """The next candidate in ``text[pos:end]`` and where its match ends."""
        start, stop = self._find(UNANCHORED, text, pos, end)[0]
        if start < 0:
            return None
        return self.identify(text, start, stop), stop

    def identify(self, text: bytes, start: int, stop: int) -> Candidate:
        """The candidate of a match of the pattern: which alternative, and its value."""
        # The same match again: RE2 reads the text around it as context, as in the search,
        # and at the same start the alternative that matched first still matches first.
        if self._roots is not None and _may_be_root(text, start):
            if self._roots_only and text[start] in _ROOT_START:
                if text.startswith(_TEMP_STARTS, start, stop):
                    return Candidate("temp", "TMP", start, stop)
                return Candidate("home", "HOME", start, stop)
            spans = self._roots(ANCHOR_BOTH, text, start, stop)
            if spans[0][0] >= 0:
                if spans[1][0] >= 0:
                    return Candidate("temp", "TMP", start, stop)
                return Candidate("home", "HOME", start, stop)
        first = text[start]
        if first in _BLANKS:  # an opening tag's indentation
            first = (text[start:stop].lstrip(b" \t") or b" ")[0]
        for grouped, offset in self._led.get(first, ()):
            spans = grouped(ANCHOR_BOTH, text, start, stop)
            if spans[0][0] >= 0:  # the first that matches is the one that matched
                index = len(spans) - 1
                while spans[index][0] < 0:
                    index -= 1
                role, kind = self.roles[offset + index]
                return Candidate(role, kind, *spans[index])
        return self.by_groups(text, start, stop)

    def by_groups(self, text: bytes, start: int, stop: int) -> Candidate:
        """:meth:`identify` by the program with every group: what its shortcuts must give."""
        spans = self._match(ANCHOR_BOTH, text, start, stop)
        index = self._last
        while spans[index][0] < 0:  # the one alternative that matched: its group
            index -= 1
        role, kind = self.roles[index]
        return Candidate(role, kind, *spans[index])

    def pathless(self, text: bytes, start: int) -> bool:
        """Whether a match at ``start`` is a path that starts no path, so nothing to hoist:
        without a policy label, only paths start with ``/`` or ``~`` (SPEC.md 5.2.3)."""
        return (
            self._roots is not None
            and text[start] in _ROOT_START
            and not paths.is_path_start(text, start)
        )


def _may_be_root(text: bytes, start: int) -> bool:
    """A home or temp dir starts with ``/``, ``~`` or a drive (``C:``)."""
    first = text[start]
    return first in _ROOT_START or (first in _DRIVE and text[start + 1 : start + 2] == b":")


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

        self.prose = _Pattern()
        opening = rf"(?m:^)[ \t]*<(?:{self._tags})(?:[ \t][^>\n]*)?>"
        self.prose.add(self.prose.group(opening, "open"), lead="<")
        if hoist_paths:
            header = _AGENTS_HEADER + self.prose.group(paths.PATH_VALUE, "label", "ROOT")
            self.prose.add(header, lead="#")
        self._common(self.prose, escape)
        self.prose.compile(roots_first=not self._extra)

        self._close = matcher(rf"</(?:{self._tags})>".encode())
        self.context = _Pattern()
        self._common(self.context, escape)
        for kind, pattern in self._bare:
            self.context.add(self.context.group(pattern, "bare", kind))
        if hoist_paths:
            self.context.add(self.context.group(paths.PATH_VALUE, "bare", "PATH"))
        self.context.compile(roots_first=not self._extra)

        self.code = _Pattern()
        self._roots(self.code)
        self.code.add(self.code.group(escape, "escape"))
        self.code.compile(roots_first=True)

    def _common(self, p: _Pattern, escape: str) -> None:
        """Labelled values, path roots and escapes: alike in prose and in context blocks."""
        # A label's forms are alternatives of their own, in the order of "(?:forms)(?:shapes)":
        # the tag form is led by "<" (see _Pattern.add).
        for cls in self._classes:
            every = "|".join(_words(label) for label in (*cls.anywhere, *cls.field))
            forms = [(rf"<(?i:{every})>[ \t]*", "<")]
            if cls.anywhere:
                anywhere = "|".join(_words(label) for label in cls.anywhere)
                forms.append((rf"\b(?i:{anywhere})\b{_SEPARATOR}", ""))
            if cls.field:
                field = "|".join(_words(label) for label in cls.field)
                forms.append((rf"{_FIELD_START}(?i:{field})\b{_SEPARATOR}", ""))
            for form, lead in forms:
                shapes = "|".join(p.group(shape, "label", kind) for kind, shape in cls.shapes)
                p.add(f"{form}(?:{shapes})", lead=lead)
        for label, kind in self._extra:
            word = _words(" ".join(re2.escape(part) for part in label.split()))
            value = r"[^<\n]*[^<\s]"
            p.add(rf"<(?i:{word})>[ \t]*" + p.group(value, "extra", kind), lead="<")
            p.add(rf"{_FIELD_START}(?i:{word})\b{_SEPARATOR}" + p.group(value, "extra", kind))
        self._roots(p)
        p.add(p.group(escape, "escape"))

    def _roots(self, p: _Pattern) -> None:
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

    def _accepted(self, p: _Pattern, text: bytes, pos: int, end: int) -> Iterator[Candidate]:
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
    if c.role in ("escape", "extra"):
        return True
    if c.kind in ("ROOT", "TMP", "HOME", "PATH", "PATHS"):
        return paths.is_path_start(text, c.start)
    if c.end < len(text) and text[c.end] in _WORD_BYTE:
        return False  # a shape cut short: "2026-11-24x" is no date
    return c.kind != "ID" or c.role == "bare" or ids.is_token(text[c.start : c.end])


def _home_end(text: bytes, c: Candidate) -> bool:
    """``/root`` and ``/home/user`` end a segment; ``~/`` is followed by its path."""
    return text[c.end - 1 : c.end] == b"/" or paths.is_root_end(text, c.end)
