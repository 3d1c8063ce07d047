"""Request bodies compressed by the client: decoded to rewrite them, re-encoded the same way.

Codex sends ``Content-Encoding: zstd`` bodies to providers that accept them; SDKs may gzip.
A body whose encoding is not one of these is never rewritten (it is passed through).
"""

from __future__ import annotations

import gzip
import zlib

import zstandard

__all__ = ["UnsupportedEncoding", "decode", "encode"]


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
