"""The values of the findings: codes, a finding, and what checking a text gave."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

__all__ = ["CODES", "Checked", "Code", "Finding", "fixable"]


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
    "PL300": Code("volatile", "a value hoisted of a kind not named below (SPEC.md 5)", False),
    "PL301": Code("timestamp", "a session date, time, month or time zone (SPEC.md 5)", False),
    "PL302": Code("path", "a path under a home, temp or project root (SPEC.md 5)", False),
    "PL303": Code("id", "a session id (SPEC.md 5)", False),
    "PL304": Code(
        "labelled-value", "a value of a policy label (hoist_labels) (SPEC.md 7.2)", False
    ),
    "PL305": Code("pattern", "a value of a policy pattern (patterns) (SPEC.md 7.2)", False),
}


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


def fixable(code: str, line: int, column: int, message: str) -> Finding:
    return Finding(code, line, column, message, fixable=True)
