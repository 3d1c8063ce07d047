"""``prefixlib explain``: every change the rules make to a prompt file, and every hoisted value."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from prefixlib.cli._common import (
    EXIT_OK,
    add_layer_argument,
    add_policy_arguments,
    add_root_argument,
    fail,
    parse_roots,
    policy,
    print_json,
    read,
    relabel,
)
from prefixlib.cli._output import Style
from prefixlib.errors import PrefixlibError
from prefixlib.findings import CODES, check_text, decode
from prefixlib.pipeline import canonicalize

__all__ = ["register"]


def _codes(args: argparse.Namespace) -> int:
    """Print the table of finding codes."""
    if args.json:
        print_json(
            [
                {"code": code, "name": c.name, "summary": c.summary, "fixable": c.fixable}
                for code, c in CODES.items()
            ]
        )
        return EXIT_OK
    for code, c in CODES.items():
        print(f"{code}  {c.name:<20} {'fixable' if c.fixable else 'reported':<9} {c.summary}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """List the file's findings (each rule's change at its place) and its bindings."""
    if args.codes:
        return _codes(args)
    if args.file is None:
        fail("give a FILE (or - for stdin), or --codes")
    label = "<stdin>" if args.file == "-" else args.file
    options: dict[str, Any] = {"policy": policy(args)}
    if args.root:
        options["roots"] = parse_roots(args.root)
    try:
        text = decode(read(args.file), source=label)
        checked = check_text(text, layer=args.layer, **options)
        layer: dict[str, Any] = {args.layer: text}
        cp = canonicalize(**layer, **options)
    except PrefixlibError as e:
        fail(relabel(e, args.file))
    if args.json:
        print_json(
            {
                "path": label,
                "key": cp.key,
                "findings": [
                    {
                        "line": f.line,
                        "column": f.column,
                        "code": f.code,
                        "rule": CODES[f.code].name,
                        "message": f.message,
                        "fixable": f.fixable,
                    }
                    for f in checked.findings
                ],
                "changes": [
                    {
                        "rule": c.rule,
                        "line": c.line,
                        "offset": c.offset,
                        "before": c.before,
                        "after": c.after,
                    }
                    for c in cp.changes
                ],
                "bindings": dict(cp.bindings),
            }
        )
        return EXIT_OK
    out = Style.for_stream(sys.stdout)
    if not checked.findings:
        print(f"{label}: canonical, nothing hoisted", file=sys.stderr)
    for f in checked.findings:
        where = out.paint(f"{label}:{f.line}:{f.column}:", "bold")
        print(f"{where} {CODES[f.code].name} ({f.code}): {f.message}")
    for placeholder, value in cp.bindings.items():
        print(f"{placeholder} = {value}")
    return EXIT_OK


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``explain`` to the command line."""
    parser = commands.add_parser(
        "explain",
        help="list what each rule changes in a prompt file, and every hoisted value",
        description="List every change the rules make to FILE (rule, line, column, what) and "
        "every value hoisted out of it with its placeholder, then the bindings. --json adds "
        "the raw changes of each rule (positions in the text as that rule received it).",
        epilog="exit status: 0 success, 2 usage or input error, 123 internal error",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="a prompt file; - reads stdin")
    parser.add_argument("--codes", action="store_true", help="print the table of finding codes")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_layer_argument(parser)
    add_root_argument(parser)
    add_policy_arguments(parser)
    parser.set_defaults(run=run, parser=parser)
