"""Volatile values: scan every text layer, gather roots, hoist into bindings (SPEC.md 5).

Runs after the text and ordering rules.  Two passes: the first scans each
layer and collects the roots the text declares (a cwd, a workspace, the Codex
AGENTS.md header); the second finds every occurrence of every root, given or
declared, in every layer, and rewrites the layers in order with one
:class:`~prefixlib.rules.placeholders.Hoister`, so placeholders are numbered
across the whole prefix.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from prefixlib.errors import PrefixlibError
from prefixlib.model import Binding, LayerName
from prefixlib.policy import Policy, UserPattern
from prefixlib.rules import descriptions, paths
from prefixlib.rules.alternation import Candidate
from prefixlib.rules.context import Patterns
from prefixlib.rules.placeholders import (
    AUTOMATIC,
    NAME,
    PATH_ROOTS,
    Hoister,
    escape_pattern,
    find_forms,
    find_roots,
)
from prefixlib.rules.text import byte_spans

__all__ = ["hoist", "hoist_scanned", "patterns_for", "scan", "scan_tools"]


@functools.lru_cache(maxsize=16)
def patterns_for(policy: Policy) -> Patterns:
    """The compiled scan patterns of a policy (SPEC.md 5.2)."""
    return Patterns(
        escape=escape_pattern(policy.placeholder_style),
        context_tags=policy.context_tags,
        extra_labels=tuple((label, _kind(label)) for label in policy.hoist_labels),
        hoist_timestamps=policy.timestamps == "hoist",
        hoist_ids=policy.ids == "hoist",
        hoist_paths=policy.paths == "hoist",
    )


def _kind(label: str) -> str:
    """The placeholder kind of a policy label: ``shell`` -> ``SHELL`` (SPEC.md 7.2)."""
    kind = re.sub(r"[^A-Z0-9]+", "_", label.upper()).strip("_")
    return kind if re.fullmatch(NAME, kind) else f"X_{kind}"


@dataclass(slots=True)
class _Layer:
    text: bytes
    candidates: Sequence[Candidate]


def scan(data: bytes, code: Sequence[tuple[int, int]], policy: Policy) -> list[Candidate]:
    """Pass 1 over one canonical text layer (UTF-8, its code as byte ranges): every
    candidate its context allows (SPEC.md 5.2).  It reads this layer alone."""
    candidates = list(patterns_for(policy).scan(data, code))
    if policy.patterns:
        text = data.decode("utf-8")
        for user in policy.patterns:
            candidates.extend(_user_candidates(user, text, code))
    return candidates


def _user_candidates(
    user: UserPattern, text: str, code: Sequence[tuple[int, int]]
) -> list[Candidate]:
    """A policy's own pattern, in prose or anywhere as its ``context`` says (SPEC.md 7.2).

    ``code`` holds byte ranges, as the candidates do.
    """
    compiled = user.compiled  # RE2: linear time in the text
    if user.context != "prose":
        code = []
    group = compiled.groupindex.get("value", 0)
    spans = byte_spans(text, [match.span(group) for match in compiled.finditer(text)])
    return [
        Candidate("label", user.name, start, end)
        for start, end in spans
        if start < end and not any(s <= start < e for s, e in code)
    ]


def _declared_roots(layer: _Layer) -> Iterator[tuple[bytes, str]]:
    """The roots a layer declares: labelled working dirs, temp dirs, homes (SPEC.md 5.4.3)."""
    for c in layer.candidates:
        if c.role == "label" and c.kind in PATH_ROOTS:
            value = paths.root_value(layer.text[c.start : c.end])
            if value is not None:
                yield value, c.kind


def scan_tools(tools: bytes, policy: Policy) -> list[Candidate] | None:
    """The candidates in the descriptions of the canonical tools layer (SPEC.md 5.10), or
    None where the policy keeps time values."""
    if policy.timestamps != "hoist" or not tools:
        return None
    return list(descriptions.patterns(policy.placeholder_style).scan(tools))


def hoist(
    layers: Mapping[LayerName, bytes],
    *,
    code: Mapping[LayerName, list[tuple[int, int]]],
    policy: Policy,
    roots: Mapping[str, str] | None,
    tools: bytes = b"",
) -> tuple[dict[LayerName, bytes], list[Binding]]:
    """Hoist the volatile values of the canonical text layers (UTF-8), and the time values of
    the canonical tools layer's descriptions (SPEC.md 5.10); return the layers, ``tools``
    among them, and the bindings.  ``code`` gives each layer's code as byte ranges (3.4).
    """
    scanned = {name: (data, scan(data, code[name], policy)) for name, data in layers.items()}
    in_tools = scan_tools(tools, policy)
    return hoist_scanned(scanned, tools=(tools, in_tools), policy=policy, roots=roots)


def hoist_scanned(
    layers: Mapping[LayerName, tuple[bytes, Sequence[Candidate]]],
    *,
    tools: tuple[bytes, Sequence[Candidate] | None],
    policy: Policy,
    roots: Mapping[str, str] | None,
) -> tuple[dict[LayerName, bytes], list[Binding]]:
    """:func:`hoist` of layers already scanned, each with its candidates (:func:`scan`), and
    the tools layer with :func:`scan_tools`'s: pass 2, across the whole prefix (SPEC.md 5)."""
    scanned = {name: _Layer(data, candidates) for name, (data, candidates) in layers.items()}
    fixed = _given_roots(roots)
    every_root = dict.fromkeys((value, "ROOT") for value in fixed)
    for layer in scanned.values():
        every_root.update(dict.fromkeys(_declared_roots(layer)))
    hoister = Hoister(
        style=policy.placeholder_style,
        slash_windows=policy.windows_separators == "slash",
        fixed=fixed,
    )
    forms = _derived(every_root)
    out: dict[LayerName, bytes] = {}
    for name, layer in scanned.items():
        occurrences = find_roots(layer.text, every_root) if every_root else []
        if forms:
            occurrences += find_forms(layer.text, forms.items())
        out[name] = hoister.rewrite(layer.text, [*layer.candidates, *occurrences])
    data, candidates = tools
    out["tools"] = data if candidates is None else hoister.rewrite(data, candidates)
    return out, hoister.bindings


def _derived(roots: Collection[tuple[bytes, str]]) -> dict[bytes, str]:
    """The derived forms of every root, each with its kind (SPEC.md 5.4.6); a form that is
    itself a root is found as that root."""
    forms: dict[bytes, str] = {}
    values = {value for value, _ in roots}
    for value, kind in roots:
        for form, form_kind in paths.derived_forms(value):
            if form not in values:
                forms.setdefault(form, form_kind or kind)
    return forms


def _given_roots(roots: Mapping[str, str] | None) -> dict[bytes, str]:
    """The caller's roots as ``value -> placeholder name`` (SPEC.md 5.4.3).

    A root name never has the form of an automatic placeholder name (``DATE_1``,
    ``ROOT_2``): the two name spaces never meet, so no two values share a placeholder.
    """
    fixed: dict[bytes, str] = {}
    for name, path in (roots or {}).items():
        if not isinstance(name, str) or not re.fullmatch(NAME, name):
            raise PrefixlibError(f"root name {name!r} must match {NAME}")
        if re.fullmatch(AUTOMATIC, name):
            raise PrefixlibError(
                f"root name {name!r} has the form KIND_N of an automatic placeholder;"
                " a root name must not end in _ and digits"
            )
        if not isinstance(path, str):
            raise TypeError(f"root {name} must be a str path, not {type(path).__name__}")
        value = paths.root_value(path.encode("utf-8"))
        if value is None:
            raise PrefixlibError(f"root {name}={path!r} is not a directory path")
        fixed[value] = name
    return fixed
