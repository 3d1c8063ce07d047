"""The UTF-8 bytes of a ``str``, without a copy where the interpreter already holds them.

An ASCII ``str`` is its own UTF-8: on CPython, ``PyUnicode_AsUTF8AndSize`` (public C API)
returns a pointer to its characters, valid while the ``str`` lives.  Hashing a large
layer through that view skips a copy the size of the layer, which costs as much as a
third of BLAKE3's time over it.  Anything else is encoded as usual.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Final

__all__ = ["VIEW_FROM", "utf8"]

#: From this size an ASCII ``str`` is viewed, not copied: below it, a copy costs less than
#: the ~1.5 µs of the foreign call (measured with benchmarks/throughput.py's key-only inputs).
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
