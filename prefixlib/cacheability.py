"""Cacheability: is a stable prefix long enough for each provider's prompt cache, and is a
volatile value still in it (README "Cacheability report")?

Pure: the token counter is a function given or found (the ``tokens`` extra); no I/O.

Tokens are counted exactly with the ``tokens`` extra (``pip install 'prefixlib[tokens]'``,
the ``toktok-rs`` package, whose o200k_base and cl100k_base vocabularies are compiled into
its wheel, so counting needs no download).  Without it they are estimated as
``ceil(UTF-8 bytes / 4.5)``, and the report says so.  OpenAI's models since gpt-4o use
o200k_base; Anthropic's and Google's tokenizers are not public, so their counts are the
o200k_base count too, an approximation the report names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from prefixlib.errors import ArgumentError
from prefixlib.model import LAYERS, CanonicalPrefix, LayerName
from prefixlib.pipeline import canonicalize
from prefixlib.policy import Policy

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

Counter = Callable[[str], int]


@dataclass(frozen=True)
class Minimum:
    """A provider's documented minimum cacheable prefix for a family of models.

    ``pattern`` matches the model ids of the family (a regular expression, searched);
    ``step`` is the block size a cached prefix grows in past the minimum (OpenAI: 128).
    """

    provider: str
    family: str
    pattern: str
    tokens: int
    source: str
    checked: str
    step: int = 0


_OPENAI_DOC: Final = "https://developers.openai.com/api/docs/guides/prompt-caching"
_ANTHROPIC_DOC: Final = "https://platform.claude.com/docs/en/build-with-claude/prompt-caching"
_GEMINI_DOC: Final = "https://ai.google.dev/gemini-api/docs/caching (last updated 2026-07-07)"

#: The documented minimums, checked on 2026-11-30.  Anthropic's page as quoted in
#: anthropics/anthropic-sdk-python#1194 (one gateway's copy gives Sonnet 4.6 2048 instead);
#: Opus 4.7 from secondary sources; the first row that matches a model wins.
MINIMUMS: Final[tuple[Minimum, ...]] = (
    Minimum("openai", "gpt-4o and newer", r"^(?:gpt-|o\d|chatgpt|codex)", 1024, _OPENAI_DOC,
            "2026-11-30", step=128),
    Minimum("anthropic", "Claude Opus 4.5 and later", r"claude-opus-(?:4-[5-9](?!\d)|[5-9])",
            4096, _ANTHROPIC_DOC, "2026-11-30"),
    Minimum("anthropic", "Claude Haiku 4.5", r"claude-haiku-4-5", 4096, _ANTHROPIC_DOC,
            "2026-11-30"),
    Minimum("anthropic", "Claude Haiku 3 and 3.5", r"claude-(?:3-5-)?haiku|claude-3-haiku",
            2048, _ANTHROPIC_DOC, "2026-11-30"),
    Minimum("anthropic", "Claude Sonnet 3.7, 4, 4.5, 4.6; Opus 4, 4.1",
            r"claude-(?:sonnet-4|3-7-sonnet|opus-4(?:-[01])?(?:-\d{8})?$|opus-4-1)", 1024,
            _ANTHROPIC_DOC, "2026-11-30"),
    Minimum("gemini", "Gemini 3.5 Flash and later, 3.1 Pro", r"gemini-3\.(?:[1-9])", 4096,
            _GEMINI_DOC, "2026-11-30"),
    Minimum("gemini", "Gemini 2.5 Flash and Pro", r"gemini-2\.5", 2048, _GEMINI_DOC,
            "2026-11-30"),
)  # fmt: skip

#: For a model no row matches: the largest documented minimum of its provider.
FALLBACK: Final = {
    "openai": MINIMUMS[0],
    "anthropic": Minimum("anthropic", "Claude (model not in the table: the largest minimum)",
                         "", 4096, _ANTHROPIC_DOC, "2026-11-30"),
    "gemini": Minimum("gemini", "Gemini (model not in the table: the largest minimum)", "",
                      4096, _GEMINI_DOC, "2026-11-30"),
}  # fmt: skip

#: Which provider serves a model, by the start of its id.
PROVIDER_OF: Final = (
    ("anthropic", re.compile(r"claude")),
    ("gemini", re.compile(r"gemini")),
    ("openai", re.compile(r"gpt-|o\d|chatgpt|codex")),
)

#: The estimate without the tokens extra: UTF-8 bytes per o200k_base token.  Measured on
#: the shared corpus and captures (29 texts): the estimate is 0.61 to 1.23 times the exact
#: count, median 1.06; on the two captured stable prefixes as sent, 1.05 and 0.96.
BYTES_PER_TOKEN: Final = 4.5


@dataclass(frozen=True)
class TokenCount:
    """A token count, exact or estimated, and how it was made."""

    tokens: int
    exact: bool
    method: str


def exact_counter(encoding: str = "o200k_base") -> Counter | None:
    """The exact counter of ``encoding`` from the ``tokens`` extra, or ``None`` without it."""
    try:
        import toktok
    except ImportError:
        return None

    def count(text: str) -> int:
        counts: list[int] = toktok.batch_count([text], encoding, threads=1)
        return counts[0]

    return count


def count_tokens(
    texts: Sequence[str], *, encoding: str = "o200k_base", counter: Counter | None = None
) -> TokenCount:
    """The tokens of ``texts``, each counted on its own: exact with the tokens extra (or a
    ``counter`` given), else estimated from the UTF-8 length."""
    if counter is None:
        counter = exact_counter(encoding)
    if counter is not None:
        return TokenCount(sum(counter(text) for text in texts), True, f"{encoding}, exact")
    size = sum(len(text.encode("utf-8")) for text in texts)
    return TokenCount(
        math.ceil(size / BYTES_PER_TOKEN),
        False,
        f"estimated as UTF-8 bytes / {BYTES_PER_TOKEN}; "
        "pip install 'prefixlib[tokens]' for exact counts",
    )


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
        return f"{self.layer}:{self.line}:{self.column}: {self.kind} {self.value!r}"


_MONTHS: Final = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_NAME: Final = r"[A-Za-z0-9_][\w.-]*"
#: Shapes of session state, checked in the stable prefix after hoisting (SPEC.md 5 hoists
#: values only in context; one left over is reported, not changed).  Only shapes that are
#: session state wherever they stand: a bare date or a UUID may be an instruction ("APIs
#: deprecated before 2024-01-01", "the staging tenant is 5f3a...") and is not reported.
SUSPECTS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("timestamp", re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?")),
    (
        "date",  # stated as the current one (in a tool description, which is never hoisted)
        re.compile(
            r"\b(?:[Cc]urrent (?:date|time)|[Tt]oday(?:'s date)?)(?: is|:)? "
            r"(?P<value>\d{4}-\d{2}-\d{2})\b"
        ),
    ),
    (
        "month",  # a month is session state only as "the current month" (Claude Code's tools)
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
        name = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Gemini"}[row.provider]
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


def minimums_for(model: str | None) -> tuple[Minimum, ...]:
    """The minimums that apply: the model's row (or its provider's largest), or with no
    model one row per distinct minimum of each provider."""
    if model is None:
        seen: set[tuple[str, int]] = set()
        rows = []
        for row in MINIMUMS:
            if (row.provider, row.tokens) not in seen:
                seen.add((row.provider, row.tokens))
                rows.append(row)
        return tuple(rows)
    for provider, start in PROVIDER_OF:
        if start.match(model):
            for row in MINIMUMS:
                if row.provider == provider and re.search(row.pattern, model):
                    return (row,)
            return (FALLBACK[provider],)
    return minimums_for(None)


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
