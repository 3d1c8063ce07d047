"""Token usage read from a response as it streams by: SSE events or one JSON body.

The proxy logs and counts input tokens and cached tokens per request (issue 13,
observability).  The three APIs put them in different places:

- Responses: ``usage.input_tokens`` and ``usage.input_tokens_details.cached_tokens`` of the
  ``response`` in ``response.completed`` (or of the JSON body);
- Chat Completions: ``usage.prompt_tokens`` and ``usage.prompt_tokens_details.cached_tokens``
  (the last chunk of a stream sent with ``stream_options.include_usage``);
- Messages: ``usage`` of ``message_start``'s ``message`` (or of the JSON body), where the input
  is ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens`` and the cached
  part ``cache_read_input_tokens``.

The tap never holds the whole stream: it keeps only an unfinished line between chunks and
parses only ``data:`` lines that mention ``"usage"``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Usage", "UsageTap", "usage_of"]

#: Longest line the tap keeps between chunks; a longer one (a huge delta) is skipped.
_MAX_LINE = 1 << 22


@dataclass(frozen=True)
class Usage:
    """Input tokens of one request and how many of them the provider read from its cache."""

    input_tokens: int
    cached_tokens: int

    @property
    def cached_share(self) -> float:
        """The cached fraction of the input, 0 for an empty input."""
        return self.cached_tokens / self.input_tokens if self.input_tokens else 0.0


def _int(value: object) -> int:
    return value if type(value) is int and value >= 0 else 0


def usage_of(event: Any) -> Usage | None:
    """The usage in one parsed event or body of any of the three APIs, if it has one."""
    if not isinstance(event, dict):
        return None
    holder = event
    for inner in ("response", "message"):  # Responses' completed event, Messages' start
        if isinstance(event.get(inner), dict) and isinstance(event[inner].get("usage"), dict):
            holder = event[inner]
    usage = holder.get("usage")
    if not isinstance(usage, dict):
        return None
    if "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage:
        cached = _int(usage.get("cache_read_input_tokens"))
        total = (
            _int(usage.get("input_tokens"))
            + _int(usage.get("cache_creation_input_tokens"))
            + cached
        )
        return Usage(total, cached)
    if "input_tokens" in usage:
        details = usage.get("input_tokens_details")
        cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else 0
        return Usage(_int(usage["input_tokens"]), cached)
    if "prompt_tokens" in usage:
        details = usage.get("prompt_tokens_details")
        cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else 0
        return Usage(_int(usage["prompt_tokens"]), cached)
    return None


def _stop(chunk: bytes) -> bytes:
    """The decoder of a tap that gave up: nothing more reaches it."""
    return b""


class UsageTap:
    """Fed the response's bytes chunk by chunk; ``usage`` is the input usage seen so far.

    For an SSE response the first event with input usage wins over later ones only if those
    lack it (Messages' ``message_delta`` carries output tokens alone); for a JSON body the
    usage is read once at the end.
    """

    def __init__(self, *, sse: bool, decoder: Callable[[bytes], bytes] | None = None) -> None:
        self._sse = sse
        self._decoder = decoder
        self._rest = b""
        self._body: list[bytes] = []
        self._skipping = False
        self.usage: Usage | None = None

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the response body (as sent: the decoder undoes its coding)."""
        if self._decoder is not None:
            try:
                chunk = self._decoder(chunk)
            except Exception:  # a corrupt body: the client gets it as it is, the tap stops
                self._decoder, self._sse, self._body = _stop, True, []
                return
        if not self._sse:
            self._body.append(chunk)
            return
        data = self._rest + chunk
        lines = data.split(b"\n")
        self._rest = lines.pop()
        if len(self._rest) > _MAX_LINE:
            self._rest, self._skipping = b"", True
        for line in lines:
            if self._skipping:  # the tail of a line too long to keep
                self._skipping = False
                continue
            self._line(line)

    def close(self) -> Usage | None:
        """End of the body: parse what is left; return the usage found, if any."""
        if self._sse:
            if self._rest and not self._skipping:
                self._line(self._rest)
            self._rest = b""
        else:
            body = b"".join(self._body)
            self._body = []
            if len(body) <= _MAX_LINE:
                with contextlib.suppress(ValueError):
                    self.usage = usage_of(json.loads(body)) or self.usage
        return self.usage

    def _line(self, line: bytes) -> None:
        if not line.startswith(b"data:") or b'"usage"' not in line:
            return
        try:
            event = json.loads(line[5:])
        except ValueError:
            return
        found = usage_of(event)
        if found is not None and (found.input_tokens or self.usage is None):
            self.usage = found
