"""What every adapter's ``prepare`` does: canonicalise the split layers, write each part's
canonical text back into a new request, and put the tools in canonical order.

The provider modules add the bindings where their request shape wants them and set the
provider's cache fields (``prompt_cache_key``, ``cache_control``).
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

import orjson

from prefixlib.adapters._parts import Editor, Part, Split, get_at, unjoin_layer
from prefixlib.cacheability import Cacheability, assess
from prefixlib.errors import InputError
from prefixlib.model import CanonicalPrefix, Change, LayerName
from prefixlib.pipeline import canonicalize
from prefixlib.policy import Policy
from prefixlib.rules.tools import tool_name
from prefixlib.tokens import exact_counter

__all__ = ["Prepared", "rewrite", "sdk_kwargs"]


@dataclass(frozen=True, eq=False)
class Prepared:
    """A request made cache-friendly, and what was done to it.

    ``request`` is a new dict to send as is (``client.responses.create(**p.request)``);
    the caller's request is never mutated.  ``key`` and ``layer_keys`` are the stable
    prefix's keys (SPEC.md 6), ``bindings`` the session's values the bindings block
    carries, ``changes`` what the rules changed in each layer (SPEC.md 2),
    ``prompt_cache_key`` the value the request now carries (OpenAI; ``None`` for
    Anthropic), ``notes`` the adapter's decisions worth knowing (a caller's key kept,
    a breakpoint not added because four were set).
    """

    request: dict[str, Any]
    prefix: CanonicalPrefix
    split: Split
    stable_texts: tuple[str, ...]
    prompt_cache_key: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The request's shape: ``responses``, ``chat`` or ``messages``."""
        return self.split.kind

    @property
    def key(self) -> str:
        """The key of the whole stable prefix (``pl1_...``, 47 characters)."""
        return self.prefix.key

    @property
    def layer_keys(self) -> Mapping[LayerName, str]:
        """The key of the prefix up to each layer (SPEC.md 6.2)."""
        return self.prefix.layer_keys

    @property
    def bindings(self) -> Mapping[str, str]:
        """The placeholders of the stable prefix and this session's values (SPEC.md 5.9)."""
        return self.prefix.bindings

    @property
    def changes(self) -> tuple[Change, ...]:
        """What each rule changed, per layer (computed on first access)."""
        return self.prefix.changes

    def sdk_kwargs(self, create: Callable[..., Any]) -> dict[str, Any]:
        """``request`` as keyword arguments of an SDK method: ``create(**p.sdk_kwargs(create))``.

        The fields ``create`` takes are passed as themselves; the others (fields newer
        than the SDK, or a client's own, such as Codex's ``client_metadata``) go in
        ``extra_body``, which the ``openai`` and ``anthropic`` packages send as is.
        """
        return sdk_kwargs(self.request, create)

    @property
    def stable_prefix_bytes(self) -> int:
        """The UTF-8 length of the stable prefix as sent: its texts and its tools' JSON."""
        return sum(len(text.encode("utf-8")) for text in self.stable_texts)

    def cacheability(self, *, model: str | None = None) -> Cacheability:
        """The cacheability report of the stable prefix as sent (README "Cacheability
        report"), for ``model`` (by default the request's own ``model``)."""
        if model is None and isinstance(self.request.get("model"), str):
            model = self.request["model"]
        return assess(self.prefix, texts=self.stable_texts, model=model)

    @cached_property
    def stable_prefix_tokens(self) -> int | None:
        """The exact o200k_base token count of the stable prefix as sent (its texts and the
        tools' canonical JSON, counted one by one), or ``None`` without the ``tokens`` extra.

        Providers add a few tokens of framing per message and render tools in their own
        format, so this is the count of the content, not of the provider's prompt.
        """
        counter = exact_counter("o200k_base")
        if counter is None:
            return None
        return sum(counter(text) for text in self.stable_texts)


#: Arguments of the SDKs' methods that are not fields of the body.
SDK_OPTIONS: Final = frozenset({"extra_body", "extra_headers", "extra_query", "timeout"})


def sdk_kwargs(request: Mapping[str, Any], create: Callable[..., Any]) -> dict[str, Any]:
    """``request`` split into the keyword arguments ``create`` takes and ``extra_body``."""
    parameters = inspect.signature(create).parameters
    named = {
        name
        for name, parameter in parameters.items()
        if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    } - SDK_OPTIONS
    kwargs = {name: value for name, value in request.items() if name in named}
    extra = {name: value for name, value in request.items() if name not in named}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


def rewrite(
    request: Mapping[str, Any],
    split: Split,
    *,
    roots: Mapping[str, str] | None,
    policy: Policy | None,
    namespace: str | None,
    secret: bytes | None,
    memo: bool,
) -> tuple[Editor, CanonicalPrefix, list[str]]:
    """Canonicalise ``split``'s layers and write them back into a new request (SPEC.md 9.3,
    9.4); the options are :func:`~prefixlib.canonicalize`'s.

    Returns the editor holding the new request, the canonical prefix, and the stable
    prefix's texts as sent, in layer order then request order (the tools' canonical JSON
    last).  A part that canonicalises to nothing (it was blank) keeps its text.
    """
    prefix = canonicalize(
        **split.layers, roots=roots, policy=policy, namespace=namespace, secret=secret, memo=memo
    )
    editor = Editor(request)
    sent: list[str] = []
    by_layer: dict[str, list[Part]] = {}
    for part in split.parts:
        by_layer.setdefault(part.layer, []).append(part)
    for layer, parts in by_layer.items():
        pieces = unjoin_layer(prefix.layers[layer], len(parts))  # type: ignore[index]
        if pieces is None:  # cannot happen: check_parts refused the separator in a part
            raise InputError("the parts of the layer could not be told apart", source=layer)
        for part, piece in zip(parts, pieces, strict=True):
            if piece:
                editor.set(part.path, piece)
                sent.append(piece)
    tools_text = prefix.layers["tools"]
    if split.tools_paths and tools_text:
        _write_tools(editor, split, orjson.loads(prefix.layer_bytes["tools"]))
        sent.append(tools_text)
    return editor, prefix, sent


def _write_tools(editor: Editor, split: Split, tools: list[Any]) -> None:
    """The canonical tools back where they came from: each list gets its own tools, in
    canonical order (one list, the usual case, gets them all)."""
    if len(split.tools_paths) == 1:
        editor.set(split.tools_paths[0], tools)
        return
    wanted: list[Counter[str]] = [
        Counter(tool_name(tool) for tool in get_at(editor.root, path)) for path in split.tools_paths
    ]
    placed: list[list[Any]] = [[] for _ in split.tools_paths]
    for tool in tools:
        name = tool_name(tool)
        at = next(i for i, names in enumerate(wanted) if names[name] > 0)
        wanted[at][name] -= 1
        placed[at].append(tool)
    for path, own in zip(split.tools_paths, placed, strict=True):
        editor.set(path, own)
