"""An alternation of RE2 patterns whose capturing groups name what each match is.

The volatile scan (:mod:`~prefixlib.rules.context`) builds one per region.  RE2 finds a
match by its DFA alone when the program has no groups, which is cheap; a match is then
told (:meth:`Alternation.identify`) by the cheapest program that can tell it: a home or
temp dir by its first segment or a small program, a match led by ``<`` or ``#`` by the
small programs of the alternatives it may be, anything else by the program with every
group, anchored to the match.
"""

from __future__ import annotations

import functools
from typing import Final, NamedTuple

from prefixlib.rules import paths
from prefixlib.rules.engine import ANCHOR_BOTH, UNANCHORED, Matcher, matcher

__all__ = ["GROUP", "Alternation", "Candidate"]

#: Opens a capturing group while a pattern is built (``(`` in one program, ``(?:`` in the other).
GROUP: Final = "\x00("
_ROOT_START: Final = b"/~"
_BLANKS: Final = b" \t"
_DRIVE: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
#: How a temp dir at "/" starts (paths.TEMP); no home does (paths.HOME).
_TEMP_STARTS: Final = (b"/private/", b"/var/", b"/tmp/")


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


class Alternation:
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
        """``pattern`` as a capturing group whose match is a value of ``role`` and ``kind``."""
        self.roles.append((role, kind))
        return f"{GROUP}{pattern})"

    def add(self, pattern: str, *, lead: str = "") -> None:
        """Add an alternative.  ``lead``: the character every match of it starts with after
        blanks, where no alternative before it may start so without the same ``lead``.  A
        match that starts so is then told by the first of those alternatives that matches it,
        each with a small program of its own (:meth:`identify`)."""
        if pattern:
            self._leads.append((lead, self._grouped))
            self._grouped = len(self.roles)
            self._alternatives.append(pattern)

    def compile(self, *, roots_first: bool) -> Alternation:
        """Build the programs.  ``roots_first``: no alternative before the home and temp dirs
        can match at a ``/`` or ``~`` (no policy label is in the pattern)."""
        self._pattern = "|".join(self._alternatives)
        self._find = matcher(self._pattern.replace(GROUP, "(?:").encode())
        if roots_first and ("home", "HOME") in self.roles:
            self._roots = matcher(f"({paths.TEMP})|(?:{paths.HOME})".encode())
            # with no bare path after them, a match at "/" or "~" is a temp dir or a home,
            # and its first segment tells which
            self._roots_only = ("bare", "PATH") not in self.roles
        self._last = len(self.roles) - 1
        for alternative, (lead, first) in zip(self._alternatives, self._leads, strict=True):
            if lead:
                grouped = matcher(alternative.replace(GROUP, "(").encode())
                self._led.setdefault(ord(lead), []).append((grouped, first - 1))
        return self

    @functools.cached_property
    def _match(self) -> Matcher:
        """The program with every group: large, and needed only where no shortcut tells."""
        return matcher(self._pattern.replace(GROUP, "(").encode())

    def find(self, text: bytes, pos: int, end: int) -> tuple[int, int]:
        """The span of the next match in ``text[pos:end]``; ``(-1, -1)`` if there is none."""
        return self._find(UNANCHORED, text, pos, end)[0]

    def search(self, text: bytes, pos: int, end: int) -> tuple[Candidate, int] | None:
        """The next candidate in ``text[pos:end]`` and where its match ends."""
        start, stop = self.find(text, pos, end)
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
