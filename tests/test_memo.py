"""The memo never changes a result; it is bounded and safe under threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given

import prefixlib
from prefixlib import pipeline
from prefixlib.memo import Memo
from prefixlib.pipeline import MEMO
from tests.strategies import text_layers


def _view(cp: prefixlib.CanonicalPrefix) -> tuple[Any, ...]:
    return (cp.key, dict(cp.layer_keys), dict(cp.layers), dict(cp.bindings), cp.changes)


@given(text_layers, text_layers)
def test_memo_does_not_change_results(base: str, project: str) -> None:
    args = {"base": base, "project": project, "tools": [{"name": "t", "x": 1.5}]}
    cold = prefixlib.canonicalize(**args, memo=False)
    first = prefixlib.canonicalize(**args)
    again = prefixlib.canonicalize(**args)
    assert _view(cold) == _view(first) == _view(again)
    assert again is first


def test_memo_tells_inputs_apart() -> None:
    """Keys on the full input, never a partial fingerprint: equal lengths, equal ends differ."""
    a = prefixlib.canonicalize(project="alpha--omega")
    b = prefixlib.canonicalize(project="alpha++omega")
    assert a.key != b.key
    assert prefixlib.canonicalize(project="x", namespace="n1").key != (
        prefixlib.canonicalize(project="x", namespace="n2").key
    )
    assert prefixlib.canonicalize(tools=[{"name": "1"}]).layers["tools"] == '[{"name":"1"}]'
    with pytest.raises(prefixlib.ToolsError):
        prefixlib.canonicalize(tools=[{"name": "1", 1: "1"}])  # pickles apart from {"1": "1"}


def test_errors_are_not_memoised() -> None:
    for _ in range(2):
        with pytest.raises(prefixlib.EncodingError):
            prefixlib.canonicalize(project=b"\xff")


def test_bounded_in_entries_and_bytes() -> None:
    memo = Memo(max_entries=2, max_bytes=1000)
    cps = [prefixlib.canonicalize(project=str(i), memo=False) for i in range(3)]
    for i, cp in enumerate(cps):
        memo.put(bytes([i]), cp, size=10)
    assert len(memo) == 2
    assert memo.get(b"\x00") is None
    assert memo.get(b"\x02") is cps[2]
    memo.put(b"big", cps[0], size=300)  # over a quarter of max_bytes: not kept
    assert memo.get(b"big") is None
    memo.put(b"a", cps[0], size=240)
    memo.put(b"b", cps[1], size=240)
    memo.put(b"c", cps[2], size=240)
    memo.put(b"d", cps[2], size=240)
    memo.put(b"e", cps[2], size=240)  # 5 x 240 > 1000: the oldest go
    assert memo.get(b"a") is None
    memo.clear()
    assert len(memo) == 0


def test_safe_under_threads() -> None:
    MEMO.clear()
    texts = [f"prompt {i % 7}\r\n" * 50 for i in range(200)]
    expected = {t: prefixlib.cache_key(project=t, memo=False) for t in set(texts)}
    errors: list[str] = []

    def work(chunk: list[str]) -> None:
        for text in chunk:
            if prefixlib.cache_key(project=text) != expected[text]:
                errors.append(text)

    threads = [threading.Thread(target=work, args=(texts[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(MEMO) <= MEMO.max_entries


@pytest.mark.parametrize(
    "words",
    [
        2_000,  # 10 KB: hashed inline with the rest of the key message
        8_000,  # 40 KB: the same, in one joined message
        14_000,  # 70 KB: ASCII, so a view of the str (prefixlib.utf8), joined all the same
        60_000,  # 300 KB: a view, keyed by its own BLAKE3 digest
    ],
)
def test_layers_of_any_size_are_keyed_by_every_byte(words: int) -> None:
    big = "word " * words
    first = prefixlib.canonicalize(project=big)
    assert prefixlib.canonicalize(project=big) is first
    middle = len(big) // 2
    changed = big[:middle] + "W" + big[middle + 1 :]  # same length, same ends
    assert prefixlib.canonicalize(project=changed).key != first.key
    assert prefixlib.canonicalize(project=big.encode()).key == first.key


@pytest.mark.parametrize("words", [2_000, 14_000, 60_000])
@pytest.mark.parametrize(
    "char", ["\u00e9", "\u2019", "\U0001f642"], ids=["latin-1", "bmp", "astral"]
)
def test_non_ascii_layers_are_keyed_by_every_character(words: int, char: str) -> None:
    """A large str with one non-ASCII character is keyed by its stored characters
    (prefixlib.utf8.code_units): equal text hits, a change of one character of the same
    width misses, and an argument of another type or width is told apart."""
    big = "word " * words + char
    first = prefixlib.canonicalize(project=big)
    assert prefixlib.canonicalize(project=("x" + big)[1:]) is first  # another str object
    middle = len(big) // 2
    changed = big[:middle] + "W" + big[middle + 1 :]
    assert prefixlib.canonicalize(project=changed) is not first
    assert prefixlib.canonicalize(project=changed).key != first.key
    assert prefixlib.canonicalize(project=big.encode()).key == first.key
    widened = big + "\U0001f642"  # four bytes a character now: a different storage
    assert prefixlib.canonicalize(project=widened).key != first.key


@given(text_layers, text_layers, text_layers)
def test_layer_memo_does_not_change_results(base: str, first: str, second: str) -> None:
    """A prefix that shares layers with an earlier one (a new session after the same base
    instructions and tools) takes their work from the layer memo, and gets what it would
    without any memo, under either policy."""
    tools = [{"name": "t", "description": "Today is 2026-11-30."}]
    for policy in (prefixlib.Policy(), prefixlib.Policy(timestamps="keep", unordered="keep")):
        for project in (first, second):
            args = {"base": base, "developer": first, "project": project, "tools": tools}
            assert _view(prefixlib.canonicalize(**args, policy=policy)) == _view(
                prefixlib.canonicalize(**args, policy=policy, memo=False)
            )


def test_a_new_prefix_works_only_on_its_new_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    base = "You are a coding agent. Today is 2026-11-30.\n" * 50
    tools = [{"type": "function", "name": "shell", "parameters": {"type": "object"}}]
    prefixlib.canonicalize(base=base, project="cwd: /home/alice/work/api", tools=tools)
    staged: list[object] = []
    original = pipeline._stage
    monkeypatch.setattr(
        pipeline, "_stage", lambda value, name: staged.append(value) or original(value, name)
    )
    monkeypatch.setattr(pipeline, "tools_layer", lambda *a, **k: pytest.fail("tools again"))
    cp = prefixlib.canonicalize(base=base, project="cwd: /home/bob/src/api", tools=tools)
    assert staged == ["cwd: /home/bob/src/api"]  # base, developer (None) and tools were known
    assert cp.bindings == {"{{DATE_1}}": "2026-11-30", "{{ROOT_1}}": "/home/bob/src/api"}
    monkeypatch.undo()
    other = prefixlib.Policy(timestamps="keep")  # another policy: nothing is shared
    assert (
        "2026-11-30" in prefixlib.canonicalize(base=base, tools=tools, policy=other).layers["base"]
    )


def test_no_memo_leaves_the_layer_memo_alone() -> None:
    pipeline.LAYER_MEMO.clear()
    prefixlib.canonicalize(base="a", project="b", tools=[{"name": "t"}], memo=False)
    assert len(pipeline.LAYER_MEMO) == 0
    prefixlib.canonicalize(base="a", project="b", tools=[{"name": "t"}])
    assert len(pipeline.LAYER_MEMO) == 4
