"""The pipeline: runs the rules in the one canonical order (SPEC.md 2).

It holds no rule logic of its own: the order of the rules is the table below,
and :func:`canonicalize` validates its arguments once, runs each layer through
the table, and folds the results into the key chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Final

from prefixlib.changes import diff
from prefixlib.errors import PrefixlibError
from prefixlib.key import SPEC_VERSION, LayerChain, check_secret
from prefixlib.memo import Memo, memo_key
from prefixlib.model import LAYERS, CanonicalPrefix, Change, LayerName
from prefixlib.policy import Policy
from prefixlib.rules import text as t
from prefixlib.rules.ordering import sort_unordered
from prefixlib.rules.placeholders import restore
from prefixlib.rules.tools import Tools, canonical_tools
from prefixlib.rules.volatile import hoist

__all__ = ["cache_key", "canonical_text", "canonicalize", "derive_keys"]

Rule = Callable[[str], str]

#: The policy of a call that names none; one instance, so its fingerprint is computed once.
DEFAULT_POLICY: Final = Policy()
#: The memo :func:`canonicalize` uses unless called with ``memo=False``.
MEMO: Final = Memo()

#: Rules over the whole layer, in order (SPEC.md 3.2-3.3).
WHOLE_RULES: Final[tuple[tuple[str, Rule], ...]] = (
    ("bom", t.strip_bom),
    ("line-endings", t.normalize_line_endings),
    ("nfc", t.normalize_unicode),
)
#: Rules over each prose segment, in order, after fences are found (SPEC.md 3.5-3.7).
PROSE_RULES: Final[tuple[tuple[str, Rule], ...]] = (
    ("invisible", t.drop_invisible),
    ("trailing-whitespace", t.strip_trailing_whitespace),
    ("blank-lines", t.collapse_blank_lines),
)
#: The last rule over the whole layer (SPEC.md 3.8).
FINAL_RULE: Final[tuple[str, Rule]] = ("trim", t.trim_layer)


def _clean_prose(prose: str) -> str:
    for _, rule in PROSE_RULES:
        prose = rule(prose)
    return prose


#: Stands for a code segment while the prose rules run over a whole layer at once.
_CODE: Final = "\ue000"


def canonical_text(text: str) -> str:
    """The canonical form of one text layer (SPEC.md 3)."""
    return text_stage(text)[0]


def text_stage(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The canonical form of one text layer, and where its code is (character ranges)."""
    for _, rule in WHOLE_RULES:
        text = rule(text)
    segments = t.split_fences(text)
    if len(segments) == 1:
        pieces = [_clean_prose(text)]
    elif _CODE not in text:
        pieces = _clean_around_code(segments)
    else:
        pieces = [s.text if s.is_code else _clean_prose(s.text) for s in segments]
    # pieces alternate prose, code, prose, ...: code is at the odd places
    code, pos = [], 0
    for index, piece in enumerate(pieces):
        if index % 2:
            code.append((pos, pos + len(piece)))
        pos += len(piece)
    text = "".join(pieces)
    start, end = t.trim_bounds(text)
    trimmed = t.trim_to(text, start, end)  # FINAL_RULE, with the bounds the code ranges need
    code = [(max(s - start, 0), min(e, end + 1) - start) for s, e in code if min(e, end) > s]
    return trimmed, code


def _clean_around_code(segments: list[t.Segment]) -> list[str]:
    """The prose rules over a whole layer, each code segment held out as one sentinel line.

    Equal to cleaning each prose segment alone: opener and closer lines are
    prose, so no blank run or trailing whitespace touches a code boundary, and
    the sentinel (U+E000, not in the layer) is a line no prose rule changes.
    It saves a Python call per rule per segment.  Returns prose and code pieces
    alternately.
    """
    code = [s.text for s in segments if s.is_code]
    held = "".join(
        (_CODE + "\n" if s.text.endswith("\n") else _CODE) if s.is_code else s.text
        for s in segments
    )
    parts = _clean_prose(held).split(_CODE)
    out = [parts[0]]
    for body, after in zip(code, parts[1:], strict=True):
        out += [body, after[1:] if body.endswith("\n") else after]
    return out


def _stages(text: str) -> Iterator[tuple[str, str, str]]:
    """Yield ``(rule, before, after)`` per rule, in the order :func:`canonical_text` runs them."""
    for rule_id, rule in WHOLE_RULES:
        before, text = text, rule(text)
        yield rule_id, before, text
    segments = t.split_fences(text)
    for rule_id, rule in PROSE_RULES:
        before = text
        segments = [s if s.is_code else t.Segment(rule(s.text), False) for s in segments]
        text = t.join_segments(segments)
        yield rule_id, before, text
    rule_id, rule = FINAL_RULE
    yield rule_id, text, rule(text)


def _ordered(text: str, policy: Policy) -> str:
    """Sort declared-unordered lists unless the policy keeps them (SPEC.md 3.9)."""
    if policy.unordered == "keep":
        return text
    return sort_unordered(text, markers=policy.unordered_markers)


def explain_text(layer: LayerName, text: str) -> list[Change]:
    """The changes each rule makes to one text layer, in rule order (SPEC.md 3)."""
    return [
        change
        for rule, before, after in _stages(text)
        if before != after
        for change in diff(rule, layer, before, after)
    ]


def _text_argument(value: object, layer: LayerName) -> str:
    """Validate one text layer argument: ``None``, ``str`` or UTF-8 ``bytes`` (SPEC.md 3.1)."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return t.decode(bytes(value), source=layer)
    if isinstance(value, str):
        t.check_encodable(value, source=layer)
        return value
    raise TypeError(f"{layer} must be str, bytes or None, not {type(value).__name__}")


def canonicalize(
    *,
    base: str | bytes | None = None,
    developer: str | bytes | None = None,
    project: str | bytes | None = None,
    tools: Tools | None = None,
    roots: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    namespace: str | None = None,
    secret: bytes | None = None,
    memo: bool = True,
) -> CanonicalPrefix:
    """Canonicalise a startup prefix and derive its layered cache keys.

    Each text layer is ``str``, UTF-8 ``bytes`` or ``None`` (empty); ``tools``
    is a sequence of tool definitions, an object with a ``"tools"`` array, or
    JSON text of either.  ``namespace`` (a tenant, model or deployment) and
    ``secret`` (32 bytes) are folded into every key (SPEC.md 6.3).  With
    ``memo`` (the default), a call with the same raw input as an earlier one
    in this process returns that call's result.  Raises
    :class:`~prefixlib.PrefixlibError` for bad input.
    """
    policy = DEFAULT_POLICY if policy is None else policy
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a prefixlib.Policy, not {type(policy).__name__}")
    if namespace is not None and not isinstance(namespace, str):
        raise TypeError(f"namespace must be str or None, not {type(namespace).__name__}")
    if secret is not None:
        check_secret(secret)
    key = None
    if memo:
        key = memo_key(
            {"base": base, "developer": developer, "project": project, "tools": tools},
            policy_fingerprint=policy.fingerprint,
            namespace=namespace or "",
            secret=secret,
            roots=roots,
        )
        found = None if key is None else MEMO.get(key)
        if found is not None:
            return found
    result = _canonicalize(
        base,
        developer,
        project,
        tools,
        roots=roots,
        policy=policy,
        namespace=namespace,
        secret=secret,
    )
    if key is not None:
        MEMO.put(key, result, size=2 * sum(len(text) for text in result.layers.values()))
    return result


def _canonicalize(
    base: object,
    developer: object,
    project: object,
    tools: Tools | None,
    *,
    roots: Mapping[str, str] | None,
    policy: Policy,
    namespace: str | None,
    secret: bytes | None,
) -> CanonicalPrefix:
    """The work of :func:`canonicalize`, on validated options (SPEC.md 2)."""
    raw: dict[LayerName, str] = {
        "base": _text_argument(base, "base"),
        "developer": _text_argument(developer, "developer"),
        "project": _text_argument(project, "project"),
    }
    texts: dict[LayerName, str] = {}
    code: dict[LayerName, list[tuple[int, int]] | None] = {}
    for name, text in raw.items():
        canonical, code[name] = text_stage(text)
        texts[name] = _ordered(canonical, policy)
        if texts[name] is not canonical:
            code[name] = None  # lines moved: hoisting finds the code again
    hoisted, bindings = hoist(texts, code=code, policy=policy, roots=roots)
    layers: dict[LayerName, str] = {name: data.decode("utf-8") for name, data in hoisted.items()}
    layers["tools"] = canonical_tools(tools, sort=policy.tools == "sort")
    chain = LayerChain(
        policy_fingerprint=policy.fingerprint, namespace=namespace or "", secret=secret
    )
    encoded = {**hoisted, "tools": layers["tools"].encode("utf-8")}
    layer_keys = chain.keys((name, encoded[name]) for name in LAYERS)
    style, slash = policy.placeholder_style, policy.windows_separators == "slash"

    def explain() -> tuple[Change, ...]:
        changes: list[Change] = []
        for name, text in raw.items():
            changes += explain_text(name, text)
            normal = canonical_text(text)
            changes += diff("unordered", name, normal, texts[name])
            changes += diff("volatile", name, texts[name], layers[name])
        return tuple(changes)

    def restored() -> dict[LayerName, str]:
        return {
            name: restore(layers[name], bindings, style=style, slash_windows=slash) for name in raw
        }

    return CanonicalPrefix.build(
        layers=layers,
        layer_keys=layer_keys,
        bindings={b.placeholder: b.value for b in bindings},
        spec=SPEC_VERSION,
        explain=explain,
        restore=restored,
    )


def cache_key(
    *,
    base: str | bytes | None = None,
    developer: str | bytes | None = None,
    project: str | bytes | None = None,
    tools: Tools | None = None,
    roots: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    namespace: str | None = None,
    secret: bytes | None = None,
    memo: bool = True,
) -> str:
    """The cache key of a prefix: ``canonicalize(...).key``."""
    return canonicalize(
        base=base,
        developer=developer,
        project=project,
        tools=tools,
        roots=roots,
        policy=policy,
        namespace=namespace,
        secret=secret,
        memo=memo,
    ).key


def derive_keys(
    layers: Mapping[str, str],
    *,
    policy: Policy | None = None,
    namespace: str | None = None,
    secret: bytes | None = None,
) -> dict[LayerName, str]:
    """The layer keys of layers that are already canonical, such as a stored ``cp.layers``.

    Frames and hashes only (SPEC.md 6), so it runs near BLAKE3's speed; it does
    not check that the layers are canonical.  A missing layer is empty.  The
    policy must be the one the layers were canonicalised with: its fingerprint
    is part of every key.
    """
    policy = DEFAULT_POLICY if policy is None else policy
    unknown = set(layers) - set(LAYERS)
    if unknown:
        raise PrefixlibError(
            f"unknown layer {sorted(unknown)[0]!r}: layers are {', '.join(LAYERS)}"
        )
    if secret is not None:
        check_secret(secret)
    chain = LayerChain(
        policy_fingerprint=policy.fingerprint, namespace=namespace or "", secret=secret
    )
    return chain.keys((name, layers.get(name, "").encode("utf-8")) for name in LAYERS)
