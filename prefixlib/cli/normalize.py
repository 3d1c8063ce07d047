"""``prefixlib normalize``: print the canonical text of prompt files (SPEC.md 3 and 5)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from prefixlib.cli._common import (
    EXIT_ERROR,
    EXIT_OK,
    Failure,
    add_layer_argument,
    add_policy_arguments,
    add_root_argument,
    fail,
    file_error,
    parse_roots,
    policy,
    read,
    stdin_or_usage,
    write_atomic,
)
from prefixlib.errors import PrefixlibError
from prefixlib.findings import decode
from prefixlib.pipeline import canonicalize

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    """Print each file's canonical layer; or rewrite each file with ``--in-place``."""
    if args.in_place and args.bindings:
        fail("--in-place writes no bindings: a file keeps its values (drop --bindings)")
    if args.in_place and (not args.files or "-" in args.files):
        fail("--in-place needs FILE arguments, not stdin")
    options: dict[str, Any] = {"policy": policy(args)}
    if args.root:
        options["roots"] = parse_roots(args.root)
    status = EXIT_OK
    for path in stdin_or_usage(args.files):
        label = "<stdin>" if path == "-" else path
        try:
            text = decode(read(path), source=label)
            layer: dict[str, Any] = {args.layer: text}
            cp = canonicalize(**layer, **options)
        except (Failure, PrefixlibError) as e:
            print(f"error: {file_error(e, path)}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if args.in_place:
            restored = cp.restore()[args.layer]  # the canonical text with its values in place
            if restored != text:
                write_atomic(path, restored.encode("utf-8"))
                print(f"normalized {path}", file=sys.stderr)
            continue
        sys.stdout.write(cp.layers[args.layer])
        if args.bindings:
            sys.stdout.write(cp.render_bindings())
    return status


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``normalize`` to the command line."""
    parser = commands.add_parser(
        "normalize",
        help="print the canonical text of prompt files",
        description="Print the canonical text of each FILE (read into --layer), volatile "
        "values hoisted into placeholders; --bindings adds the block of their values. "
        "--in-place rewrites each file to its canonical text with its values kept in place "
        "(what check --fix writes): a file never loses a value.",
        epilog="exit status: 0 success, 2 usage or input error, 123 internal error",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="a prompt file; - reads stdin")
    parser.add_argument("-i", "--in-place", action="store_true", help="rewrite the files")
    parser.add_argument(
        "--bindings", action="store_true", help="append the bindings block (the values)"
    )
    add_layer_argument(parser)
    add_root_argument(parser)
    add_policy_arguments(parser)
    parser.set_defaults(run=run, parser=parser)
