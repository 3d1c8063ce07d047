"""``prefixlib lock``: write ``prefixlib.lock``, the cache key of each prompt file.

The lock is TOML, sorted by path and stable (the same files give the same
bytes), so a pull request that changes a key shows it.  Each entry holds the
path (relative to the lock file, ``/`` separated), the key of the file read
into the project layer (SPEC.md 6) and ``lines``: 24 bits of BLAKE3 per
canonical line, base64url, so ``prefixlib check --lock`` can name the first line
that changed.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from blake3 import blake3

from prefixlib.cli._common import (
    EXIT_ERROR,
    EXIT_OK,
    Failure,
    add_policy_arguments,
    config,
    fail,
    file_error,
    read,
    relabel,
    write_atomic,
)
from prefixlib.cli._output import Style, plural
from prefixlib.errors import PrefixlibError
from prefixlib.findings import decode, source_lines
from prefixlib.key import SPEC_VERSION
from prefixlib.pipeline import canonicalize
from prefixlib.policy import Policy

__all__ = ["LOCK_FILE", "check_lock", "register"]

LOCK_FILE: Final = "prefixlib.lock"
_DIGEST: Final = 3  # bytes of BLAKE3 per line
_HEADER: Final = (
    "# prefixlib.lock: the cache key of each prompt file, written by `prefixlib lock`.\n"
    "# `prefixlib check --lock` fails when a key no longer matches. Do not edit.\n"
)


def _entry(path: str, policy: Policy | None) -> tuple[str, str, str]:
    """The key of a prompt file, the digests of its canonical lines, and its text."""
    text = decode(read(path), source=path)
    cp = canonicalize(project=text, policy=policy)
    lines = cp.layers["project"].split("\n")[:-1]
    digest = b"".join(blake3(line.encode("utf-8")).digest(length=_DIGEST) for line in lines)
    return cp.key, base64.urlsafe_b64encode(digest).decode("ascii"), text


def _relative(path: str, base: Path) -> str:
    """``path`` relative to the lock file's directory, with ``/``."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, base)).as_posix()


def render(entries: Mapping[str, tuple[str, str]]) -> str:
    """The lock file's text: a header, the spec version, one ``[[file]]`` per path, sorted."""
    out = [_HEADER, "version = 1\n", f'spec = "{SPEC_VERSION}"\n']
    for path in sorted(entries):
        key, lines = entries[path]
        quoted = path.replace("\\", "\\\\").replace('"', '\\"')
        out.append(f'\n[[file]]\npath = "{quoted}"\nkey = "{key}"\nlines = "{lines}"\n')
    return "".join(out)


def load(path: str) -> dict[str, tuple[str, str]]:
    """The entries of a lock file: path -> (key, lines)."""
    try:
        data = tomllib.loads(decode(read(path), source=path))
    except tomllib.TOMLDecodeError as e:
        fail(f"{path}: invalid TOML: {e}")
    files = data.get("file", [])
    if data.get("version") != 1 or not isinstance(files, list):
        fail(f"{path}: not a prefixlib lock file (version 1)")
    entries: dict[str, tuple[str, str]] = {}
    for number, entry in enumerate(files, start=1):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(name), str) for name in ("path", "key", "lines")
        ):
            fail(f"{path}: file entry {number}: expected path, key and lines strings")
        entries[entry["path"]] = (entry["key"], entry["lines"])
    return entries


def _first_changed(old: str, new: str) -> int:
    """The 1-based canonical line where two ``lines`` digests first differ."""
    a, b = base64.urlsafe_b64decode(old), base64.urlsafe_b64decode(new)
    for i in range(0, max(len(a), len(b)), _DIGEST):
        if a[i : i + _DIGEST] != b[i : i + _DIGEST]:
            return i // _DIGEST + 1
    return 1


def check_lock(
    lock: str, paths: Sequence[str], policy: Policy | None, style: Style, *, quiet: bool
) -> int:
    """Print ``path:line:1: ...`` for each file whose key is not the locked one.

    Returns how many differ, or -1 when the lock file or a file cannot be read.
    """
    try:
        entries = load(lock)
    except Failure as e:
        print(f"{style.paint('error', 'red')}: {e}", file=sys.stderr)
        return -1
    base = Path(os.path.abspath(lock)).parent
    stale = 0
    for path in paths:
        if path == "-":
            continue
        name = _relative(path, base)
        try:
            key, lines, text = _entry(path, policy)
        except (Failure, PrefixlibError) as e:
            message = relabel(e, path) if isinstance(e, PrefixlibError) else str(e)
            print(f"{style.paint('error', 'red')}: {message}", file=sys.stderr)
            return -1
        locked = entries.get(name)
        if locked is None:
            print(f"{path}:1:1: not in {lock} (run prefixlib lock)")
            stale += 1
        elif locked[0] != key:
            canonical_line = _first_changed(locked[1], lines)
            sources = source_lines(text, policy=policy)
            line = sources[min(canonical_line, len(sources)) - 1] if sources else 1
            print(f"{path}:{line}:1: key changed since {lock}: {locked[0]} -> {key}")
            stale += 1
    checked = {_relative(path, base) for path in paths if path != "-"}
    for name in sorted(set(entries) - checked):
        if not (base / name).is_file():
            print(f"{lock}: {name}: locked, but the file is gone (run prefixlib lock)")
            stale += 1
    if stale and not quiet:
        print(f"{plural(stale, 'file')} not matching {lock}", file=sys.stderr)
    return stale


def run(args: argparse.Namespace) -> int:
    """Write the lock file for the files given and the prompt files under the directories."""
    from prefixlib.cli._settings import settings  # the files check would look at
    from prefixlib.cli._walk import prompt_files

    cfg = config(args)
    chosen = settings(cfg)
    base = Path(os.path.abspath(args.output)).parent
    entries: dict[str, tuple[str, str]] = {}
    status = EXIT_OK
    for path, _ in prompt_files(
        args.paths or ["."], include=chosen.include, exclude=chosen.exclude
    ):
        if path == "-":
            fail("lock reads files, not stdin")
        if os.path.abspath(path) == os.path.abspath(args.output):
            continue
        try:
            entries[_relative(path, base)] = _entry(path, cfg.policy)[:2]
        except (Failure, PrefixlibError) as e:
            print(f"error: {file_error(e, path)}", file=sys.stderr)
            status = EXIT_ERROR
    if status != EXIT_OK:
        return status
    text = render(entries)
    output = Path(args.output)
    if output.is_file() and output.read_bytes() == text.encode("utf-8"):
        print(f"{args.output} is up to date ({plural(len(entries), 'file')})", file=sys.stderr)
        return EXIT_OK
    write_atomic(args.output, text.encode("utf-8"))
    print(f"wrote {args.output} ({plural(len(entries), 'file')})", file=sys.stderr)
    return EXIT_OK


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``lock`` to the command line."""
    parser = commands.add_parser(
        "lock",
        help="write prefixlib.lock, the key of each prompt file",
        description="Write the cache key of each prompt file (as the project layer) to a "
        "TOML lock file, sorted and stable; `prefixlib check --lock` fails when one changes.",
        epilog="exit status: 0 written or up to date, 2 usage or input error, 123 internal error",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="a file or directory (default: .)")
    parser.add_argument(
        "-o",
        "--output",
        default=LOCK_FILE,
        metavar="F",
        help=f"the lock file (default: {LOCK_FILE})",
    )
    add_policy_arguments(parser)
    parser.set_defaults(run=run, parser=parser)
