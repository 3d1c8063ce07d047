"""Learning a policy from sessions: the spans that still differ, and what would hoist them.

:func:`learn` canonicalises two or more captured startup prefixes of one project with a
policy, aligns each text layer line by line, and for each span that differs proposes the
smallest policy addition that hoists it (SPEC.md 7.3):

- a *label* (``hoist_labels``) where a field's label and separator stand before the value
  (``Build: 4711``, ``<deploy_slot>blue</deploy_slot>``);
- a *pattern* (``patterns``) where the same words stand before a value that holds a digit or
  a path (``Ticket ABC-1234 is open``), or where a stable heading line stands before a whole
  block of lines that differs (``Open pull requests:`` and its list).

A span with no such context signal (a word changed in an instruction, a line only one session
has) is never proposed: it is reported as a real difference.  The proposals are applied and
the samples canonicalised again, a few rounds, until they share a key or nothing more is
found.  Pure: no files, no printing; the CLI (``prefixlib learn``) writes the policy file.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from prefixlib.errors import ArgumentError
from prefixlib.model import CanonicalPrefix, LayerName
from prefixlib.pipeline import canonicalize
from prefixlib.policy import Policy, UserPattern
from prefixlib.rules.placeholders import STYLES, common_start

__all__ = ["Addition", "Difference", "Proposal", "learn"]

#: How many rounds of propose, apply, canonicalise again.
ROUNDS = 4
_TEXT_LAYERS: tuple[LayerName, ...] = ("base", "developer", "project")
#: A field's label before its value: FIELD_START, the label's words, the separator (5.2.1).
_LABEL = re.compile(
    r"[ \t]*(?:[-*+>][ \t]+|#+[ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?"
    r"(?P<label>[A-Za-z][A-Za-z0-9]*(?:[ _-][A-Za-z0-9]+){0,4})"
    r"(?:\*\*|__|`)?[ \t]*[:=][ \t]*(?:\*\*|__)?[`'\"*]*[ \t]*"
)
_TAG = re.compile(r"<(?P<tag>[A-Za-z_][A-Za-z0-9_.-]*)>[ \t]*\Z")
#: Characters a token runs over when a differing span is widened to whole tokens.
_TOKEN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/+-@#~%")
_SPECIAL = frozenset("\\.^$|?*+()[]{}")
_SENTENCE_END = re.compile(r".*(?:[.;!?](?:\s|$)|\}\}|\]\]|>>)")


@dataclass(frozen=True, slots=True)
class Difference:
    """A span that differs between the sessions: its layer, its text in each session (in the
    order of the samples; ``None`` where a session lacks it), and why it is what it is."""

    layer: str
    values: tuple[str | None, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Addition:
    """One proposed policy addition: a ``hoist_labels`` entry or a user pattern."""

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
    before and after, and the differences that are left, each with its reason."""

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
            if redact:
                return [None if v is None else len(v) for v in d.values]
            return list(d.values)

        def addition(a: Addition) -> dict[str, Any]:
            value = a.value.model_dump() if isinstance(a.value, UserPattern) else a.value
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
    unknown = set(sample) - {*_TEXT_LAYERS, "tools"}
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
    return policy.model_copy(
        update={
            "hoist_labels": (*policy.hoist_labels, *labels),
            "patterns": (*policy.patterns, *patterns),
        }
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
            for difference, addition in _spans(layer, texts[0], texts[index], close):
                if addition is None:
                    left.append(difference)
                elif addition.value not in taken:
                    taken.add(addition.value)
                    additions.append(addition)
    if len({r.layers["tools"] for r in results}) > 1:
        left.append(Difference("tools", (None,) * len(results), "the tool definitions differ"))
    return additions, left


def _spans(layer: str, a: str, b: str, close: str) -> Iterator[tuple[Difference, Addition | None]]:
    """The differing spans of two canonical layers, each with its addition (or none)."""
    lines_a, lines_b = a.split("\n"), b.split("\n")
    matcher = difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op != "replace":
            values = ("\n".join(lines_a[i1:i2]) or None, "\n".join(lines_b[j1:j2]) or None)
            why = "a line only one session has: a real difference, never hoisted"
            yield Difference(layer, values, why), None
            continue
        if i2 - i1 == j2 - j1:
            pairs = list(zip(lines_a[i1:i2], lines_b[j1:j2], strict=True))
            found = [_in_line(layer, x, y, close) for x, y in pairs]
            if all(addition is not None for _, addition in found):
                yield from found
                continue
            block = _block(layer, lines_a, lines_b, (i1, i2, j1, j2), close)
            yield from [block] if block[1] is not None else found
            continue
        yield _block(layer, lines_a, lines_b, (i1, i2, j1, j2), close)


def _in_line(layer: str, a: str, b: str, close: str) -> tuple[Difference, Addition | None]:
    """The span where two lines differ, widened to whole tokens, and its addition."""
    start = len(common_start(a, b))
    end = len(common_start(a[start:][::-1], b[start:][::-1]))
    end_a, end_b = len(a) - end, len(b) - end
    while start > 0 and a[start - 1] in _TOKEN:
        start -= 1
    while end_a < len(a) and end_b < len(b) and a[end_a] in _TOKEN and b[end_b] in _TOKEN:
        end_a, end_b = end_a + 1, end_b + 1
    values = (a[start:end_a], b[start:end_b])
    before, after = a[:start], a[end_a:]
    label = _LABEL.fullmatch(before)
    if label and close not in before:
        why = "a field's label and separator stand before it"
        return Difference(layer, values, why), _label(layer, label["label"], values, why)
    tag = _TAG.search(before)
    if tag and after.startswith(f"</{tag['tag']}>"):
        why = "a tag encloses it"
        return Difference(layer, values, why), _label(layer, tag["tag"], values, why)
    context = _context(before, close)
    if context and all(_volatile(v) for v in values):
        why = "the same words stand before a value with a digit or a path"
        pattern = _escape(context) + "(?P<value>" + _shape(values, after) + ")"
        return Difference(layer, values, why), _pattern(layer, context, pattern, values, why)
    why = "no label, block heading or volatile shape: a real difference, never hoisted"
    return Difference(layer, values, why), None


def _block(
    layer: str, a: list[str], b: list[str], span: tuple[int, int, int, int], close: str
) -> tuple[Difference, Addition | None]:
    """A run of lines that differs as a whole: hoisted if a stable heading line introduces it."""
    i1, i2, j1, j2 = span
    values = ("\n".join(a[i1:i2]), "\n".join(b[j1:j2]))
    start = i1
    while start > 0 and not a[start - 1].strip():
        start -= 1
    heading = a[start - 1] if start > 0 else ""
    if not heading.strip() or close in heading or not _heads(heading):
        why = "lines that differ with no heading to introduce them: a real difference"
        return Difference(layer, values, why), None
    lead = "\n".join(a[start - 1 : i1])
    end = i2
    while end < len(a) and not a[end].strip():
        end += 1
    tail = a[end] if end < len(a) else None
    if tail is not None and close in tail:
        tail = None
    pattern = "(?m)^" + _escape(lead) + r"\n(?P<value>(?s:.+?))"
    if tail is not None:
        pattern += "\n" + _escape("\n".join(a[i2 : end + 1]))
    else:
        pattern = pattern.replace("(?s:.+?)", r"(?s:.*\S)")
    why = "a heading line introduces a block of lines that differs"
    return Difference(layer, values, why), _pattern(layer, heading, pattern, values, why)


def _heads(line: str) -> bool:
    """A heading: a markdown heading, a line ending in ``:``, or an opening tag."""
    stripped = line.strip()
    return stripped.startswith("#") or stripped.endswith(":") or bool(_TAG.search(stripped))


def _context(before: str, close: str) -> str:
    """The words before a value on its line, from the last sentence end or placeholder on."""
    cut = _SENTENCE_END.match(before)
    context = before[cut.end() :] if cut else before
    context = context.lstrip()
    if close in context or not re.search(r"[A-Za-z]{2}", context):
        return ""
    return context[-60:]


def _volatile(value: str) -> bool:
    """A value with a digit, or a path: a shape that session state takes."""
    return any(c.isdigit() for c in value) or value.startswith(("/", "~/")) or ":\\" in value


def _shape(values: Sequence[str], after: str) -> str:
    """A pattern for every value: digits, hex, or a run of non-blank characters."""
    if all(v.isdigit() for v in values):
        return r"\d+"
    if all(re.fullmatch(r"[0-9A-Fa-f]+", v) for v in values):
        return r"[0-9A-Fa-f]+"
    if not any(c.isspace() for v in values for c in v):
        stop = (
            after[:1] if after[:1] and not after[:1].isspace() and after[:1] not in _TOKEN else ""
        )
        return rf"[^\s{_escape(stop)}]+" if stop else r"\S+"
    return r"[^\n]+?" + _escape(after[:1]) if after else r"[^\n]*\S"


def _label(layer: str, label: str, values: tuple[str, str], why: str) -> Addition:
    words = label.replace("_", " ").replace("-", " ")
    return Addition("hoist_labels", words, Difference(layer, values, why))


def _pattern(layer: str, context: str, pattern: str, values: tuple[str, str], why: str) -> Addition:
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", context)[-2:] or ["LEARNED"]
    name = "_".join(words).upper()
    return Addition(
        "patterns", UserPattern(name=name, pattern=pattern), Difference(layer, values, why)
    )


def _escape(text: str) -> str:
    """``text`` as a literal in RE2 syntax: its special characters escaped, a line feed as
    ``\\n``, everything else as it is (readable in the policy file)."""
    return "".join("\\n" if c == "\n" else "\\" + c if c in _SPECIAL else c for c in text)


def _toml(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
