"""Totals per key, kept in memory: the stats endpoint's JSON and the Prometheus metrics.

Nothing here is stored on disk; an instance's totals start at zero (issue 13: instances share
nothing, a team sums them in Prometheus).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prefixlib.serve.usage import Usage

if TYPE_CHECKING:
    from prefixlib.serve.shape import Shaped

__all__ = ["Stats"]

_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class _Totals:
    requests: int = 0
    with_usage: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0

    def add(self, usage: Usage | None) -> None:
        self.requests += 1
        if usage is not None:
            self.with_usage += 1
            self.input_tokens += usage.input_tokens
            self.cached_tokens += usage.cached_tokens

    def as_json(self) -> dict[str, Any]:
        share = self.cached_tokens / self.input_tokens if self.input_tokens else 0.0
        return {
            "requests": self.requests,
            "requests_with_usage": self.with_usage,
            "input_tokens": self.input_tokens,
            "cached_tokens": self.cached_tokens,
            "cached_share": round(share, 4),
        }


class Stats:
    """Request and token totals of the model routes, per key and in all."""

    def __init__(self) -> None:
        self.total = _Totals()
        self.keys: dict[str, _Totals] = {}
        self.modes: Counter[str] = Counter()
        self.passed_through: Counter[str] = Counter()
        self.other_requests = 0
        self._metrics = _Metrics.make()

    def record(self, kind: str | None, shaped: Shaped, usage: Usage | None) -> None:
        """Count one finished request (``kind`` None: a path that is only passed through)."""
        if kind is None:
            self.other_requests += 1
            return
        self.total.add(usage)
        self.modes[shaped.mode] += 1
        if shaped.reason is not None:  # counted by its kind: "invalid JSON", "cannot ..."
            self.passed_through[shaped.reason.split(":", 1)[0]] += 1
        if shaped.key is not None:
            self.keys.setdefault(shaped.key, _Totals()).add(usage)
        if self._metrics is not None:
            self._metrics.record(kind, shaped, usage)

    def snapshot(self) -> dict[str, Any]:
        """The ``GET /prefixlib/stats`` body."""
        return {
            **self.total.as_json(),
            "other_requests": self.other_requests,
            "modes": dict(self.modes),
            "passed_through": dict(self.passed_through),
            "keys": {key: totals.as_json() for key, totals in self.keys.items()},
        }

    def prometheus(self) -> tuple[bytes, str]:
        """The metrics in the Prometheus text format, and their content type."""
        if self._metrics is None:
            return (
                b"# prometheus_client is not installed: pip install 'prefixlib[metrics]'\n",
                _CONTENT_TYPE,
            )
        return self._metrics.render(), _CONTENT_TYPE


class _Metrics:
    """The counters in a registry of this instance's own (two apps in a process never clash)."""

    def __init__(self) -> None:
        import prometheus_client as pc

        self._pc = pc
        self.registry = pc.CollectorRegistry(auto_describe=True)
        labels = ("route", "mode", "key")
        self.requests = pc.Counter(
            "prefixlib_serve_requests",
            "Model requests forwarded, by route, mode and key prefix",
            labels,
            registry=self.registry,
        )
        self.passed = pc.Counter(
            "prefixlib_serve_passed_through",
            "Model requests forwarded untouched because they could not be shaped",
            ("route", "reason"),
            registry=self.registry,
        )
        self.input = pc.Counter(
            "prefixlib_serve_input_tokens",
            "Input tokens the upstream reported",
            labels,
            registry=self.registry,
        )
        self.cached = pc.Counter(
            "prefixlib_serve_cached_tokens",
            "Input tokens the upstream read from its prompt cache",
            labels,
            registry=self.registry,
        )

    @classmethod
    def make(cls) -> _Metrics | None:
        try:
            return cls()
        except ImportError:
            return None

    def record(self, kind: str, shaped: Shaped, usage: Usage | None) -> None:
        key = (shaped.key or "")[:16]
        self.requests.labels(kind, shaped.mode, key).inc()
        if shaped.reason is not None:
            self.passed.labels(kind, shaped.reason.split(":", 1)[0]).inc()
        if usage is not None:
            self.input.labels(kind, shaped.mode, key).inc(usage.input_tokens)
            self.cached.labels(kind, shaped.mode, key).inc(usage.cached_tokens)

    def render(self) -> bytes:
        data: bytes = self._pc.generate_latest(self.registry)
        return data
