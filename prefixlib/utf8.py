"""The UTF-8 bytes of a ``str``, without a copy where the interpreter already holds them.

An ASCII ``str`` is its own UTF-8: on CPython, ``PyUnicode_AsUTF8AndSize`` (public C API)
returns a pointer to its characters, valid while the ``str`` lives.  Hashing a large
layer through that view skips a copy the size of the layer: at 8 MB the copy took about
half as long as BLAKE3 over the same bytes (benchmarks/throughput.py, key-only ASCII).
Anything else is encoded as usual.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Final

__all__ = ["VIEW_FROM", "utf8"]

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
