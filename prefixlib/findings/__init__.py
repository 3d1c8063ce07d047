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

from collections.abc import Mapping
from typing import Any, Final

from prefixlib.findings._comments import ignore_comments, selected
from prefixlib.findings._model import CODES, Checked, Code, Finding, fixable
from prefixlib.findings._places import Lines, map_lines, ordering_map, split_lines
from prefixlib.findings._text import text_findings, unsorted
from prefixlib.findings._volatile import hoisted_values, volatile_finding
from prefixlib.model import LayerName
from prefixlib.pipeline import canonical_text, canonicalize
from prefixlib.policy import Policy
from prefixlib.rules import text as t
from prefixlib.rules.ordering import sort_unordered

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

DEFAULT_POLICY: Final = Policy()


#: Decode a prompt file's bytes strictly, naming the line and column of a bad byte (SPEC.md 3.1).
decode = t.decode


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
    policy = DEFAULT_POLICY if policy is None else policy
    layers: dict[str, Any] = {layer: text}
    cp = canonicalize(**layers, policy=policy, roots=roots, memo=False)
    if not cp.bindings and cp.layers[layer] == text:
        return Checked((), text)  # canonical, sorted, nothing to hoist: most prompt files
    lines = Lines(text)
    canonical = canonical_text(text)
    findings: list[Finding] = []
    if canonical != text:
        findings += text_findings(text, lines)
        if not findings:
            findings.append(fixable("PL100", 1, 1, "text is not canonical"))
    line_map = map_lines(lines, canonical)
    ordered = canonical
    if policy.unordered == "sort":
        ordered = sort_unordered(canonical, markers=policy.unordered_markers)
    if ordered != canonical:
        findings += unsorted(canonical, ordered, line_map, layer)
    if cp.bindings:
        hoisted, restored = split_lines(cp.layers[layer]), split_lines(cp.restore()[layer])
        to_canonical = ordering_map(split_lines(canonical), restored)
        for j, column, placeholder, value in hoisted_values(restored, hoisted, cp.bindings, policy):
            c = to_canonical[j] if j < len(to_canonical) else j
            original = line_map[c] if c < len(line_map) else len(lines.lines) - 1
            code, message = volatile_finding(placeholder, value, policy, roots or {})
            where = lines.cleaned_column(original, column) if lines.lines else 1
            findings.append(Finding(code, original + 1, where, message, fixable=False))
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return Checked(tuple(findings), ordered)


def source_lines(text: str, *, policy: Policy | None = None) -> list[int]:
    """The 1-based line of ``text`` each line of its canonical layer came from (SPEC.md 3).

    The text rules only drop lines and sorting only moves them, so every
    canonical line has one line it came from.
    """
    policy = DEFAULT_POLICY if policy is None else policy
    lines = Lines(text)
    canonical = canonical_text(text)
    ordered = canonical
    if policy.unordered == "sort":
        ordered = sort_unordered(canonical, markers=policy.unordered_markers)
    line_map = map_lines(lines, canonical)
    to_canonical = ordering_map(split_lines(canonical), split_lines(ordered))
    return [line_map[c] + 1 if c < len(line_map) else 1 for c in to_canonical]
