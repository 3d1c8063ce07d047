"""Provider adapters: a request an OpenAI or Anthropic client already builds goes in, a
cache-friendly request ready for its SDK comes out (README "Adapters").

    import prefixlib.adapters as adapters

    p = adapters.prepare(body)                  # a Responses, Chat Completions or Messages body
    client.responses.create(**p.request)        # the canonical stable prefix, then the bindings
    p.key, p.layer_keys, p.bindings, p.changes

    s = adapters.split(body)                    # without rewriting: the shape and raw layers
    s.kind                                      # "responses" | "chat" | "messages"
    prefixlib.cache_key(**s.layers)             # == adapters.prepare(body).key

Pure: no SDK import, no I/O.  The request shapes are told apart by their fields:
``input``/``instructions`` is Responses, ``messages`` with a top-level ``system``,
Anthropic-only fields or block types is Messages, other ``messages`` Chat Completions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prefixlib.adapters import anthropic, openai
from prefixlib.adapters._parts import (
    DEFAULT_PROJECT_MARKERS,
    PART_SEPARATOR,
    Kind,
    LayerMap,
    Split,
    check_request,
)
from prefixlib.adapters._prepare import Prepared, sdk_kwargs
from prefixlib.errors import InputError
from prefixlib.policy import Policy

__all__ = [
    "DEFAULT_PROJECT_MARKERS",
    "PART_SEPARATOR",
    "Kind",
    "LayerMap",
    "Prepared",
    "Split",
    "anthropic",
    "kind_of",
    "openai",
    "prepare",
    "sdk_kwargs",
    "split",
]

#: Top-level fields only an Anthropic Messages body has.
MESSAGES_ONLY = frozenset(
    {
        "system",
        "stop_sequences",
        "top_k",
        "thinking",
        "anthropic_version",
        "context_management",
        "output_config",
        "container",
        "mcp_servers",
        "service_tier_priority",
    }
)
#: Content block types only Anthropic has.
MESSAGES_BLOCKS = frozenset(
    {
        "tool_use",
        "tool_result",
        "thinking",
        "redacted_thinking",
        "document",
        "image",
        "search_result",
        "server_tool_use",
    }
)


def kind_of(request: Mapping[str, Any]) -> Kind:
    """The shape of a request body, told apart by its fields (see the module docstring)."""
    check_request(request)
    if "input" in request or "instructions" in request:
        return "responses"
    if "messages" not in request:
        if "system" in request:
            return "messages"
        raise InputError(
            "not a model request: it has none of input, instructions, messages or system"
        )
    if MESSAGES_ONLY & request.keys():
        return "messages"
    if openai.CHAT_ONLY & request.keys():
        return "chat"
    tools = request.get("tools")
    if isinstance(tools, list):
        for tool in tools:
            if isinstance(tool, dict) and "input_schema" in tool:
                return "messages"
            if isinstance(tool, dict) and "function" in tool:
                return "chat"
    messages = request.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if not isinstance(message, dict):
                continue
            if message.get("role") in ("developer", "tool", "function"):
                return "chat"
            content = message.get("content")
            if isinstance(content, list) and any(
                isinstance(block, dict) and block.get("type") in MESSAGES_BLOCKS
                for block in content
            ):
                return "messages"
    # max_tokens is required by Messages; Chat Completions replaced it by max_completion_tokens
    return "messages" if "max_tokens" in request else "chat"


def split(
    request: Mapping[str, Any],
    *,
    layer_map: LayerMap | None = None,
    policy: Policy | None = None,
) -> Split:
    """A request's shape and the raw layers of its stable prefix, without rewriting it.

    ``split(r).layers`` are :func:`~prefixlib.canonicalize` arguments:
    ``prefixlib.cache_key(**split(r).layers)`` is the key :func:`prepare` gives ``r``.
    Per-session fields (item ids, metadata, thread ids) are never part of a layer.  A
    request :func:`prepare` made, sent again, gives the layers of the original (its
    placeholders restored with its bindings; ``policy`` names their style).
    """
    kind = kind_of(request)
    if kind == "responses":
        return openai.split_responses(request, layer_map=layer_map, policy=policy)
    if kind == "chat":
        return openai.split_chat(request, layer_map=layer_map, policy=policy)
    return anthropic.split(request, layer_map=layer_map, policy=policy)


def prepare(request: Mapping[str, Any], **options: Any) -> Prepared:
    """A cache-friendly copy of the request: :func:`prefixlib.adapters.openai.prepare` for
    a Responses or Chat Completions body, :func:`prefixlib.adapters.anthropic.prepare`
    for a Messages body (the options are theirs)."""
    if kind_of(request) == "messages":
        return anthropic.prepare(request, **options)
    return openai.prepare(request, **options)
