"""What every verb of the command line shares: reading inputs, the policy, errors, output.

The CLI is the only code that reads files, prints or exits (STYLE.md).  A verb
raises :class:`Failure` (or lets a :class:`~prefixlib.PrefixlibError` through)
for bad input; :func:`prefixlib.cli.main` turns either into one line on stderr
and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from prefixlib.errors import InputError, PrefixlibError
from prefixlib.key import SECRET_SIZE
from prefixlib.policy import Policy

__all__ = [
    "EXIT_CHANGED",
    "EXIT_ERROR",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "TEXT_LAYERS",
    "Failure",
    "add_policy_arguments",
    "fail",
    "load_policy",
    "parse_roots",
    "policy",
    "print_json",
    "read",
    "read_secret",
    "relabel",
]

EXIT_OK = 0
EXIT_CHANGED = 1
EXIT_ERROR = 2
EXIT_INTERNAL = 123

TEXT_LAYERS = ("base", "developer", "project")


class Failure(Exception):
    """An input or usage error, its message already naming the file it came from."""


def fail(message: str) -> NoReturn:
    """Stop the verb with a one-line error (exit code 2)."""
    raise Failure(message)


def read(path: str, *, text: bool = True) -> bytes:
    """Read a file, or stdin for ``-``.  A prompt (``text``) with a NUL byte is a binary
    file, an error naming the byte: no text format a prompt comes in holds one."""
    data = sys.stdin.buffer.read() if path == "-" else _read_file(path)
    if text:
        nul = data.find(b"\x00")
        if nul >= 0:
            fail(f"{'<stdin>' if path == '-' else path}: byte {nul}: binary file (a NUL byte)")
    return data


def _read_file(path: str) -> bytes:
    """The bytes of the file at ``path``; a file that cannot be read is a :func:`fail`."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except IsADirectoryError:
        fail(f"{path}: is a directory")
    except OSError as e:
        fail(f"{path}: {e.strerror or e}".lower())


def relabel(error: PrefixlibError, path: str) -> str:
    """The error message, naming ``path`` instead of the layer it was read into."""
    if isinstance(error, InputError):
        return str(error.with_source("<stdin>" if path == "-" else path))
    return f"{path}: {error}"


def parse_roots(values: Sequence[str]) -> dict[str, str]:
    """``--root NAME=PATH`` values as a mapping."""
    roots: dict[str, str] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            fail(f"--root {value!r}: expected NAME=PATH")
        roots[name] = path
    return roots


def load_policy(path: Path) -> Policy:
    """The policy in ``.prefixlib.toml``, or in ``[tool.prefixlib]`` of a pyproject.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        place = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        where = f"{path}:{place[1]}:{place[2]}" if place else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e)).lower()
        fail(f"{where}: invalid TOML: {reason}")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"{path}: cannot read: {e}".lower())
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("prefixlib", {})
    return Policy.from_mapping(data, source=str(path))


def find_config(start: Path) -> Path | None:
    """The nearest ``.prefixlib.toml``, or pyproject.toml with ``[tool.prefixlib]``, upwards."""
    for folder in (start, *start.parents):
        candidate = folder / ".prefixlib.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(
            r"^\[tool\.prefixlib[.\]]",
            pyproject.read_text(encoding="utf-8", errors="replace"),
            re.M,
        ):
            return pyproject
    return None


def add_policy_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config F`` and ``--no-config``, which every verb takes."""
    parser.add_argument(
        "--config",
        metavar="F",
        help="the policy: a .prefixlib.toml, or a pyproject.toml with [tool.prefixlib] "
        "(default: the nearest one from the current directory up)",
    )
    parser.add_argument("--no-config", action="store_true", help="use the default policy")


def policy(args: argparse.Namespace) -> Policy | None:
    """The policy the verb runs with: ``--config``, the nearest config file, or the default."""
    if args.no_config:
        return None
    path = Path(args.config) if args.config else find_config(Path.cwd())
    return None if path is None else load_policy(path)


def read_secret(path: str) -> bytes:
    """A secret file holds 32 raw bytes, or 64 hex digits and an optional newline."""
    data = read(path, text=False)
    text = data.strip()
    if len(text) == 2 * SECRET_SIZE:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except ValueError:
            pass
    if len(data) != SECRET_SIZE:
        fail(f"{path}: a secret file holds {SECRET_SIZE} raw bytes or {2 * SECRET_SIZE} hex digits")
    return data


def print_json(value: object) -> None:
    """Write ``value`` to stdout as indented JSON, non-ASCII kept as is."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
