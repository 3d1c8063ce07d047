"""canonicalize(): arguments, layers, tools, and the changes it records (SPEC.md 2-4)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

import prefixlib
from prefixlib import Change
from prefixlib.pipeline import canonical_text
from tests.strategies import text_layers


def test_changes_name_rule_layer_and_place() -> None:
    cp = prefixlib.canonicalize(base="ok\n", developer="a\r\nb  \r\n\r\n\r\n\r\nc")
    assert cp.changes == (
        Change("line-endings", "developer", 1, 1, "\r", ""),
        Change("line-endings", "developer", 2, 6, "\r", ""),
        Change("line-endings", "developer", 3, 8, "\r", ""),
        Change("line-endings", "developer", 4, 10, "\r", ""),
        Change("line-endings", "developer", 5, 12, "\r", ""),
        # offsets are into the text as each rule received it
        Change("trailing-whitespace", "developer", 2, 3, "  ", ""),
        Change("blank-lines", "developer", 4, 5, "\n\n", ""),
        Change("trim", "developer", 4, 6, "", "\n"),
    )


def test_changes_of_nfc_and_invisible() -> None:
    cp = prefixlib.canonicalize(project="\ufeffcafe\u0301 x\u200by")
    assert [(c.rule, c.before, c.after) for c in cp.changes] == [
        ("bom", "\ufeff", ""),
        ("nfc", "e\u0301", "\u00e9"),
        ("invisible", "\u200b", ""),
        ("trim", "", "\n"),
    ]


@given(text_layers)
def test_no_changes_exactly_when_canonical(text: str) -> None:
    cp = prefixlib.canonicalize(project=text)
    assert (cp.changes == ()) == (canonical_text(text) == text)
    assert all(c.before != c.after and c.layer == "project" for c in cp.changes)


def test_bytes_and_str_agree() -> None:
    text = "Grüße\r\n"
    assert prefixlib.cache_key(base=text.encode()) == prefixlib.cache_key(base=text)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base": 3}, "base must be str, bytes or None, not int"),
        ({"namespace": b"ns"}, "namespace must be str or None, not bytes"),
        ({"policy": {}}, "policy must be a prefixlib.Policy, not dict"),
    ],
)
def test_wrong_types(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        prefixlib.canonicalize(**kwargs)


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        prefixlib.canonicalize("base text")  # type: ignore[misc]


TOOLS: list[tuple[Any, str]] = [
    (None, ""),
    ([], ""),
    ({"tools": []}, ""),
    ([{"name": "b", "x": 1}, {"name": "a"}], '[{"name":"a"},{"name":"b","x":1}]'),
    ({"tools": [{"name": "t"}], "other": 1}, '[{"name":"t"}]'),
    ('{"tools": [{"name": "t", "d": 1.0}]}', '[{"d":1,"name":"t"}]'),
    (b'[{"name": "t"}]', '[{"name":"t"}]'),
]


@pytest.mark.parametrize(("tools", "canonical"), TOOLS)
def test_tools_layer(tools: Any, canonical: str) -> None:
    assert prefixlib.canonicalize(tools=tools).layers["tools"] == canonical


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ({"name": "t"}, "expected a JSON array of tool definitions"),
        ("3", "expected a JSON array of tool definitions"),
        ([{"name": "t"}, "shell"], "tool 1 is not a JSON object"),
        ("[{]", r"tools:1:3: "),
        ([{"x": float("nan")}], "nan"),
        ([{1: "x"}], "key"),
    ],
)
def test_bad_tools(tools: Any, message: str) -> None:
    with pytest.raises(prefixlib.ToolsError, match=message):
        prefixlib.canonicalize(tools=tools)


def test_bad_utf8_names_the_layer() -> None:
    with pytest.raises(prefixlib.EncodingError, match=r"^developer:1:3: invalid UTF-8 byte 0xfe$"):
        prefixlib.canonicalize(developer=b"ab\xfe")


def test_result_is_read_only() -> None:
    cp = prefixlib.canonicalize(project="x")
    with pytest.raises(TypeError):
        cp.layers["project"] = "y"  # type: ignore[index]
    with pytest.raises(AttributeError):
        cp.key = "other"  # type: ignore[misc]


def test_declared_unordered_lists_are_sets() -> None:
    one = "Env vars (unordered):\n- PAGER=cat\n- GIT_EDITOR=true\n  (for rebases)\n"
    two = "Env vars (unordered):\n- GIT_EDITOR=true\n  (for rebases)\n- PAGER=cat\n"
    assert prefixlib.cache_key(developer=one) == prefixlib.cache_key(developer=two)
    assert prefixlib.canonicalize(developer=one).layers["developer"] == two  # G before P
    assert prefixlib.cache_key(developer=one) != prefixlib.cache_key(
        developer=one.replace("cat", "less")
    )
    keep = prefixlib.Policy(unordered="keep")
    assert prefixlib.cache_key(developer=one, policy=keep) != prefixlib.cache_key(
        developer=two, policy=keep
    )
    steps = "Steps:\n1. build\n2. test\n"
    assert (
        prefixlib.canonicalize(project=steps.replace("Steps", "Steps (unordered)"))
        .layers["project"]
        .endswith("1. build\n2. test\n")
    )
    marked = "<!-- prefixlib: unordered -->\n- b\n- a\n"
    assert prefixlib.canonicalize(project=marked).layers["project"].endswith("- a\n- b\n")
    extra = prefixlib.Policy(unordered_markers=("any sequence",))
    assert (
        prefixlib.canonicalize(project="In any sequence:\n- b\n- a\n", policy=extra)
        .layers["project"]
        .endswith("- a\n- b\n")
    )
    assert {c.rule for c in prefixlib.canonicalize(developer=one).changes} == {"unordered"}
    assert prefixlib.canonicalize(developer=two).changes == ()
