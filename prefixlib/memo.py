"""The memos: canonical prefixes, and single layers, already computed in this process.

An orchestrator starting its 2nd..Nth session sends the same raw layers again;
the memo answers those with one BLAKE3 pass over the raw input.  A new session
of a known client sends a new project layer after the same base instructions
and tools; the layer memo answers the work of each of those layers on its own
(:func:`layer_key`).  Each is keyed on the full BLAKE3 digest of everything the
result depends on (never on a partial fingerprint such as a length), bounded in
entries and in bytes, and safe under threads.  Neither changes a result: with or
without them, :func:`prefixlib.canonicalize` returns equal values.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Final, Generic, TypeVar

from blake3 import blake3

from prefixlib.key import frame, frame_head
from prefixlib.utf8 import code_units, utf8

__all__ = ["Keyed", "Memo", "keyed_layers", "layer_key", "memo_key"]

_CONTEXT: Final = "prefixlib 2026-11-24 in-process memo key"
_LAYER_CONTEXT: Final = "prefixlib 2026-11-30 in-process layer memo key"
#: Below this total size the whole key message is joined and hashed in one call: BLAKE3 is
#: fastest on one buffer, and each update costs ~2.5 µs more than the same bytes joined.
_JOINED_BELOW: Final = 256 * 1024
#: Above it, from this size a layer is keyed by its own digest, which needs no copy.
_DIGEST_FROM: Final = 16 * 1024


def _layer_bytes(value: object, *, large: bool) -> tuple[str, bytes | memoryview]:
    """The bytes a raw layer argument is keyed by, and what they are (part of the frame tag
    with the argument's type).  In a ``large`` call, a large non-ASCII ``str`` is keyed by
    its stored characters, hashed on their own without a copy; in a small one, whose key
    message is joined (a copy in any case), its UTF-8 is fewer bytes to hash."""
    if isinstance(value, bytes):
        return "", value
    if isinstance(value, str):
        if value.isascii():  # a large ASCII str is viewed, not copied
            return "", utf8(value)
        units = code_units(value) if large else None
        if units is not None:
            width, view = units
            return f":units{width}", view
        return "", value.encode("utf-8", "surrogatepass")
    # Tool definitions as Python objects: pickle tells 1 from "1" and 1.0, as it must.
    return "", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


#: A raw layer argument as it is keyed: its frame tag (its name, type and form) and bytes.
Keyed = tuple[str, bytes | memoryview]


def keyed_layers(layers: Mapping[str, object]) -> dict[str, Keyed] | None:
    """What each raw layer argument is keyed by, or ``None`` where one cannot be keyed
    (tool definitions that do not pickle)."""
    # by characters, so that the form of each layer depends on the arguments' lengths only
    large = sum(len(v) for v in layers.values() if isinstance(v, str | bytes)) >= _JOINED_BELOW
    keyed: dict[str, Keyed] = {}
    for name, value in layers.items():
        try:
            form, data = _layer_bytes(value, large=large)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        keyed[name] = (f"{name}:{type(value).__name__}{form}", data)
    return keyed


def memo_key(
    keyed: Mapping[str, Keyed],
    *,
    policy_fingerprint: bytes,
    namespace: str,
    secret: bytes | None,
    roots: Mapping[str, str] | None,
) -> bytes:
    """The memo key of one ``canonicalize`` call, its layers :func:`keyed_layers`.

    It hashes each raw layer (in a large call, a large layer as its full BLAKE3
    digest) with the policy fingerprint, the namespace, the secret and the roots.
    """
    fields: list[bytes | memoryview] = [
        frame("policy", policy_fingerprint),
        frame("namespace", namespace.encode("utf-8", "surrogatepass")),
        frame("secret", b"" if secret is None else b"\x01" + bytes(secret)),
    ]
    for name, path in (roots or {}).items():
        fields.append(frame("root", frame(name, path.encode("utf-8", "surrogatepass"))))
    if sum(len(data) for _, data in keyed.values()) < _JOINED_BELOW:  # one BLAKE3 call
        for tag, data in keyed.values():
            fields += (frame_head(tag, len(data)), data)
        return blake3(b"".join(fields), derive_key_context=_CONTEXT).digest()
    hasher = blake3(b"".join(fields), derive_key_context=_CONTEXT)
    for tag, data in keyed.values():
        if len(data) < _DIGEST_FROM:  # framed without a copy of the layer
            hasher.update(frame_head(tag, len(data)))
            hasher.update(data)
        else:  # its full digest, hashed on its own: one aligned pass, no copy
            hasher.update(frame(tag + ":blake3", blake3(data).digest()))
    return hasher.digest()


def layer_key(keyed: Keyed, *, policy_fingerprint: bytes) -> bytes:
    """The layer memo key of one raw layer (from :func:`keyed_layers`): its tag and every
    byte of it with the policy fingerprint, which is what the work on one layer depends on
    (the text and ordering rules, the scan for volatile values, the canonical tools)."""
    tag, data = keyed
    hasher = blake3(frame("policy", policy_fingerprint), derive_key_context=_LAYER_CONTEXT)
    hasher.update(frame_head(tag, len(data)))
    hasher.update(data)
    return hasher.digest()


V = TypeVar("V")


class Memo(Generic[V]):
    """A bounded, thread-safe LRU of values (canonical prefixes, or one layer's work) by key."""

    def __init__(self, *, max_entries: int = 64, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> V | None:
        """The memoised result for ``key``, marked most recently used, or ``None``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: bytes, value: V, size: int) -> None:
        """Keep ``value`` (about ``size`` bytes); evict the least recently used past the bounds."""
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
