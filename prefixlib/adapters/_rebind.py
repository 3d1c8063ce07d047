"""A request the adapters already prepared, sent again with its conversation grown.

A client that keeps ``p.request`` as its history and appends the next turns sends back a
stable prefix that is already canonical, with placeholders, and a bindings block after
it.  Canonicalising that again would escape the placeholders (SPEC.md 5.7) and move the
boundary, so the prefix would change between turns.  Instead, the bindings block is read
back, the placeholders are restored with its values (SPEC.md 5.8), and the block is
replaced by the new one: ``prepare(prepare(r).request)`` is ``prepare(r)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import orjson

from prefixlib.adapters._parts import Boundary, Part, Path, get_at
from prefixlib.model import (
    BINDINGS_CLOSE,
    BINDINGS_INDENT,
    BINDINGS_LEAD,
    BINDINGS_OPEN,
    Binding,
)
from prefixlib.pipeline import DEFAULT_POLICY
from prefixlib.policy import Policy
from prefixlib.rules.descriptions import restore_tools
from prefixlib.rules.placeholders import AUTOMATIC, STYLES, restore
from prefixlib.rules.tools import canonical_tools

__all__ = ["find_bindings", "restore_parts", "restore_prepared", "restore_tools_layer"]

_HEAD = f"{BINDINGS_OPEN}\n{BINDINGS_LEAD}\n"


def parse_bindings(text: str, style: str) -> list[Binding] | None:
    """The bindings a rendered bindings block holds (SPEC.md 5.9), or ``None`` if ``text``
    is not one."""
    if not text.startswith(_HEAD) or not text.rstrip("\n").endswith(BINDINGS_CLOSE):
        return None
    open_, close = (re.escape(part) for part in STYLES[style])
    line = re.compile(rf"({open_}([A-Z][A-Z0-9_]*){close}) = (.*)")
    body = text[len(_HEAD) :].rstrip("\n")[: -len(BINDINGS_CLOSE)]
    if not body.endswith("\n"):
        return None
    rows: list[list[str]] = []  # placeholder, name, value; a value's further lines indented
    for row in body[:-1].split("\n"):
        if rows and row.startswith(BINDINGS_INDENT):
            rows[-1][2] += "\n" + row[len(BINDINGS_INDENT) :]
        elif (match := line.fullmatch(row)) is not None:
            rows.append([match[1], match[2], match[3]])
        else:
            return None
    bindings = []
    for placeholder, name, value in rows:
        kind = name.rsplit("_", 1)[0] if re.fullmatch(AUTOMATIC, name) else "ROOT"
        bindings.append(Binding(placeholder, value, kind))
    return bindings


def _text(element: Any) -> tuple[Path, str] | None:
    """The text of a block, or of a message of one text, with its path from the element."""
    if isinstance(element, dict) and isinstance(element.get("text"), str):
        return (), element["text"]
    content = element.get("content") if isinstance(element, dict) else None
    if isinstance(content, str):
        return ("content",), content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        text = content[0].get("text")
        if isinstance(text, str):
            return ("content", 0), text
    return None


def find_bindings(
    request: Any, boundary: Boundary, policy: Policy | None
) -> tuple[Path, list[Binding]] | None:
    """The bindings block where the conversation begins, if the request was prepared.

    Returns the path of what to replace (the message, if it holds only the bindings; else
    the block) and the bindings it holds.
    """
    style = (policy or DEFAULT_POLICY).placeholder_style
    try:
        container = get_at(request, boundary.path)
        element = container[boundary.index]
    except (KeyError, IndexError, TypeError):
        return None
    found = _text(element)
    if found is None:
        return None
    inner, text = found
    bindings = parse_bindings(text, style)
    if bindings is None:
        return None
    path: Path = (*boundary.path, boundary.index)
    content = element.get("content") if isinstance(element, dict) else None
    if inner == ("content", 0) and isinstance(content, list) and len(content) > 1:
        path = (*path, "content", 0)  # a block of the user's turn: replace the block only
    return path, bindings


def restore_parts(
    parts: Sequence[Part], bindings: list[Binding], policy: Policy | None
) -> list[Part]:
    """The parts with the placeholders of an earlier preparation put back (SPEC.md 5.8)."""
    policy = policy or DEFAULT_POLICY
    slash = policy.windows_separators == "slash"
    return [
        Part(
            part.layer,
            part.path,
            restore(part.text, bindings, style=policy.placeholder_style, slash_windows=slash),
        )
        for part in parts
    ]


def restore_tools_layer(tools: Any, bindings: list[Binding], policy: Policy | None) -> Any:
    """The tools with the placeholders of their descriptions put back (SPEC.md 5.10, 5.8).

    They are the canonical tools of the earlier preparation, so their canonical JSON text
    is what the rule hoisted from.
    """
    policy = policy or DEFAULT_POLICY
    text = canonical_tools(tools, sort=policy.tools == "sort")
    if not text:
        return tools
    return orjson.loads(restore_tools(text, bindings, style=policy.placeholder_style))


def restore_prepared(
    request: Any, parts: list[Part], boundary: Boundary, policy: Policy | None
) -> tuple[list[Part], Path | None, list[Binding]]:
    """The parts with an earlier preparation's placeholders restored, where its bindings
    block is, and the bindings it holds (SPEC.md 9.5); the parts as they are, ``None`` and
    no bindings for a request not prepared before."""
    found = find_bindings(request, boundary, policy)
    if found is None:
        return parts, None, []
    return restore_parts(parts, found[1], policy), found[0], found[1]
