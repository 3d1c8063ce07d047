"""OpenAI request bodies told apart and split: Responses (``instructions``, ``input``) and
Chat Completions (``messages``); see :mod:`prefixlib.adapters.openai` for the mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from prefixlib.adapters._parts import (
    Boundary,
    Kind,
    LayerMap,
    Part,
    Path,
    Split,
    check_request,
    join_layers,
)
from prefixlib.adapters._rebind import restore_prepared, restore_tools_layer
from prefixlib.adapters._walk import walk_messages
from prefixlib.errors import InputError
from prefixlib.policy import Policy

__all__ = ["CHAT_ONLY", "split", "split_chat", "split_responses"]

RESPONSES_TEXT: Final = ("input_text", "output_text", "text")
CHAT_TEXT: Final = ("text",)
#: Fields only a Chat Completions body has (a Messages body has none of them).
CHAT_ONLY: Final = frozenset(
    {
        "n",
        "logprobs",
        "top_logprobs",
        "frequency_penalty",
        "presence_penalty",
        "response_format",
        "max_completion_tokens",
        "prompt_cache_key",
        "prompt_cache_retention",
        "prompt_cache_options",
        "reasoning_effort",
        "seed",
        "stream_options",
        "modalities",
        "audio",
        "logit_bias",
        "functions",
        "function_call",
        "web_search_options",
        "verbosity",
        "prediction",
        "parallel_tool_calls",
    }
)


def _is_responses_message(item: Mapping[str, Any]) -> bool:
    """An input item that is a message (``type: message``, or an easy input message)."""
    kind = item.get("type")
    return (kind == "message" or kind is None) and "role" in item


def _is_tools_item(item: Mapping[str, Any]) -> bool:
    """Codex's ``{"type": "additional_tools", "tools": [...]}`` input item: with a catalog
    model it sends its tools there, before the messages, and an empty top-level ``tools``."""
    return item.get("type") == "additional_tools" and isinstance(item.get("tools"), list)


def _tools(
    request: Mapping[str, Any], layers: dict[str, Any], boundary: Boundary | None = None
) -> tuple[Path, ...]:
    """Where the tool definitions are; the tools layer holds them all (SPEC.md 9.4): the
    top-level ``tools``, then those of the ``additional_tools`` items before the item where
    the conversation begins (the boundary's item, or the item whose blocks it splits)."""
    paths: list[Path] = []
    lists: list[Any] = []
    if request.get("tools") is not None:
        paths.append(("tools",))
        lists.append(request["tools"])
    items = request.get("input")
    if isinstance(items, list) and boundary is not None and boundary.path[:1] == ("input",):
        end = boundary.index if boundary.whole else int(boundary.path[1])
        for i, item in enumerate(items[:end]):
            if isinstance(item, dict) and _is_tools_item(item):
                paths.append(("input", i, "tools"))
                lists.append(item["tools"])
    if len(lists) == 1:
        layers["tools"] = lists[0]
    elif lists:
        if not all(isinstance(tools, list) for tools in lists):
            raise InputError("tools must be a list where additional_tools items hold tools too")
        layers["tools"] = [tool for tools in lists for tool in tools]
    return tuple(paths)


def split_responses(
    request: Mapping[str, Any],
    *,
    layer_map: LayerMap | None = None,
    policy: Policy | None = None,
) -> Split:
    """The stable prefix of a Responses body (SPEC.md 9.2; README "Adapters")."""
    layer_map = layer_map or LayerMap()
    parts: list[Part] = []
    instructions = request.get("instructions")
    if isinstance(instructions, str):
        parts.append(Part(layer_map.system, ("instructions",), instructions))
    found, boundary = walk_messages(
        request.get("input"),
        ("input",),
        layer_map=layer_map,
        roles={"system": layer_map.system, "developer": layer_map.developer},
        text_types=RESPONSES_TEXT,
        has_base=bool(parts),
        is_message=_is_responses_message,
        is_tools=_is_tools_item,
    )
    parts += found
    return _finish("responses", request, parts, boundary, policy, tools_items=True)


def split_chat(
    request: Mapping[str, Any],
    *,
    layer_map: LayerMap | None = None,
    policy: Policy | None = None,
) -> Split:
    """The stable prefix of a Chat Completions body (SPEC.md 9.2; README "Adapters")."""
    layer_map = layer_map or LayerMap()
    parts, boundary = walk_messages(
        request.get("messages"),
        ("messages",),
        layer_map=layer_map,
        roles={"system": layer_map.system, "developer": layer_map.developer},
        text_types=CHAT_TEXT,
        has_base=False,
    )
    return _finish("chat", request, parts, boundary, policy, tools_items=False)


def _finish(
    kind: Kind,
    request: Mapping[str, Any],
    parts: list[Part],
    boundary: Boundary,
    policy: Policy | None,
    *,
    tools_items: bool,
) -> Split:
    """The split of a body whose parts and boundary are found."""
    parts, at, bindings = restore_prepared(request, parts, boundary, policy)
    layers = join_layers(parts)
    paths = _tools(request, layers, boundary if tools_items else None)
    if bindings and "tools" in layers:
        layers["tools"] = restore_tools_layer(layers["tools"], bindings, policy)
    return Split(kind, layers, tuple(parts), boundary, paths, at, _count_breakpoints(request))


def split(
    request: Mapping[str, Any],
    *,
    layer_map: LayerMap | None = None,
    policy: Policy | None = None,
) -> Split:
    """The stable prefix of a Responses or Chat Completions body, told apart by its fields."""
    check_request(request)
    if "input" in request or "instructions" in request:
        return split_responses(request, layer_map=layer_map, policy=policy)
    if "messages" in request:
        return split_chat(request, layer_map=layer_map, policy=policy)
    raise InputError("not an OpenAI request: it has neither input/instructions nor messages")


def _count_breakpoints(request: Mapping[str, Any]) -> int:
    """How many ``prompt_cache_breakpoint`` blocks the caller set."""
    count = 0
    for name in ("input", "messages"):
        items = request.get(name)
        if not isinstance(items, list):
            continue
        for item in items:
            content = item.get("content") if isinstance(item, dict) else None
            if isinstance(content, list):
                count += sum(
                    1
                    for block in content
                    if isinstance(block, dict) and "prompt_cache_breakpoint" in block
                )
    return count
