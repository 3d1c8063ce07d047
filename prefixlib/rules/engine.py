"""RE2 called directly: a compiled program's ``Match``, without the module's Match objects.

At a candidate per kilobyte those objects cost more than the match itself (shared/PERF.md).
A matcher returns the ``(start, end)`` byte span of the whole match and of each group,
``(-1, -1)`` where one did not take part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import re2

__all__ = ["ANCHOR_BOTH", "ANCHOR_START", "UNANCHORED", "Matcher", "matcher"]

Matcher = Callable[[object, bytes, int, int], Sequence[tuple[int, int]]]

#: Find the first match at or after the start position.
UNANCHORED: Final = re2._Anchor.UNANCHORED  # type: ignore[attr-defined]
#: Match exactly from the start position to the end position.
ANCHOR_BOTH: Final = re2._Anchor.ANCHOR_BOTH  # type: ignore[attr-defined]
#: Match only at the start position.
ANCHOR_START: Final = re2._Anchor.ANCHOR_START  # type: ignore[attr-defined]


def matcher(pattern: bytes) -> Matcher:
    """The compiled ``Match`` of an RE2 pattern over UTF-8 bytes: ``m(anchor, text, pos, end)``."""
    match: Matcher = re2.compile(pattern)._regexp.Match  # type: ignore[attr-defined]
    return match
