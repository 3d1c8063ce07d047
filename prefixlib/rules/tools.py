"""Tools rule: the tools layer as canonical JSON text, sorted by tool name (SPEC.md 4).

Tool definitions are never changed: the layer is the RFC 8785 text of the array of them
sorted by name (SPEC.md 4.4), so it does not depend on the order a client lists its tools in.
Finding a name reads top-level members only (and ``function.name``), so beyond
serialisation the cost is one sort of the tools.  JSON text takes a cheaper way through
parsing and serialisation where it can (:func:`_from_text`), with the same result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from prefixlib.errors import ToolsError
from prefixlib.rules.canonical_json import (
    dumps,
    dumps_parsed,
    dumps_plain,
    json_text,
    members_kept,
    parse,
    parse_plain,
    parse_unchecked,
)
from prefixlib.rules.json_places import line_column, offset_of

__all__ = ["Tools", "canonical_tools", "tool_name", "tools_layer"]

#: What ``tools`` accepts: tool definitions, ``{"tools": [...]}``, or JSON text of either.
Tools = Sequence[Mapping[str, object]] | Mapping[str, object] | str | bytes


def canonical_tools(tools: Tools | None, *, sort: bool = True, source: str = "tools") -> str:
    """The canonical JSON text of a tools layer; no tools is the empty layer (SPEC.md 4).

    Every tool definition must be a JSON object with a name (:func:`tool_name`), and names
    must be unique (SPEC.md 4.3).  The tools are sorted by name (SPEC.md 4.4); with
    ``sort=False`` they keep the given order, after the same checks, so that switching
    the order never changes which inputs are accepted.  Raises :class:`ToolsError`; a
    value outside RFC 8785's domain is reported before a bad or duplicate name.
    """
    return tools_layer(tools, sort=sort, source=source).decode("utf-8")


def tools_layer(tools: Tools | None, *, sort: bool = True, source: str = "tools") -> bytes:
    """:func:`canonical_tools` as UTF-8, the bytes the key is derived from (SPEC.md 4)."""
    if tools is None:
        return b""
    if not isinstance(tools, str | bytes):
        return _layer(tools, sort, source)
    text = json_text(tools, source)
    canonical = _from_text(text, sort, source)
    if canonical is not None:
        return canonical
    value = parse(text, source)
    try:
        return _layer(value, sort, source)
    except ToolsError as e:
        raise _placed(e, text, wrapped=isinstance(value, Mapping) and "tools" in value) from None


def _placed(error: ToolsError, text: str, *, wrapped: bool) -> ToolsError:
    """``error`` with the line and column of its pointer in the JSON ``text`` it came from
    (the second occurrence, for a duplicate name); as it is where that cannot be told."""
    if error.pointer is None or error.line is not None:
        return error
    offset = offset_of(text, ("tools", *error.pointer) if wrapped else error.pointer)
    if offset is None:
        return error
    line, column = line_column(text, offset)
    return ToolsError(
        error.reason, source=error.source, line=line, column=column, pointer=error.pointer
    )


def _layer(value: object, sort: bool, source: str) -> bytes:
    """:func:`tools_layer` of a parsed value (SPEC.md 4)."""
    if isinstance(value, Mapping) and "tools" in value:
        value = value["tools"]
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise ToolsError(
            "expected a JSON array of tool definitions or an object with a 'tools' array",
            source=source,
            pointer=(),
        )
    if not value:
        return b""
    try:
        # One dumps() of the whole array: the fast path has a fixed cost per call.
        return dumps(_ordered(value, sort, source), source=source).encode("utf-8")
    except ToolsError:
        _check_domain(value, source)
        raise


def _from_text(text: str, sort: bool, source: str) -> bytes | None:
    """:func:`tools_layer` of JSON text the cheaper way (see
    :mod:`prefixlib.rules.canonical_json`); None wherever the text has an error, or
    might have one, for the full path to find and report it as it always has.
    """
    value = parse_plain(text)  # orjson's way, where its text is RFC 8785's
    if value is not None:
        canonical = _serialised(value, sort, source, dumps_plain)
        if canonical is not None:
            return canonical[0] if members_kept(text, *canonical) else None
    parsed = parse_unchecked(text)
    if parsed is None:
        return None
    value, floats = parsed
    canonical = _serialised(value, sort, source, lambda v: dumps_parsed(v, floats, source))
    return None if canonical is None or not members_kept(text, *canonical) else canonical[0]


def _serialised(
    value: object, sort: bool, source: str, dumps: Callable[[object], bytes | None]
) -> tuple[bytes, object] | None:
    """The layer of a parsed tools value by ``dumps``, and what it leaves out of the text
    (for :func:`members_kept`); None where it has no tools, or ``dumps`` cannot tell."""
    rest = None  # what the layer leaves out of the text
    if type(value) is dict and "tools" in value:
        rest, value = {**value, "tools": []}, value["tools"]
    if type(value) is not list or not value:
        return None
    try:
        canonical = dumps(_ordered(value, sort, source))
    except (ToolsError, RecursionError):
        return None
    return None if canonical is None else (canonical, rest)


def _ordered(tools: Sequence[object], sort: bool, source: str) -> list[object]:
    """``tools`` in the order of the layer, checked as :func:`_sort_keys` does."""
    keys = _sort_keys(tools, source)
    if not sort:
        return list(tools)
    # Python compares str by code point, which is UTF-8 byte order (SPEC.md 4.4),
    # not the UTF-16 order RFC 8785 uses for member names.
    keys.sort()
    return [tools[index] for _, _, index in keys]


def tool_name(tool: Mapping[str, object], *, index: int = 0, source: str = "tools") -> str:
    """The name of one tool definition, by which the tools layer is sorted (SPEC.md 4.2).

    The first of these members that ``tool`` has gives the name, which must be a
    non-empty string:

    - ``function``, an object: its ``name`` (OpenAI Chat Completions);
    - ``name`` (OpenAI Responses functions, Anthropic client and server tools, MCP);
    - ``type``, for a nameless built-in tool such as ``{"type": "web_search"}``.

    A present member decides even if its value is bad (``"name": null`` is an error, not
    a fall-through to ``type``).  Raises :class:`ToolsError` naming the tool as ``index``.
    """
    return _name(tool, index, source)[0]


def _sort_keys(tools: Sequence[object], source: str) -> list[tuple[str, str, int]]:
    """``(name, text, index)`` of every tool, checking that each has a name and that no two
    share one, unless both are nameless and differ (SPEC.md 4.2-4.3).

    Several nameless tools may share a ``type`` (one OpenAI ``mcp`` tool per server); only
    they get a ``text``, their RFC 8785 text, which tells them apart and orders them.  So
    ``(name, text)`` is unique and the index never decides the order.
    """
    keys: list[tuple[str, str, int]] = []
    first_by_name: dict[str, int] = {}
    nameless: set[int] = set()
    shared: set[str] = set()  # names of two or more nameless tools
    for index, tool in enumerate(tools):
        if type(tool) is not dict and not isinstance(tool, Mapping):
            raise ToolsError(f"tool {index} is not a JSON object", source=source, pointer=(index,))
        name, member = _name(tool, index, source)
        if member == "type":
            nameless.add(index)
        first = first_by_name.setdefault(name, index)
        if first != index:
            if first not in nameless or index not in nameless:
                raise ToolsError(
                    f"duplicate tool name {_quote(name)} (tools {first} and {index})",
                    source=source,
                    pointer=(index, *member.split(".")),
                )
            shared.add(name)
        keys.append((name, "", index))
    if shared:
        first_by_text: dict[str, int] = {}
        for position, (name, _, index) in enumerate(keys):
            if name in shared:
                text = dumps(tools[index], source=source)
                same = first_by_text.setdefault(text, index)
                if same != index:
                    raise ToolsError(
                        f"duplicate tool {_quote(name)} (tools {same} and {index} are identical)",
                        source=source,
                        pointer=(index,),
                    )
                keys[position] = (name, text, index)
    return keys


def _check_domain(tools: Sequence[object], source: str) -> None:
    """Raise the error of the first tool definition outside RFC 8785's domain, if any,
    naming it by index (SPEC.md 4.1).  Only on the error path: it serialises each tool."""
    for index, tool in enumerate(tools):
        if isinstance(tool, Mapping):
            try:
                dumps(tool, source=source)
            except ToolsError as e:
                raise ToolsError(
                    f"tool {index}: {e.reason}", source=source, pointer=(index,)
                ) from e


def _name(tool: Mapping[str, object], index: int, source: str) -> tuple[str, str]:
    """The name of ``tool`` and the member it came from (SPEC.md 4.2)."""
    value: object
    if "function" in tool:
        function = tool["function"]
        if not isinstance(function, Mapping):
            raise ToolsError(
                f'tool {index}: "function" must be an object, not {_describe(function)}',
                source=source,
                pointer=(index, "function"),
            )
        if "name" not in function:
            raise ToolsError(
                f'tool {index} has no name: "function" has no "name"',
                source=source,
                pointer=(index, "function"),
            )
        member, value = "function.name", function["name"]
    elif "name" in tool:
        member, value = "name", tool["name"]
    elif "type" in tool:
        member, value = "type", tool["type"]
    else:
        raise ToolsError(
            f'tool {index} has no name: it has no "function", "name" or "type" member',
            source=source,
            pointer=(index,),
        )
    if not isinstance(value, str) or not value:
        raise ToolsError(
            f'tool {index}: "{member}" must be a non-empty string, not {_describe(value)}',
            source=source,
            pointer=(index, *member.split(".")),
        )
    return str.__str__(value), member  # a plain str, also for a str subclass


def _describe(value: object) -> str:
    """A JSON value in a message: scalars as their JSON text, containers by kind."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "an array"
    try:
        return dumps(value)
    except ToolsError:  # outside RFC 8785's domain: canonical_tools() reports that instead
        return type(value).__name__


def _quote(name: str) -> str:
    """A name in a message, as a JSON string, shortened if long."""
    text = json.dumps(name, ensure_ascii=False)
    return text if len(text) <= 80 else text[:76] + '..."'
