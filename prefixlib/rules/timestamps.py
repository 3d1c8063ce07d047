"""Timestamps: shapes of dates, times and time zones, and the labels marking them (SPEC.md 5.3).

A shape alone never makes a value volatile ("APIs deprecated before
2024-01-01" is an instruction); :mod:`prefixlib.rules.context` hoists a shape
only where a label or a context block marks it as session state.  The
patterns are RE2 syntax over UTF-8 bytes: no look-around, no back-references.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BARE",
    "FIELD_LABELS",
    "INSTANT",
    "LABELLED",
    "LABELS",
    "SENTENCE_LABELS",
    "TIMEZONE",
    "TIMEZONE_FIELD_LABELS",
    "TIMEZONE_LABELS",
]

_MONTH = "January|February|March|April|May|June|July|August|September|October|November|December"
_MON = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
_DAY = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_DY = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"

_YMD = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_HM = r"(?:[01]\d|2[0-3]):[0-5]\d"
_SECONDS = r"(?::[0-5]\d(?:[.,]\d{1,9})?)?"
_OFFSET = r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)"
_ZONE_NAME = r"(?:UTC|GMT|[A-Z]{2,5}T)"

#: IANA time zone names and fixed zones (SPEC.md 5.3).
TIMEZONE = (
    r"(?:(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)"
    r"/[A-Za-z_+-]+(?:/[A-Za-z_+-]+)?|Etc/[A-Za-z0-9_+-]+|(?:UTC|GMT)(?:[+-]\d{1,2}(?::\d{2})?)?)"
)

#: ``(name, pattern)`` of shapes hoisted where a time label or a context block marks them.
#: Longer shapes come first: the first alternative that matches at a place wins.
BARE: Final[tuple[tuple[str, str], ...]] = (
    # ISO 8601 / RFC 3339 datetime: T or space, optional seconds, fraction, offset
    ("DATETIME", rf"{_YMD}[T ]{_HM}{_SECONDS}{_OFFSET}?(?: {_ZONE_NAME})?"),
    # RFC 2822 and HTTP dates: Tue, 24 Nov 2026 10:00:00 +0000 / GMT
    (
        "DATETIME",
        rf"(?:{_DY}), \d{{1,2}} (?:{_MON}) \d{{4}} {_HM}{_SECONDS} (?:[+-]\d{{4}}|{_ZONE_NAME})",
    ),
    # JavaScript Date.toString(): Tue Nov 24 2026 10:00:00 GMT+0100 (Central European Time)
    (
        "DATETIME",
        rf"(?:{_DY}) (?:{_MON}) \d{{2}} \d{{4}} {_HM}:\d{{2}} GMT[+-]\d{{4}}(?: \([^)\n]*\))?",
    ),
    # YYYY/MM/DD HH:MM[:SS]
    ("DATETIME", rf"\d{{4}}/(?:0[1-9]|1[0-2])/(?:0[1-9]|[12]\d|3[01]) {_HM}{_SECONDS}"),
    ("DATE", _YMD),
    # JavaScript Date.toDateString(): Tue Nov 24 2026
    ("DATE", rf"(?:{_DY}) (?:{_MON}) \d{{2}} \d{{4}}"),
    # Tuesday, November 24, 2026 / November 24, 2026 / Nov 24, 2026
    ("DATE", rf"(?:(?:{_DAY}), )?(?:{_MONTH}|{_MON})\.? \d{{1,2}}(?:st|nd|rd|th)?, \d{{4}}"),
    # Tuesday, 24 November 2026 / 24 November 2026 / 24 Nov 2026
    ("DATE", rf"(?:(?:{_DAY}),? )?\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTH}|{_MON})\.?,? \d{{4}}"),
    ("DATE", r"\d{4}/(?:0[1-9]|1[0-2])/(?:0[1-9]|[12]\d|3[01])"),
    ("TIMEZONE", TIMEZONE),
)

#: A full instant: a date with a time of day (the ``DATETIME`` shapes of BARE), strong enough
#: to be session state after a session time word with no separator (SPEC.md 5.2.3).
INSTANT: Final[tuple[tuple[str, str], ...]] = tuple(s for s in BARE if s[0] == "DATETIME")

#: Shapes hoisted only right after a time label: too common to be volatile by themselves.
LABELLED: Final[tuple[tuple[str, str], ...]] = (
    *BARE,
    # a month of a year: "The current month is November 2026" (a web-search tool's description)
    ("MONTH", rf"(?:{_MONTH}|{_MON})\.? \d{{4}}"),
    # numeric dates in locale order: 11/24/2026, 24.11.2026, 24/11/26
    ("DATE", r"\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})"),
    # clock times: 10:42, 10:42:07.123, 10:42 PM, 10:42 UTC
    ("TIME", rf"\d{{1,2}}:[0-5]\d{_SECONDS}(?: ?[AaPp]\.?[Mm]\.?)?(?: ?{_OFFSET}| {_ZONE_NAME})?"),
    # Unix epoch milliseconds and seconds
    ("EPOCH", r"\d{13}|\d{10}"),
    ("YEAR", r"\d{4}"),
)

#: Labels that mark a date or time as session state wherever they stand (SPEC.md 5.2.1).
LABELS: Final[tuple[str, ...]] = (
    "today(?:'s|\u2019s|s)?(?: date)?",  # also the typographic apostrophe
    r"(?:the )?current (?:date and time|date|time|datetime|timestamp|month|year)",
    r"(?:local|utc|system) (?:date|time)",
    r"last updated(?: at| on)?",
)
#: Labels that mark a date or time only where they start a field (``Date: ...``).
FIELD_LABELS: Final[tuple[str, ...]] = (
    r"date",
    r"time",
    r"datetime",
    r"timestamp",
    r"now",
    r"(?:session )?start(?:ed)?(?: at| on)?",
    r"start time",
    r"generated(?: at| on)?",
    r"created(?: at| on)?",
    r"updated at",
)
#: Session time words: a full instant (INSTANT) right after one, with no separator, is
#: session state ("Session started 2026-11-24T10:32:07Z."); a bare date or time is not
#: (SPEC.md 5.2.3).  Words are separated by spaces or tabs.
SENTENCE_LABELS: Final[tuple[str, ...]] = (
    r"(?:session|conversation|chat|run|agent|process) (?:started|began|begun|opened|launched)"
    r"(?: at| on)?",
    r"(?:started|began|launched|generated|opened|initiated) (?:at|on)",
    r"now",
    r"as of",
)
#: Labels that mark a time zone wherever they stand.
TIMEZONE_LABELS: Final[tuple[str, ...]] = (r"time ?zone",)
#: Labels that mark a time zone only where they start a field.
TIMEZONE_FIELD_LABELS: Final[tuple[str, ...]] = (r"tz",)
