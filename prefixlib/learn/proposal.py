"""What :func:`prefixlib.learn` finds: the differences, the additions, the result (SPEC.md 7.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from prefixlib.policy import Policy, UserPattern

__all__ = ["Addition", "Difference", "Proposal"]


@dataclass(frozen=True, slots=True)
class Difference:
    """A span that differs between the sessions: its layer, its text in each session (in the
    order of the samples; ``None`` where a session lacks it), and why it is what it is
    (SPEC.md 7.3)."""

    layer: str
    values: tuple[str | None, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Addition:
    """One proposed policy addition: a ``hoist_labels`` entry or a user pattern (SPEC.md 7.2),
    with the difference it hoists as its evidence (7.3)."""

    field: Literal["hoist_labels", "patterns"]
    value: str | UserPattern
    evidence: Difference

    def describe(self) -> str:
        """The addition as one line of the policy file's syntax."""
        if isinstance(self.value, UserPattern):
            name, pattern = _toml(self.value.name), _toml(self.value.pattern)
            return f"patterns += {{name = {name}, pattern = {pattern}}}"
        return f"hoist_labels += {_toml(self.value)}"


@dataclass(frozen=True, slots=True)
class Proposal:
    """What :func:`learn` found: the additions, the policy with them, the keys of the samples
    before and after, and the differences that are left, each with its reason (SPEC.md 7.3)."""

    additions: tuple[Addition, ...]
    policy: Policy
    keys_before: tuple[str, ...]
    keys_after: tuple[str, ...]
    remaining: tuple[Difference, ...] = field(default=())

    @property
    def shared(self) -> bool:
        """Whether the samples share one key with the proposed policy."""
        return len(set(self.keys_after)) == 1

    def as_json(self, *, redact: bool = False) -> dict[str, Any]:
        """A JSON-ready summary; ``redact`` leaves out the spans' text (their lengths stay)."""

        def values(d: Difference) -> list[str | int | None]:
            """The spans of ``d``, or with ``redact`` their lengths."""
            if redact:
                return [None if v is None else len(v) for v in d.values]
            return list(d.values)

        def addition(a: Addition) -> dict[str, Any]:
            """An addition with its evidence, flat."""
            value = a.value.as_dict() if isinstance(a.value, UserPattern) else a.value
            evidence = {"layer": a.evidence.layer, "values": values(a.evidence)}
            return {"field": a.field, "value": value, "reason": a.evidence.reason, **evidence}

        return {
            "shared": self.shared,
            "keys_before": list(self.keys_before),
            "keys_after": list(self.keys_after),
            "additions": [addition(a) for a in self.additions],
            "remaining": [
                {"layer": d.layer, "values": values(d), "reason": d.reason} for d in self.remaining
            ],
        }


def _toml(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
