"""Key derivation: framing, BLAKE3, the layer chain and the printed form (SPEC.md 6).

The key of a prefix depends on nothing but the canonical bytes of its layers,
the spec version, the policy fingerprint, the namespace and the secret.
"""

from __future__ import annotations

import base64
import functools
import os
from collections.abc import Iterable
from typing import Final, TypeVar

from blake3 import blake3

from prefixlib.errors import ArgumentError

__all__ = [
    "KEY_CONTEXT",
    "KEY_PREFIX",
    "SECRET_CONTEXT",
    "SECRET_SIZE",
    "SPEC_VERSION",
    "LayerChain",
    "check_secret",
    "format_key",
    "frame",
    "frame_head",
]

#: The spec version; any change to canonical output or keys bumps it (SPEC.md 1).
SPEC_VERSION: Final = "1"
#: BLAKE3 derive-key context of every chain step (SPEC.md 6.2).
KEY_CONTEXT: Final = "prefixlib 2026-11-24 spec v1 prompt prefix cache key"
#: BLAKE3 derive-key context that turns a caller's secret into the chain's key (SPEC.md 6.3).
SECRET_CONTEXT: Final = "prefixlib 2026-11-24 spec v1 secret to keyed-hash key"
#: The printed form's tag: ``pl`` for prefixlib, then the spec version (SPEC.md 6.4).
KEY_PREFIX: Final = f"pl{SPEC_VERSION}_"
SECRET_SIZE: Final = 32

_Name = TypeVar("_Name", bound=str)

#: From this size a layer is hashed where it is, not joined to its head: measured with
#: benchmarks/throughput.py's key-only inputs, a copy of it then costs more than the ~2.5 µs
#: an update costs over the same bytes joined.
_UPDATES: Final = 1 << 16
#: From this size a layer is hashed with a thread per CPU.  Measured on this project's 2-core
#: VM: threads cost ~100 µs to start, ``max_threads=AUTO`` was slower than one thread at
#: every size up to 32 MB, and two threads paid only from about 6-8 MB.
_THREADED: Final = 8 << 20


def _cpus() -> int:
    """How many CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_THREADS: Final = _cpus()
_ROOT: Final = b"\x00"
_LAYER: Final = b"\x01"


def frame(tag: str, value: bytes) -> bytes:
    """One field: tag length (1 byte), ASCII tag, value length (8 bytes, big-endian), value.

    SPEC.md 6.1.
    """
    return frame_head(tag, len(value)) + value


def frame_head(tag: str, length: int) -> bytes:
    """A field's bytes before its value (SPEC.md 6.1)."""
    return _tag(tag) + length.to_bytes(8, "big")


@functools.lru_cache(maxsize=64)
def _tag(tag: str) -> bytes:
    """A field's tag length and tag (SPEC.md 6.1)."""
    name = tag.encode("ascii")
    return len(name).to_bytes(1, "big") + name


def format_key(state: bytes) -> str:
    """The printed form: ``pl1_`` and the unpadded base64url of the 32-byte state (SPEC.md 6.4)."""
    return KEY_PREFIX + base64.urlsafe_b64encode(state).rstrip(b"=").decode("ascii")


class LayerChain:
    """The chained hash of a prefix, one step a layer (SPEC.md 6.2).

    The constructor hashes the header fields; each :meth:`step` hashes the
    previous state with one framed layer, so the state after a layer depends only on the
    header and the layers up to it.
    """

    __slots__ = ("_key", "state")

    def __init__(
        self,
        *,
        policy_fingerprint: bytes,
        namespace: str = "",
        secret: bytes | None = None,
    ) -> None:
        if secret is None:
            self._key = None
            self.state = _header_state(policy_fingerprint, namespace)
        else:
            self._key = _secret_key(secret)
            self.state = self._hash(_header(policy_fingerprint, namespace))

    def _hash(self, head: bytes, body: bytes | memoryview = b"") -> bytes:
        """BLAKE3 of ``head + body``: a small body joined to the head, a large one hashed
        where it is, and from 8 MB with threads.  The digest is the same either way."""
        if len(body) < _UPDATES:
            return self._hasher(head + body, 1).digest()
        hasher = self._hasher(head, _THREADS if len(body) >= _THREADED else 1)
        hasher.update(body)
        return hasher.digest()

    def _hasher(self, data: bytes, threads: int) -> blake3:
        if self._key is None:
            return blake3(data, derive_key_context=KEY_CONTEXT, max_threads=threads)
        return blake3(data, key=self._key, max_threads=threads)

    def step(self, layer: str, canonical: bytes | memoryview) -> bytes:
        """Fold one layer's canonical UTF-8 bytes into the chain; return the new state."""
        self.state = self._hash(_LAYER + self.state + frame_head(layer, len(canonical)), canonical)
        return self.state

    def keys(self, layers: Iterable[tuple[_Name, bytes | memoryview]]) -> dict[_Name, str]:
        """Step through ``layers`` in order; map each layer name to its printed key."""
        return {name: format_key(self.step(name, canonical)) for name, canonical in layers}


def _header(policy_fingerprint: bytes, namespace: str) -> bytes:
    """The message of the chain's first state: spec, policy and namespace (SPEC.md 6.2)."""
    return b"".join(
        (
            _ROOT,
            frame("spec", SPEC_VERSION.encode("ascii")),
            frame("policy", policy_fingerprint),
            frame("namespace", namespace.encode("utf-8")),
        )
    )


@functools.lru_cache(maxsize=64)
def _header_state(policy_fingerprint: bytes, namespace: str) -> bytes:
    """The chain's first state without a secret; the same for every call with one policy."""
    return blake3(_header(policy_fingerprint, namespace), derive_key_context=KEY_CONTEXT).digest()


def check_secret(secret: object) -> None:
    """A secret is exactly 32 bytes (SPEC.md 6.3)."""
    if not isinstance(secret, bytes | bytearray | memoryview):
        raise ArgumentError(f"secret must be bytes, not {type(secret).__name__}")
    if len(secret) != SECRET_SIZE:
        raise ArgumentError(f"secret must be {SECRET_SIZE} bytes, got {len(secret)}")


def _secret_key(secret: bytes) -> bytes:
    """Derive the keyed-hash key from a caller's 32-byte secret (SPEC.md 6.3)."""
    check_secret(secret)
    return blake3(bytes(secret), derive_key_context=SECRET_CONTEXT).digest()
