"""Write tests/vectors/v1.json from cases.py and the shared corpus (SPEC.md 8).

Run ``python -m tests.vectors.regenerate`` from the repository root, only in a
commit that deliberately changes the spec's output, and review the diff.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import prefixlib
from tests.conftest import CORPUS, corpus_files
from tests.vectors.cases import CASES

VECTORS = Path(__file__).with_name("v1.json")
_LAYER_ARGS = ("base", "developer", "project", "tools", "namespace", "roots")


def arguments(case: dict[str, Any]) -> dict[str, Any]:
    """The ``canonicalize`` keyword arguments of a case."""
    args = {name: case[name] for name in _LAYER_ARGS if name in case}
    if "secret_hex" in case:
        args["secret"] = bytes.fromhex(case["secret_hex"])
    if "policy" in case:
        args["policy"] = prefixlib.Policy.from_mapping(case["policy"], source="v1.json")
    return args


def expected(case: dict[str, Any]) -> dict[str, Any]:
    """What the current implementation outputs for a case."""
    cp = prefixlib.canonicalize(**arguments(case))
    return {
        "layers": dict(cp.layers),
        "bindings": dict(cp.bindings),
        "layer_keys": dict(cp.layer_keys),
        "key": cp.key,
    }


def corpus_entry(path: Path) -> dict[str, str]:
    """A corpus file read into the project layer, by relative path and SHA-256."""
    data = path.read_bytes()
    return {
        "file": path.relative_to(CORPUS).as_posix(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "key": prefixlib.cache_key(project=data),
    }


def build() -> dict[str, Any]:
    """The whole vectors document."""
    files = corpus_files()
    if not files:
        raise SystemExit(f"the shared corpus is needed to regenerate vectors: {CORPUS}")
    return {
        "spec": prefixlib.SPEC_VERSION,
        "vectors": [
            {"name": case["name"], "input": {k: v for k, v in case.items() if k != "name"}}
            | expected(case)
            for case in CASES
        ],
        "corpus": [corpus_entry(path) for path in files],
    }


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(build(), indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print(f"wrote {VECTORS}")
