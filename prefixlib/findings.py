"""Findings: where a prompt file is not canonical, and which volatile values it holds.

The pure core of ``prefixlib check`` (SPEC.md 3 and 5 say what canonical is;
this module only says *where* a file departs from it).  :func:`check_text`
returns one :class:`Finding` per place, with a stable code from :data:`CODES`
(``PL1xx`` text rules, ``PL2xx`` ordering, ``PL3xx`` volatile values), a
1-based line and column in the text as given (before any rule ran), and
whether ``--fix`` can repair it.  The repaired text is the layer after the text
and ordering rules (SPEC.md 3), never with a value hoisted out of it.

Positions: a line is ended by LF, CRLF or CR; a column counts characters
(code points) from 1, a byte order mark included.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from prefixlib.changes import diff
from prefixlib.model import LayerName
from prefixlib.pipeline import canonical_text, canonicalize
from prefixlib.policy import Policy
from prefixlib.rules import text as t
from prefixlib.rules.ordering import sort_unordered
from prefixlib.rules.placeholders import NAME, STYLES

__all__ = [
    "CODES",
    "Checked",
    "Code",
    "Finding",
    "check_text",
    "decode",
    "ignore_comments",
    "selected",
    "source_lines",
]

#: Decode a prompt file's bytes strictly, naming the line and column of a bad byte (SPEC.md 3.1).
decode = t.decode


class Code(NamedTuple):
    """A finding code: its name (``trailing-whitespace``), what it means, and if it is fixable."""

    name: str
    summary: str
    fixable: bool


#: Every finding code (README "Finding codes" shows this table).
CODES: Final[dict[str, Code]] = {
    "PL100": Code(
        "not-canonical", "text that the text rules change, not told by a code below", True
    ),
    "PL101": Code("bom", "a byte order mark at the start (SPEC.md 3.2)", True),
    "PL102": Code("line-endings", "CRLF or CR line endings (SPEC.md 3.2)", True),
    "PL103": Code(
        "nfc", "characters not in Unicode NFC, e.g. decomposed accents (SPEC.md 3.3)", True
    ),
    "PL104": Code(
        "invisible", "an invisible character (zero-width space, ...) (SPEC.md 3.5)", True
    ),
    "PL105": Code("trailing-whitespace", "spaces or tabs at the end of a line (SPEC.md 3.6)", True),
    "PL106": Code("blank-lines", "a run of blank lines (SPEC.md 3.7)", True),
    "PL107": Code(
        "leading-blank-lines", "blank lines at the start of the file (SPEC.md 3.8)", True
    ),
    "PL108": Code("end-of-file", "blank lines at the end, or no newline at the end (3.8)", True),
    "PL201": Code(
        "unsorted-list", "a list declared unordered that is not sorted (SPEC.md 3.9)", True
    ),
    "PL301": Code("timestamp", "a session date, time or time zone (SPEC.md 5)", False),
    "PL302": Code("path", "a path under a home, temp or project root (SPEC.md 5)", False),
    "PL303": Code("id", "a session id (SPEC.md 5)", False),
    "PL304": Code(
        "labelled-value", "a value of a policy label (hoist_labels) (SPEC.md 7.2)", False
    ),
    "PL305": Code("pattern", "a value of a policy pattern (patterns) (SPEC.md 7.2)", False),
}

_TIME_KINDS: Final = {
    "DATE": "date",
    "DATETIME": "timestamp",
    "TIME": "time",
    "EPOCH": "epoch timestamp",
    "TIMEZONE": "time zone",
}
_PATH_KINDS: Final = {
    "ROOT": "project root",
    "HOME": "path under a home directory",
    "TMP": "temporary path",
    "PATH": "path",
    "PATHS": "path list",
}
_BLANK_TAIL: Final = " \t" + t.INVISIBLE
_BLANK_TAIL_CHARS: Final = tuple(_BLANK_TAIL)
_INVISIBLE: Final = re.compile(f"[{t.INVISIBLE}]")
_DEFAULT_POLICY: Final = Policy()
_IGNORE: Final = re.compile(
    r"<!--[ \t]*prefixlib:[ \t]*ignore(?P<file>-file)?(?P<codes>(?:[ \t,]+PL[0-9]{0,3})*)[ \t]*-->"
)


_LIST_LINE: Final = re.compile(r"[ \t]*(?:[-*+][ \t]|$)|[ \t]+\S")


@dataclass(frozen=True, slots=True)
class Finding:
    """One place where a prompt file departs from its canonical form, or holds session state."""

    code: str
    line: int
    column: int
    message: str
    fixable: bool


@dataclass(frozen=True, slots=True)
class Checked:
    """What :func:`check_text` found, and the text ``--fix`` writes (text and ordering rules)."""

    findings: tuple[Finding, ...]
    fixed: str


class _Lines:
    """The lines of a text after each stage, and which canonical line came from which."""

    def __init__(self, text: str) -> None:
        self.bom = len(text) - len(t.strip_bom(text))
        self.lf = t.normalize_line_endings(t.strip_bom(text))
        self.nfc = t.normalize_unicode(self.lf)
        self.original = _split(self.lf)
        self.lines = _split(self.nfc)
        self.code = _code_lines(self.nfc)
        self.invisible = _INVISIBLE.search(self.nfc) is not None
        drop = _drop_invisible if self.invisible else str
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


def _split(text: str) -> list[str]:
    """The lines of an LF text, without their LF (a final LF ends the last line)."""
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def _code_lines(text: str) -> list[bool]:
    """Per line, whether it is inside a fence (SPEC.md 3.4)."""
    flags: list[bool] = []
    for segment in t.split_fences(text):
        count = segment.text.count("\n") + (0 if segment.text.endswith("\n") else 1)
        if segment.text:
            flags += [segment.is_code] * count
    return flags + [False] * (len(_split(text)) - len(flags))


def _drop_invisible(line: str) -> str:
    for char in t.INVISIBLE:
        line = line.replace(char, "")
    return line


def _text_findings(text: str, lines: _Lines) -> Iterator[Finding]:
    """The places the text rules change, each under the code of its rule (SPEC.md 3.2-3.8)."""
    if lines.bom:
        yield _fixable("PL101", 1, 1, "byte order mark at the start of the file")
    yield from _line_endings(text)
    for i, (original, nfc) in enumerate(zip(lines.original, lines.lines, strict=True)):
        if original != nfc:
            first = next(
                (k for k, (a, b) in enumerate(zip(original, nfc, strict=False)) if a != b),
                min(len(original), len(nfc)),
            )
            column = first + 1 + (lines.bom if i == 0 else 0)
            yield _fixable(
                "PL103", i + 1, column, "text not in Unicode NFC (decomposed characters)"
            )
    yield from _whitespace(lines)


def _line_endings(text: str) -> Iterator[Finding]:
    """One finding for the file's CRLF or CR line endings, at the first (SPEC.md 3.2)."""
    if "\r" not in text:
        return
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    first = text.index("\r")
    line = t.normalize_line_endings(text[:first]).count("\n") + 1
    column = first - (text.rfind("\n", 0, first) + 1) + 1
    kinds = [f"{n} {name}" for n, name in ((crlf, "CRLF"), (cr, "CR")) if n]
    yield _fixable("PL102", line, column, f"line endings are {' and '.join(kinds)}, not LF")


def _whitespace(lines: _Lines) -> Iterator[Finding]:
    """Invisible characters, trailing whitespace and blank lines (SPEC.md 3.5-3.8)."""
    blank = [not line.strip(" \t") for line in lines.cleaned]
    content = [i for i, is_blank in enumerate(blank) if not is_blank]
    first, last = (content[0], content[-1]) if content else (len(blank), -1)
    for i, line in enumerate(lines.lines):
        if lines.code[i]:
            continue
        for match in _INVISIBLE.finditer(line) if lines.invisible else ():
            char = match[0]
            yield _fixable(
                "PL104",
                i + 1,
                lines.column(i, match.start()),
                f"invisible character U+{ord(char):04X} {unicodedata.name(char, '')}",
            )
        if not line.endswith(_BLANK_TAIL_CHARS):
            continue
        tail = len(line) - len(line.rstrip(_BLANK_TAIL))
        spaces = [k for k in range(len(line) - tail, len(line)) if line[k] in " \t"]
        if spaces and first <= i <= last:
            yield _fixable("PL105", i + 1, lines.column(i, spaces[0]), "trailing whitespace")
    if first > 0:
        yield _fixable("PL107", 1, 1, f"{_lines(first, 'blank line')} at the start of the file")
    i = first
    while i <= last:
        if blank[i] and not lines.code[i]:
            run = i
            while run <= last and blank[run] and not lines.code[run]:
                run += 1
            if run - i > 1:
                yield _fixable(
                    "PL106", i + 2, 1, f"{run - i} blank lines in a row; canonical is one"
                )
            i = run
        else:
            i += 1
    if content and last < len(blank) - 1:
        count = len(blank) - 1 - last
        yield _fixable(
            "PL108", last + 2, 1, f"{_lines(count, 'blank line')} at the end of the file"
        )
    elif content and not lines.lf.endswith("\n"):
        end = lines.column(last, len(lines.lines[last]))
        yield _fixable("PL108", last + 1, end, "no newline at the end of the file")


def _lines(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _fixable(code: str, line: int, column: int, message: str) -> Finding:
    return Finding(code, line, column, message, fixable=True)


def _kept(lines: _Lines) -> list[int]:
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


def _line_map(lines: _Lines, canonical: str) -> list[int]:
    """The 0-based original line of each line of ``canonical`` (SPEC.md 3 only drops lines)."""
    target = _split(canonical)
    kept = _kept(lines)
    if len(kept) == len(target):
        return kept
    matcher = difflib.SequenceMatcher(None, lines.cleaned, target, autojunk=False)
    found = [0] * len(target)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            found[j] = min(i1 + (j - j1), max(i2 - 1, i1), len(lines.lines) - 1)
    return found


def _unsorted(canonical: str, ordered: str, line_map: list[int], layer: LayerName) -> list[Finding]:
    """One finding per list that sorting changes, at its first moved line (SPEC.md 3.9).

    Changes are one list while only list lines (bullets, indented or blank lines) lie
    between them.
    """
    lines = _split(canonical)
    found: list[Finding] = []
    end = -1
    for change in diff("unordered", layer, canonical, ordered):
        start = change.line - 1
        if end < 0 or not all(_LIST_LINE.match(line) for line in lines[end:start]):
            original = line_map[start] if start < len(line_map) else 0
            message = "list declared unordered is not sorted"
            found.append(_fixable("PL201", original + 1, 1, message))
        end = start + change.before.count("\n") + 1
    return found


def _ordering_map(canonical: list[str], ordered: list[str]) -> list[int]:
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


def _volatile(
    restored: list[str], hoisted: list[str], bindings: Mapping[str, str], policy: Policy
) -> Iterator[tuple[int, int, str, str]]:
    """Each hoisted value: (ordered line, 0-based column, placeholder, value) (SPEC.md 5)."""
    open_, close = (re.escape(part) for part in STYLES[policy.placeholder_style])
    placeholder = re.compile(rf"{open_}{NAME}{close}")
    if len(restored) == len(hoisted):
        pairs: Iterable[tuple[int, int]] = (
            (j, j) for j in range(len(hoisted)) if restored[j] != hoisted[j]
        )
    else:
        matcher = difflib.SequenceMatcher(None, restored, hoisted, autojunk=False)
        pairs = [
            (min(i1 + (j - j1), len(restored) - 1), j)
            for op, i1, _, j1, j2 in matcher.get_opcodes()
            if op != "equal"
            for j in range(j1, j2)
        ]
    for i, j in pairs:
        before, after = restored[i], hoisted[j]
        opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        for match in placeholder.finditer(after):
            if match[0] in bindings:
                yield i, _source_column(opcodes, match.start()), match[0], bindings[match[0]]


def _source_column(opcodes: Sequence[tuple[str, int, int, int, int]], column: int) -> int:
    """The column in the first sequence of ``column`` in the second."""
    for op, i1, _, j1, j2 in opcodes:
        if j1 <= column < j2 or (op == "delete" and column == j1):
            return i1 + (column - j1) if op == "equal" else i1
    return opcodes[-1][2] if opcodes else 0


def _volatile_finding(
    placeholder: str, value: str, policy: Policy, roots: Iterable[str]
) -> tuple[str, str]:
    """The code and message of a hoisted value, from its placeholder's kind (SPEC.md 5.6)."""
    name = placeholder.strip("{}[]<>")
    kind = re.sub(r"_[0-9]+$", "", name)
    if kind in _TIME_KINDS:
        what, code = _TIME_KINDS[kind], "PL301"
    elif kind in _PATH_KINDS or name in roots:
        what, code = _PATH_KINDS.get(kind, "project root"), "PL302"
    elif kind == "ID":
        what, code = "session id", "PL303"
    elif kind in {p.name for p in policy.patterns}:
        what, code = f"value of pattern {kind}", "PL305"
    else:
        what, code = f"labelled value ({kind})", "PL304"
    return code, f"{what} {value!r} is session state (hoisted as {placeholder})"


def check_text(
    text: str,
    *,
    policy: Policy | None = None,
    roots: Mapping[str, str] | None = None,
    layer: LayerName = "project",
) -> Checked:
    """Find every place ``text`` is not canonical, and every value it would hoist.

    ``text`` is a prompt file read into ``layer`` (SPEC.md 2).  Findings are in
    the order of their position; ``Checked.fixed`` is the text after the text and
    ordering rules (what ``--fix`` writes), so checking it again finds only the
    volatile values.
    """
    policy = _DEFAULT_POLICY if policy is None else policy
    layers: dict[str, Any] = {layer: text}
    cp = canonicalize(**layers, policy=policy, roots=roots, memo=False)
    if not cp.bindings and cp.layers[layer] == text:
        return Checked((), text)  # canonical, sorted, nothing to hoist: most prompt files
    lines = _Lines(text)
    canonical = canonical_text(text)
    findings: list[Finding] = []
    if canonical != text:
        findings += _text_findings(text, lines)
        if not findings:
            findings.append(_fixable("PL100", 1, 1, "text is not canonical"))
    line_map = _line_map(lines, canonical)
    ordered = canonical
    if policy.unordered == "sort":
        ordered = sort_unordered(canonical, markers=policy.unordered_markers)
    if ordered != canonical:
        findings += _unsorted(canonical, ordered, line_map, layer)
    if cp.bindings:
        hoisted, restored = _split(cp.layers[layer]), _split(cp.restore()[layer])
        to_canonical = _ordering_map(_split(canonical), restored)
        for j, column, placeholder, value in _volatile(restored, hoisted, cp.bindings, policy):
            c = to_canonical[j] if j < len(to_canonical) else j
            original = line_map[c] if c < len(line_map) else len(lines.lines) - 1
            code, message = _volatile_finding(placeholder, value, policy, roots or {})
            where = lines.cleaned_column(original, column) if lines.lines else 1
            findings.append(Finding(code, original + 1, where, message, fixable=False))
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return Checked(tuple(findings), ordered)


def source_lines(text: str, *, policy: Policy | None = None) -> list[int]:
    """The 1-based line of ``text`` each line of its canonical layer came from (SPEC.md 3).

    The text rules only drop lines and sorting only moves them, so every
    canonical line has one line it came from.
    """
    policy = _DEFAULT_POLICY if policy is None else policy
    lines = _Lines(text)
    canonical = canonical_text(text)
    ordered = canonical
    if policy.unordered == "sort":
        ordered = sort_unordered(canonical, markers=policy.unordered_markers)
    line_map = _line_map(lines, canonical)
    to_canonical = _ordering_map(_split(canonical), _split(ordered))
    return [line_map[c] + 1 if c < len(line_map) else 1 for c in to_canonical]


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
    lines = _split(t.normalize_line_endings(t.strip_bom(text)))
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
