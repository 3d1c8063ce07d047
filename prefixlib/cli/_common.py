"""What every verb of the command line shares: reading inputs, the policy, errors, output.

The CLI is the only code that reads files, prints or exits (STYLE.md).  A verb
raises :class:`Failure` (or lets a :class:`~prefixlib.PrefixlibError` through)
for bad input; :func:`prefixlib.cli.main` turns either into one line on stderr
and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import stat
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NoReturn

from prefixlib.errors import InputError, PrefixlibError
from prefixlib.key import SECRET_SIZE
from prefixlib.policy import Policy

__all__ = [
    "EXIT_CHANGED",
    "EXIT_ERROR",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_STATUS",
    "SECTIONS",
    "TEXT_LAYERS",
    "Config",
    "Failure",
    "Once",
    "UsageError",
    "add_policy_arguments",
    "config",
    "fail",
    "load_config",
    "load_policy",
    "parse_roots",
    "policy",
    "print_json",
    "read",
    "read_secret",
    "relabel",
    "stdin_or_usage",
    "usage_error",
    "write_atomic",
]

EXIT_OK = 0
EXIT_CHANGED = 1
EXIT_ERROR = 2
EXIT_INTERNAL = 123
#: The epilog of every verb's --help.
EXIT_STATUS: Final = (
    "exit status: 0 success, 1 findings or changes, 2 usage or input error, 123 internal error"
)

TEXT_LAYERS = ("base", "developer", "project")


class Failure(Exception):
    """An input or usage error, its message already naming the file it came from."""


class UsageError(Failure):
    """A command line that makes no sense: the verb's usage is printed with the message."""


def usage_error(message: str) -> NoReturn:
    """Stop the verb with its usage and a one-line error (exit code 2)."""
    raise UsageError(message)


def stdin_or_usage(files: Sequence[str]) -> list[str]:
    """``files``, or ``-`` when none is given and stdin is not a terminal.

    With no file and stdin a terminal, nothing would ever arrive: print usage instead.
    """
    if files:
        if list(files).count("-") > 1:
            usage_error("stdin (-) named more than once")
        return list(files)
    if sys.stdin is None or sys.stdin.isatty():
        usage_error("no FILE given and stdin is a terminal (give a file, or - to read stdin)")
    return ["-"]


class Once(argparse.Action):
    """An option that may be given once: a second value is a usage error, not a silent override."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, self.dest) is not None:
            parser.error(f"{option_string} given twice: one source per layer")
        setattr(namespace, self.dest, values)


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
        fail(f"{path}: {e.strerror or e}")


def relabel(error: PrefixlibError, path: str) -> str:
    """The error message, naming ``path`` instead of the layer it was read into."""
    if isinstance(error, InputError):
        return str(error.with_source("<stdin>" if path == "-" else path))
    return f"{path}: {error}"


def file_error(error: Failure | PrefixlibError, path: str) -> str:
    """The one-line message of an error about the file ``path``, for a verb that reports a bad
    file and goes on with the others: a :class:`Failure` names the file already, a
    :class:`~prefixlib.PrefixlibError` is relabelled with it."""
    return str(error) if isinstance(error, Failure) else relabel(error, path)


def parse_roots(values: Sequence[str]) -> dict[str, str]:
    """``--root NAME=PATH`` values as a mapping."""
    roots: dict[str, str] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            fail(f"--root {value!r}: expected NAME=PATH")
        roots[name] = path
    return roots


#: The tables of a config file that are not policy fields: each is read by the verb it names.
SECTIONS: Final = frozenset({"check", "serve"})


@dataclass(frozen=True)
class Config:
    """A config file's policy (SPEC.md 7) and its other tables (``[check]``, ``[serve]``).

    ``path`` is the file it came from (``None``: the default policy, no file).
    The tables are not part of the policy, so changing them never changes a key.
    """

    policy: Policy | None = None
    path: Path | None = None
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))

    def section(self, name: str) -> Mapping[str, Any]:
        """The table ``name`` (``[tool.prefixlib.NAME]`` or ``[NAME]``), empty if absent."""
        return self.tables.get(name, MappingProxyType({}))


def load_config(path: Path) -> Config:
    """The policy and tables in ``.prefixlib.toml``, or in ``[tool.prefixlib]`` of a pyproject.toml.

    A ``.prefixlib.toml`` may hold its fields at the top level or, pasted from a
    pyproject.toml, under ``[tool.prefixlib]``.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        place = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        where = f"{path}:{place[1]}:{place[2]}" if place else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        fail(f"{where}: invalid TOML: {reason}")
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"{path}: cannot read: {e}")
    nested = data.get("tool", {}).get("prefixlib") if isinstance(data.get("tool"), dict) else None
    if path.name == "pyproject.toml":
        data = nested if isinstance(nested, dict) else {}
    elif isinstance(nested, dict) and set(data) == {"tool"}:
        data = nested
    tables = {name: value for name, value in data.items() if name in SECTIONS}
    for name, value in tables.items():
        if not isinstance(value, dict):
            fail(f"{path}: {name}: expected a table")
    fields = {name: value for name, value in data.items() if name not in SECTIONS}
    return Config(
        policy=Policy.from_mapping(fields, source=str(path)),
        path=path,
        tables=MappingProxyType({name: MappingProxyType(value) for name, value in tables.items()}),
    )


def load_policy(path: Path) -> Policy:
    """The policy in ``.prefixlib.toml``, or in ``[tool.prefixlib]`` of a pyproject.toml."""
    policy = load_config(path).policy
    assert policy is not None
    return policy


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


#: Top-level fields of which a request body has at least one (SPEC.md 9.1).
REQUEST_FIELDS: Final = ("input", "instructions", "messages", "system")


def request_body(text: str, path: str) -> dict[str, Any] | None:
    """The request body ``text`` holds, or ``None`` where it is a prompt (SPEC.md 9.1).

    A file named ``*.json`` must be a request body, and an error says why it is not; other
    input is one where it is a JSON object with a request's fields, so a prompt that starts
    with ``{`` stays a prompt.
    """
    label = "<stdin>" if path == "-" else path
    must = path.endswith(".json")
    if not must and not text.lstrip().startswith("{"):
        return None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as e:
        if must:
            fail(f"{label}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}")
        return None
    if isinstance(body, dict) and any(name in body for name in REQUEST_FIELDS):
        return body
    if must:
        fail(f"{label}: not a request body: a JSON object with {', '.join(REQUEST_FIELDS)}")
    return None


def add_layer_argument(parser: argparse.ArgumentParser) -> None:
    """``--layer``: the text layer a prompt file is read into (default: project)."""
    parser.add_argument(
        "--layer",
        choices=TEXT_LAYERS,
        default="project",
        help="the layer a prompt file is read into (default: project)",
    )


def add_root_argument(parser: argparse.ArgumentParser) -> None:
    """``--root NAME=PATH``, repeatable: a root to hoist wherever it appears (SPEC.md 5.4.3)."""
    parser.add_argument(
        "--root", action="append", default=[], metavar="NAME=PATH", help="a root (repeatable)"
    )


def add_policy_arguments(
    parser: argparse.ArgumentParser, *, verbose: str = "say which config file is used"
) -> None:
    """``--config F`` or ``--no-config``, and ``--verbose``, which every verb takes.

    ``verbose`` is the help of ``-v``, for a verb that says more with it.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--config",
        metavar="F",
        help="the policy: a .prefixlib.toml, or a pyproject.toml with [tool.prefixlib] "
        "(default: the nearest one from the current directory up)",
    )
    group.add_argument("--no-config", action="store_true", help="use the default policy")
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose)


def config(args: argparse.Namespace) -> Config:
    """The config the verb runs with: ``--config``, the nearest config file, or the default."""
    if args.no_config:
        found = None
    else:
        found = Path(args.config) if args.config else find_config(Path.cwd())
    result = Config() if found is None else load_config(found)
    if getattr(args, "verbose", False):
        used = "none (the default policy)" if found is None else str(found)
        print(f"config: {used}", file=sys.stderr)
    return result


def policy(args: argparse.Namespace) -> Policy | None:
    """The policy the verb runs with: ``--config``, the nearest config file, or the default."""
    return config(args).policy


def write_atomic(path: str, data: bytes, *, expected: bytes | None = None) -> None:
    """Replace (or create) the file at ``path`` by ``data``: a temporary file in the same
    directory, fsync, rename; the file keeps its mode, and a symbolic link keeps pointing at it.

    With ``expected`` (the bytes the caller read), a file that no longer holds them is left
    alone: it changed on disk since.  A write that fails (a full disk, a read-only
    directory) is a :func:`fail` naming the file, which is then as it was.
    """
    try:
        _write_atomic(path, data, expected)
    except OSError as e:
        fail(f"{path}: cannot write: {e.strerror or e}; the file is unchanged")


def _write_atomic(path: str, data: bytes, expected: bytes | None) -> None:
    """:func:`write_atomic`, its ``OSError`` raised as it is."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:  # a new file: the mode open() would give it
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        if expected is not None and Path(target).read_bytes() != expected:
            fail(f"{path}: changed on disk while it was being fixed; not rewritten")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # the rename itself reaches the disk
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
