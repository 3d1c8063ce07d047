"""``prefixlib diff A B``: why two sessions do (not) share a cache.

A and B are prompt files or captured request bodies (OpenAI Responses or Chat
Completions, Anthropic Messages JSON, told apart by their fields and split into
layers by :func:`prefixlib.adapters.split`).  Exit 0 when they are equal after
canonicalisation (one key), 1 when not.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from prefixlib.cli._common import (
    EXIT_CHANGED,
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
    request_body,
    usage_error,
)
from prefixlib.cli._output import Style
from prefixlib.divergence import Divergence, Place, compare
from prefixlib.errors import PrefixlibError
from prefixlib.findings import decode

__all__ = ["register"]

#: Top-level fields of a request body: a JSON object with one of them is a request.


@dataclass(frozen=True)
class _Side:
    label: str
    kind: str  # "prompt file" or the request's shape
    layers: dict[str, Any]


def _load(path: str, layer: str) -> _Side:
    """A prompt file (read into ``layer``) or a request body, told apart by its fields."""
    label = "<stdin>" if path == "-" else path
    try:
        text = decode(read(path), source=label)
    except PrefixlibError as e:
        fail(relabel(e, path))
    body = request_body(text, path)
    if body is None:
        return _Side(label, "prompt file", {layer: text})
    from prefixlib import adapters  # only for request bodies

    try:
        split = adapters.split(body)
    except PrefixlibError as e:
        fail(f"{label}: {e}")
    return _Side(label, f"{split.kind} request", dict(split.layers))


def _where(place: Place) -> str:
    return f"{place.layer} {place.line}:{place.column}"


def _context(place: Place, redact: bool) -> str:
    if redact:
        return ""
    return f" ({place.a!r} / {place.b!r})"


def _text(
    a: _Side,
    b: _Side,
    d: Divergence,
    redact: bool,
    style: Style,
    tokens: tuple[int, int] | None,
) -> list[str]:
    """The report: bytes shared before and after, the divergence left, and the rules."""
    out = [f"a: {a.label} ({a.kind})", f"b: {b.label} ({b.kind})"]
    raw = f"before canonicalisation: {d.raw_shared:,} bytes shared of {d.raw_sizes[0]:,} / "
    raw += f"{d.raw_sizes[1]:,}"
    if tokens is not None:
        raw += f" ({tokens[0]:,} tokens shared)"
    if d.raw_first is not None:
        raw += f"; first divergence at {_where(d.raw_first)}"
    out.append(raw)
    after = f"after canonicalisation:  {d.shared:,} bytes shared of {d.sizes[0]:,} / {d.sizes[1]:,}"
    if tokens is not None:
        after += f" ({tokens[1]:,} tokens shared)"
    if d.equal:
        out.append(after + f"; {style.paint('equal', 'green')}: one key {d.keys[0]}")
    else:
        place = d.first
        where = f"; {style.paint('first divergence', 'red')}"
        out.append(after + (f"{where} at {_where(place)}" if place else ""))
        if place is not None and not redact:
            out += [f"  a: {place.a!r}", f"  b: {place.b!r}"]
        out.append(f"keys: {d.keys[0]} / {d.keys[1]}")
    for v in d.vanished:
        line = f"  {v.rule:<20} "
        if v.place is not None:
            line += f"removed the divergence at {_where(v.place)}{_context(v.place, redact)}"
            if v.lines:
                line += f" and {v.lines} differing line{'s' if v.lines != 1 else ''}"
        else:
            line += f"removed {v.lines} differing line{'s' if v.lines != 1 else ''}"
        out.append(line)
    placeholders = list(dict.fromkeys([*d.bindings[0], *d.bindings[1]]))
    if placeholders:
        out.append("hoisted (a / b):")
    for placeholder in placeholders:
        values = [side.get(placeholder) for side in d.bindings]
        shown = [
            "-" if value is None else f"({len(value)} chars)" if redact else repr(value)
            for value in values
        ]
        out.append(f"  {placeholder} = {shown[0]} / {shown[1]}")
    return out


def _place_json(place: Place | None, redact: bool) -> dict[str, Any] | None:
    if place is None:
        return None
    found: dict[str, Any] = {"layer": place.layer, "line": place.line, "column": place.column}
    if not redact:
        found |= {"a": place.a, "b": place.b}
    return found


def _json(a: _Side, b: _Side, d: Divergence, redact: bool) -> dict[str, Any]:
    return {
        "a": {"path": a.label, "kind": a.kind, "key": d.keys[0]},
        "b": {"path": b.label, "kind": b.kind, "key": d.keys[1]},
        "equal": d.equal,
        "raw": {
            "shared_bytes": d.raw_shared,
            "bytes": list(d.raw_sizes),
            "first": _place_json(d.raw_first, redact),
        },
        "canonical": {
            "shared_bytes": d.shared,
            "bytes": list(d.sizes),
            "first": _place_json(d.first, redact),
        },
        "vanished": [
            {"rule": v.rule, "first": _place_json(v.place, redact), "lines": v.lines}
            for v in d.vanished
        ],
        "bindings": [
            {name: len(value) for name, value in side.items()} if redact else dict(side)
            for side in d.bindings
        ],
    }


def _tokens(d: Divergence, encoding: str) -> tuple[int, int]:
    """The tokens of the shared prefix before and after, exact (the tokens extra)."""
    from prefixlib.tokens import exact_counter

    counter = exact_counter(encoding)
    if counter is None:
        fail("--tokens needs the tokens extra: pip install 'prefixlib[tokens]'")
    try:
        return counter(d.raw_prefix), counter(d.prefix)
    except Exception as e:  # an unknown encoding, as the tokenizer words it
        fail(f"--encoding {encoding}: {e.args[0] if e.args else e}")


def run(args: argparse.Namespace) -> int:
    """Compare A and B; exit 0 when they share one key, 1 when not."""
    if args.a == "-" and args.b == "-":
        usage_error("stdin (-) named twice")
    a, b = _load(args.a, args.layer), _load(args.b, args.layer)
    options: dict[str, Any] = {"policy": policy(args)}
    if args.root:
        options["roots"] = parse_roots(args.root)
    try:
        d = compare(a.layers, b.layers, **options)
    except PrefixlibError as e:
        fail(str(e))
    tokens = _tokens(d, args.encoding) if args.tokens else None
    if args.json:
        data = _json(a, b, d, args.redact)
        if tokens is not None:
            data["raw"]["shared_tokens"], data["canonical"]["shared_tokens"] = tokens
        print_json(data)
    else:
        print("\n".join(_text(a, b, d, args.redact, Style.for_stream(sys.stdout), tokens)))
    return EXIT_OK if d.equal else EXIT_CHANGED


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``diff`` to the command line."""
    parser = commands.add_parser(
        "diff",
        help="say why two prompts or sessions do not share a cache",
        description="Compare two prompt files or two captured request bodies (OpenAI "
        "Responses or Chat Completions, Anthropic Messages JSON). Prints the bytes of shared "
        "prefix (layers base, developer, project, tools) before and after canonicalisation, "
        "the first divergence left (layer, line, column, context from each side), and which "
        "rule made which earlier divergence vanish.",
        epilog="exit status: 0 equal after canonicalisation (one key), 1 not equal, "
        "2 usage or input error, 123 internal error",
    )
    parser.add_argument("a", metavar="A", help="a prompt file or a request body (JSON); -: stdin")
    parser.add_argument("b", metavar="B", help="the other one")
    parser.add_argument(
        "--redact", action="store_true", help="positions, lengths and rule names only"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--tokens", action="store_true", help="also count the shared tokens (the tokens extra)"
    )
    parser.add_argument(
        "--encoding", default="o200k_base", metavar="E", help="for --tokens (default: o200k_base)"
    )
    add_layer_argument(parser)
    add_root_argument(parser)
    add_policy_arguments(parser)
    parser.set_defaults(run=run, parser=parser)
