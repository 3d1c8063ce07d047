"""Anthropic Messages bodies (``system``, ``tools``, ``messages``).  No SDK import.

Mapping onto layers (:class:`~prefixlib.adapters.LayerMap`): ``system`` (a string or text
blocks) is the base layer; a ``{"role": "system"}`` message inside ``messages`` before the
user's turn the developer layer; the leading ``<system-reminder>`` blocks of the first
user message (Claude Code's CLAUDE.md and date) and the other project markers the project
layer; ``tools`` the tools layer.  The first block that is none of these, and everything
after it, is conversation: never rewritten, never reordered.

Breakpoints follow Anthropic's prompt caching guide,
https://platform.claude.com/docs/en/build-with-claude/prompt-caching: the cached prefix
covers tools, then system, then messages, up to and including the block marked
``cache_control``; a request has at most 4 breakpoints (a top-level ``cache_control``,
automatic caching, takes one); ``ttl`` is ``"5m"`` (the default) or ``"1h"``, and entries
with the longer TTL must come before those with the shorter one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal

from prefixlib.adapters._parts import (
    Editor,
    LayerMap,
    Part,
    Path,
    Split,
    check_request,
    get_at,
    join_layers,
)
from prefixlib.adapters._prepare import Prepared, rewrite
from prefixlib.adapters._rebind import restore_prepared, restore_tools_layer
from prefixlib.adapters._walk import walk_messages
from prefixlib.errors import ArgumentError, InputError
from prefixlib.policy import Policy

__all__ = ["MAX_BREAKPOINTS", "prepare", "split"]

#: Anthropic's limit on ``cache_control`` breakpoints in one request.
MAX_BREAKPOINTS: Final = 4
TEXT: Final = ("text",)

Ttl = Literal["5m", "1h"]


def split(
    request: Mapping[str, Any],
    *,
    layer_map: LayerMap | None = None,
    policy: Policy | None = None,
) -> Split:
    """The stable prefix of a Messages body (SPEC.md 9.2; README "Adapters").

    ``cache_control`` is not content: it is left out of the tools layer, so a caller's
    breakpoint on a tool does not change the key.
    """
    check_request(request)
    if "messages" not in request and "system" not in request:
        raise InputError("not an Anthropic Messages request: it has neither system nor messages")
    layer_map = layer_map or LayerMap()
    parts: list[Part] = []
    system = request.get("system")
    if isinstance(system, str):
        parts.append(Part(layer_map.system, ("system",), system))
    elif isinstance(system, list):
        parts += [
            Part(layer_map.system, ("system", i, "text"), block["text"])
            for i, block in enumerate(system)
            if isinstance(block, dict)
            and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        ]
    found, boundary = walk_messages(
        request.get("messages"),
        ("messages",),
        layer_map=layer_map,
        roles={"system": layer_map.developer},
        text_types=TEXT,
        has_base=bool(parts),
    )
    parts += found
    parts, at, bindings = restore_prepared(request, parts, boundary, policy)
    layers = join_layers(parts)
    tools = request.get("tools")
    tools_paths: tuple[Path, ...] = ()
    if tools is not None:
        tools_paths = (("tools",),)
        layers["tools"] = (
            [_without_cache_control(tool) for tool in tools] if isinstance(tools, list) else tools
        )
        if bindings:
            layers["tools"] = restore_tools_layer(layers["tools"], bindings, policy)
    breakpoints = sum(1 for _ in _breakpoints(request))
    return Split("messages", layers, tuple(parts), boundary, tools_paths, at, breakpoints)


def _without_cache_control(tool: Any) -> Any:
    """A tool as the tools layer takes it: ``cache_control`` is not content (SPEC.md 9.4)."""
    if isinstance(tool, dict) and "cache_control" in tool:
        return {name: value for name, value in tool.items() if name != "cache_control"}
    return tool


def _breakpoints(request: Mapping[str, Any]) -> Iterator[tuple[Path, Any]]:
    """Every ``cache_control`` in the request, in the order of the cached prefix
    (tools, system, messages), as ``(path of its block, its value)``; the top-level
    automatic one last, as it applies to the last cacheable block."""
    for name in ("tools", "system"):
        blocks = request.get(name)
        if isinstance(blocks, list):
            for i, block in enumerate(blocks):
                if isinstance(block, dict) and "cache_control" in block:
                    yield (name, i), block["cache_control"]
    messages = request.get("messages")
    if isinstance(messages, list):
        for i, message in enumerate(messages):
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, list):
                yield from _block_breakpoints(content, ("messages", i, "content"))
    if request.get("cache_control") is not None:
        yield (), request["cache_control"]


def _block_breakpoints(blocks: list[Any], path: Path) -> Iterator[tuple[Path, Any]]:
    """The ``cache_control`` of content blocks, a tool result's inner blocks included."""
    for j, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        if "cache_control" in block:
            yield (*path, j), block["cache_control"]
        inner = block.get("content")
        if isinstance(inner, list):  # a tool_result's content blocks
            yield from _block_breakpoints(inner, (*path, j, "content"))


def _ttl(control: Any) -> str:
    """A breakpoint's TTL: its ``ttl``, else the provider's default of 5 minutes."""
    return control.get("ttl", "5m") if isinstance(control, dict) else "5m"


def prepare(
    request: Mapping[str, Any],
    *,
    layer_map: LayerMap | None = None,
    cache: bool = True,
    ttl: Ttl | None = None,
    roots: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    namespace: str | None = None,
    secret: bytes | None = None,
    memo: bool = True,
) -> Prepared:
    """A cache-friendly copy of a Messages body (SPEC.md 9; README "Adapters").

    The stable prefix is rewritten canonically and the tools are put in canonical order
    (a caller's ``cache_control`` on a tool moves to the last tool).  With ``cache``,
    ``cache_control`` goes on the last block of the stable prefix unless the request
    already has 4 breakpoints; ``ttl`` (``"5m"`` or ``"1h"``; none means the provider's
    5 minutes) is kept in order with the caller's: a 1h breakpoint after the stable
    prefix makes ours 1h, and a 1h one of ours makes the caller's before it 1h.  The
    bindings come right after the stable prefix, as their own text block of the first
    user message.  ``roots``, ``policy``, ``namespace``, ``secret`` and ``memo`` are
    passed on to :func:`~prefixlib.canonicalize`.
    """
    if ttl not in (None, "5m", "1h"):
        raise ArgumentError(f'ttl must be "5m", "1h" or None, not {ttl!r}')
    found = split(request, layer_map=layer_map, policy=policy)
    editor, prefix, sent = rewrite(
        request, found, roots=roots, policy=policy, namespace=namespace, secret=secret, memo=memo
    )
    notes: list[str] = []
    _keep_tool_breakpoint(editor, request)
    if cache:
        _place_breakpoint(editor, found, ttl, notes)
    bindings = prefix.render_bindings()
    if bindings:
        _insert_bindings(editor, found, bindings)
    return Prepared(
        request=editor.root,
        prefix=prefix,
        split=found,
        stable_texts=tuple(sent),
        notes=tuple(notes),
    )


def _keep_tool_breakpoint(editor: Editor, request: Mapping[str, Any]) -> None:
    """A caller's breakpoint on a tool goes on the last tool of the canonical order, so it
    still ends the cached tools."""
    tools = request.get("tools")
    if not isinstance(tools, list):
        return
    controls = [
        tool["cache_control"]
        for tool in tools
        if isinstance(tool, dict) and "cache_control" in tool
    ]
    new = editor.root.get("tools")
    if controls and isinstance(new, list) and new and isinstance(new[-1], dict):
        editor.set(("tools", len(new) - 1, "cache_control"), controls[-1])


def _last_block(editor: Editor, found: Split) -> Path | None:
    """The block that ends the stable prefix: the last text part, else the last tool."""
    if found.parts:
        last = found.parts[-1].path
        if last[-1] == "text":
            return last[:-1]
        text = get_at(editor.root, last)  # a string: made one text block to carry the mark
        editor.set(last, [{"type": "text", "text": text}])
        return (*last, 0)
    tools = editor.root.get("tools")
    if isinstance(tools, list) and tools and isinstance(tools[-1], dict):
        return ("tools", len(tools) - 1)
    return None


def _place_breakpoint(editor: Editor, found: Split, ttl: str | None, notes: list[str]) -> None:
    """``cache_control`` on the last block of the stable prefix, in TTL order."""
    existing = list(_breakpoints(editor.root))
    if len(existing) >= MAX_BREAKPOINTS:
        notes.append(f"no cache_control added: the request already has {MAX_BREAKPOINTS}")
        return
    path = _last_block(editor, found)
    if path is None:
        notes.append("no cache_control added: the stable prefix is empty")
        return
    block = get_at(editor.root, path)
    if "cache_control" in block:
        notes.append("the last block of the stable prefix already had cache_control: kept")
        return
    position = _order(path)
    later_1h = any(_ttl(c) == "1h" for p, c in existing if p == () or _order(p) > position)
    if later_1h and ttl != "1h":
        notes.append("cache_control ttl 1h: a 1h breakpoint comes later, and 1h must come first")
        ttl = "1h"
    control: dict[str, Any] = {"type": "ephemeral"}
    if ttl is not None:
        control["ttl"] = ttl
    editor.set((*path, "cache_control"), control)
    if ttl == "1h":
        for p, c in existing:
            if p != () and _order(p) < position and _ttl(c) != "1h":
                editor.set((*p, "cache_control"), {**c, "ttl": "1h"})
                notes.append(f"{_where(p)}: cache_control ttl 1h, as 1h entries come before 5m")


def _order(path: Path) -> tuple[int, ...]:
    """A block's place in the cached prefix: tools, then system, then messages."""
    section = {"tools": 0, "system": 1, "messages": 2}[str(path[0])]
    return (section, *(step for step in path[1:] if isinstance(step, int)))


def _where(path: Path) -> str:
    """A path as notes show it: ``system.1``."""
    return ".".join(str(step) for step in path)


def _insert_bindings(editor: Editor, found: Split, text: str) -> None:
    """The bindings as a text block right before the conversation (SPEC.md 5.9, 9.5)."""
    block = {"type": "text", "text": text}
    if found.bindings_at is not None:  # an earlier preparation's: replaced
        where = found.bindings_at
        is_block = len(where) > 1 and where[-2] == "content"
        editor.set(where, block if is_block else {"role": "user", "content": [block]})
        return
    boundary = found.boundary
    messages = editor.root.get("messages")
    if boundary is None or not isinstance(messages, list):
        editor.root["messages"] = [{"role": "user", "content": [block]}, *(messages or [])]
        return
    if not boundary.whole:
        editor.insert(boundary.path, boundary.index, block)
        return
    at = boundary.index
    target = messages[at] if at < len(messages) else None
    if (
        isinstance(target, dict)
        and target.get("role") == "user"
        and isinstance(target.get("content"), list)
    ):
        editor.insert(("messages", at, "content"), 0, block)
    else:
        editor.insert(("messages",), at, {"role": "user", "content": [block]})
