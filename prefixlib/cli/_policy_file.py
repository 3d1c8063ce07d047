"""Writing what ``prefixlib learn --write`` proposes into a policy file (SPEC.md 7.2, 7.3),
keeping the file's comments and layout (tomlkit, imported only by this command)."""

from __future__ import annotations

from pathlib import Path

import tomlkit
from tomlkit.items import Array, InlineTable, Table

from prefixlib.cli._common import write_atomic
from prefixlib.learn import Addition
from prefixlib.policy import UserPattern

__all__ = ["write_policy"]


def _policy_table(document: tomlkit.TOMLDocument, path: Path) -> Table | tomlkit.TOMLDocument:
    """Where a policy file's fields are: ``[tool.prefixlib]`` or the top level."""
    tool = document.get("tool")
    nested = tool.get("prefixlib") if isinstance(tool, Table) else None
    if path.name == "pyproject.toml" or (isinstance(nested, Table) and set(document) == {"tool"}):
        if not isinstance(nested, Table):
            nested = tomlkit.table()
            document.setdefault("tool", tomlkit.table())["prefixlib"] = nested
        return nested
    return document


def _append(table: Table | tomlkit.TOMLDocument, key: str, value: object) -> None:
    """Append ``value`` to the array ``key`` of ``table`` (made if absent), keeping its style."""
    array = table.get(key)
    if not isinstance(array, Array):
        array = tomlkit.array()
        array.multiline(True)
        table[key] = array
    array.append(value)


def write_policy(path: Path, additions: list[Addition]) -> None:
    """Add the additions to the policy file at ``path`` (created if absent), atomically,
    keeping its comments and layout (SPEC.md 7.2, 7.3)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    document = tomlkit.parse(text)
    table = _policy_table(document, path)
    for addition in additions:
        if isinstance(addition.value, UserPattern):
            entry: InlineTable = tomlkit.inline_table()
            entry.update({"name": addition.value.name, "pattern": addition.value.pattern})
            _append(table, "patterns", entry)
        else:
            _append(table, "hoist_labels", addition.value)
    write_atomic(str(path), tomlkit.dumps(document).encode("utf-8"))
