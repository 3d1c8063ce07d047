"""``prefixlib report``: how cacheable a stable prefix is (README "Cacheability report").

A prompt file is read into one layer; a request body (a JSON object with ``input``,
``instructions``, ``messages`` or ``system``) is split by the adapters, and its stable
prefix is reported as the adapters would send it.  Exit status 1 when a volatile value is
left in the prefix, or when it reaches none of the minimums that apply (with ``--model``,
that model's); warnings go to stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from prefixlib.adapters import kind_of, prepare
from prefixlib.cacheability import Cacheability, assess
from prefixlib.cli._common import (
    EXIT_CHANGED,
    EXIT_ERROR,
    EXIT_OK,
    Failure,
    add_layer_argument,
    add_policy_arguments,
    add_root_argument,
    fail,
    parse_roots,
    policy,
    print_json,
    read,
    relabel,
    request_body,
)
from prefixlib.errors import PrefixlibError
from prefixlib.pipeline import canonicalize
from prefixlib.rules.text import decode

__all__ = ["register"]


def _report(args: argparse.Namespace, path: str, options: dict[str, Any]) -> Cacheability:
    """The report of one file: a request's stable prefix as the adapters send it (SPEC.md
    9), or a prompt read into ``--layer``."""
    data = read(path)
    try:
        text = decode(data, source="<stdin>" if path == "-" else path)
    except PrefixlibError as e:
        fail(relabel(e, path))
    body = request_body(text, path)
    try:
        if body is not None:
            kind_of(body)
            return prepare(body, **options).cacheability(model=args.model)
        layer: dict[str, Any] = {args.layer: data}
        return assess(canonicalize(**layer, **options), model=args.model)
    except PrefixlibError as e:
        fail(relabel(e, path))


def _print(report: Cacheability, path: str) -> None:
    """The report as text on stdout, its warnings on stderr."""
    tokens = report.tokens
    out = [
        f"{path}",
        f"  key            {report.key}",
        f"  stable prefix  {report.bytes:,} bytes, {tokens.tokens:,} tokens ({tokens.method})",
        f"  volatile       {report.volatile or 'none left in the stable prefix'}",
    ]
    if report.model:
        out.append(f"  model          {report.model}")
    for check in report.checks:
        row = check.minimum
        verdict = (
            f"cacheable, {check.cached_tokens:,} tokens cached"
            if check.cacheable
            else "below the minimum"
        )
        out.append(f"  {row.provider:<9} {row.tokens:>5}  {row.family:<44} {verdict}")
    sources = sorted({(c.minimum.provider, c.minimum.source) for c in report.checks})
    out += [f"  source         {provider}: {source}" for provider, source in sources]
    out += [f"  note           {note}" for note in report.notes]
    print("\n".join(out))
    for warning in report.warnings:
        print(f"warning: {path}: {warning}", file=sys.stderr)


def _status(report: Cacheability) -> int:
    """1 where a volatile value is left or no minimum that applies is reached, else 0."""
    if report.volatile is not None or not any(c.cacheable for c in report.checks):
        return EXIT_CHANGED
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Report each file; exit 1 if any has a volatile value left or is cacheable nowhere."""
    options: dict[str, Any] = {"policy": policy(args), "namespace": args.namespace}
    if args.root:
        options["roots"] = parse_roots(args.root)
    status = EXIT_OK
    reports = []
    for path in args.files or ["-"]:
        try:
            report = _report(args, path, options)
        except Failure as e:  # one bad file is reported, and the others still are
            print(f"error: {e}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        status = max(status, _status(report))
        if args.json:
            reports.append({"path": path, **report.as_dict()})
        else:
            _print(report, path)
    if args.json:
        print_json(reports)
    return status


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report`` to the command line."""
    parser = commands.add_parser(
        "report",
        help="report how cacheable a stable prefix is",
        description="Report the stable prefix of each FILE (a prompt, or a request body "
        "as JSON): its length in bytes and tokens, the first volatile value left in it, and "
        "per provider whether it reaches the minimum cacheable size. Exit status 1 if a "
        "volatile value is left, or if the prefix reaches none of the minimums that apply.",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="a prompt or REQUEST.json; - reads stdin"
    )
    add_layer_argument(parser)
    parser.add_argument(
        "--model", metavar="M", help="check this model's minimum (default: a request's model)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--namespace", metavar="NS", help="a tenant, model or deployment name")
    add_root_argument(parser)
    add_policy_arguments(parser)
    parser.set_defaults(run=run)
