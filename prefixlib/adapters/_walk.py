"""The walk over a request's messages that finds its stable prefix (SPEC.md 9.2).

Messages are read from the first: system and developer messages are layers of their own,
user parts that start with a project marker are the project layer, and the first part
that is none of these (the user's actual turn, an assistant turn, a tool call) is where
the conversation begins.  Nothing from there on is part of a layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prefixlib.adapters._parts import Boundary, LayerMap, Part, Path, content_parts, is_project_text
from prefixlib.model import LayerName

__all__ = ["walk_messages"]


def walk_messages(
    messages: Any,
    path: Path,
    *,
    layer_map: LayerMap,
    roles: Mapping[str, LayerName],
    text_types: Sequence[str],
    has_base: bool,
    is_message: Any = None,
    is_tools: Any = None,
) -> tuple[list[Part], Boundary]:
    """The parts of the stable prefix in ``messages`` (the list at ``path``) and the boundary.

    ``roles`` maps the roles that are layers of their own (system, developer) to their
    layer; with ``layer_map.first_as_base`` and no base yet (``has_base``), the first
    message goes to ``layer_map.system``'s layer.  ``is_message`` tells an element that is
    a message from other items (Responses' function calls, reasoning items); ``is_tools``
    an item that holds tool definitions (passed over: the tools layer takes them).
    """
    parts: list[Part] = []
    if not isinstance(messages, list):
        return parts, Boundary(path, 0, whole=True)
    first = True
    for i, item in enumerate(messages):
        if is_tools is not None and isinstance(item, dict) and is_tools(item):
            continue
        if not isinstance(item, dict) or (is_message is not None and not is_message(item)):
            return parts, Boundary(path, i, whole=True)
        role = item.get("role")
        texts = content_parts(item.get("content"), (*path, i, "content"), text_types=text_types)
        if texts is None:
            return parts, Boundary(path, i, whole=True)
        if isinstance(role, str) and role in roles:
            layer = roles[role]
            if first and not has_base and layer_map.first_as_base:
                layer = layer_map.system
            first = False
            parts += [Part(layer, where, text) for where, text in texts]
            continue
        if role != "user":
            return parts, Boundary(path, i, whole=True)
        content = item.get("content")
        if not isinstance(content, list):
            if not isinstance(content, str) or not is_project_text(
                content, layer_map.project_markers
            ):
                return parts, Boundary(path, i, whole=True)
            parts.append(Part("project", (*path, i, "content"), content))
            continue
        for j, block in enumerate(content):
            text = block.get("text") if isinstance(block, dict) else None
            if (
                not isinstance(text, str)
                or block.get("type") not in text_types
                or not is_project_text(text, layer_map.project_markers)
            ):
                if j == 0:
                    return parts, Boundary(path, i, whole=True)
                return parts, Boundary((*path, i, "content"), j, whole=False)
            parts.append(Part("project", (*path, i, "content", j, "text"), text))
        if not content:
            return parts, Boundary(path, i, whole=True)
    return parts, Boundary(path, len(messages), whole=True)
