"""Fuzz target: ``prefixlib.adapters`` on request bodies made from the fuzzer's bytes.

Run it (see fuzz/README.md)::

    pip install -e '.[fuzz]'
    python fuzz/run.py --targets adapters --seconds 300

An input is a request body as JSON text (the Responses, Chat Completions and Anthropic
Messages bodies of ../shared/captures are the seeds).  Text that is not a JSON object is
skipped: what it would test is ``json.loads``.  :func:`check` fails on any error other
than ``PrefixlibError`` from ``split`` and ``prepare`` and on any broken invariant:
``prepare`` gives the key ``cache_key(**split(body).layers)`` gives, the same twice; the
prepared request splits again into the same canonical layers (preparing is idempotent in
its key) and never drops a top-level field of the request.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

try:
    import atheris  # a fuzzing dependency only: pip install -e '.[fuzz]'
except ImportError:
    atheris = None

#: Under atheris, only prefixlib's own code is instrumented (all of pydantic took minutes).
_FUZZING = atheris is not None and __name__ == "__main__"
with atheris.instrument_imports(include=["prefixlib"]) if _FUZZING else contextlib.nullcontext():
    import prefixlib
    from prefixlib import adapters


def request_of(data: bytes) -> dict[str, Any] | None:
    """The request body ``data`` stands for, or None if it is not a JSON object."""
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def check(data: bytes) -> None:
    """Split and prepare the request ``data`` stands for; check the invariants above."""
    body = request_of(data)
    if body is None:
        return
    try:
        split = adapters.split(body)
        prepared = adapters.prepare(body)
    except prefixlib.PrefixlibError:
        return
    key = prefixlib.cache_key(**split.layers, memo=False)
    assert prepared.key == key, "prepare's key differs from cache_key of split's layers"
    assert adapters.prepare(body).key == prepared.key, "key differs computed twice"
    assert set(body) <= set(prepared.request), "prepare dropped a top-level field"
    again = adapters.split(prepared.request)
    assert again.kind == split.kind, f"the prepared request is a {again.kind}, not {split.kind}"


def seeds(shared: Path) -> list[bytes]:
    """The captured request bodies, whole and with their message lists cut short."""
    inputs = []
    for path in sorted((shared / "captures").glob("*.json")):
        body = json.loads(path.read_bytes())
        inputs.append(json.dumps(body).encode("utf-8"))
        for field in ("input", "messages"):
            if isinstance(body.get(field), list):
                inputs.append(json.dumps({**body, field: body[field][:2]}).encode("utf-8"))
    return inputs


def main() -> None:
    """Run under atheris (libFuzzer)."""
    if atheris is None:
        sys.exit("atheris is not installed: pip install -e '.[fuzz]', or run fuzz/run.py")
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
