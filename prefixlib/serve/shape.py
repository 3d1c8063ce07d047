"""What the proxy does to a model request's body: its key, and in ``canonical`` mode its prefix.

``key`` mode (issue 13): the body stays byte for byte as the client sent it except the value of
``prompt_cache_key`` (OpenAI routes), which becomes the key of the canonical stable prefix; the
adapters map the request onto layers (``prefixlib.adapters.split``).  ``canonical`` mode: the
adapters rewrite the stable prefix (``prefixlib.adapters.prepare``).  A body that cannot be
decoded, parsed or canonicalised is forwarded untouched, with the reason.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from prefixlib.errors import PrefixlibError
from prefixlib.policy import Policy
from prefixlib.serve import encoding
from prefixlib.serve.config import Mode, ServeConfig
from prefixlib.serve.rawjson import set_top_level_string

__all__ = ["Shaped", "Shaper"]

#: Headers that name the client's session or thread, in the order they are looked for.
SESSION_HEADERS = ("session-id", "thread-id", "x-claude-code-session-id", "x-session-id")

#: How many keys' last prefixes ``-v`` keeps to report divergences.
_KEEP_PREFIXES = 256


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
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


class Shaper:
    """Shapes model requests for one proxy instance (holds ``-v``'s last prefix per key)."""

    def __init__(self, config: ServeConfig, *, policy: Policy | None = None) -> None:
        self.config = config
        self.policy = policy
        self._previous: OrderedDict[str, dict[str, str]] = OrderedDict()

    def mode_of(self, kind: str) -> Mode:
        """The mode of a route: the OpenAI routes' or the Anthropic route's."""
        return self.config.anthropic_mode if kind == "messages" else self.config.openai_mode

    def shape(self, kind: str, raw: bytes, headers: Mapping[str, str]) -> Shaped:
        """The request to forward for a body ``raw`` on route ``kind`` (never raises)."""
        mode = self.mode_of(kind)
        if mode == "off":
            return Shaped.untouched(raw)
        try:
            return self._shape(kind, mode, raw, headers)
        except _PassThrough as e:
            return Shaped.untouched(raw, mode=mode, reason=str(e))
        except Exception as e:  # a bug must not block the user's request
            return Shaped.untouched(raw, mode=mode, reason=f"internal error: {type(e).__name__}")

    def _shape(self, kind: str, mode: Mode, raw: bytes, headers: Mapping[str, str]) -> Shaped:
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
                key, layers, body = self._key_mode(kind, request, decoded, session)
            else:
                key, layers, body = self._canonical_mode(request, session)
        except (PrefixlibError, ValueError, TypeError) as e:
            raise _PassThrough(f"cannot canonicalise: {e}") from e
        if body is decoded:  # nothing changed: forward the bytes as they came
            body = raw
        elif coding:
            body = encoding.encode(body, coding)
        set_headers = {self.config.key_header: key} if self.config.key_header else {}
        divergence = self._divergence(key, layers) if self.config.verbose else None
        return Shaped(body=body, mode=mode, key=key, headers=set_headers, divergence=divergence)

    def _key_mode(
        self, kind: str, request: dict[str, Any], decoded: bytes, session: str | None
    ) -> tuple[str, dict[str, Any], bytes]:
        """The key of the request's canonical stable prefix, set as ``prompt_cache_key``."""
        prepared = _prepare(request, policy=self.policy, **self._shard_options(session))
        key: str = prepared.key
        layers = dict(getattr(prepared, "layers", {}) or {})
        if kind == "messages":  # Anthropic has no body field for it: only the header option
            return key, layers, decoded
        return key, layers, set_top_level_string(decoded, "prompt_cache_key", key)

    def _canonical_mode(
        self, request: dict[str, Any], session: str | None
    ) -> tuple[str, dict[str, Any], bytes]:
        """The request with its stable prefix rewritten by the adapters."""
        prepared = _prepare(request, policy=self.policy, **self._shard_options(session))
        body = orjson.dumps(prepared.request)
        layers = dict(getattr(prepared, "layers", {}) or {})
        return prepared.key, layers, body

    def _shard_options(self, session: str | None) -> dict[str, Any]:
        if self.config.shards <= 1:
            return {}
        return {"shards": self.config.shards, "session": session or ""}

    def _divergence(self, key: str, layers: Mapping[str, Any]) -> str | None:
        """Where this prefix first differs from the previous one with the same key (redacted)."""
        texts = {name: str(value) for name, value in layers.items()}
        previous = self._previous.pop(key, None)
        self._previous[key] = texts
        while len(self._previous) > _KEEP_PREFIXES:
            self._previous.popitem(last=False)
        if previous is None:
            return None
        for name, text in texts.items():
            offset = _first_difference(previous.get(name, ""), text)
            if offset is not None:
                return f"layer {name} at character {offset}"
        return "none (identical prefix)"


def _prepare(request: dict[str, Any], **options: Any) -> Any:
    """The adapters' ``prepare`` (the one mapping of request shapes onto layers)."""
    from prefixlib.adapters import prepare  # type: ignore[import-not-found]

    return prepare(request, **options)


class _PassThrough(Exception):
    """The body is forwarded untouched; the message is the reason logged and counted."""
