"""Changes: what a rule did to a layer, as the edits between its input and output (SPEC.md 2).

Rules are plain ``str -> str`` functions; :func:`diff` finds their edits
afterwards, line by line, so no rule needs code of its own to report them.
Only ``CanonicalPrefix.changes`` uses this, on first access: the hot path pays
nothing for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from prefixlib.model import Change, LayerName

__all__ = ["diff"]


def _lines(text: str) -> list[str]:
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def diff(rule: str, layer: LayerName, before: str, after: str) -> Iterator[Change]:
    """The edits that turned ``before`` into ``after``, one per changed line or run of lines."""
    a, b = _lines(before), _lines(after)
    if len(a) == len(b):
        pairs = [(i, i + 1, i, i + 1) for i in range(len(a)) if a[i] != b[i]]
    else:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        pairs = [(i1, i2, j1, j2) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]
    offsets = [0]
    for line in a:
        offsets.append(offsets[-1] + len(line))
    for i1, i2, j1, j2 in pairs:
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        prefix = _shared_prefix(old, new)
        suffix = _shared_prefix(old[prefix:][::-1], new[prefix:][::-1])
        yield Change(
            rule=rule,
            layer=layer,
            line=i1 + 1 + old.count("\n", 0, prefix),
            offset=offsets[i1] + prefix,
            before=old[prefix : len(old) - suffix],
            after=new[prefix : len(new) - suffix],
        )


def _shared_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of ``a`` and ``b``."""
    size = min(len(a), len(b))
    i = 0
    while i < size and a[i] == b[i]:
        i += 1
    return i
