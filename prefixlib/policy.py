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

import re2
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

    ``pattern`` is a regular expression in RE2's syntax, run by RE2 in time linear in
    the text: a pattern RE2 cannot run that way (a lookaround, a backreference) is an
    error where the policy is made.  The value is the pattern's group ``value`` if it
    has one, else the whole match.  ``context`` says where it applies: ``prose``
    (outside code fences) or ``anywhere``.
    """

    model_config = _FROZEN

    name: str = Field(pattern=_NAME)
    pattern: str
    context: Literal["prose", "anywhere"] = "prose"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        compiled = _compile(value)
        if compiled.search("") is not None:
            raise ValueError(f"the pattern {value} matches the empty string")
        return value

    @cached_property
    def compiled(self) -> re2._Regexp[str]:
        """The pattern compiled by RE2 (linear time in the text it searches)."""
        return _compile(self.pattern)


def _compile(pattern: str) -> re2._Regexp[str]:
    """``pattern`` compiled by RE2, its errors as ``ValueError`` and never logged."""
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as e:
        detail = e.args[0].decode("utf-8", "replace") if e.args else str(e)
        raise ValueError(
            f"RE2 cannot compile the pattern {pattern} ({detail}); prefixlib runs patterns "
            "in linear time, without lookarounds or backreferences"
        ) from None


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

    def __init__(self, **data: Any) -> None:
        """Validate the fields; a bad one is a :class:`~prefixlib.PolicyError` naming it."""
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise _error(e, source=None) from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Policy:
        """Validate a policy read from ``source``; errors name the file and the field."""
        if not isinstance(data, Mapping):
            raise PolicyError(f"expected a table, got {type(data).__name__}", source=source)
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise _error(e, source=source) from None

    @cached_property
    def fingerprint(self) -> bytes:
        """BLAKE3 of the policy's RFC 8785 JSON form, 32 bytes (SPEC.md 7.1)."""
        return blake3(
            dumps(self.model_dump(mode="json"), source="policy").encode("utf-8"),
            derive_key_context=POLICY_CONTEXT,
        ).digest()


#: What a policy field of each pydantic type expects, in a message.
_EXPECTED: Final = {
    "string_type": "a string",
    "tuple_type": "an array",
    "list_type": "an array",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}


def _error(error: ValidationError, *, source: str | None) -> PolicyError:
    """The first of pydantic's errors as a :class:`~prefixlib.PolicyError`."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    return PolicyError(_reason(first), source=source, field=field)


def _reason(error: Any) -> str:
    """One validation error in prefixlib's words: lowercase as written, the user's values
    and patterns shown exactly as given (never case-folded)."""
    kind, given, context = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing field"
    if kind == "literal_error":
        return f"expected {context['expected']}, got {given!r}"
    if kind == "string_pattern_mismatch":
        return f"{given!r} does not match {context['pattern']}"
    if kind == "value_error":
        return str(context["error"])
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {type(given).__name__} {given!r}"
    return f"invalid value {given!r} ({kind}: {error['msg']})"
