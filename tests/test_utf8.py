"""The UTF-8 bytes of a str, viewed where the interpreter already holds them."""

from __future__ import annotations

import gc
import sys

import pytest

from prefixlib.utf8 import UNITS_FROM, VIEW_FROM, code_units, utf8

ON_CPYTHON = sys.implementation.name == "cpython"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short ascii",
        "a" * (VIEW_FROM - 1),
        "a" * VIEW_FROM,
        "line\n" * VIEW_FROM,
        "café " * VIEW_FROM,  # Latin-1 storage, not ASCII
        "日本語 " * VIEW_FROM,
        "🙂" * VIEW_FROM,
    ],
    ids=["empty", "short", "below", "at", "lines", "latin-1", "bmp", "astral"],
)
def test_the_bytes_are_the_utf8_encoding(text: str) -> None:
    assert bytes(utf8(text)) == text.encode("utf-8")


@pytest.mark.skipif(not ON_CPYTHON, reason="the view is CPython's")
def test_a_large_ascii_str_is_viewed_read_only_and_kept_alive() -> None:
    view = utf8("".join(["x", "y" * VIEW_FROM, "z"]))  # the only reference is the view's
    gc.collect()
    assert isinstance(view, memoryview)
    assert view.readonly
    assert (len(view), view[0], view[-1]) == (VIEW_FROM + 2, ord("x"), ord("z"))
    with pytest.raises(TypeError):
        view[0] = 0  # type: ignore[index]


def test_small_and_non_ascii_strs_are_encoded() -> None:
    assert isinstance(utf8("a" * (VIEW_FROM - 1)), bytes)
    assert isinstance(utf8("é" * VIEW_FROM), bytes)


def test_a_lone_surrogate_is_an_encoding_error() -> None:
    with pytest.raises(UnicodeEncodeError):
        utf8("\udc80" + "a" * VIEW_FROM)


@pytest.mark.skipif(not ON_CPYTHON, reason="the storage is CPython's")
@pytest.mark.parametrize(
    ("text", "width", "codec"),
    [
        ("café " * UNITS_FROM, 1, "latin-1"),
        ("a\u2019b " * UNITS_FROM, 2, "utf-16-le"),
        ("\U0001f642 " * UNITS_FROM, 4, "utf-32-le"),
        ("\udc80" + "é" * UNITS_FROM, 2, "utf-16-le"),  # a lone surrogate is stored too
        (("x" * UNITS_FROM + "é")[1:], 1, "latin-1"),  # a slice is a new compact str
    ],
    ids=["latin-1", "bmp", "astral", "surrogate", "slice"],
)
def test_code_units_are_the_stored_characters(text: str, width: int, codec: str) -> None:
    units = code_units(text)
    assert units is not None
    assert units[0] == width
    assert units[1].readonly
    assert bytes(units[1]) == text.encode(codec, "surrogatepass")


@pytest.mark.skipif(not ON_CPYTHON, reason="the storage is CPython's")
def test_code_units_keep_the_str_alive() -> None:
    units = code_units("".join(["é", "y" * UNITS_FROM, "z"]))  # the only reference is the view's
    gc.collect()
    assert units is not None
    assert bytes(units[1][:1]) + bytes(units[1][-1:]) == b"\xe9z"


def test_small_and_ascii_strs_have_no_code_units_view() -> None:
    assert code_units("é" * (UNITS_FROM - 1)) is None
    assert code_units("a" * UNITS_FROM * 2) is None
