"""Tools rule: the tools layer as canonical JSON text (SPEC.md 4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prefixlib.errors import ToolsError
from prefixlib.rules.canonical_json import dumps, loads

__all__ = ["Tools", "canonical_tools"]

#: What ``tools`` accepts: tool definitions, ``{"tools": [...]}``, or JSON text of either.
Tools = Sequence[Mapping[str, object]] | Mapping[str, object] | str | bytes


def canonical_tools(tools: Tools | None, *, source: str = "tools") -> str:
    """The canonical JSON text of a tools layer; no tools is the empty layer (SPEC.md 4)."""
    if tools is None:
        return ""
    value: object = loads(tools, source=source) if isinstance(tools, str | bytes) else tools
    if isinstance(value, Mapping) and "tools" in value:
        value = value["tools"]
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise ToolsError(
            "expected a JSON array of tool definitions or an object with a 'tools' array",
            source=source,
        )
    for index, tool in enumerate(value):
        if not isinstance(tool, Mapping):
            raise ToolsError(f"tool {index} is not a JSON object", source=source)
    return dumps(list(value), source=source) if value else ""
