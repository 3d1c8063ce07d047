"""The rounds of :func:`prefixlib.learn`: canonicalise, propose, apply, again (SPEC.md 7.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prefixlib.errors import ArgumentError
from prefixlib.learn.proposal import Addition, Difference, Proposal
from prefixlib.learn.spans import spans
from prefixlib.model import LAYERS, CanonicalPrefix, LayerName
from prefixlib.pipeline import canonicalize
from prefixlib.policy import Policy, UserPattern
from prefixlib.rules.placeholders import STYLES

__all__ = ["ROUNDS", "learn"]

#: How many rounds of propose, apply, canonicalise again.
ROUNDS = 4
_TEXT_LAYERS: tuple[LayerName, ...] = ("base", "developer", "project")


def learn(samples: Sequence[Mapping[str, Any] | str], *, policy: Policy | None = None) -> Proposal:
    """Propose the policy additions that make ``samples`` share a key (SPEC.md 7.3).

    Each sample is a startup prefix as :func:`~prefixlib.canonicalize` takes it (a mapping
    with any of ``base``, ``developer``, ``project``, ``tools``) or a ``str`` (the project
    layer).  ``policy`` is the policy to extend (default: the default policy).
    """
    if isinstance(samples, str | bytes) or not isinstance(samples, Sequence):
        raise ArgumentError(f"samples must be a list of prefixes, not {type(samples).__name__}")
    layers = [_layers(sample, index) for index, sample in enumerate(samples)]
    if len(layers) < 2:
        raise ArgumentError("learn needs two or more samples of the same project")
    base = Policy() if policy is None else policy
    if not isinstance(base, Policy):
        raise ArgumentError(f"policy must be a prefixlib.Policy, not {type(base).__name__}")
    current, additions, taken = base, list[Addition](), set[object]()
    results = _canonical(layers, current)
    before = tuple(r.key for r in results)
    for _ in range(ROUNDS):
        found, remaining = _propose(results, current, taken=taken)
        if not found:
            break
        additions += found
        current = _extended(current, found)
        results = _canonical(layers, current)
    else:  # every round found more: what the last additions leave
        _found, remaining = _propose(results, current, taken=taken)
    after = tuple(r.key for r in results)
    return Proposal(tuple(additions), current, before, after, tuple(remaining))


def _layers(sample: Mapping[str, Any] | str, index: int) -> dict[str, Any]:
    """A sample's layers, checked: only the four layer names."""
    if isinstance(sample, str):
        return {"project": sample}
    if not isinstance(sample, Mapping):
        raise ArgumentError(f"sample {index} must be a mapping of layers or a str")
    unknown = set(sample) - set(LAYERS)
    if unknown:
        raise ArgumentError(f"sample {index} has an unknown layer {sorted(unknown)[0]!r}")
    return dict(sample)


def _canonical(layers: Sequence[Mapping[str, Any]], policy: Policy) -> list[CanonicalPrefix]:
    """The samples canonicalised with ``policy``, unmemoised (each policy is new)."""
    return [canonicalize(**sample, policy=policy, memo=False) for sample in layers]


def _extended(policy: Policy, additions: Sequence[Addition]) -> Policy:
    """``policy`` with the additions: labels and patterns appended, in order."""
    labels = [a.value for a in additions if isinstance(a.value, str)]
    patterns = [a.value for a in additions if isinstance(a.value, UserPattern)]
    return policy.replace(
        hoist_labels=(*policy.hoist_labels, *labels), patterns=(*policy.patterns, *patterns)
    )


def _propose(
    results: Sequence[CanonicalPrefix], policy: Policy, *, taken: set[object]
) -> tuple[list[Addition], list[Difference]]:
    """One round: the additions for the spans that differ in ``results`` (the samples
    canonicalised with ``policy``), none already ``taken``, and the spans left alone."""
    close = STYLES[policy.placeholder_style][1]
    additions: list[Addition] = []
    left: list[Difference] = []
    for layer in _TEXT_LAYERS:
        texts = [r.layers[layer] for r in results]
        for index in range(1, len(texts)):
            for difference, addition in spans(layer, texts[0], texts[index], close):
                if addition is None:
                    left.append(difference)
                elif addition.value not in taken:
                    taken.add(addition.value)
                    additions.append(addition)
    if len({r.layers["tools"] for r in results}) > 1:
        left.append(Difference("tools", (None,) * len(results), "the tool definitions differ"))
    return additions, left
