"""Findings of the volatile rules (PL3xx, SPEC.md 5): each hoisted value where it is."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Final

from prefixlib.policy import Policy
from prefixlib.rules.placeholders import NAME, STYLES

__all__ = ["hoisted_values", "volatile_finding"]

_TIME_KINDS: Final = {
    "DATE": "date",
    "DATETIME": "timestamp",
    "TIME": "time",
    "EPOCH": "epoch timestamp",
    "TIMEZONE": "time zone",
    "MONTH": "month",
}
_PATH_KINDS: Final = {
    "ROOT": "project root",
    "HOME": "path under a home directory",
    "TMP": "temporary path",
    "PATH": "path",
    "PATHS": "path list",
    "SLUG": "project root as a slug",
}


def hoisted_values(
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


def _label_kind(label: str) -> str:
    """The placeholder kind of a policy label, as SPEC.md 7.2 names it: ``shell`` -> ``SHELL``."""
    kind = re.sub(r"[^A-Z0-9]+", "_", label.upper()).strip("_")
    return kind if re.fullmatch(NAME, kind) else f"X_{kind}"


def volatile_finding(
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
    elif kind in {_label_kind(label) for label in policy.hoist_labels}:
        what, code = f"labelled value ({kind})", "PL304"
    else:  # a kind of a newer rule than this table knows
        what, code = f"value ({kind})", "PL300"
    return code, f"{what} {value!r} is session state (hoisted as {placeholder})"
