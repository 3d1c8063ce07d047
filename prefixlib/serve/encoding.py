"""Request bodies compressed by the client: decoded to rewrite them, re-encoded the same way.

Codex sends ``Content-Encoding: zstd`` bodies to providers that accept them; SDKs may gzip.
A body whose encoding is not one of these is never rewritten (it is passed through).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import zstandard

__all__ = ["UnsupportedEncoding", "decode", "encode", "stream_decoder"]


class UnsupportedEncoding(ValueError):
    """A ``Content-Encoding`` the proxy cannot undo (its message says which)."""


def _codings(header: str) -> list[str]:
    """The codings of a ``Content-Encoding`` header in the order they were applied."""
    return [c.strip().lower() for c in header.split(",") if c.strip() and c.strip() != "identity"]


def decode(body: bytes, header: str) -> bytes:
    """``body`` with every coding in ``header`` undone; raises UnsupportedEncoding."""
    for coding in reversed(_codings(header)):
        try:
            if coding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif coding == "deflate":
                body = zlib.decompress(body)
            elif coding == "zstd":
                body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
            else:
                raise UnsupportedEncoding(f"content-encoding {coding!r} is not supported")
        except (OSError, EOFError, zlib.error) as e:
            raise UnsupportedEncoding(f"cannot decode the {coding} body: {e}") from e
        except zstandard.ZstdError as e:
            raise UnsupportedEncoding(f"cannot decode the {coding} body: {e}") from e
    return body


def encode(body: bytes, header: str) -> bytes:
    """``body`` with the codings of ``header`` applied again, in order."""
    for coding in _codings(header):
        if coding in ("gzip", "x-gzip"):
            body = gzip.compress(body, compresslevel=6, mtime=0)
        elif coding == "deflate":
            body = zlib.compress(body)
        elif coding == "zstd":
            body = zstandard.ZstdCompressor(level=3).compress(body)
        else:  # decode() refused it first
            raise UnsupportedEncoding(f"content-encoding {coding!r} is not supported")
    return body


def stream_decoder(header: str) -> Callable[[bytes], bytes] | None:
    """A function that undoes one coding chunk by chunk (a compressed response's usage tap).

    None for an encoding it cannot undo this way (several codings, or an unknown one).
    """
    codings = _codings(header)
    if len(codings) != 1:
        return None
    if codings[0] in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=31).decompress
    if codings[0] == "deflate":
        return zlib.decompressobj().decompress
    if codings[0] == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress
    return None
