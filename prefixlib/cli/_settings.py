"""The settings of ``prefixlib check``: the ``[check]`` table and the command line.

They are not part of the policy (SPEC.md 7), so changing them never changes a key.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefixlib.cli._common import Config, fail
from prefixlib.cli._walk import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, matches

__all__ = ["Settings", "settings"]

_CODE_PREFIX = r"^(ALL|PL[0-9]{0,3})$"


@dataclass(frozen=True)
class Settings:
    """What ``check`` reports and where it looks: the ``[check]`` table and the flags."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    base: Path = field(default_factory=Path.cwd)

    def ignored(self, path: str) -> frozenset[str]:
        """The codes ``per_file_ignores`` turns off for ``path``."""
        relative = _relative(path, self.base)
        return frozenset(
            code
            for pattern, codes in self.per_file_ignores
            if matches(relative, [pattern]) or matches(path.replace(os.sep, "/"), [pattern])
            for code in codes
        )


def _relative(path: str, base: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.replace(os.sep, "/")


def _strings(
    table: Mapping[str, Any], name: str, where: str, *, codes: bool = False
) -> tuple[str, ...]:
    value = table[name]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        fail(f"{where}: {name}: expected a list of strings")
    if codes:
        for item in value:
            _check_code(item, f"{where}: {name}")
    return tuple(value)


def _check_code(code: str, where: str) -> None:
    if not re.fullmatch(_CODE_PREFIX, code):
        fail(f"{where}: {code!r} is not a code or code prefix (e.g. PL105, PL3, ALL)")


_KEYS = frozenset(
    {
        "select",
        "ignore",
        "extend_select",
        "per_file_ignores",
        "include",
        "extend_include",
        "exclude",
        "extend_exclude",
    }
)


def settings(cfg: Config, args: argparse.Namespace | None = None) -> Settings:
    """The check settings of ``[check]`` (``[tool.prefixlib.check]``) and the command line."""
    table = cfg.section("check")
    where = f"{cfg.path}: check" if cfg.path else "check"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        fail(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    get = {
        name: _strings(table, name, where, codes="select" in name or name == "ignore")
        for name in _KEYS - {"per_file_ignores"}
        if name in table
    }
    select = get.get("select", ("ALL",)) + get.get("extend_select", ())
    ignore = get.get("ignore", ())
    per_file: list[tuple[str, tuple[str, ...]]] = []
    raw = table.get("per_file_ignores", {})
    if not isinstance(raw, Mapping):
        fail(f"{where}: per_file_ignores: expected a table of glob = [codes]")
    for pattern in raw:
        per_file.append((pattern, _strings(raw, pattern, f"{where}: per_file_ignores", codes=True)))
    include = get.get("include", DEFAULT_INCLUDE) + get.get("extend_include", ())
    exclude = get.get("exclude", DEFAULT_EXCLUDE) + get.get("extend_exclude", ())
    if args is not None:
        if args.select:
            select = _flag_codes(args.select, "--select")
        ignore += _flag_codes(args.ignore, "--ignore") if args.ignore else ()
        exclude += tuple(args.exclude)
    base = cfg.path.parent.resolve() if cfg.path else Path.cwd()
    return Settings(select, ignore, tuple(per_file), include, exclude, base)


def _flag_codes(value: str, flag: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in value.split(",") if code.strip())
    for code in codes:
        _check_code(code, flag)
    return codes
