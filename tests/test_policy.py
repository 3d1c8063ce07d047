"""The policy as a value: validated where it is made, frozen, hashable, and its JSON form."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from typing import Any

import pytest

from prefixlib import Policy, PolicyError
from prefixlib.policy import UserPattern


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ids": "x"}, "ids: expected 'hoist' or 'keep', got 'x'"),
        (
            {"placeholder_style": "x"},
            "placeholder_style: expected 'braces', 'brackets' or 'angles', got 'x'",
        ),
        ({"hoist_labels": [1]}, "hoist_labels.0: expected a string, got int 1"),
        ({"hoist_labels": ["a", " "]}, "hoist_labels: ' ' is not a label: one line of text"),
        ({"context_tags": ["a b"]}, "context_tags: 'a b' is not an XML tag name"),
        ({"patterns": [1]}, "patterns.0: expected a table, got int 1"),
        ({"patterns": [{"pattern": "x"}]}, "patterns.0.name: missing field"),
        (
            {"patterns": [{"name": "T", "pattern": "x", "bogus": 1}]},
            "patterns.0.bogus: unknown field",
        ),
        ({"patterns": [{"name": "T\n", "pattern": "x"}]}, "patterns.0.name: 'T\\n' does not match"),
        (
            {"patterns": [{"name": "T", "pattern": "x*"}]},
            "patterns.0.pattern: the pattern x* matches",
        ),
        ({"bogus": 1}, "bogus: unknown field"),
    ],
)
def test_bad_fields_are_named(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy(**fields)
    assert str(info.value).startswith(message)
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping(fields, source="p.toml")
    assert str(info.value).startswith(f"p.toml: {message}")


def test_a_policy_is_a_frozen_hashable_value() -> None:
    a = Policy(hoist_labels=["Shell"], patterns=[{"name": "T", "pattern": "T-[0-9]+"}])
    b = Policy(hoist_labels=("Shell",), patterns=(UserPattern(name="T", pattern="T-[0-9]+"),))
    assert a == b
    assert hash(a) == hash(b)
    assert a.fingerprint == b.fingerprint
    assert a.hoist_labels == ("Shell",)  # arrays are tuples
    assert a != Policy()
    assert a.fingerprint != Policy().fingerprint
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.ids = "keep"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(a)) == a
    assert a.replace(ids="keep").ids == "keep"
    assert a.replace(ids="keep").hoist_labels == ("Shell",)
    with pytest.raises(PolicyError, match=r"^ids: expected"):
        a.replace(ids="x")


def test_the_json_form_is_what_a_policy_file_says() -> None:
    policy = Policy.from_mapping(
        {"ids": "keep", "patterns": [{"name": "T", "pattern": "T-1"}]}, source="p.toml"
    )
    form = policy.as_dict()
    assert form["ids"] == "keep"
    assert form["patterns"] == [{"name": "T", "pattern": "T-1", "context": "prose"}]
    assert form["hoist_labels"] == []
    assert Policy.from_mapping(form, source="again") == policy


def test_the_command_line_starts_without_what_only_some_commands_need() -> None:
    """``import prefixlib.cli`` (every command, the pre-commit hook) loads no server, no
    TOML writer and no validation framework: 0.37 s of imports before, 0.13 s after."""
    code = (
        "import sys, prefixlib.cli; "
        "print(sorted(m for m in ('asyncio', 'aiohttp', 'tomlkit', 'pydantic', 'regex')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
