"""Fuzz target: ``prefixlib.canonicalize`` on arbitrary bytes, with atheris.

Seed it from the shared corpus (libFuzzer writes new inputs into the first folder)::

    pip install atheris
    mkdir -p /tmp/prefixlib-fuzz
    python fuzz/fuzz_canonicalize.py /tmp/prefixlib-fuzz ../shared/corpus/agents \\
        ../shared/corpus/codex -max_total_time=300

The input's first byte picks the layer split; the rest is split into three layers at
NUL bytes.  :func:`check` fails on any error other than ``PrefixlibError`` and on any
broken invariant: the one-scan text rules equal the rules one by one, text rules
idempotent, hoisting lossless, keys well formed and reproducible.
"""

from __future__ import annotations

import re
import sys

import prefixlib
from prefixlib.pipeline import canonical_text, stepwise_text
from prefixlib.rules.ordering import sort_unordered

_KEY = re.compile(r"pl1_[A-Za-z0-9_-]{43}")


def check(data: bytes) -> None:
    """Canonicalise ``data`` as a prefix and check every invariant (SPEC.md 2-6)."""
    parts = [*data[1:].split(b"\x00"), b"", b""][:3]
    layers = dict(zip(("base", "developer", "project"), parts, strict=True))
    try:
        cp = prefixlib.canonicalize(**layers, memo=False)
    except prefixlib.PrefixlibError:
        return
    restored = cp.restore()
    for name, raw in layers.items():
        text = raw.decode("utf-8")
        normal = canonical_text(text)
        assert normal == stepwise_text(text), f"{name}: one scan differs from the rules"
        assert canonical_text(normal) == normal, f"{name}: text rules not idempotent"
        assert restored[name] == sort_unordered(normal), f"{name}: hoisting lost something"
    assert all(_KEY.fullmatch(key) for key in cp.layer_keys.values())
    assert prefixlib.canonicalize(**layers, memo=False).key == cp.key
    assert prefixlib.derive_keys(cp.layers) == dict(cp.layer_keys)


def main() -> None:
    """Run under atheris (libFuzzer)."""
    import atheris  # a fuzzing dependency only

    atheris.instrument_all()
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
