"""Layers given as UTF-8 bytes, which are scanned without a ``str`` of them, and ``hash --json``,
which writes layers from their bytes: both give what the ``str`` path gives (SPEC.md 3.1)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prefixlib
from prefixlib import pipeline
from prefixlib.cli import hash as hash_cli
from prefixlib.pipeline import text_stage, utf8_stage
from tests.strategies import text_layers

#: Characters JSON escapes, and ones it keeps, mixed into the layers written as JSON.
_JSON_PIECES = st.sampled_from(['"', "\\", "\x00", "\x01", "\x1f", "\x7f", "\u2028", "é", "\u2019"])


@given(text_layers)
def test_utf8_stage_equals_text_stage(text: str) -> None:
    assert utf8_stage(text.encode("utf-8")) == text_stage(text)


@given(text_layers)
def test_bytes_arguments_give_the_str_result(text: str) -> None:
    as_str = prefixlib.canonicalize(project=text, base="\ufeff" + text, memo=False)
    given_bytes = prefixlib.canonicalize(
        project=text.encode(), base=("\ufeff" + text).encode(), memo=False
    )
    assert given_bytes.layer_bytes == as_str.layer_bytes
    assert given_bytes.bindings == as_str.bindings
    assert given_bytes.restore() == as_str.restore()
    assert given_bytes.changes == as_str.changes


def test_utf8_stage_on_the_corpus(corpus: list[Path]) -> None:
    for path in corpus:
        data = path.read_bytes()
        assert utf8_stage(data) == text_stage(data.decode("utf-8")), path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ok\n\xffbad", "project:2:1: invalid UTF-8 byte 0xff"),
        (b"\xe2\x80", "project:1:1: invalid UTF-8 byte 0xe2"),
        (b"a\xed\xa0\x80", "project:1:2: invalid UTF-8 byte 0xed"),  # a UTF-8 surrogate
    ],
)
def test_invalid_utf8_is_reported_at_its_place(data: bytes, message: str) -> None:
    with pytest.raises(prefixlib.EncodingError) as info:
        prefixlib.canonicalize(project=data, memo=False)
    assert str(info.value) == message


def test_invalid_utf8_past_the_first_checked_chunk() -> None:
    data = b"a" * (pipeline._CHECK_CHUNK - 1) + "é".encode() + b"\n\xff"
    with pytest.raises(prefixlib.EncodingError, match=r"project:2:1: invalid UTF-8 byte 0xff"):
        prefixlib.canonicalize(project=data, memo=False)


def test_a_bytearray_changed_later_changes_nothing() -> None:
    data = bytearray(b"Today is 2026-01-01.  \n")
    cp = prefixlib.canonicalize(project=data, memo=False)
    expected = prefixlib.canonicalize(project=bytes(data), memo=False).changes
    data[:5] = b"XXXXX"
    assert cp.changes == expected
    assert cp.restore()["project"] == "Today is 2026-01-01.\n"


@given(st.lists(st.one_of(text_layers, _JSON_PIECES), max_size=4).map("".join))
def test_hash_json_writes_what_json_dumps_writes(text: str) -> None:
    cp = prefixlib.canonicalize(project=text, tools=[{"name": text or "t"}], memo=False)
    value = [hash_cli._as_json(cp, path="p"), hash_cli._as_json(cp, path="q")]
    expected = [
        {**item, "layers": {name: data.data.decode() for name, data in item["layers"].items()}}
        for item in value
    ]
    written = _written(lambda: hash_cli._print_json(value))
    assert written == (json.dumps(expected, ensure_ascii=False, indent=2) + "\n").encode()


def _written(write: Callable[[], None]) -> bytes:
    """What ``write()`` wrote to ``sys.stdout``'s buffer."""
    buffer = io.BytesIO()
    stdout = sys.stdout
    sys.stdout = io.TextIOWrapper(buffer, encoding="utf-8")
    try:
        write()
        sys.stdout.flush()
        return buffer.getvalue()
    finally:
        sys.stdout = stdout
