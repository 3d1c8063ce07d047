"""The golden vectors of tests/vectors/v1.json (SPEC.md 8): any change of output fails here."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

import prefixlib
from prefixlib.rules.descriptions import in_description
from tests.conftest import CORPUS
from tests.vectors.cases import CASES
from tests.vectors.regenerate import VECTORS, arguments

#: Placeholder syntax: canonicalising it again escapes it with one more "!" (SPEC.md 5.7).
ESCAPE = re.compile(r"(\{\{|\[\[|<<)(!*[A-Z][A-Z0-9_]*(?:\}\}|\]\]|>>))")
DOCUMENT: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
VECTOR_LIST: list[dict[str, Any]] = DOCUMENT["vectors"]


def test_vectors_are_for_this_spec() -> None:
    assert DOCUMENT["spec"] == prefixlib.SPEC_VERSION


def test_vectors_match_the_cases() -> None:
    """Every case has a vector with the same input: regenerate after adding a case."""
    assert [v["name"] for v in VECTOR_LIST] == [c["name"] for c in CASES]
    for vector, case in zip(VECTOR_LIST, CASES, strict=True):
        assert vector["input"] == json.loads(json.dumps({k: case[k] for k in case if k != "name"}))


@pytest.mark.parametrize("vector", VECTOR_LIST, ids=[v["name"] for v in VECTOR_LIST])
def test_vector(vector: dict[str, Any]) -> None:
    cp = prefixlib.canonicalize(**arguments(vector["input"]))
    assert dict(cp.layers) == vector["layers"]
    assert dict(cp.bindings) == vector["bindings"]
    assert dict(cp.layer_keys) == vector["layer_keys"]
    assert cp.key == vector["key"]


def _escape_descriptions(tools: str) -> str:
    """The tools layer with placeholder syntax escaped inside description strings (5.10)."""
    data = tools.encode("utf-8")
    pattern = re.compile(ESCAPE.pattern.encode())

    def escape(match: re.Match[bytes]) -> bytes:
        if not in_description(data, match.start()):
            return match[0]
        return match[1] + b"!" + match[2]

    return pattern.sub(escape, data).decode("utf-8")


@pytest.mark.parametrize("vector", VECTOR_LIST, ids=[v["name"] for v in VECTOR_LIST])
def test_vector_output_is_a_fixed_point(vector: dict[str, Any]) -> None:
    layers = vector["layers"]
    tools = layers["tools"] or None
    again = prefixlib.canonicalize(
        base=layers["base"],
        developer=layers["developer"],
        project=layers["project"],
        tools=tools,
        **{
            k: v
            for k, v in arguments(vector["input"]).items()
            if k in ("namespace", "secret", "policy")
        },
    )
    escaped = {name: ESCAPE.sub(r"\1!\2", text) for name, text in layers.items()}
    escaped["tools"] = _escape_descriptions(layers["tools"])
    assert again.restore() == layers
    policy = vector["input"].get("policy", {})
    if policy.get("hoist_labels") or policy.get("patterns"):
        return  # a whole labelled value is hoisted again, placeholder syntax and all
    assert dict(again.layers) == escaped
    assert again.bindings == {}
    if escaped == layers:
        assert again.key == vector["key"]


@pytest.mark.parametrize("entry", DOCUMENT["corpus"], ids=[e["file"] for e in DOCUMENT["corpus"]])
def test_corpus_key(entry: dict[str, str]) -> None:
    path: Path = CORPUS / entry["file"]
    if not path.is_file():
        pytest.skip(f"shared corpus not found at {CORPUS} (set PREFIXLIB_CORPUS)")
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"], "the corpus file changed"
    assert prefixlib.cache_key(project=data) == entry["key"]
