"""The UTF-8 bytes of a ``str``, without a copy where the interpreter already holds them.

An ASCII ``str`` is its own UTF-8: on CPython, ``PyUnicode_AsUTF8AndSize`` (public C API)
returns a pointer to its characters, valid while the ``str`` lives.  Hashing a large
layer through that view skips a copy the size of the layer: at 8 MB the copy took about
half as long as BLAKE3 over the same bytes (benchmarks/throughput.py, key-only ASCII).
Anything else is encoded as usual.

:func:`code_units` views any large ``str`` as the interpreter stores it (PEP 393: one, two
or four bytes a character, by its widest), for keys that live in this process only (the
memo): equal strings are stored alike, so the width and those bytes identify a ``str``
as well as its UTF-8 does, and a layer with one typographic quote is not copied to be keyed.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Final

__all__ = ["UNITS_FROM", "VIEW_FROM", "code_units", "utf8"]

#: From this size an ASCII ``str`` is viewed, not copied: below it, a copy costs less than
#: the ~1.5 µs of the foreign call (a copy of 64 KiB took ~1.7 µs on this project's VM).
VIEW_FROM: Final = 1 << 16


def _utf8_and_size() -> ctypes._NamedFuncPointer | None:
    """CPython's ``PyUnicode_AsUTF8AndSize``, or ``None`` on another interpreter."""
    if sys.implementation.name != "cpython":
        return None
    function = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
    function.restype = ctypes.c_void_p
    function.argtypes = (ctypes.py_object, ctypes.POINTER(ctypes.c_ssize_t))
    return function


_AS_UTF8: Final = _utf8_and_size()


def utf8(text: str) -> bytes | memoryview:
    """``text`` as UTF-8 (strict: a lone surrogate raises ``UnicodeEncodeError``).

    A large ASCII ``str`` on CPython comes back as a read-only view of its own
    characters, which keeps ``text`` alive; anything else as new ``bytes``.
    """
    if _AS_UTF8 is None or len(text) < VIEW_FROM or not text.isascii():
        return text.encode("utf-8")
    size = ctypes.c_ssize_t()
    address = _AS_UTF8(text, ctypes.byref(size))
    characters = (ctypes.c_ubyte * size.value).from_address(address)
    characters.text = text  # type: ignore[attr-defined]  # the view keeps the str alive
    return memoryview(characters).cast("B").toreadonly()


#: From this many characters a non-ASCII ``str`` is keyed by its stored characters, not by
#: a UTF-8 copy: the view's ~2 µs is then below the copy it saves.
UNITS_FROM: Final = 1 << 13
#: Offsets into a ``str`` object (CPython's PyASCIIObject): its ``state`` bit field, and
#: the characters of a compact non-ASCII one (after PyCompactUnicodeObject).  Found and
#: checked on sample strings at import (:func:`_layout`); ``None`` where they are not.
_STATE_OFFSET: Final = 4 * ctypes.sizeof(ctypes.c_ssize_t)


def _units_at(text: str, offset: int, width: int) -> memoryview:
    """A read-only view of ``len(text)`` characters of ``width`` bytes at ``id(text) + offset``."""
    characters = (ctypes.c_ubyte * (len(text) * width)).from_address(id(text) + offset)
    characters.text = text  # type: ignore[attr-defined]  # the view keeps the str alive
    return memoryview(characters).cast("B").toreadonly()


def _kind(text: str) -> tuple[int, bool]:
    """The ``kind`` (bytes a character) and ``compact`` bits of a ``str``'s state."""
    state = ctypes.c_uint32.from_address(id(text) + _STATE_OFFSET).value
    return (state >> 2) & 7, bool((state >> 5) & 1)


def _layout() -> int | None:
    """The offset of a compact non-ASCII ``str``'s characters, found on samples of each width
    and checked on others; None off CPython or wherever a sample disagrees."""
    if sys.implementation.name != "cpython" or sys.byteorder != "little":
        return None
    samples = {1: "\xe9t\xe9 caf\xe9", 2: "\u2019quoted\u201d \u2014", 4: "\U0001f642 smile"}
    codecs = {1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}
    for offset in range(_STATE_OFFSET + 8, 160, ctypes.sizeof(ctypes.c_void_p)):
        try:
            good = all(
                _kind(text) == (width, True)
                # never read past the object (its size counts what follows the characters)
                and offset + len(text) * width <= sys.getsizeof(text)
                and bytes(_units_at(text, offset, width)) == text.encode(codecs[width])
                for width, text in samples.items()
                for text in (text, text * 3 + str(width))
            )
        except (ValueError, OSError):  # pragma: no cover - an unreadable address
            return None
        if good:
            return offset
    return None


_UNITS_OFFSET: Final = _layout()


def code_units(text: str) -> tuple[int, memoryview] | None:
    """The bytes a character of a non-ASCII ``str`` takes as stored (1, 2 or 4) and a read-only
    view of its characters, which keeps ``text`` alive; None for a small or ASCII ``str``,
    off CPython, or for a ``str`` not stored compactly.  Only for keys within this process:
    the bytes are native-endian and the storage is CPython's."""
    if _UNITS_OFFSET is None or len(text) < UNITS_FROM or text.isascii():
        return None
    width, compact = _kind(text)
    if not compact or width not in (1, 2, 4):
        return None
    return width, _units_at(text, _UNITS_OFFSET, width)
