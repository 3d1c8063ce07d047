"""``prefixlib learn``: propose, and with ``--write`` add, the policy that makes sessions agree.

Reads two or more captured startup prefixes of one project (prompt files, or request bodies
as the adapters read them), runs :func:`prefixlib.learn` with the current policy, prints each
proposal with its evidence, and with ``--write`` adds the proposals to the policy file
(``--config F``, else the nearest one, else a new ``.prefixlib.toml`` here), keeping its
comments and layout (tomlkit), atomically.  Then it runs again with the written file and says
whether the sessions share a key, or what is left and why.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from prefixlib.adapters import split
from prefixlib.cli._common import (
    EXIT_OK,
    add_layer_argument,
    add_policy_arguments,
    config,
    fail,
    find_config,
    load_policy,
    print_json,
    read,
    relabel,
    request_body,
)
from prefixlib.errors import PrefixlibError
from prefixlib.learn import Difference, Proposal, learn
from prefixlib.rules.text import decode

__all__ = ["register"]

EXIT_DIFFERENT = 1


def _sample(path: str, layer: str) -> dict[str, Any]:
    """A file's layers: a request body through the adapters, else text as ``layer``."""
    try:
        text = decode(read(path), source=path)
    except PrefixlibError as e:
        fail(relabel(e, path))
    body = request_body(text, path)
    if body is None:
        return {layer: text}
    try:
        return dict(split(body).layers)
    except PrefixlibError as e:
        fail(relabel(e, path))


def _shown(difference: Difference, names: list[str], redact: bool) -> list[str]:
    """The evidence lines of a difference: the span in each session (or its length)."""
    lines = []
    for name, value in zip(names, difference.values, strict=False):
        if value is None:
            shown = "(absent)"
        elif redact:
            shown = f"({len(value)} characters)"
        else:
            shown = json.dumps(value, ensure_ascii=False)
        lines.append(f"    {name}: {shown}")
    return lines


def _report(proposal: Proposal, files: list[str], redact: bool) -> None:
    """The proposals and what is left, for a person."""
    for addition in proposal.additions:
        print(f"+ {addition.describe()}")
        print(f"  why: {addition.evidence.reason} (layer {addition.evidence.layer})")
        for line in _shown(addition.evidence, [files[0], "other"], redact):
            print(line)
    if not proposal.additions:
        print("nothing to propose")
    if proposal.shared:
        print(f"the {len(files)} sessions share one key: {proposal.keys_after[0]}")
        return
    print(f"the sessions still differ ({len(set(proposal.keys_after))} keys):")
    for difference in proposal.remaining:
        print(f"- layer {difference.layer}: {difference.reason}")
        for line in _shown(difference, [files[0], "other"], redact):
            print(line)


def run(args: argparse.Namespace) -> int:
    """Learn from the files, print or write the proposals, and say what is left (7.3)."""
    if len(args.files) < 2:
        fail("learn needs two or more sessions of the same project")
    samples = [_sample(path, args.layer) for path in args.files]
    used = config(args)
    try:
        proposal = learn(samples, policy=used.policy)
    except PrefixlibError as e:
        fail(str(e))
    target = None
    if args.write and proposal.additions:
        # the file the policy came from; with --no-config still the nearest one, if any
        target = used.path or find_config(Path.cwd()) or Path.cwd() / ".prefixlib.toml"
        from prefixlib.cli._policy_file import write_policy  # tomlkit: only to write

        write_policy(target, list(proposal.additions))
        again = learn(samples, policy=load_policy(target))  # the file as written
        proposal = dataclasses.replace(
            again,
            additions=proposal.additions + again.additions,
            keys_before=proposal.keys_before,
        )
    if args.json:
        result = proposal.as_json(redact=args.redact)
        result["files"] = args.files
        result["written"] = None if target is None else str(target)
        print_json(result)
    else:
        _report(proposal, args.files, args.redact)
        if target is not None:
            print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK if proposal.shared else EXIT_DIFFERENT


def register(commands: Any) -> None:
    """Add ``learn`` to the CLI's verbs."""
    parser = commands.add_parser(
        "learn",
        help="propose the policy that makes sessions of one project share a key",
        description="Canonicalise two or more captured startup prefixes of one project (prompt "
        "files, or request bodies), find the spans that still differ, and propose the smallest "
        "policy addition for each: a label, a pattern, a block.  Exit 0 when the sessions share "
        "a key with the proposals, 1 when differences are left.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a session: prompt or request")
    parser.add_argument(
        "--write",
        action="store_true",
        help="add the proposals to the policy file (--config F, else the nearest one, else a "
        "new .prefixlib.toml here), keeping its comments and layout",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--redact", action="store_true", help="show spans' lengths, not text")
    add_layer_argument(parser)
    add_policy_arguments(parser)
    parser.set_defaults(run=run, parser=parser)
