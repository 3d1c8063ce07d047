"""What the proxy does to a model request's body: its key, and in ``canonical`` mode its prefix.

``key`` mode (issue 13): the body stays byte for byte as the client sent it except the value of
``prompt_cache_key`` (OpenAI routes), which becomes the key of the canonical stable prefix; the
adapters map the request onto layers (``prefixlib.adapters.split``).  ``canonical`` mode: the
adapters rewrite the stable prefix (``prefixlib.adapters.prepare``).  A body that cannot be
decoded, parsed or canonicalised is forwarded untouched, with the reason.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from blake3 import blake3

from prefixlib import adapters
from prefixlib.errors import PrefixlibError
from prefixlib.pipeline import cache_key, canonicalize
from prefixlib.policy import Policy
from prefixlib.serve import encoding
from prefixlib.serve.config import Mode, ServeConfig
from prefixlib.serve.rawjson import set_top_level_string

__all__ = ["Shaped", "Shaper"]

#: Headers that name the client's session or thread, in the order they are looked for.
SESSION_HEADERS = ("session-id", "thread-id", "x-claude-code-session-id", "x-session-id")

#: How many keys' last prefixes ``-v`` keeps to report divergences.
_KEEP_PREFIXES = 256

#: How many stable prefixes' keys :class:`KeyCache` keeps (~100 bytes each).
_KEEP_KEYS = 4096


@dataclass(frozen=True)
class Shaped:
    """The body to forward, the headers to set, and what was done (for the log and stats)."""

    body: bytes
    mode: str
    key: str | None = None
    reason: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    divergence: str | None = None

    @classmethod
    def untouched(cls, body: bytes, *, mode: str = "off", reason: str | None = None) -> Shaped:
        """The body forwarded as it came (a pass-through path, mode ``off``, or a failure)."""
        return cls(body=body, mode=mode, reason=reason)


def _first_difference(a: str, b: str) -> int | None:
    """The first character offset at which ``a`` and ``b`` differ, None if equal."""
    if a == b:
        return None
    low, high = 0, min(len(a), len(b))  # a[:low] == b[:low]; the answer is <= high
    while low < high:  # slices compare in C: log2(n) of them, not n steps in Python
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class KeyCache:
    """The keys of stable prefixes already canonicalised by this proxy (key mode).

    Keyed on the full BLAKE3 digest of the layers, texts as UTF-8 and tools as JSON
    (``orjson``: one text per value, so ``1``, ``1.0``, ``true`` and ``"1"`` differ), which
    is everything ``cache_key`` reads besides the policy, fixed per cache: a hit is the key
    ``cache_key`` would return.  It keeps 4096 keys (~100 bytes each), where the core's memo
    keeps 64 whole canonical prefixes; a hit tells the proxy that a request needs no
    canonicalisation, so it is answered on the event loop.  Bounded, safe under threads.
    """

    def __init__(self, *, policy: Policy | None, size: int = _KEEP_KEYS) -> None:
        self.policy = policy
        self.size = size
        self._keys: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def digest(layers: Mapping[str, Any]) -> bytes | None:
        """The digest of ``layers``, or None where they are not plain JSON values.

        The layers are written as one JSON object (``orjson``: one C call, and JSON text
        tells every value apart, ``1``, ``1.0``, ``true`` and ``"1"`` among them); the
        tools are values as ``orjson.loads`` gives them, which has no NaN or infinity
        (``orjson.dumps`` would write those as ``null``, like ``None``).
        """
        try:
            return blake3(orjson.dumps(layers)).digest()
        except TypeError:  # bytes, a lone surrogate, a huge int (orjson.JSONEncodeError)
            return None

    def get(self, digest: bytes) -> str | None:
        """The key stored for ``digest`` (now the most recently used), or None."""
        with self._lock:
            key = self._keys.get(digest)
            if key is not None:
                self._keys.move_to_end(digest)
            return key

    def put(self, digest: bytes, key: str) -> None:
        """Store ``key`` for ``digest``, dropping the least recently used beyond the size."""
        with self._lock:
            self._keys[digest] = key
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)


class Shaper:
    """Shapes model requests for one proxy instance (holds ``-v``'s last prefix per key)."""

    def __init__(self, config: ServeConfig, *, policy: Policy | None = None) -> None:
        self.config = config
        self.policy = policy
        self.keys = KeyCache(policy=policy)
        self._previous: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._previous_lock = threading.Lock()

    def mode_of(self, kind: str) -> Mode:
        """The mode of a route: the OpenAI routes' or the Anthropic route's."""
        return self.config.anthropic_mode if kind == "messages" else self.config.openai_mode

    def shape(self, kind: str, raw: bytes, headers: Mapping[str, str]) -> Shaped:
        """The request to forward for a body ``raw`` on route ``kind`` (never raises)."""
        shaped = self._shape_or_defer(kind, raw, headers, defer=False)
        assert shaped is not None  # nothing is deferred without defer=True
        return shaped

    def shape_quick(self, kind: str, raw: bytes, headers: Mapping[str, str]) -> Shaped | None:
        """:meth:`shape`'s answer where it needs no canonicalisation, else None.

        Key mode with a prefix in :attr:`keys` (a later turn of a session) is answered here,
        in ~0.3 ms for a 48 KB body; a new prefix, or canonical mode, is None: the proxy
        then runs :meth:`shape` in a worker thread, off the event loop.
        """
        return self._shape_or_defer(kind, raw, headers, defer=True)

    def _shape_or_defer(
        self, kind: str, raw: bytes, headers: Mapping[str, str], *, defer: bool
    ) -> Shaped | None:
        mode = self.mode_of(kind)
        if mode == "off":
            return Shaped.untouched(raw)
        if defer and mode == "canonical":
            return None
        try:
            return self._shape(kind, mode, raw, headers, defer=defer)
        except _Deferred:
            return None
        except _PassThrough as e:
            return Shaped.untouched(raw, mode=mode, reason=str(e))
        except Exception as e:  # a bug must not block the user's request
            return Shaped.untouched(raw, mode=mode, reason=f"internal error: {type(e).__name__}")

    def _shape(
        self, kind: str, mode: Mode, raw: bytes, headers: Mapping[str, str], *, defer: bool
    ) -> Shaped:
        coding = headers.get("Content-Encoding", "")
        try:
            decoded = encoding.decode(raw, coding) if coding else raw
        except encoding.UnsupportedEncoding as e:
            raise _PassThrough(str(e)) from e
        try:
            request = orjson.loads(decoded)
        except orjson.JSONDecodeError as e:
            raise _PassThrough(f"invalid JSON: {e}") from e
        if not isinstance(request, dict):
            raise _PassThrough("the body is not a JSON object")
        session = next((headers[h] for h in SESSION_HEADERS if h in headers), None)
        try:
            if mode == "key":
                key, layers, body = self._key_mode(kind, request, decoded, session, defer=defer)
            else:
                key, layers, body = self._canonical_mode(kind, request, session)
        except (PrefixlibError, ValueError, TypeError) as e:
            raise _PassThrough(f"cannot canonicalise: {e}") from e
        if body is decoded:  # nothing changed: forward the bytes as they came
            body = raw
        elif coding:
            body = encoding.encode(body, coding)
        set_headers = {self.config.key_header: key} if self.config.key_header else {}
        if self.config.verbose and defer:  # -v may canonicalise (the rules at a divergence)
            raise _Deferred
        divergence = self._divergence(key, layers) if self.config.verbose else None
        return Shaped(body=body, mode=mode, key=key, headers=set_headers, divergence=divergence)

    def _key_mode(
        self,
        kind: str,
        request: dict[str, Any],
        decoded: bytes,
        session: str | None,
        *,
        defer: bool,
    ) -> tuple[str, Mapping[str, Any], bytes]:
        """The key of the request's canonical stable prefix, set as ``prompt_cache_key``."""
        found = adapters.split(request)
        if self.keys.policy is not self.policy:  # the keys depend on the policy: start over
            self.keys = KeyCache(policy=self.policy)
        digest = self.keys.digest(found.layers)
        key = self.keys.get(digest) if digest is not None else None
        if key is None:
            if defer:
                raise _Deferred
            # the core's layer memo answers the layers a new session shares with earlier
            # ones (base instructions and tools), so only its own are canonicalised
            key = cache_key(**found.layers, policy=self.policy)
            if digest is not None:
                self.keys.put(digest, key)
        key = self._shard(key, session)
        if kind == "messages":  # Anthropic has no body field for it: only the header option
            return key, found.layers, decoded
        body = set_top_level_string(decoded, "prompt_cache_key", key, parsed=request)
        return key, found.layers, body

    def _canonical_mode(
        self, kind: str, request: dict[str, Any], session: str | None
    ) -> tuple[str, Mapping[str, Any], bytes]:
        """The request with its stable prefix rewritten by the adapters."""
        if kind == "messages":
            prepared = adapters.anthropic.prepare(request, policy=self.policy)
            key = self._shard(prepared.key, session)
        else:  # the client's own key (Codex: its thread id) is what this mode replaces
            prepared = adapters.openai.prepare(
                request, policy=self.policy, override=True, **self._shard_options(session)
            )
            key = str(prepared.request["prompt_cache_key"])
        return key, prepared.split.layers, orjson.dumps(prepared.request)

    def _shard_options(self, session: str | None) -> dict[str, Any]:
        if self.config.shards <= 1 or not session:  # no session header: the one key
            return {}
        return {"shards": self.config.shards, "session": session}

    def _shard(self, key: str, session: str | None) -> str:
        """``key`` with the suffix of the session's shard (the adapters' ``shard_key``)."""
        if self.config.shards <= 1 or not session:
            return key
        return adapters.openai.shard_key(key, shards=self.config.shards, session=session)

    def _divergence(self, key: str, layers: Mapping[str, Any]) -> str | None:
        """Where this prefix first differs from the previous one with the same key.

        Redacted: the layer, line and character offset, and the rules whose edits cover that
        place (the ones that made the two prefixes one), never the text itself.
        """
        texts = {name: v if isinstance(v, str) else repr(v) for name, v in layers.items()}
        with self._previous_lock:
            previous = self._previous.pop(key, None)
            self._previous[key] = texts
            while len(self._previous) > _KEEP_PREFIXES:
                self._previous.popitem(last=False)
        if previous is None:
            return None
        for name in (*texts, *(n for n in previous if n not in texts)):
            text = texts.get(name, "")
            offset = _first_difference(previous.get(name, ""), text)
            if offset is not None:
                line = text.count("\n", 0, offset) + 1
                rules = self._rules_at(layers, name, offset, line)
                return f"layer {name} line {line} character {offset} (rules: {rules or '-'})"
        return "none"

    def _rules_at(self, layers: Mapping[str, Any], name: str, offset: int, line: int) -> str:
        """The rules whose edits of layer ``name`` cover ``offset`` (else its line)."""
        try:
            changes = canonicalize(**layers, policy=self.policy).changes
        except (PrefixlibError, ValueError, TypeError):
            return ""
        mine = [c for c in changes if c.layer == name]
        covering = {c.rule for c in mine if c.offset <= offset < c.offset + max(1, len(c.before))}
        return ",".join(sorted(covering or {c.rule for c in mine if c.line == line}))


class _PassThrough(Exception):
    """The body is forwarded untouched; the message is the reason logged and counted."""


class _Deferred(Exception):
    """The request needs a canonicalisation: :meth:`Shaper.shape` runs it off the loop."""
