"""Fuzz target: ``prefixlib.canonicalize`` on the fuzzer's bytes, layers and tools.

Run it (see fuzz/README.md; ``fuzz/run.py`` seeds it from ../shared and keeps crashes)::

    pip install -e '.[fuzz]'
    python fuzz/run.py --targets canonicalize --seconds 300

An input is one option byte, then the base, developer and project layers and the tools
(JSON text) separated by NUL bytes; the option byte picks a policy, roots, namespace or
secret (:data:`OPTIONS`).  :func:`check` fails on any error other than ``PrefixlibError``
and on any broken invariant: the one-scan text rules equal the rules one by one, text rules
idempotent, hoisting lossless (``restore()``, the tools layer too), the tools' canonical
JSON a fixed point, keys well
formed, the same computed twice, with and without the memo (and the layer memo, for a prefix
that shares layers with one before it), by ``derive_keys(verify=True)``,
and (for a sample of inputs) in a fresh process.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from blake3 import blake3

try:
    import atheris  # a fuzzing dependency only: pip install -e '.[fuzz]'
except ImportError:
    atheris = None

#: Under atheris, only prefixlib's own code is instrumented (all of pydantic took minutes).
_FUZZING = atheris is not None and __name__ == "__main__" and "--key" not in sys.argv
with atheris.instrument_imports(include=["prefixlib"]) if _FUZZING else contextlib.nullcontext():
    import prefixlib
    from prefixlib.pipeline import canonical_text, stepwise_text
    from prefixlib.rules.ordering import sort_unordered
    from prefixlib.rules.tools import tools_layer

_KEY = re.compile(r"pl1_[A-Za-z0-9_-]{43}")
_PARTS = ("base", "developer", "project", "tools")

#: What the option byte (modulo their number) adds to the call.
OPTIONS: tuple[dict[str, Any], ...] = (
    {},
    {"roots": {"PROJECT_ROOT": "/home/alice/work/api", "DATA": "C:\\data"}},
    {"namespace": "tenant-a", "secret": bytes(range(32))},
    {
        "policy": prefixlib.Policy(
            placeholder_style="brackets", tools="keep", unordered="keep", windows_separators="keep"
        )
    },
    {"policy": prefixlib.Policy(timestamps="keep", paths="keep", ids="keep")},
    {
        "policy": prefixlib.Policy(
            hoist_labels=("shell", "git branch"),
            context_tags=("system_info",),
            unordered_markers=("any sequence",),
            patterns=[{"name": "TICKET", "pattern": r"\b[A-Z]+-[0-9]+\b", "context": "anywhere"}],
            placeholder_style="angles",
        )
    },
)
#: A sample of inputs, about 1 in 4096, is keyed again in a fresh process.
FRESH_PROCESS_SAMPLE = 16


def arguments(data: bytes) -> dict[str, Any]:
    """The ``canonicalize`` arguments an input stands for."""
    options = OPTIONS[data[0] % len(OPTIONS)] if data else {}
    parts = [*data[1:].split(b"\x00", 3), b"", b"", b""][:4]
    layers: dict[str, Any] = dict(zip(_PARTS, parts, strict=True))
    layers["tools"] = layers["tools"] or None
    return {**layers, **options}


def encode(option: int, base: bytes, developer: bytes, project: bytes, tools: bytes) -> bytes:
    """An input in the target's format (for seeds)."""
    return bytes([option]) + b"\x00".join((base, developer, project, tools))


def check(data: bytes) -> None:
    """Canonicalise ``data`` as a prefix and check every invariant (SPEC.md 2-6)."""
    args = arguments(data)
    try:
        cp = prefixlib.canonicalize(**args, memo=False)
    except prefixlib.PrefixlibError:
        return
    policy = args.get("policy") or prefixlib.Policy()
    restored = cp.restore()
    assert list(restored) == list(prefixlib.LAYERS)
    for name in ("base", "developer", "project"):
        text = args[name].decode("utf-8")
        normal = canonical_text(text)
        assert normal == stepwise_text(text), f"{name}: one scan differs from the rules"
        assert canonical_text(normal) == normal, f"{name}: text rules not idempotent"
        ordered = normal
        if policy.unordered == "sort":
            ordered = sort_unordered(normal, markers=policy.unordered_markers)
        assert restored[name] == ordered, f"{name}: hoisting lost something"
    # restore() puts back what was hoisted out of tool descriptions (SPEC.md 5.10)
    assert restored["tools"] == tools_layer(args["tools"], sort=policy.tools == "sort").decode()
    if restored["tools"]:  # the tools' canonical JSON in their place changes nothing
        again = prefixlib.canonicalize(**{**args, "tools": restored["tools"]}, memo=False)
        assert again.layers["tools"] == cp.layers["tools"], "tools layer not a fixed point"
        assert again.key == cp.key, "canonical tools give another key"
    assert all(_KEY.fullmatch(key) for key in cp.layer_keys.values())
    assert prefixlib.canonicalize(**args, memo=False).key == cp.key, "key differs computed twice"
    memoised = prefixlib.canonicalize(**args)  # the memo, and the layer memo of earlier inputs
    assert memoised.key == cp.key, "the memo changed the key"
    assert memoised.layers == cp.layers, "the memo changed the layers"
    assert memoised.bindings == cp.bindings, "the memo changed the bindings"
    # another project after the same base, developer text and tools: theirs from the layer memo
    other = {**args, "project": bytes(args["project"]) + b"\nmore"}
    assert prefixlib.canonicalize(**other).layers == (
        prefixlib.canonicalize(**other, memo=False).layers
    ), "the layer memo changed the layers"
    keyed = {k: args[k] for k in ("policy", "namespace", "secret") if k in args}
    assert prefixlib.derive_keys(cp.layer_bytes, verify=True, **keyed) == dict(cp.layer_keys)
    if blake3(data).digest()[0] == 0 and blake3(data).digest()[1] < FRESH_PROCESS_SAMPLE:
        assert fresh_key(data) == cp.key, "the key differs in a fresh process"


def fresh_key(data: bytes) -> str:
    """The key of ``data`` computed by a new interpreter running this file with ``--key``."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--key"],
        input=data,
        capture_output=True,
        check=True,
        env={"PYTHONHASHSEED": "random", "PATH": ""},
    )
    return done.stdout.decode("ascii").strip()


def seeds(shared: Path) -> list[bytes]:
    """Seeds from ../shared: each corpus file as a project layer, and the captured requests'
    instructions and tools, under every option."""
    import json

    inputs = []
    corpus = sorted(p for p in (shared / "corpus").rglob("*") if p.is_file())
    for index, path in enumerate(corpus):
        inputs.append(encode(index, b"", b"", path.read_bytes(), b""))
    for index, path in enumerate(sorted((shared / "captures").glob("*.json"))):
        body = json.loads(path.read_bytes())
        system = body.get("system") or body.get("instructions") or ""
        if not isinstance(system, str):
            system = json.dumps(system)
        first = body.get("input") or body.get("messages") or [{}]
        tools = json.dumps(body.get("tools") or []).encode("utf-8")
        project = json.dumps(first[0], ensure_ascii=False).encode("utf-8")
        inputs.append(encode(index, system.encode("utf-8"), b"", project, tools))
    return inputs


def main() -> None:
    """Run under atheris (libFuzzer); ``--key`` prints the key of stdin's input instead."""
    if sys.argv[1:] == ["--key"]:
        args = arguments(sys.stdin.buffer.read())
        print(prefixlib.canonicalize(**args, memo=False).key)
        return
    if atheris is None:
        sys.exit("atheris is not installed: pip install -e '.[fuzz]', or run fuzz/run.py")
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
