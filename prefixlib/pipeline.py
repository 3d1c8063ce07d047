"""The pipeline: runs the rules in the one canonical order (SPEC.md 2).

It holds no rule logic of its own.  The order of the text rules is the tables below,
which :func:`stepwise_text` and ``changes`` run one rule at a time; the hot path,
:func:`text_stage`, applies the same rules in one scan of each layer
(:mod:`~prefixlib.rules.text_scan`) and takes the tables only where that scan cannot.
:func:`canonicalize` validates its arguments once, runs each layer through the text,
ordering and volatile rules, and folds the results into the key chain.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator, Mapping
from typing import Final, NamedTuple, cast

from prefixlib.changes import diff
from prefixlib.errors import ArgumentError, EncodingError, InputError
from prefixlib.key import SPEC_VERSION, LayerChain, check_secret
from prefixlib.memo import Keyed, Memo, keyed_layers, layer_key, memo_key
from prefixlib.model import LAYERS, CanonicalPrefix, Change, LayerName
from prefixlib.policy import Policy
from prefixlib.rules import text as t
from prefixlib.rules.alternation import Candidate
from prefixlib.rules.descriptions import restore_tools
from prefixlib.rules.ordering import sort_unordered
from prefixlib.rules.placeholders import restore
from prefixlib.rules.text_scan import Scanned, scan_layer
from prefixlib.rules.tools import Tools, tools_layer
from prefixlib.rules.volatile import hoist_scanned, scan, scan_tools
from prefixlib.utf8 import utf8

__all__ = ["cache_key", "canonical_text", "canonicalize", "derive_keys"]

Rule = Callable[[str], str]


class _Prepared(NamedTuple):
    """One layer after the rules that read it alone: its canonical bytes before hoisting
    (the text and ordering rules, SPEC.md 3; or canonical JSON, SPEC.md 4) and its
    candidates for hoisting (pass 1 of SPEC.md 5; None for tools whose time values stay)."""

    data: bytes
    candidates: tuple[Candidate, ...] | None


#: The policy of a call that names none; one instance, so its fingerprint is computed once.
DEFAULT_POLICY: Final = Policy()
#: The memo :func:`canonicalize` uses unless called with ``memo=False``.
MEMO: Final[Memo[CanonicalPrefix]] = Memo()
#: The work on single layers (:func:`_prepared`), which a new prefix shares with earlier ones
#: where it sends some of their layers again (base instructions and tools, in a new session).
#: A layer of 2 MB or more is not kept (Memo.put: over a quarter of its bytes, counted twice).
LAYER_MEMO: Final[Memo[_Prepared]] = Memo(max_entries=256, max_bytes=16 * 1024 * 1024)

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


def canonical_text(text: str) -> str:
    """The canonical form of one text layer (SPEC.md 3)."""
    return text_stage(text).text.decode("utf-8")


def text_stage(text: str, *, source: str = "text") -> Scanned:
    """The canonical UTF-8 bytes of one text layer, where its code is, and whether it may
    declare an unordered list (SPEC.md 3.2-3.8).

    One scan applies the rules of SPEC.md 3.4-3.8 (:mod:`~prefixlib.rules.text_scan`),
    and NFC only if it finds a character NFC may change; a layer with an invisible
    character takes the rule functions one by one (:func:`stepwise_text`).  A lone
    surrogate is an :class:`~prefixlib.EncodingError` naming ``source`` (SPEC.md 3.1).
    """
    original = text
    text = t.normalize_line_endings(t.strip_bom(text))  # WHOLE_RULES but NFC (SPEC.md 3.2)
    data = _encode(text, original, source)
    # NFC (SPEC.md 3.3) only where the scan finds a character it may change
    scanned = scan_layer(data, normalized=text.isascii())
    if scanned == "nfc":
        text = t.normalize_unicode(text)
        scanned = scan_layer(text.encode("utf-8"))
    if isinstance(scanned, Scanned):
        return scanned
    text = stepwise_text(text)
    return Scanned(text.encode("utf-8"), code_ranges(text), may_declare=True)


def utf8_stage(data: bytes, *, source: str = "text") -> Scanned:
    """:func:`text_stage` of a layer given as UTF-8 ``bytes``, without a ``str`` of it.

    A ``str`` of mostly-ASCII text with a few typographic characters takes two or four
    bytes a character, so decoding a large layer only to encode it again held several
    times its size at once.  Here the rules of SPEC.md 3.2 run on the bytes (a BOM and CR
    are ASCII-compatible in UTF-8), and the scan reads them directly; only a layer NFC may
    change or with an invisible character is decoded, as :func:`text_stage` would.  Invalid
    UTF-8 is an :class:`~prefixlib.EncodingError` naming ``source`` (SPEC.md 3.1).
    """
    _check_utf8(data, source)
    start = 0
    while data.startswith(_BOM, start):  # SPEC.md 3.2: every leading U+FEFF
        start += len(_BOM)
    if start:
        data = data[start:]
    if b"\r" in data:  # SPEC.md 3.2
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    scanned = scan_layer(data, normalized=data.isascii())
    if isinstance(scanned, Scanned):
        return scanned
    return text_stage(data.decode("utf-8"), source=source)


_BOM: Final = "\ufeff".encode()
#: Bytes decoded at a time to check a layer's UTF-8 without a ``str`` of all of it.
_CHECK_CHUNK: Final = 1 << 20


def _check_utf8(data: bytes, source: str) -> None:
    """Raise :class:`~prefixlib.EncodingError` where ``data`` is not UTF-8 (SPEC.md 3.1),
    decoding a chunk at a time so that no ``str`` of the whole layer is made."""
    if data.isascii():
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _CHECK_CHUNK):
            decoder.decode(view[start : start + _CHECK_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        t.decode(data, source=source)  # raises, naming the line and column
        raise


def _encode(text: str, original: str, source: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate is an error at its place in ``original`` (3.1)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        t.check_encodable(original, source=source)  # raises, naming the line and column
        raise


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


def stepwise_text(text: str) -> str:
    """The canonical form of one text layer by the rule functions, one rule at a time.

    The reference for :func:`canonical_text`, which applies SPEC.md 3.4-3.8 in one scan.
    """
    *_, (_, _, canonical) = _stages(text)
    return canonical


def _ordered(scanned: Scanned, policy: Policy) -> Scanned:
    """Sort declared-unordered lists unless the policy keeps them (SPEC.md 3.9).

    The text scan tells whether a built-in lead-in phrase or the marker may occur; a
    layer with none keeps its bytes and code ranges.  If lines move, the code is found anew.
    """
    if policy.unordered == "keep" or not (scanned.may_declare or policy.unordered_markers):
        return scanned
    text = scanned.text.decode("utf-8")
    ordered = sort_unordered(text, markers=policy.unordered_markers)
    if ordered == text:
        return scanned
    return Scanned(ordered.encode("utf-8"), code_ranges(ordered), may_declare=True)


def _prepared(
    name: LayerName, value: object, policy: Policy, keyed: Mapping[str, Keyed] | None
) -> _Prepared:
    """The work on one raw layer that reads that layer alone (SPEC.md 3, 4 and pass 1 of 5),
    from the layer memo where it holds this layer under this policy (``keyed``: memo on)."""
    key = None if keyed is None else layer_key(keyed[name], policy_fingerprint=policy.fingerprint)
    found = None if key is None else LAYER_MEMO.get(key)
    if found is not None:
        return found
    if name == "tools":
        data = tools_layer(cast("Tools | None", value), sort=policy.tools == "sort")
        in_descriptions = scan_tools(data, policy)
        result = _Prepared(data, None if in_descriptions is None else tuple(in_descriptions))
    else:
        layer = _ordered(_stage(value, name), policy)
        result = _Prepared(layer.text, tuple(scan(layer.text, layer.code, policy)))
    if key is not None:
        LAYER_MEMO.put(key, result, size=2 * len(result.data) + 64 * len(result.candidates or ()))
    return result


def code_ranges(text: str) -> list[tuple[int, int]]:
    """Where the code of a canonical layer is, as UTF-8 byte ranges (SPEC.md 3.4)."""
    code, pos = [], 0
    for segment in t.split_fences(text):
        if segment.is_code and segment.text:
            code.append((pos, pos + len(segment.text)))
        pos += len(segment.text)
    return t.byte_spans(text, code)


def explain_text(layer: LayerName, text: str) -> list[Change]:
    """The changes each rule makes to one text layer, in rule order (SPEC.md 3)."""
    return [
        change
        for rule, before, after in _stages(text)
        if before != after
        for change in diff(rule, layer, before, after)
    ]


def _stage(value: object, name: LayerName) -> Scanned:
    """The text stage of one raw text layer argument; UTF-8 ``bytes`` are scanned as they
    are (:func:`utf8_stage`), anything else is validated and decoded first."""
    if type(value) is bytes:
        return utf8_stage(value, source=name)
    return text_stage(_text_argument(value, name), source=name)


def _text_argument(value: object, layer: LayerName) -> str:
    """Validate one text layer argument: ``None``, ``str`` or UTF-8 ``bytes`` (SPEC.md 3.1)."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return t.decode(bytes(value), source=layer)
    if isinstance(value, str):
        return value  # checked for lone surrogates when it is encoded (text_stage)
    raise ArgumentError(f"{layer} must be str, bytes or None, not {type(value).__name__}")


def _check_options(
    *,
    policy: object,
    namespace: object,
    secret: object,
    roots: object,
    memo: object = True,
) -> Policy:
    """Validate the options every public function shares, once, before any work; return
    the policy to use.  A wrong type is an :class:`~prefixlib.ArgumentError` naming it."""
    policy = DEFAULT_POLICY if policy is None else policy
    if not isinstance(policy, Policy):
        raise ArgumentError(f"policy must be a prefixlib.Policy, not {_kind(policy)}")
    if namespace is not None:
        if not isinstance(namespace, str):
            raise ArgumentError(f"namespace must be str or None, not {_kind(namespace)}")
        _check_text(namespace, "namespace")
    if secret is not None:
        check_secret(secret)
    if roots is not None:
        if not isinstance(roots, Mapping):
            raise ArgumentError(f"roots must be a mapping of name to path, not {_kind(roots)}")
        for name, path in roots.items():
            if not isinstance(name, str):
                raise ArgumentError(f"a root name must be str, not {_kind(name)}")
            if not isinstance(path, str):
                raise ArgumentError(f"root {name} must be a str path, not {_kind(path)}")
            _check_text(path, f"root {name}")
    if not isinstance(memo, bool):
        raise ArgumentError(f"memo must be True or False, not {_kind(memo)}")
    return policy


def _check_text(value: str, what: str) -> None:
    """A ``str`` option must encode as UTF-8: a lone surrogate is an error naming it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise EncodingError(
            f"lone surrogate U+{ord(value[e.start]):04X}", source=what, line=1, column=e.start + 1
        ) from None


def _kind(value: object) -> str:
    """A value's type in a message: ``list``, ``int``, ``NoneType``."""
    return type(value).__name__


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
    policy = _check_options(
        policy=policy, namespace=namespace, secret=secret, roots=roots, memo=memo
    )
    keyed = None
    if memo:
        raw = {"base": base, "developer": developer, "project": project, "tools": tools}
        keyed = keyed_layers(raw)
    key = None
    if keyed is not None:
        key = memo_key(
            keyed,
            policy_fingerprint=policy.fingerprint,
            namespace=namespace or "",
            secret=secret,
            roots=roots,
        )
        found = MEMO.get(key)
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
        keyed=keyed,
    )
    if key is not None:
        MEMO.put(key, result, size=2 * result.size)
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
    keyed: Mapping[str, Keyed] | None,
) -> CanonicalPrefix:
    """The work of :func:`canonicalize`, on validated options (SPEC.md 2); with the layers
    ``keyed`` (the memo is on), each layer's own work is looked up in the layer memo."""
    # The arguments as given, not decoded: the result's explain() and restore() keep them,
    # which costs nothing while the caller holds them too.
    # (A bytearray is copied, so that a later change to it changes nothing here.)
    given: tuple[tuple[LayerName, object], ...] = (
        ("base", base),
        ("developer", developer),
        ("project", project),
    )
    values = {name: bytes(v) if isinstance(v, bytearray) else v for name, v in given}
    prepared = {name: _prepared(name, value, policy, keyed) for name, value in values.items()}
    hoisted, bindings = hoist_scanned(
        {name: (layer.data, layer.candidates or ()) for name, layer in prepared.items()},
        tools=_prepared("tools", tools, policy, keyed),
        policy=policy,
        roots=roots,
    )
    del prepared  # not kept by the result (the layer memo keeps its own): explain() finds it
    encoded: dict[LayerName, bytes] = hoisted
    chain = LayerChain(
        policy_fingerprint=policy.fingerprint, namespace=namespace or "", secret=secret
    )
    layer_keys = chain.keys((name, encoded[name]) for name in LAYERS)
    style, slash = policy.placeholder_style, policy.windows_separators == "slash"

    def explain() -> tuple[Change, ...]:
        changes: list[Change] = []
        for name, value in values.items():
            text = _text_argument(value, name)
            changes += explain_text(name, text)
            normal = canonical_text(text)
            unordered = _ordered(text_stage(text, source=name), policy).text.decode("utf-8")
            changes += diff("unordered", name, normal, unordered)
            changes += diff("volatile", name, unordered, encoded[name].decode("utf-8"))
        return tuple(changes)

    def restored() -> dict[LayerName, str]:
        layers: dict[LayerName, str] = {
            name: restore(encoded[name].decode("utf-8"), bindings, style=style, slash_windows=slash)
            for name in values
        }
        layers["tools"] = restore_tools(encoded["tools"].decode("utf-8"), bindings, style=style)
        return layers

    return CanonicalPrefix.build(
        data=encoded,
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
    layers: Mapping[str, str | bytes],
    *,
    policy: Policy | None = None,
    namespace: str | None = None,
    secret: bytes | None = None,
    verify: bool = False,
) -> dict[LayerName, str]:
    """The layer keys of layers that are already canonical, such as a stored ``cp.layers``
    or ``cp.layer_bytes`` (``str`` or UTF-8 ``bytes``; a missing layer is empty).

    Frames and hashes only (SPEC.md 6), so it runs near BLAKE3's speed.  Without
    ``verify`` it does not check that the layers are canonical: text that is not
    gets keys that no :func:`canonicalize` call gives.  With ``verify=True`` it first
    checks that each text layer is valid UTF-8 and a fixed point of the text rules
    (SPEC.md 3.2-3.8) and that the tools layer is its own canonical JSON (SPEC.md 4),
    and raises :class:`~prefixlib.InputError` naming the first layer that is not.  The
    policy must be the one the layers were canonicalised with: its fingerprint is part
    of every key.
    """
    policy = _check_options(policy=policy, namespace=namespace, secret=secret, roots=None)
    if not isinstance(layers, Mapping):
        raise ArgumentError(f"layers must be a mapping of layer name to text, not {_kind(layers)}")
    for name, value in layers.items():
        if name not in LAYERS:
            raise ArgumentError(f"unknown layer {name!r}: layers are {', '.join(LAYERS)}")
        if not isinstance(value, str | bytes):
            raise ArgumentError(f"layer {name} must be str or bytes, not {_kind(value)}")
    if verify:
        _verify(layers, policy)
    chain = LayerChain(
        policy_fingerprint=policy.fingerprint, namespace=namespace or "", secret=secret
    )
    return chain.keys((name, _layer_data(layers.get(name, ""), name)) for name in LAYERS)


def _layer_data(value: str | bytes, name: LayerName) -> bytes | memoryview:
    """The bytes a stored layer is keyed by; a lone surrogate is an error at its place."""
    if isinstance(value, bytes):
        return value
    try:
        return utf8(value)
    except UnicodeEncodeError:
        t.check_encodable(value, source=name)  # raises, naming the line and column
        raise


def _verify(layers: Mapping[str, str | bytes], policy: Policy) -> None:
    """Raise for the first layer that is not in canonical form (``derive_keys(verify=True)``)."""
    for name in LAYERS:
        value = layers.get(name, "")
        text = t.decode(value, source=name) if isinstance(value, bytes) else value
        data = _layer_data(text, name)
        if name == "tools":
            canonical = tools_layer(text, sort=policy.tools == "sort") if text else b""
            if canonical != data:
                raise _not_canonical(name, data, canonical, "not its own canonical JSON")
            continue
        canonical = text_stage(text, source=name).text
        if canonical != data:
            raise _not_canonical(name, data, canonical, "the text rules change it")


def _not_canonical(
    name: LayerName, data: bytes | memoryview, canonical: bytes, why: str
) -> InputError:
    """The error of a layer that is not canonical, at its first byte that differs."""
    given = bytes(data)
    at = next((i for i, (a, b) in enumerate(zip(given, canonical, strict=False)) if a != b), None)
    at = min(len(given), len(canonical)) if at is None else at
    line = given.count(b"\n", 0, at) + 1
    column = len(given[given.rfind(b"\n", 0, at) + 1 : at].decode("utf-8", "replace")) + 1
    return InputError(f"not canonical: {why} (SPEC.md 3-4)", source=name, line=line, column=column)
