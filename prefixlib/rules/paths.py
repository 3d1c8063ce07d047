"""Paths: homes, temp dirs and roots, and the rest of a path after them (SPEC.md 5.4).

A path under a home, a temp dir or a root is user- or session-specific
wherever it appears, code fences included: its root is hoisted and the rest
of the path stays (``{{ROOT_1}}/src/ledger``).  Other paths
(``/etc/nginx/nginx.conf``) are content.  Patterns are RE2 syntax over UTF-8.
"""

from __future__ import annotations

import functools
from typing import Final
from urllib.parse import quote

from prefixlib.rules.engine import ANCHOR_START, matcher

__all__ = [
    "HOME",
    "HOME_FIELD_LABELS",
    "LIST_LABELS",
    "PATH_LIST",
    "PATH_VALUE",
    "ROOT_FIELD_LABELS",
    "ROOT_LABELS",
    "SEGMENT",
    "TEMP",
    "TEMP_LABELS",
    "backslashed",
    "continuation_end",
    "derived_forms",
    "is_form_end",
    "is_form_start",
    "is_path_start",
    "is_root_end",
    "root_value",
]

#: One path segment: ASCII name characters or any non-ASCII character.
SEGMENT: Final = r"(?:[A-Za-z0-9._@%+=~-]|[^\x00-\x7f])+"
_SEP = r"(?:\\\\|\\|/)"
_NAME = r"[A-Za-z0-9_][A-Za-z0-9._-]*"
_WIN_HOME = rf"[A-Za-z]:{_SEP}(?i:users){_SEP}{_NAME}"

#: A temp dir with the session's own directory in it (SPEC.md 5.4.2).  Before HOME:
#: Windows and macOS temp dirs lie under the home, and the longer root wins.
TEMP: Final = (
    rf"(?:/private)?/var/folders/{SEGMENT}/{SEGMENT}/T(?:/{SEGMENT})?"
    rf"|{_WIN_HOME}{_SEP}AppData{_SEP}Local{_SEP}Temp(?:{_SEP}{SEGMENT})?"
    rf"|(?:/private|/var)?/tmp/{SEGMENT}"
)
#: A home directory (SPEC.md 5.4.1); ``~`` only where a path follows it.
HOME: Final = rf"/home/{_NAME}|/Users/{_NAME}|/root|{_WIN_HOME}|~/"

#: A path as a labelled value: absolute POSIX, Windows drive, or under ``~``.
PATH_VALUE: Final = (
    rf"/{SEGMENT}(?:/{SEGMENT})*/?|[A-Za-z]:{_SEP}(?:{SEGMENT}(?:{_SEP}{SEGMENT})*{_SEP}?)?"
    rf"|~(?:/{SEGMENT})+/?"
)

#: Labels whose path value is declared a root: the session's project or working directory.
ROOT_LABELS: Final[tuple[str, ...]] = (
    r"(?:current )?(?:working|work) ?dir(?:ectory)?",
    r"cwd",
    r"workdir",
    r"current (?:directory|folder)",
    r"(?:project|repo|repository|git|workspace) ?(?:root|dir|directory|folder)",
    r"workspace root folder",
)
#: Root labels that count only where they start a field (``Workspace: ...``).
ROOT_FIELD_LABELS: Final[tuple[str, ...]] = (r"workspace", r"root")
#: Labels of a list of paths, hoisted whole: its length differs between operating systems.
LIST_LABELS: Final[tuple[str, ...]] = (
    r"writable (?:roots|directories|paths)",
    r"workspace (?:roots|directories|folders)",
    r"additional (?:working )?directories",
)
_AND: Final = r"(?:,[ \t]*(?:and[ \t]+)?|[ \t]+and[ \t]+)"
#: A list of paths joined by commas and "and", each maybe quoted: the quotes between the
#: paths belong to the list, the first and last stay in the text around it.
PATH_LIST: Final = rf"(?:{PATH_VALUE})(?:[`'\"]?{_AND}[`'\"]?(?:{PATH_VALUE}))*"
#: Labels whose path value is a temp dir.
TEMP_LABELS: Final[tuple[str, ...]] = (
    r"(?:project )?(?:tmp|temp|temporary|scratch) ?dir(?:ectory)?",
    r"tmpdir",
)
#: Labels whose path value is a home directory (only where they start a field).
HOME_FIELD_LABELS: Final[tuple[str, ...]] = (r"home(?: dir(?:ectory)?)?",)

_CONTINUATION = matcher(rf"(?:{_SEP}{SEGMENT})*{_SEP}?".encode())
_NAME_BYTES: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@%+=~-"
#: Bytes of a path segment (SEGMENT: name characters, any byte of a non-ASCII character).
_IN_SEGMENT: Final = frozenset(_NAME_BYTES) | frozenset(range(0x80, 0x100))
#: Bytes that, before a root, put it inside a longer path or a closing tag.
_NOT_BEFORE_PATH: Final = _IN_SEGMENT | frozenset(b"/<")


def is_path_start(text: bytes, start: int) -> bool:
    """A home, temp dir or root starts a path: no name character, ``/`` or ``<`` before it.

    ``/mnt/home/alice`` is no home, ``https://host/tmp/x`` no temp dir, ``</cwd>`` no path.
    """
    return start == 0 or text[start - 1] not in _NOT_BEFORE_PATH


def is_root_end(text: bytes, end: int) -> bool:
    """A root ends a path segment: a separator, a non-name character, or a full stop ending it."""
    if end == len(text) or text[end] not in _IN_SEGMENT:
        return True
    if text[end] == 0x2E:  # "." closing a sentence
        return end + 1 == len(text) or text[end + 1] not in _IN_SEGMENT
    return False


def continuation_end(text: bytes, end: int) -> int:
    """Where the rest of a path that starts at ``end`` stops (SPEC.md 5.4.4)."""
    return _CONTINUATION(ANCHOR_START, text, end, len(text))[0][1]


def backslashed(root: bytes) -> bool:
    """Whether ``root`` is a Windows path written with single backslashes (SPEC.md 5.4.4)."""
    return len(root) > 3 and root[1:2] == b":" and root[2:3] == b"\\" and root[3:4] != b"\\"


def root_value(path: bytes) -> bytes | None:
    """A labelled path as a root: without a sentence's full stop or a trailing separator.

    A bare ``/``, ``~`` or drive is no root: it would swallow every path.
    """
    path = path.rstrip(b".")
    stripped = path.rstrip(b"/\\")
    if len(stripped) > 1 and not (len(stripped) == 2 and stripped[1:2] == b":"):
        return stripped
    return None


#: Bytes that, before or after a derived form, put it inside a longer name (SPEC.md 5.4.6).
_IN_FORM: Final = _IN_SEGMENT - frozenset(b"=~")
_URL_SEP: Final = (b"%2F", b"%2f")


def _slug(root: str) -> str:
    """Claude Code's project directory name: every ASCII character that is no letter or digit,
    and every UTF-16 code unit of any other character, becomes ``-`` (SPEC.md 5.4.6)."""
    return "".join(
        c if c.isascii() and c.isalnum() else "--" if ord(c) > 0xFFFF else "-" for c in root
    )


@functools.lru_cache(maxsize=256)
def derived_forms(root: bytes) -> tuple[tuple[bytes, str], ...]:
    """The other spellings of a root, each with its kind, or ``""`` for the root's own
    (SPEC.md 5.4.6): Claude Code's memory slug (``-home-alice-work-ledger``, kind ``SLUG``),
    a Windows path's forward-slash and escaped-backslash spellings, the percent-encoded form.
    """
    text = root.decode("utf-8")
    forms: dict[bytes, str] = {}
    drive = len(text) > 2 and text[1] == ":" and text[2] in "/\\"
    segments = [part for part in text[2 if drive else 0 :].replace("\\", "/").split("/") if part]
    if len(segments) < 2:  # "-srv" alone would be a flag as often as a directory
        return ()
    forms[_slug(text).encode()] = "SLUG"
    forms[text.replace("/", "-").encode()] = "SLUG"
    if drive:
        single = text.replace("\\\\", "\\").replace("/", "\\")
        for form in (single, single.replace("\\", "/"), single.replace("\\", "\\\\")):
            forms[form.encode()] = ""
    # encodeURIComponent: every UTF-8 byte outside A-Za-z0-9-_.!~*'() as %XX
    forms[quote(text, safe="!*'()").encode()] = ""
    forms.pop(root, None)
    return tuple(sorted(forms.items()))


def is_form_start(text: bytes, start: int) -> bool:
    """A derived form starts a name: no name byte before it (``/`` is allowed; 5.4.6)."""
    return start == 0 or text[start - 1] not in _IN_FORM


def is_form_end(text: bytes, end: int) -> bool:
    """A derived form ends a name: no name byte after it, an encoded separator, or a full stop
    that ends a sentence (SPEC.md 5.4.6)."""
    if end == len(text) or text[end] not in _IN_FORM or text.startswith(_URL_SEP, end):
        return True
    if text[end] == 0x2E:
        return end + 1 == len(text) or text[end + 1] not in _IN_FORM
    return False
