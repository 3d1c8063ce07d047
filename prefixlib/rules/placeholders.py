"""Placeholders and bindings: hoisting values out of the stable prefix (SPEC.md 5.6-5.8).

Each hoisted value becomes a placeholder named by its kind and the order in
which values of that kind first appear (``{{DATE_1}}``), so sessions of the
same structure get the same placeholders whatever their values.  Input that
already holds placeholder syntax gets one more ``!`` (``{{!DATE_1}}``), so
canonicalisation stays injective and :func:`restore` inverts it exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import AnyStr, Final, Literal, NamedTuple

from prefixlib.errors import PrefixlibError
from prefixlib.model import Binding
from prefixlib.rules import paths
from prefixlib.rules.alternation import Candidate

__all__ = [
    "AUTOMATIC",
    "NAME",
    "STYLES",
    "Hoister",
    "common_start",
    "escape_pattern",
    "find_forms",
    "find_roots",
    "restore",
]

Style = Literal["braces", "brackets", "angles"]
#: Placeholder delimiters by style (SPEC.md 5.6).
STYLES: Final[dict[str, tuple[str, str]]] = {
    "braces": ("{{", "}}"),
    "brackets": ("[[", "]]"),
    "angles": ("<<", ">>"),
}
#: What a placeholder name looks like: upper-case ASCII, digits and ``_``.
NAME: Final = r"[A-Z][A-Z0-9_]*"
#: The form of an automatic placeholder name, ``KIND_N`` (SPEC.md 5.6): no root name has it.
AUTOMATIC: Final = r"[A-Z][A-Z0-9_]*_[0-9]+"
#: Kinds whose occurrences are path roots: the rest of the path follows them.
PATH_ROOTS: Final = frozenset({"ROOT", "HOME", "TMP"})


def escape_pattern(style: Style) -> str:
    """Placeholder syntax as it may already stand in the input (SPEC.md 5.7)."""
    open_, close = (re.escape(part) for part in STYLES[style])
    return rf"{open_}!*{NAME}{close}"


def find_roots(text: bytes, roots: Iterable[tuple[bytes, str]]) -> list[Candidate]:
    """Every occurrence of each root that starts a path and ends a segment (SPEC.md 5.4.3)."""
    return [
        Candidate("root", kind, start, start + len(value))
        for start, value, kind in _occurrences(text, roots)
        if paths.is_path_start(text, start) and paths.is_root_end(text, start + len(value))
    ]


def find_forms(text: bytes, forms: Iterable[tuple[bytes, str]]) -> list[Candidate]:
    """Every occurrence of each derived form of a root that is a whole name (SPEC.md 5.4.6)."""
    return [
        Candidate("root", kind, start, start + len(value))
        for start, value, kind in _occurrences(text, forms)
        if paths.is_form_start(text, start) and paths.is_form_end(text, start + len(value))
    ]


#: Needles that share at least this many leading bytes are searched for together.
_SHARED = 4


def _occurrences(
    text: bytes, needles: Iterable[tuple[bytes, str]]
) -> Iterator[tuple[int, bytes, str]]:
    """Every place each needle occurs, overlapping ones too.

    Needles with a common start (a cwd and the roots under it, a root's slug forms) are
    grouped: one search of the layer per group for their common start, then each needle
    is compared where it starts, so the layer is read about once per group, not per needle.
    """
    for lead, group in _groups(sorted(needles)):
        start = text.find(lead)
        while start != -1:
            for value, kind in group:
                if text.startswith(value, start):
                    yield start, value, kind
            start = text.find(lead, start + 1)


def _groups(
    needles: list[tuple[bytes, str]],
) -> Iterator[tuple[bytes, list[tuple[bytes, str]]]]:
    """Sorted needles in runs that share a common start of ``_SHARED`` bytes or more."""
    group: list[tuple[bytes, str]] = []
    lead = b""
    for value, kind in needles:
        if group:
            common = common_start(lead, value)
            if len(common) >= _SHARED:
                lead = common
                group.append((value, kind))
                continue
            yield lead, group
        group, lead = [(value, kind)], value
    if group:
        yield lead, group


def common_start(a: AnyStr, b: AnyStr) -> AnyStr:
    """The longest start ``a`` and ``b`` share (characters or bytes, one by one)."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


class _Place(NamedTuple):
    """A value resolved for hoisting: ``text[start:end]``, and the end of the text it claims,
    ``rest``: a path's continuation where it matters (:meth:`Hoister._place`), else ``end``."""

    start: int
    end: int
    kind: str
    rest: int
    slash: bool = False  # the rest's backslashes become slashes (SPEC.md 5.4.4)


class Hoister:
    """Names placeholders across the layers of one prefix and rewrites each layer.

    ``fixed`` maps a root to the exact placeholder name it always gets (the
    caller's roots, never named ``KIND_N``: :func:`~prefixlib.rules.volatile.hoist` checks
    that, SPEC.md 5.4.3); other values are numbered by kind in order of first appearance
    (5.6), so no two values share a placeholder.
    """

    def __init__(self, *, style: Style, slash_windows: bool, fixed: Mapping[bytes, str]) -> None:
        self._open, self._close = (part.encode() for part in STYLES[style])
        self._slash_windows = slash_windows
        self._fixed = fixed
        self._names: dict[tuple[str, bytes], bytes] = {}
        self._counts: dict[str, int] = {}
        self.bindings: list[Binding] = []

    def _placeholder(self, kind: str, value: bytes) -> bytes:
        """The placeholder of ``value`` as ``kind``: the one it got before, or a new one."""
        placeholder = self._names.get((kind, value))
        if placeholder is None:
            name = self._fixed.get(value) if kind == "ROOT" else None
            if name is None:
                self._counts[kind] = number = self._counts.get(kind, 0) + 1
                name = f"{kind}_{number}"  # never a root's: no root name is KIND_N (5.4.3)
            placeholder = self._open + name.encode() + self._close
            self._names[(kind, value)] = placeholder
            self.bindings.append(Binding(placeholder.decode(), value.decode(), kind))
        return placeholder

    def rewrite(self, text: bytes, candidates: Sequence[Candidate]) -> bytes:
        """``text`` with every kept candidate hoisted or escaped, in one pass (SPEC.md 5.6)."""
        if not candidates:
            return text
        out: list[bytes] = []
        pos = 0
        for place in self._resolve(text, candidates):
            out.append(text[pos : place.start])
            if place.kind == "":  # an escape: one more "!" after the opening delimiter
                cut = place.start + len(self._open)
                out += [text[place.start : cut], b"!", text[cut : place.end]]
            else:
                out.append(self._placeholder(place.kind, text[place.start : place.end]))
                if place.slash:
                    out.append(text[place.end : place.rest].replace(b"\\", b"/"))
                    pos = place.rest
                    continue
            pos = place.end  # the rest of a path stays as it is
        out.append(text[pos:])
        return b"".join(out)

    def _resolve(self, text: bytes, candidates: Iterable[Candidate]) -> list[_Place]:
        """Non-overlapping places, earliest first and longest first (SPEC.md 5.6)."""
        places: list[_Place] = []
        last = 0
        ordered = sorted(candidates, key=lambda c: (c.start, -c.end))
        for index, c in enumerate(ordered, 1):
            if c.start < last:
                if c.role != "root" or c.start < places[-1].end:
                    continue
                # a root's derived form inside the rest of a path (SPEC.md 5.4.6): the rest
                # ends where it starts ("~/.claude/projects/-home-alice-work-ledger/")
                places[-1] = places[-1]._replace(rest=c.start)
            following = ordered[index].start if index < len(ordered) else len(text)
            place = self._place(text, c, following)
            if place is not None:
                places.append(place)
                last = place.rest
        return places

    def _place(self, text: bytes, c: Candidate, following: int) -> _Place | None:
        """Where ``c`` is hoisted; ``following`` is where the next candidate starts."""
        start, end, kind = c.start, c.end, c.kind
        if c.role == "escape":
            return _Place(start, end, "", end)
        if c.role == "home" and text[end - 1 : end] == b"/":
            end -= 1  # "~/": the home is "~", the path follows
        elif c.role == "temp" or kind in ("PATH", "PATHS"):
            end = start + len(text[start:end].rstrip(b"."))  # a sentence's full stop
        if kind not in PATH_ROOTS:
            return _Place(start, end, kind, end)
        if c.role == "label":  # a root occurrence is exact already
            value = paths.root_value(text[start:end])
            if value is None:
                return None
            end = start + len(value)
        slash = self._slash_windows and paths.backslashed(text[start:end])
        if not slash and text.find(b"\n", end, following) >= 0:
            # the rest of the path, which stays as it is, ends before the line does: it
            # cannot reach the next candidate, so it need not be found
            return _Place(start, end, kind, end)
        rest = paths.continuation_end(text, end)
        if slash and (b"/" in text[end:rest] or b"\\\\" in text[end:rest]):
            return None  # mixed separators: kept as written, so restore() stays exact
        return _Place(start, end, kind, rest, slash)


def restore(text: str, bindings: Iterable[Binding], *, style: Style, slash_windows: bool) -> str:
    """Substitute the bindings back and undo escapes: the inverse of hoisting (SPEC.md 5.8)."""
    open_, close = (re.escape(part) for part in STYLES[style])
    values = {b.placeholder: b.value for b in bindings}
    windows = {
        b.placeholder
        for b in bindings
        if b.kind in PATH_ROOTS and paths.backslashed(b.value.encode())
    }
    pattern = re.compile(rf"{open_}(!*)({NAME}){close}")
    continuation = re.compile(rf"(?:/{paths.SEGMENT})*/?")

    def substitute(match: re.Match[str]) -> str:
        if match[1]:
            return match[0].replace("!", "", 1)
        value = values.get(match[0])
        if value is None:
            raise PrefixlibError(f"no binding for placeholder {match[0]}")
        return value

    out = []
    pos = 0
    for match in pattern.finditer(text):
        out.append(text[pos : match.start()])
        value = substitute(match)
        out.append(value)
        pos = match.end()
        if slash_windows and match[0] in windows:
            rest = continuation.match(text, pos)
            if rest is not None:
                out.append(rest[0].replace("/", "\\"))
                pos = rest.end()
    out.append(text[pos:])
    return "".join(out)
