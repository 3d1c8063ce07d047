"""The providers' documented minimum cacheable prefix, one table with each row's source and
the date it was checked (README "Cacheability report"), and which rows apply to a model.

Pure data and lookups: the report (:mod:`prefixlib.cacheability`) compares a stable prefix's
token count with these rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["FALLBACK", "MINIMUMS", "PROVIDER_OF", "Minimum", "minimums_for", "provider_name"]


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

#: How the report names each provider.
PROVIDER_NAMES: Final = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Gemini"}


def provider_name(provider: str) -> str:
    """The provider as the report names it (``openai`` is OpenAI)."""
    return PROVIDER_NAMES[provider]


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
