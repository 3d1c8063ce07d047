"""The policy: which rules run and how, and its fingerprint (SPEC.md 7).

A policy is a frozen pydantic model validated once, where it enters.  Its
fingerprint is part of every key, so two different policies never share keys.
The CLI loads it from ``[tool.prefixlib]`` in pyproject.toml or from
``.prefixlib.toml``; this module only validates the mapping it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Final, Literal

import regex
from blake3 import blake3
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from prefixlib.errors import PolicyError
from prefixlib.rules.canonical_json import dumps

__all__ = ["POLICY_CONTEXT", "Policy", "UserPattern"]

#: BLAKE3 derive-key context of the policy fingerprint (SPEC.md 7.1).
POLICY_CONTEXT: Final = "prefixlib 2026-11-24 spec v1 policy fingerprint"

_NAME = r"^[A-Z][A-Z0-9_]*$"
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class UserPattern(BaseModel):
    """A value shape of the user's own, hoisted as ``{{NAME_n}}`` (SPEC.md 7.2).

    ``pattern`` is a regular expression (the ``regex`` package's syntax); the
    value is its group ``value`` if it has one, else the whole match.
    ``context`` says where it applies: ``prose`` (outside code fences) or
    ``anywhere``.
    """

    model_config = _FROZEN

    name: str = Field(pattern=_NAME)
    pattern: str
    context: Literal["prose", "anywhere"] = "prose"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            compiled = regex.compile(value)
        except regex.error as e:
            raise ValueError(f"invalid regular expression: {e}") from e
        if compiled.search("") is not None:
            raise ValueError("the pattern matches the empty string")
        return value


class Policy(BaseModel):
    """How prefixlib canonicalises a prefix.  The default is what SPEC.md describes (7.2)."""

    model_config = _FROZEN

    timestamps: Literal["hoist", "keep"] = "hoist"
    paths: Literal["hoist", "keep"] = "hoist"
    ids: Literal["hoist", "keep"] = "hoist"
    tools: Literal["sort", "keep"] = "sort"
    unordered: Literal["sort", "keep"] = "sort"
    unordered_markers: tuple[str, ...] = ()
    hoist_labels: tuple[str, ...] = ()
    context_tags: tuple[str, ...] = ()
    patterns: tuple[UserPattern, ...] = ()
    placeholder_style: Literal["braces", "brackets", "angles"] = "braces"
    windows_separators: Literal["slash", "keep"] = "slash"

    @field_validator("hoist_labels", "unordered_markers")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            if not word.strip() or "\n" in word:
                raise ValueError(f"{word!r} is not a label: one line of text")
        return value

    @field_validator("context_tags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tag in value:
            if not regex.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", tag):
                raise ValueError(f"{tag!r} is not an XML tag name")
        return value

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Policy:
        """Validate a policy read from ``source``; errors name the file and the field."""
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            raise PolicyError(first["msg"].lower(), source=source, field=field) from e

    @cached_property
    def fingerprint(self) -> bytes:
        """BLAKE3 of the policy's RFC 8785 JSON form, 32 bytes (SPEC.md 7.1)."""
        return blake3(
            dumps(self.model_dump(mode="json"), source="policy").encode("utf-8"),
            derive_key_context=POLICY_CONTEXT,
        ).digest()
