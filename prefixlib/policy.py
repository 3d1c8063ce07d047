"""The policy: which rules run and how, and its fingerprint (SPEC.md 7).

A policy is a frozen dataclass validated once, where it enters.  Its
fingerprint is part of every key, so two different policies never share keys.
The CLI loads it from ``[tool.prefixlib]`` in pyproject.toml or from
``.prefixlib.toml``; this module only validates the mapping it is given.  (It
was a pydantic model; plain validation here made every ``prefixlib`` command
start about 0.2 s sooner, and the messages are the same.)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, Final, Literal

import re2
from blake3 import blake3

from prefixlib.errors import PolicyError
from prefixlib.rules.canonical_json import dumps

__all__ = ["POLICY_CONTEXT", "Policy", "UserPattern"]

#: BLAKE3 derive-key context of the policy fingerprint (SPEC.md 7.1).
POLICY_CONTEXT: Final = "prefixlib 2026-11-24 spec v1 policy fingerprint"

_NAME = r"^[A-Z][A-Z0-9_]*$"
_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class _Invalid(ValueError):
    """One invalid field: the reason, and where it is (``patterns.0.name``)."""

    def __init__(self, reason: str, *where: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where

    def within(self, *outer: str | int) -> _Invalid:
        """The same error, one level further out."""
        return _Invalid(self.reason, *outer, *self.where)

    def error(self, source: str | None) -> PolicyError:
        """As a :class:`~prefixlib.PolicyError` naming ``source`` and the field."""
        field = ".".join(str(part) for part in self.where) or None
        return PolicyError(self.reason, source=source, field=field)


@dataclasses.dataclass(frozen=True, init=False)
class UserPattern:
    """A value shape of the user's own, hoisted as ``{{NAME_n}}`` (SPEC.md 7.2).

    ``pattern`` is a regular expression in RE2's syntax, run by RE2 in time linear in
    the text: a pattern RE2 cannot run that way (a lookaround, a backreference) is an
    error where the policy is made.  The value is the pattern's group ``value`` if it
    has one, else the whole match.  ``context`` says where it applies: ``prose``
    (outside code fences) or ``anywhere``.
    """

    name: str
    pattern: str
    context: Literal["prose", "anywhere"] = "prose"

    def __init__(self, **data: Any) -> None:
        """Validate the fields; a bad one is a :class:`~prefixlib.PolicyError` naming it."""
        try:
            _assign(self, _pattern_fields(data))
        except _Invalid as e:
            raise e.error(None) from None

    @cached_property
    def compiled(self) -> re2._Regexp[str]:
        """The pattern compiled by RE2 (linear time in the text it searches)."""
        return _compile(self.pattern)

    def as_dict(self) -> dict[str, str]:
        """The pattern as a table of its fields (as written in a policy file)."""
        return {"name": self.name, "pattern": self.pattern, "context": self.context}


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


@dataclasses.dataclass(frozen=True, init=False)
class Policy:
    """How prefixlib canonicalises a prefix.  The default is what SPEC.md describes (7.2)."""

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

    def __init__(self, **data: Any) -> None:
        """Validate the fields; a bad one is a :class:`~prefixlib.PolicyError` naming it."""
        try:
            _assign(self, _policy_fields(data))
        except _Invalid as e:
            raise e.error(None) from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Policy:
        """Validate a policy read from ``source``; errors name the file and the field."""
        if not isinstance(data, Mapping):
            raise PolicyError(f"expected a table, got {type(data).__name__}", source=source)
        try:
            fields = _policy_fields(data)
        except _Invalid as e:
            raise e.error(source) from None
        policy = cls.__new__(cls)
        _assign(policy, fields)
        return policy

    def replace(self, **changes: Any) -> Policy:
        """A copy with ``changes``, validated as a new policy is."""
        return Policy(**{**self._fields(), **changes})

    def as_dict(self) -> dict[str, Any]:
        """The policy as JSON values (arrays for tuples, tables for patterns): what its
        fingerprint hashes (SPEC.md 7.1)."""
        out = self._fields()
        for name in _ARRAYS:
            out[name] = [p.as_dict() if isinstance(p, UserPattern) else p for p in out[name]]
        return out

    @cached_property
    def fingerprint(self) -> bytes:
        """BLAKE3 of the policy's RFC 8785 JSON form, 32 bytes (SPEC.md 7.1)."""
        return blake3(
            dumps(self.as_dict(), source="policy").encode("utf-8"),
            derive_key_context=POLICY_CONTEXT,
        ).digest()

    def _fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


# -- validation ----------------------------------------------------------------------------

Check = Callable[[Any], Any]


def _assign(instance: object, fields: Mapping[str, Any]) -> None:
    """Set the validated ``fields`` of a frozen dataclass instance."""
    for name, value in fields.items():
        object.__setattr__(instance, name, value)


def _validated(data: Mapping[str, Any], checks: Mapping[str, tuple[Check, Any]]) -> dict[str, Any]:
    """``data`` checked field by field, with defaults for fields it lacks; the first bad
    field raises :class:`_Invalid` (unknown fields first, then in the order of ``checks``)."""
    for name in data:
        if name not in checks:
            raise _Invalid("unknown field", str(name))
    out = {}
    for name, (check, default) in checks.items():
        if name not in data:
            if default is _MISSING:
                raise _Invalid("missing field", name)
            out[name] = default
            continue
        try:
            out[name] = check(data[name])
        except _Invalid as e:
            raise e.within(name) from None
        except ValueError as e:
            raise _Invalid(str(e), name) from None
    return out


_MISSING: Final = object()


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {type(value).__name__} {value!r}")
    return value


def _choice(*choices: str) -> Check:
    """A check that the value is one of ``choices``."""
    expected = " or ".join(
        part for part in (", ".join(map(repr, choices[:-1])), repr(choices[-1])) if part
    )

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise _Invalid(f"expected {expected}, got {value!r}")
        return value

    return check


def _matching(pattern: str) -> Check:
    """A check that the value is a string that ``pattern`` matches."""
    compiled = re.compile(pattern.removesuffix("$") + r"\Z")  # "$" would allow a final LF

    def check(value: Any) -> str:
        if compiled.match(_string(value)) is None:
            raise _Invalid(f"{value!r} does not match {pattern}")
        return value  # type: ignore[no-any-return]

    return check


def _array(item: Check, *, each: Callable[[Any], None] | None = None) -> Check:
    """A check that the value is an array (list or tuple) whose items pass ``item``."""

    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise _Invalid(f"expected an array, got {type(value).__name__} {value!r}")
        out = []
        for i, element in enumerate(value):
            try:
                out.append(item(element))
            except _Invalid as e:
                raise e.within(i) from None
        if each is not None:
            for element in out:
                each(element)
        return tuple(out)

    return check


def _word(word: str) -> None:
    """A label or lead-in phrase is one non-blank line (SPEC.md 7.2)."""
    if not word.strip() or "\n" in word:
        raise ValueError(f"{word!r} is not a label: one line of text")


def _tag(tag: str) -> None:
    """A context tag is an XML tag name (SPEC.md 7.2)."""
    if not _TAG.fullmatch(tag):
        raise ValueError(f"{tag!r} is not an XML tag name")


def _compiles(pattern: Any) -> str:
    """A user pattern RE2 runs in linear time, which never matches the empty string."""
    if _compile(_string(pattern)).search("") is not None:
        raise ValueError(f"the pattern {pattern} matches the empty string")
    return pattern  # type: ignore[no-any-return]


_PATTERN_CHECKS: Final[Mapping[str, tuple[Check, Any]]] = {
    "name": (_matching(_NAME), _MISSING),
    "pattern": (_compiles, _MISSING),
    "context": (_choice("prose", "anywhere"), "prose"),
}


def _pattern_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return _validated(data, _PATTERN_CHECKS)


def _user_pattern(value: Any) -> UserPattern:
    """A user pattern given as a table, or one made already."""
    if isinstance(value, UserPattern):
        return value
    if not isinstance(value, Mapping):
        raise _Invalid(f"expected a table, got {type(value).__name__} {value!r}")
    pattern = UserPattern.__new__(UserPattern)
    _assign(pattern, _pattern_fields(value))
    return pattern


_POLICY_CHECKS: Final[Mapping[str, tuple[Check, Any]]] = {
    "timestamps": (_choice("hoist", "keep"), "hoist"),
    "paths": (_choice("hoist", "keep"), "hoist"),
    "ids": (_choice("hoist", "keep"), "hoist"),
    "tools": (_choice("sort", "keep"), "sort"),
    "unordered": (_choice("sort", "keep"), "sort"),
    "unordered_markers": (_array(_string, each=_word), ()),
    "hoist_labels": (_array(_string, each=_word), ()),
    "context_tags": (_array(_string, each=_tag), ()),
    "patterns": (_array(_user_pattern), ()),
    "placeholder_style": (_choice("braces", "brackets", "angles"), "braces"),
    "windows_separators": (_choice("slash", "keep"), "slash"),
}
#: The fields that are arrays, in the JSON form.
_ARRAYS: Final = ("unordered_markers", "hoist_labels", "context_tags", "patterns")


def _policy_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return _validated(data, _POLICY_CHECKS)
