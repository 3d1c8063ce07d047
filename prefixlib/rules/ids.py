"""Ids: the shapes of session, thread and request ids, and their labels (SPEC.md 5.5).

Like timestamps, an id is hoisted only where a label or a context block marks
it: "The staging tenant is <uuid>" is an instruction.  RE2 syntax over bytes.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BARE", "FIELD_LABELS", "LABELLED", "LABELS", "is_token"]

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ULID = r"[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}"

#: ``(name, pattern)`` of id shapes hoisted in a context block or after an id label.
BARE: Final[tuple[tuple[str, str], ...]] = (
    ("ID", rf"(?:[A-Za-z]+[_-])?{_UUID}"),
    ("ID", rf"(?:[A-Za-z]+[_-])?{_ULID}"),
    ("ID", r"[0-9a-fA-F]{16,}"),
)

#: Shapes hoisted only right after an id label: any long token (checked by :func:`is_token`).
LABELLED: Final[tuple[tuple[str, str], ...]] = (
    *BARE,
    ("ID", r"[A-Za-z0-9][A-Za-z0-9_.:=-]{7,}"),
)

#: Labels that mark an id as session state wherever they stand (SPEC.md 5.2.1).
LABELS: Final[tuple[str, ...]] = (
    r"(?:session|thread|conversation|chat|request|run|trace|span|correlation|task|agent) ?id",
)
#: Labels that mark an id only where they start a field (``Session: ...``).
FIELD_LABELS: Final[tuple[str, ...]] = (r"session", r"thread", r"conversation")


def is_token(value: bytes) -> bool:
    """A labelled token is an id when it mixes letters and digits (SPEC.md 5.5).

    ``main`` or ``default`` after "thread:" is a name, not an id.
    """
    return any(48 <= c <= 57 for c in value) and any(65 <= c <= 90 or 97 <= c <= 122 for c in value)
