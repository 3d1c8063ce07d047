"""OpenAI request bodies: Responses (``instructions``, ``input``) and Chat Completions
(``messages``), told apart by their fields.  No SDK import: bodies are plain dicts.

Mapping onto layers (SPEC.md 9; :class:`~prefixlib.adapters.LayerMap`): ``instructions``
and ``system`` messages are the base layer, ``developer`` messages the developer layer (the
first system or developer message is the base when there are no instructions, as Codex
sends its base prompt as the first ``developer`` item), the startup user parts of a coding
agent the project layer, ``tools`` the tools layer.  The first part that is none of these,
and everything after it, is conversation: never rewritten, never reordered.

The cache fields are those of OpenAI's prompt caching guide,
https://developers.openai.com/api/docs/guides/prompt-caching, as the ``openai`` package
(3.57) documents them in ``types/responses/response_create_params.py`` and
``types/chat/completion_create_params.py``:

- ``prompt_cache_key``: routes requests that share it to the same cache machines; the
  Responses API refuses one longer than 64 characters.  The guide puts the overflow at
  roughly 15 requests per minute per prefix and key: beyond that, requests spill to other
  machines, which ``shards`` spreads over N keys on purpose.
- ``prompt_cache_retention`` (``"in_memory"`` or ``"24h"``): deprecated in favour of
  ``prompt_cache_options.ttl``, still accepted.
- ``prompt_cache_options`` (``gpt-5.6`` and later): ``mode`` (``"implicit"``, the default,
  or ``"explicit"``: no implicit breakpoint) and ``ttl`` (Responses ``"30m"`` or ``"12h"``;
  Chat Completions ``"30m"`` only).
- ``prompt_cache_breakpoint`` on a content block (``gpt-5.6`` and later):
  ``{"mode": "explicit"}`` with an optional ``ttl``, "marks the exact end of a reusable
  prompt prefix"; a request writes at most four breakpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import blake3

from prefixlib.adapters._openai_split import CHAT_ONLY, split, split_chat, split_responses
from prefixlib.adapters._parts import Boundary, LayerMap, Split, get_at
from prefixlib.adapters._prepare import Prepared, rewrite
from prefixlib.errors import ArgumentError, PrefixlibError
from prefixlib.model import LAYERS, LayerName
from prefixlib.policy import Policy

__all__ = [
    "CHAT_ONLY",
    "MAX_KEY_LENGTH",
    "MAX_SHARDS",
    "prepare",
    "shard_key",
    "split",
    "split_chat",
    "split_responses",
]

#: The longest ``prompt_cache_key`` the Responses API accepts.
MAX_KEY_LENGTH: Final = 64
#: The most shards :func:`shard_key` spreads a key over (a suffix of at most 6 digits).
MAX_SHARDS: Final = 1_000_000
#: The derive-key context of the shard hash (globally unique, application specific).
SHARD_CONTEXT: Final = "prefixlib 2026-11-30 adapters openai prompt_cache_key shard"

Ttl = Literal["30m", "12h"]


def shard_key(key: str, *, shards: int, session: str) -> str:
    """``key`` with the suffix ``_N`` of its shard: a stable hash of ``session`` modulo N.

    So each session stays on one shard while the sessions of one prefix spread over
    ``shards`` keys (README "Adapters").  The result is at most 64 characters.
    """
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
        raise ArgumentError(f"shards must be an integer from 1 to {MAX_SHARDS}, not {shards!r}")
    if shards == 1:
        return key
    if not isinstance(session, str) or not session:
        raise ArgumentError("shards > 1 needs session=, a non-empty id of the caller's session")
    digest = blake3.blake3(session.encode("utf-8"), derive_key_context=SHARD_CONTEXT).digest(8)
    sharded = f"{key}_{int.from_bytes(digest, 'big') % shards}"
    if len(sharded) > MAX_KEY_LENGTH:
        raise PrefixlibError(
            f"the sharded key is {len(sharded)} characters, over OpenAI's {MAX_KEY_LENGTH}"
        )
    return sharded


def _bindings_message(kind: str, text: str, role: str) -> dict[str, Any]:
    """The bindings as a message of their own (SPEC.md 9.5)."""
    if kind == "responses":
        return {"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]}
    return {"role": role, "content": text}


def _bindings_block(kind: str, text: str) -> dict[str, Any]:
    """The bindings as a content block of the message the user's turn shares (SPEC.md 9.5)."""
    return {"type": "input_text" if kind == "responses" else "text", "text": text}


def prepare(
    request: Mapping[str, Any],
    *,
    layer_map: LayerMap | None = None,
    layer: LayerName = "tools",
    override: bool = False,
    shards: int = 1,
    session: str | None = None,
    breakpoint: bool = False,
    breakpoint_ttl: Ttl | None = None,
    cache_mode: Literal["implicit", "explicit"] | None = None,
    cache_ttl: Ttl | None = None,
    retention: Literal["in_memory", "24h"] | None = None,
    bindings_role: Literal["user", "developer", "system"] = "user",
    roots: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    namespace: str | None = None,
    secret: bytes | None = None,
    memo: bool = True,
) -> Prepared:
    """A cache-friendly copy of a Responses or Chat Completions body (SPEC.md 9; README
    "Adapters").

    The stable prefix is rewritten canonically, the tools in canonical order; the
    bindings follow it as a message of their own (``bindings_role``), or as a content
    block of the message where the user's turn begins.  ``prompt_cache_key`` is set to
    the key of ``layer`` (the whole prefix by default; ``"developer"`` for a shallower
    layer that more sessions share), with ``shards > 1`` the key of the shard of
    ``session``; a key, retention or cache options the caller set are kept unless
    ``override``.  ``breakpoint`` puts ``prompt_cache_breakpoint`` on the last text
    block of the stable prefix (gpt-5.6 and later); ``cache_mode``, ``cache_ttl`` and
    ``retention`` set ``prompt_cache_options`` and ``prompt_cache_retention``.
    ``roots``, ``policy``, ``namespace``, ``secret`` and ``memo`` are passed on to
    :func:`~prefixlib.canonicalize`.
    """
    _check_options(
        layer=(layer, LAYERS),
        breakpoint_ttl=(breakpoint_ttl, (None, "30m", "12h")),
        cache_mode=(cache_mode, (None, "implicit", "explicit")),
        cache_ttl=(cache_ttl, (None, "30m", "12h")),
        retention=(retention, (None, "in_memory", "24h")),
        bindings_role=(bindings_role, ("user", "developer", "system")),
    )
    found = split(request, layer_map=layer_map, policy=policy)
    editor, prefix, sent = rewrite(
        request, found, roots=roots, policy=policy, namespace=namespace, secret=secret, memo=memo
    )
    notes: list[str] = []
    if breakpoint:
        _place_breakpoint(editor, found, breakpoint_ttl, notes)
    bindings = prefix.render_bindings()
    if bindings:
        _insert_bindings(editor, found, bindings, bindings_role)
    key = shard_key(prefix.layer_keys[layer], shards=shards, session=session or "")
    new = editor.root
    if new.get("prompt_cache_key") and not override:
        notes.append("kept the caller's prompt_cache_key (override=True replaces it)")
    else:
        new["prompt_cache_key"] = key
    if retention is not None:
        _set_field(new, "prompt_cache_retention", retention, override, notes)
    if cache_mode is not None or cache_ttl is not None:
        _set_cache_options(editor, cache_mode, cache_ttl, override, notes)
    return Prepared(
        request=new,
        prefix=prefix,
        split=found,
        stable_texts=tuple(sent),
        prompt_cache_key=new["prompt_cache_key"],
        notes=tuple(notes),
    )


def _check_options(**options: tuple[object, tuple[object, ...]]) -> None:
    """Each option is one of its documented values."""
    for name, (value, allowed) in options.items():
        if value not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            raise ArgumentError(f"{name} must be one of {shown}, not {value!r}")


def _set_field(
    new: dict[str, Any], name: str, value: object, override: bool, notes: list[str]
) -> None:
    """Set a cache field, or keep the caller's (unless ``override``) and say so."""
    if new.get(name) is not None and not override:
        notes.append(f"kept the caller's {name} (override=True replaces it)")
    else:
        new[name] = value


def _set_cache_options(
    editor: Any, mode: str | None, ttl: str | None, override: bool, notes: list[str]
) -> None:
    """``prompt_cache_options``' ``mode`` and ``ttl`` (gpt-5.6 and later), each kept where
    the caller set it unless ``override``."""
    root = editor.root
    if not isinstance(root.get("prompt_cache_options"), dict):
        root["prompt_cache_options"] = {}
    options = editor.mutable(("prompt_cache_options",))
    for name, value in (("mode", mode), ("ttl", ttl)):
        if value is not None:
            _set_field(options, name, value, override, notes)


def _place_breakpoint(editor: Any, found: Split, ttl: str | None, notes: list[str]) -> None:
    """``prompt_cache_breakpoint`` on the last text block of the stable prefix.

    A request writes at most four breakpoints (the ``openai`` package's
    ``PromptCacheOptions``): with four already set, none is added.  A text given as a
    plain string is turned into one text block to carry it.
    """
    if found.breakpoints >= 4:
        notes.append("no prompt_cache_breakpoint added: the request already has 4")
        return
    text_parts = [part for part in found.parts if part.path[0] != "instructions"]
    if not text_parts:
        notes.append("no prompt_cache_breakpoint added: the stable prefix has no content block")
        return
    mark: dict[str, Any] = {"mode": "explicit"}
    if ttl is not None:
        mark["ttl"] = ttl
    last = text_parts[-1]  # parts are in request order
    if last.path[-1] == "text":  # a block: mark it
        editor.set((*last.path[:-1], "prompt_cache_breakpoint"), mark)
        return
    block_type = "input_text" if found.kind == "responses" else "text"
    text = get_at(editor.root, last.path)
    editor.set(last.path, [{"type": block_type, "text": text, "prompt_cache_breakpoint": mark}])


def _insert_bindings(editor: Any, found: Split, text: str, role: str) -> None:
    """The bindings right after the stable prefix, before the conversation (SPEC.md 5.9, 9.5)."""
    if found.bindings_at is not None:  # an earlier preparation's: replaced
        at = found.bindings_at
        block = len(at) > 1 and at[-2] == "content"
        new = (
            _bindings_block(found.kind, text)
            if block
            else _bindings_message(found.kind, text, role)
        )
        editor.set(at, new)
        return
    boundary = found.boundary or Boundary(("input",), 0, whole=True)
    if found.kind == "responses" and not isinstance(editor.root.get("input"), list):
        turn = editor.root.get("input")
        editor.root["input"] = [] if turn is None else [{"role": "user", "content": turn}]
        boundary = Boundary(("input",), 0, whole=True)
    if boundary.whole:
        editor.insert(boundary.path, boundary.index, _bindings_message(found.kind, text, role))
    else:
        editor.insert(boundary.path, boundary.index, _bindings_block(found.kind, text))
