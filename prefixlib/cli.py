"""The ``prefixlib`` command: the only module that reads files, prints, or exits.

Exit codes: 0 success, 1 findings or changes, 2 usage or input error,
123 internal error (a bug).  Data goes to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from prefixlib import __version__
from prefixlib.errors import InputError, PrefixlibError
from prefixlib.key import SECRET_SIZE, SPEC_VERSION
from prefixlib.model import CanonicalPrefix
from prefixlib.pipeline import canonicalize
from prefixlib.policy import Policy

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERNAL = 123

_TEXT_LAYERS = ("base", "developer", "project")


class _Failure(Exception):
    """An input error already relabelled with the file it came from."""


def _fail(message: str) -> NoReturn:
    raise _Failure(message)


def _read(path: str) -> bytes:
    """Read a file, or stdin for ``-``."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except IsADirectoryError:
        _fail(f"{path}: is a directory")
    except OSError as e:
        _fail(f"{path}: {e.strerror or e}".lower())


def _relabel(error: PrefixlibError, path: str) -> str:
    """The error message, naming ``path`` instead of the layer it was read into."""
    if isinstance(error, InputError):
        return str(error.with_source("<stdin>" if path == "-" else path))
    return f"{path}: {error}"


def _parse_roots(values: Sequence[str]) -> dict[str, str]:
    roots: dict[str, str] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            _fail(f"--root {value!r}: expected NAME=PATH")
        roots[name] = path
    return roots


def _load_policy(path: Path) -> Policy:
    """The policy in ``.prefixlib.toml``, or in ``[tool.prefixlib]`` of a pyproject.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        place = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        where = f"{path}:{place[1]}:{place[2]}" if place else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e)).lower()
        _fail(f"{where}: invalid TOML: {reason}")
    except (OSError, UnicodeDecodeError) as e:
        _fail(f"{path}: cannot read: {e}".lower())
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("prefixlib", {})
    return Policy.from_mapping(data, source=str(path))


def _find_config(start: Path) -> Path | None:
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


def _policy(args: argparse.Namespace) -> Policy | None:
    if args.no_config:
        return None
    path = Path(args.config) if args.config else _find_config(Path.cwd())
    return None if path is None else _load_policy(path)


def _read_secret(path: str) -> bytes:
    """A secret file holds 32 raw bytes, or 64 hex digits and an optional newline."""
    data = _read(path)
    text = data.strip()
    if len(text) == 2 * SECRET_SIZE:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except ValueError:
            pass
    if len(data) != SECRET_SIZE:
        _fail(
            f"{path}: a secret file holds {SECRET_SIZE} raw bytes or {2 * SECRET_SIZE} hex digits"
        )
    return data


def _as_json(cp: CanonicalPrefix, **extra: str) -> dict[str, Any]:
    return {
        **extra,
        "key": cp.key,
        "layer_keys": dict(cp.layer_keys),
        "layers": dict(cp.layers),
        "bindings": dict(cp.bindings),
        "spec": SPEC_VERSION,
    }


def _print_json(value: object) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _hash(args: argparse.Namespace) -> int:
    """``prefixlib hash``: print cache keys (SPEC.md 6)."""
    options: dict[str, Any] = {"namespace": args.namespace, "policy": _policy(args)}
    if args.root:
        options["roots"] = _parse_roots(args.root)
    if args.secret_file:
        options["secret"] = _read_secret(args.secret_file)
    layer_files = {name: getattr(args, name) for name in (*_TEXT_LAYERS, "tools")}
    layer_files = {name: path for name, path in layer_files.items() if path is not None}
    if layer_files and args.files:
        _fail("give FILE arguments or --base/--developer/--project/--tools, not both")
    if layer_files:
        inputs: dict[str, Any] = {name: _read(path) for name, path in layer_files.items()}
        try:
            cp = canonicalize(**inputs, **options)
        except PrefixlibError as e:
            source = e.source if isinstance(e, InputError) else None
            _fail(_relabel(e, layer_files[source]) if source in layer_files else str(e))
        if args.json:
            _print_json(_as_json(cp))
        else:
            print(cp.key)
        return EXIT_OK
    status = EXIT_OK
    results = []
    for path in args.files or ["-"]:
        try:
            layer: dict[str, Any] = {args.layer: _read(path)}
            cp = canonicalize(**layer, **options)
        except _Failure as e:
            print(f"error: {e}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        except PrefixlibError as e:
            print(f"error: {_relabel(e, path)}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if args.json:
            results.append(_as_json(cp, path=path))
        else:
            print(f"{cp.key}  {path}")
    if args.json:
        _print_json(results)
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prefixlib", description="Canonical, cacheable LLM startup prefixes."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    hash_ = commands.add_parser(
        "hash",
        help="print cache keys",
        description="Print the cache key of each FILE (like b3sum: KEY  PATH), or with "
        "--base/--developer/--project/--tools the one key of the whole prefix.",
    )
    hash_.add_argument("files", nargs="*", metavar="FILE", help="a prompt file; - reads stdin")
    hash_.add_argument(
        "--layer",
        choices=_TEXT_LAYERS,
        default="project",
        help="the layer each FILE is read into (default: project)",
    )
    for name in _TEXT_LAYERS:
        hash_.add_argument(f"--{name}", metavar="F", help=f"the {name} layer of one prefix")
    hash_.add_argument(
        "--tools", metavar="F", help="a JSON array of tool definitions, or an object with 'tools'"
    )
    hash_.add_argument("--json", action="store_true", help="print JSON instead of keys")
    hash_.add_argument("--namespace", metavar="NS", help="a tenant, model or deployment name")
    hash_.add_argument(
        "--root", action="append", default=[], metavar="NAME=PATH", help="a root (repeatable)"
    )
    hash_.add_argument("--secret-file", metavar="F", help="32 raw bytes or 64 hex digits")
    hash_.add_argument(
        "--config",
        metavar="F",
        help="the policy: a .prefixlib.toml, or a pyproject.toml with [tool.prefixlib] "
        "(default: the nearest one from the current directory up)",
    )
    hash_.add_argument("--no-config", action="store_true", help="use the default policy")
    hash_.set_defaults(run=_hash)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except _Failure as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except PrefixlibError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug: say so in one line
        print(f"error: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_INTERNAL
    return status
