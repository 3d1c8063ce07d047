"""Divergence: where two prefixes stop sharing bytes, before and after canonicalisation.

The pure core of ``prefixlib diff``.  A prefix is its layers in the order they
are framed and sent (SPEC.md 2: base, developer, project, tools), each text layer
as given and the tools as compact JSON in the order given.  :func:`compare` runs
both prefixes through the rules one at a time, in the canonical order (SPEC.md
3, 3.9, 5, 4), and after each rule finds the first place they differ: a rule
that moves that place later, or leaves fewer differing lines, made divergences
vanish.  What is left after the last rule is the divergence that keeps two
sessions from sharing a cache.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from prefixlib.model import LAYERS, CanonicalPrefix, LayerName
from prefixlib.pipeline import FINAL_RULE, PROSE_RULES, WHOLE_RULES, canonicalize
from prefixlib.policy import Policy
from prefixlib.rules import text as t
from prefixlib.rules.ordering import sort_unordered

__all__ = ["Divergence", "Place", "Vanished", "compare"]

_CONTEXT: Final = 24  # characters shown from each side, from the divergence on
_BEFORE: Final = 16  # and at most this many before it, on its line


@dataclass(frozen=True, slots=True)
class Place:
    """A place in a layer of both prefixes: 1-based line and column, and the text around it
    on each side (from up to 16 characters before it on its line)."""

    layer: LayerName
    line: int
    column: int
    a: str
    b: str


@dataclass(frozen=True, slots=True)
class Vanished:
    """A rule that made divergences vanish: the first one it removed (if it was the first
    divergence then) and how many differing lines fewer it left."""

    rule: str
    place: Place | None
    lines: int


@dataclass(frozen=True, slots=True)
class Divergence:
    """How two prefixes compare, before and after canonicalisation.

    ``raw_prefix`` and ``prefix`` are the text both share before and after.
    """

    raw_shared: int
    raw_sizes: tuple[int, int]
    shared: int
    sizes: tuple[int, int]
    first: Place | None
    raw_first: Place | None
    vanished: tuple[Vanished, ...]
    keys: tuple[str, str]
    bindings: tuple[Mapping[str, str], Mapping[str, str]]
    raw_prefix: str = ""
    prefix: str = ""

    @property
    def equal(self) -> bool:
        """Whether the two prefixes are equal after canonicalisation (one key)."""
        return self.keys[0] == self.keys[1]


Stage = dict[LayerName, str]


def _text_stages(text: str) -> list[tuple[str, str]]:
    """``(rule, text after it)`` for each text rule, in order (SPEC.md 3.2-3.8)."""
    out = []
    for rule_id, rule in WHOLE_RULES:
        text = rule(text)
        out.append((rule_id, text))
    segments = t.split_fences(text)
    for rule_id, rule in PROSE_RULES:
        segments = [s if s.is_code else t.Segment(rule(s.text), False) for s in segments]
        text = t.join_segments(segments)
        out.append((rule_id, text))
    rule_id, rule = FINAL_RULE
    out.append((rule_id, rule(text)))
    return out


def _tools_text(tools: Any) -> str:
    """The tools layer as given: its JSON text, or compact JSON in the given order."""
    if tools is None:
        return ""
    if isinstance(tools, bytes | bytearray):
        return bytes(tools).decode("utf-8")
    if isinstance(tools, str):
        return tools
    return json.dumps(tools, ensure_ascii=False, separators=(",", ":"))


def _stages(
    layers: Mapping[str, Any], cp: CanonicalPrefix, policy: Policy
) -> list[tuple[str, Stage]]:
    """The prefix before any rule, then after each rule (SPEC.md 2's order)."""
    raw: dict[LayerName, str] = {}
    for name in LAYERS[:-1]:
        value = layers.get(name)
        raw[name] = (
            bytes(value).decode("utf-8") if isinstance(value, bytes | bytearray) else value or ""
        )
    raw["tools"] = _tools_text(layers.get("tools"))
    per_layer = {name: _text_stages(raw[name]) for name in LAYERS[:-1]}
    stages: list[tuple[str, Stage]] = [("raw", dict(raw))]
    for i, (rule_id, _) in enumerate(per_layer["base"]):
        stage = {name: per_layer[name][i][1] for name in LAYERS[:-1]}
        stages.append((rule_id, {**stage, "tools": raw["tools"]}))
    last = stages[-1][1]
    ordered = dict(last)
    if policy.unordered == "sort":
        for name in LAYERS[:-1]:
            ordered[name] = sort_unordered(last[name], markers=policy.unordered_markers)
    stages.append(("unordered", ordered))
    hoisted = {name: cp.layers[name] for name in LAYERS[:-1]}
    stages.append(("volatile", {**hoisted, "tools": raw["tools"]}))
    stages.append(("tools", dict(cp.layers)))
    return stages


def _joined(stage: Stage) -> bytes:
    return b"".join(stage[name].encode("utf-8") for name in LAYERS)


def _shared(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix of two byte strings."""
    size = min(len(a), len(b))
    if a[:size] == b[:size]:
        return size
    low, high = 0, size  # a[:low] == b[:low], a[:high] != b[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle
    return low


def _first(a: Stage, b: Stage) -> Place | None:
    """The first place two stages differ, in the first layer where they do."""
    for name in LAYERS:
        x, y = a[name], b[name]
        if x == y:
            continue
        k = _shared(x.encode("utf-8"), y.encode("utf-8"))
        k = len(x.encode("utf-8")[:k].decode("utf-8", "ignore"))
        line_start = x.rfind("\n", 0, k) + 1
        line = x.count("\n", 0, k) + 1
        start = max(line_start, k - _BEFORE)  # some of the line before, for the eye
        return Place(
            name, line, k - line_start + 1, x[start : k + _CONTEXT], y[start : k + _CONTEXT]
        )
    return None


def _differing_lines(a: Stage, b: Stage) -> int:
    """How many lines of ``a`` are not matched in ``b``, over all layers."""
    count = 0
    for name in LAYERS:
        if a[name] != b[name]:
            x, y = a[name].split("\n"), b[name].split("\n")
            matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
            same = sum(block.size for block in matcher.get_matching_blocks())
            count += max(len(x), len(y)) - same
    return count


def _same(before: Place | None, after: Place | None) -> bool:
    """Whether two first divergences are the same one (the text after it did not change)."""
    if before is None or after is None:
        return before is after
    return before.layer == after.layer and (before.a, before.b) == (after.a, after.b)


def compare(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    policy: Policy | None = None,
    roots: Mapping[str, str] | None = None,
) -> Divergence:
    """Compare two prefixes given as raw :func:`~prefixlib.canonicalize` layers.

    Raises :class:`~prefixlib.PrefixlibError` for a layer canonicalize rejects.
    """
    policy = Policy() if policy is None else policy
    cp_a = canonicalize(**a, policy=policy, roots=roots)
    cp_b = canonicalize(**b, policy=policy, roots=roots)
    stages_a, stages_b = _stages(a, cp_a, policy), _stages(b, cp_b, policy)
    vanished = []
    previous = _first(stages_a[0][1], stages_b[0][1])
    lines = _differing_lines(stages_a[0][1], stages_b[0][1]) if previous else 0
    for (rule, stage_a), (_, stage_b) in zip(stages_a[1:], stages_b[1:], strict=True):
        if previous is None and not lines:
            break
        first = _first(stage_a, stage_b)
        count = _differing_lines(stage_a, stage_b) if first else 0
        moved = not _same(previous, first)
        if moved or count < lines:
            vanished.append(Vanished(rule, previous if moved else None, max(lines - count, 0)))
        previous, lines = first, count
    raw_a, raw_b = _joined(stages_a[0][1]), _joined(stages_b[0][1])
    canon_a, canon_b = _joined(stages_a[-1][1]), _joined(stages_b[-1][1])
    raw_shared, shared = _shared(raw_a, raw_b), _shared(canon_a, canon_b)
    return Divergence(
        raw_shared=raw_shared,
        raw_sizes=(len(raw_a), len(raw_b)),
        shared=shared,
        sizes=(len(canon_a), len(canon_b)),
        first=None if cp_a.key == cp_b.key else _first(stages_a[-1][1], stages_b[-1][1]),
        raw_first=_first(stages_a[0][1], stages_b[0][1]),
        vanished=tuple(vanished),
        keys=(cp_a.key, cp_b.key),
        bindings=(cp_a.bindings, cp_b.bindings),
        raw_prefix=raw_a[:raw_shared].decode("utf-8", "ignore"),
        prefix=canon_a[:shared].decode("utf-8", "ignore"),
    )
