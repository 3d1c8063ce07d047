"""Cacheability: is a stable prefix long enough for each provider's prompt cache, and is a
volatile value still in it (README "Cacheability report")?

The providers' minimums are one table in :mod:`prefixlib.minimums`, token counting is
:mod:`prefixlib.tokens`; both are re-exported here.  This module finds the volatile values
the rules left in a stable prefix and puts the report together.

Pure: the token counter is a function given or found (the ``tokens`` extra); no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from prefixlib.errors import ArgumentError
from prefixlib.minimums import MINIMUMS, Minimum, minimums_for, provider_name
from prefixlib.model import LAYERS, CanonicalPrefix, LayerName
from prefixlib.pipeline import canonicalize
from prefixlib.policy import Policy
from prefixlib.tokens import Counter, TokenCount, count_tokens, exact_counter

__all__ = [
    "MINIMUMS",
    "Cacheability",
    "Minimum",
    "ProviderCheck",
    "TokenCount",
    "VolatileValue",
    "assess",
    "cacheability",
    "count_tokens",
    "exact_counter",
]


@dataclass(frozen=True)
class VolatileValue:
    """A value in the stable prefix that looks like session state (a date, an id, a path
    under a home) but was not hoisted: each session that differs there misses the cache."""

    kind: str
    value: str
    layer: str
    line: int
    column: int

    def __str__(self) -> str:
        """``layer:line:column: kind 'value'``."""
        return f"{self.layer}:{self.line}:{self.column}: {self.kind} {self.value!r}"


_MONTHS: Final = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_NAME: Final = r"[A-Za-z0-9_][\w.-]*"
#: Shapes of session state, checked in the stable prefix after hoisting, tools layer
#: included (SPEC.md 5 hoists values only in context, and 5.10 in tool descriptions; one
#: left over is reported, not changed).  Only shapes that are session state wherever they
#: stand: a bare date or a UUID may be an instruction ("APIs deprecated before 2024-01-01",
#: "the staging tenant is 5f3a...") and is not reported.
SUSPECTS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("timestamp", re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?")),
    (
        "date",  # stated as the current one in a form no label of SPEC.md 5.2 takes, or
        # where the policy keeps timestamps (then 5.10 hoists no description's date either)
        re.compile(
            r"\b(?:[Cc]urrent (?:date|time)|[Tt]oday(?:'s date)?)(?: is|:)? "
            r"(?P<value>\d{4}-\d{2}-\d{2})\b"
        ),
    ),
    (
        "month",  # session state only as "the current month": Claude Code's WebSearch
        # description says so, hoisted since SPEC.md 5.10 unless the policy keeps timestamps
        re.compile(
            rf"\b(?:[Cc]urrent month|[Tt]his month|[Tt]oday)(?: is|:)? (?P<value>(?:{_MONTHS})"
            rf"(?: \d{{1,2}},)? (?:19|20)\d{{2}})\b"
        ),
    ),
    ("id", re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{16,}\b")),  # digits too
    (
        "home",
        re.compile(rf"(?<![\w.~-])(?:/home/{_NAME}|/Users/{_NAME}|[A-Za-z]:\\+Users\\+[\w.-]+)"),
    ),
    ("temp dir", re.compile(r"(?<![\w.~-])(?:(?:/private)?/(?:var/)?tmp/|/var/folders/)[\w.-]+")),
)


def first_volatile(layers: Mapping[LayerName, str]) -> VolatileValue | None:
    """The first value of :data:`SUSPECTS` in the layers, in layer order."""
    for name in LAYERS:
        text = layers.get(name, "")
        best: tuple[int, str, str] | None = None
        for kind, pattern in SUSPECTS:
            match = pattern.search(text)
            if match is None:
                continue
            group = "value" if "value" in pattern.groupindex else 0
            if best is None or match.start(group) < best[0]:
                best = (match.start(group), kind, match.group(group))
        if best is not None:
            at, kind, value = best
            line = text.count("\n", 0, at) + 1
            column = at - (text.rfind("\n", 0, at) + 1) + 1
            return VolatileValue(kind, value, name, line, column)
    return None


@dataclass(frozen=True)
class ProviderCheck:
    """Whether the stable prefix reaches one provider's minimum for a family of models."""

    minimum: Minimum
    tokens: int
    exact: bool

    @property
    def cacheable(self) -> bool:
        """The prefix reaches the minimum."""
        return self.tokens >= self.minimum.tokens

    @property
    def cached_tokens(self) -> int:
        """The tokens a later request can read from the cache: the prefix down to whole
        steps (OpenAI caches in 128-token blocks), 0 below the minimum."""
        if not self.cacheable:
            return 0
        step = self.minimum.step
        return self.tokens - self.tokens % step if step else self.tokens

    @property
    def warning(self) -> str | None:
        """A plain warning where nothing will be cached."""
        if self.cacheable:
            return None
        row = self.minimum
        name = provider_name(row.provider)
        families = sum(1 for other in MINIMUMS if other.provider == row.provider)
        which = f" for {row.family}" if families > 1 else ""
        about = "" if self.exact else "about "
        return (
            f"stable prefix is {about}{self.tokens} tokens: below {name}'s "
            f"{row.tokens}-token minimum{which}, nothing will be cached"
        )


@dataclass(frozen=True)
class Cacheability:
    """The cacheability report of one stable prefix."""

    key: str
    bytes: int
    tokens: TokenCount
    volatile: VolatileValue | None
    checks: tuple[ProviderCheck, ...]
    model: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def warnings(self) -> list[str]:
        """Every warning: a volatile value left in the prefix, a minimum not reached."""
        out = [c.warning for c in self.checks if c.warning]
        if self.volatile is not None:
            out.insert(0, f"volatile value left in the stable prefix: {self.volatile}")
        return out

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "key": self.key,
            "model": self.model,
            "bytes": self.bytes,
            "tokens": self.tokens.tokens,
            "tokens_exact": self.tokens.exact,
            "tokens_method": self.tokens.method,
            "volatile": None
            if self.volatile is None
            else {
                "kind": self.volatile.kind,
                "value": self.volatile.value,
                "layer": self.volatile.layer,
                "line": self.volatile.line,
                "column": self.volatile.column,
            },
            "providers": [
                {
                    "provider": c.minimum.provider,
                    "family": c.minimum.family,
                    "minimum": c.minimum.tokens,
                    "cacheable": c.cacheable,
                    "cached_tokens": c.cached_tokens,
                    "source": c.minimum.source,
                    "checked": c.minimum.checked,
                }
                for c in self.checks
            ],
            "warnings": self.warnings,
            "notes": list(self.notes),
        }


def assess(
    prefix: CanonicalPrefix,
    *,
    texts: Sequence[str] | None = None,
    model: str | None = None,
    counter: Counter | None = None,
) -> Cacheability:
    """The cacheability report of a canonical prefix (README "Cacheability report").

    ``texts`` are the stable prefix as sent, if not the canonical layers themselves (an
    adapter's request); ``model`` narrows the providers' minimums to its family.
    """
    sent = list(texts) if texts is not None else [t for t in prefix.layers.values() if t]
    tokens = count_tokens(sent, counter=counter)
    checks = tuple(ProviderCheck(row, tokens.tokens, tokens.exact) for row in minimums_for(model))
    notes = []
    if any(c.minimum.provider != "openai" for c in checks):
        notes.append(
            "Anthropic's and Google's tokenizers are not public: their counts are o200k_base "
            "counts, an approximation"
        )
    return Cacheability(
        key=prefix.key,
        bytes=sum(len(text.encode("utf-8")) for text in sent),
        tokens=tokens,
        volatile=first_volatile(prefix.layers),
        checks=checks,
        model=model,
        notes=tuple(notes),
    )


def cacheability(
    *,
    base: str | bytes | None = None,
    developer: str | bytes | None = None,
    project: str | bytes | None = None,
    tools: Any = None,
    model: str | None = None,
    roots: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    namespace: str | None = None,
    counter: Counter | None = None,
) -> Cacheability:
    """Canonicalise a prefix and report its cacheability (README "Cacheability report"):
    its length in bytes and tokens, the first volatile value left in it, and per provider
    whether it reaches the minimum cacheable size."""
    if model is not None and not isinstance(model, str):
        raise ArgumentError(f"model must be str or None, not {type(model).__name__}")
    prefix = canonicalize(
        base=base,
        developer=developer,
        project=project,
        tools=tools,
        roots=roots,
        policy=policy,
        namespace=namespace,
    )
    return assess(prefix, model=model, counter=counter)
