"""``prefixlib hash``: print the cache keys of prompt files or of one whole prefix (SPEC.md 6)."""

from __future__ import annotations

import argparse
import codecs
import json
import secrets
import sys
from typing import Any, BinaryIO, TextIO

from prefixlib.cli._common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_STATUS,
    TEXT_LAYERS,
    Failure,
    Once,
    add_layer_argument,
    add_policy_arguments,
    add_root_argument,
    fail,
    file_error,
    parse_roots,
    policy,
    read,
    read_secret,
    relabel,
    stdin_or_usage,
    usage_error,
)
from prefixlib.errors import InputError, PrefixlibError
from prefixlib.key import SPEC_VERSION
from prefixlib.model import CanonicalPrefix
from prefixlib.pipeline import canonicalize

__all__ = ["register"]


def _as_json(cp: CanonicalPrefix, **extra: str) -> dict[str, Any]:
    return {
        **extra,
        "key": cp.key,
        "layer_keys": dict(cp.layer_keys),
        "layers": {name: _Utf8(data) for name, data in cp.layer_bytes.items()},
        "bindings": dict(cp.bindings),
        "spec": SPEC_VERSION,
    }


class _Utf8:
    """A layer's canonical UTF-8, written into the JSON output as it is (see _print_json)."""

    def __init__(self, data: bytes) -> None:
        self.data = data


#: What JSON text with non-ASCII kept escapes in a string, as the ``json`` module does.
_ESCAPES = [(b"\\", b"\\\\"), (b'"', b'\\"')] + [
    (bytes((c,)), json.dumps(chr(c))[1:-1].encode()) for c in range(0x20)
]


#: Bytes of a layer escaped at a time, so that the escaped copy stays small.
_CHUNK = 1 << 20


def _write_string(data: bytes, out: BinaryIO | _TextSink) -> None:
    """Write ``data`` (UTF-8) as a JSON string, byte for byte what ``json.dumps`` with
    ``ensure_ascii=False`` writes for its text.  Every escaped character is ASCII, and no
    byte of a multi-byte UTF-8 sequence is, so the text is escaped a slice at a time."""
    out.write(b'"')
    for start in range(0, len(data), _CHUNK):
        part = data[start : start + _CHUNK]
        for char, escape in _ESCAPES:
            if char in part:
                part = part.replace(char, escape)
        out.write(part)
    out.write(b'"')


def _print_json(value: object) -> None:
    """``print_json``, with each layer written from its bytes: a ``str`` of a large layer
    (two or four bytes a character where one is not ASCII) and its escaped copy held
    several times the input at once (``prefixlib hash --json`` peaked at ~9.5x a 50 MB
    prompt; benchmarks/rss.py)."""
    layers: dict[str, bytes] = {}

    def marker(layer: object) -> str:
        if not isinstance(layer, _Utf8):
            raise TypeError(f"{type(layer).__name__} is not JSON serializable")
        name = f"prefixlib-layer-{secrets.token_hex(16)}"
        layers[json.dumps(name)] = layer.data
        return name

    # indent: the encoder written in Python, which yields each string as one chunk
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2, default=marker)
    sys.stdout.flush()
    out: BinaryIO | _TextSink = getattr(sys.stdout, "buffer", None) or _TextSink(sys.stdout)
    for chunk in encoder.iterencode(value):
        data = layers.pop(chunk, None)
        if data is None:
            out.write(chunk.encode("utf-8"))
        else:
            _write_string(data, out)
    out.write(b"\n")
    out.flush()


class _TextSink:
    """A text stream with no bytes beneath it (``io.StringIO``, as a caller of ``main`` may
    redirect stdout to), written as bytes: UTF-8 decoded as it comes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> None:
        self.stream.write(self.decoder.decode(data))

    def flush(self) -> None:
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    """Print one key per file, or the one key of the prefix given layer by layer."""
    options: dict[str, Any] = {"namespace": args.namespace, "policy": policy(args)}
    if args.root:
        options["roots"] = parse_roots(args.root)
    if args.secret_file:
        options["secret"] = read_secret(args.secret_file)
    layer_files = {name: getattr(args, name) for name in (*TEXT_LAYERS, "tools")}
    layer_files = {name: path for name, path in layer_files.items() if path is not None}
    if layer_files and args.files:
        fail("give FILE arguments or --base/--developer/--project/--tools, not both")
    if list(layer_files.values()).count("-") > 1:
        usage_error("stdin (-) named for more than one layer")
    if layer_files:
        inputs: dict[str, Any] = {name: read(path) for name, path in layer_files.items()}
        try:
            cp = canonicalize(**inputs, **options)
        except PrefixlibError as e:
            source = e.source if isinstance(e, InputError) else None
            fail(relabel(e, layer_files[source]) if source in layer_files else str(e))
        if args.json:
            _print_json(_as_json(cp))
        else:
            print(cp.key)
        return EXIT_OK
    status = EXIT_OK
    results = []
    for path in stdin_or_usage(args.files):
        try:
            layer: dict[str, Any] = {args.layer: read(path)}
            cp = canonicalize(**layer, **options)
        except (Failure, PrefixlibError) as e:
            print(f"error: {file_error(e, path)}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if args.json:
            results.append(_as_json(cp, path=path))
        else:
            print(f"{cp.key}  {path}")
    if args.json:
        _print_json(results)
    return status


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hash`` to the command line."""
    parser = commands.add_parser(
        "hash",
        help="print cache keys",
        description="Print the cache key of each FILE (like b3sum: KEY  PATH), or with "
        "--base/--developer/--project/--tools the one key of the whole prefix.",
        epilog=EXIT_STATUS,
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="a prompt file; - reads stdin")
    add_layer_argument(parser)
    for name in TEXT_LAYERS:
        parser.add_argument(
            f"--{name}", action=Once, metavar="F", help=f"the {name} layer of one prefix"
        )
    parser.add_argument(
        "--tools",
        action=Once,
        metavar="F",
        help="a JSON array of tool definitions, or an object with 'tools'",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of keys")
    parser.add_argument("--namespace", metavar="NS", help="a tenant, model or deployment name")
    add_root_argument(parser)
    parser.add_argument("--secret-file", metavar="F", help="32 raw bytes or 64 hex digits")
    add_policy_arguments(parser)
    parser.set_defaults(run=run, parser=parser)
