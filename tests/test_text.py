"""Table-driven tests of each text rule (SPEC.md 3), and of the text pipeline."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from prefixlib.errors import EncodingError
from prefixlib.pipeline import canonical_text
from prefixlib.rules import text as t

RULES: list[tuple[Callable[[str], str], str, str]] = [
    # 3.2 byte order marks at the start only
    (t.strip_bom, "\ufeffabc", "abc"),
    (t.strip_bom, "\ufeff\ufeffabc", "abc"),
    (t.strip_bom, "a\ufeffbc", "a\ufeffbc"),
    # 3.2 line endings
    (t.normalize_line_endings, "a\r\nb\rc\n", "a\nb\nc\n"),
    (t.normalize_line_endings, "a\r\r\nb", "a\n\nb"),
    (t.normalize_line_endings, "a\n\rb", "a\n\nb"),
    (t.normalize_line_endings, "plain\n", "plain\n"),
    # 3.3 NFC, never NFKC
    (t.normalize_unicode, "cafe\u0301", "caf\u00e9"),
    (t.normalize_unicode, "x\u00b2 \ufb01", "x\u00b2 \ufb01"),
    (t.normalize_unicode, "\u212b", "\u00c5"),
    (t.normalize_unicode, "\u1fef", "`"),
    # 3.5 invisible characters, then NFC again
    (t.drop_invisible, "a\u200bb\u200cc\u200dd\u2060e\ufefff", "abcdef"),
    (t.drop_invisible, "e\u200d\u0301", "\u00e9"),
    (t.drop_invisible, "a\u00adb\u200ec", "a\u00adb\u200ec"),
    # 3.6 trailing spaces and tabs only
    (t.strip_trailing_whitespace, "a \t\nb  \nc\t", "a\nb\nc"),
    (t.strip_trailing_whitespace, "  indented\n", "  indented\n"),
    (t.strip_trailing_whitespace, "nbsp\u00a0\n", "nbsp\u00a0\n"),
    # 3.7 blank lines
    (t.collapse_blank_lines, "a\n\n\n\nb", "a\n\nb"),
    (t.collapse_blank_lines, "a\n\nb", "a\n\nb"),
    # 3.8 trim
    (t.trim_layer, "\n\n  \nabc\n\n", "abc\n"),
    (t.trim_layer, "abc", "abc\n"),
    (t.trim_layer, "  abc  ", "  abc  \n"),
    (t.trim_layer, " \n\t\n", ""),
    (t.trim_layer, "", ""),
    (t.trim_layer, "code  \n  \n", "code  \n"),
]


@pytest.mark.parametrize(("rule", "before", "after"), RULES)
def test_rule(rule: Callable[[str], str], before: str, after: str) -> None:
    assert rule(before) == after
    assert rule(after) == after  # idempotent


FENCES: list[tuple[str, list[tuple[str, bool]]]] = [
    ("no fence\n", [("no fence\n", False)]),
    (
        "a\n```py\ncode\n```\nb\n",
        [("a\n```py\n", False), ("code\n", True), ("```\nb\n", False)],
    ),
    # a longer closer closes; a shorter one does not; the other character does not
    (
        "````\n```\n~~~\n`````\nx",
        [("````\n", False), ("```\n~~~\n", True), ("`````\nx", False)],
    ),
    # unclosed: code runs to the end
    ("~~~\nrest\n\n", [("~~~\n", False), ("rest\n\n", True)]),
    # any indentation opens; a backtick in the info string does not
    (
        "      ```sh\nx\n  ```\n```not`fence\n",
        [("      ```sh\n", False), ("x\n", True), ("  ```\n```not`fence\n", False)],
    ),
    # invisible characters do not hide an opener
    ("\u200b``\u200b`\nx\n```\n", [("\u200b``\u200b`\n", False), ("x\n", True), ("```\n", False)]),
    # a closer with text after the run is content
    ("```\n``` x\n```\n", [("```\n", False), ("``` x\n", True), ("```\n", False)]),
    # an opener on the last line has no content
    ("text\n```", [("text\n```", False)]),
]


@pytest.mark.parametrize(("text", "segments"), FENCES)
def test_split_fences(text: str, segments: list[tuple[str, bool]]) -> None:
    found = t.split_fences(text)
    assert [(s.text, s.is_code) for s in found] == segments
    assert t.join_segments(found) == text


PIPELINE: list[tuple[str, str]] = [
    ("", ""),
    ("\r\n\r\n", ""),
    ("\ufeffTitle  \r\n\r\n\r\n\r\nBody\t", "Title\n\nBody\n"),
    # inside fences only line endings (and NFC) change
    ("a\n```\n  x  \n\n\n\n\ty\u200b\n```\n", "a\n```\n  x  \n\n\n\n\ty\u200b\n```\n"),
    ("```\r\nx \r\n```", "```\nx \n```\n"),
    ("~~~ info  \nx\t\n~~~  \n\n\n\nz", "~~~ info\nx\t\n~~~\n\nz\n"),
    # NFC first: U+1FEF becomes a backtick, so this opens a fence
    ("\u1fef\u1fef\u1fef\nx  \n", "```\nx  \n"),
    # unclosed fence: trailing blank lines of the layer go, trailing spaces of code stay
    ("```\ncode  \n  \n\n", "```\ncode  \n"),
    # prose content is kept: indentation, case, numbers, markup
    ("  - Item ONE: 42 **bold**  \n", "  - Item ONE: 42 **bold**\n"),
]


@pytest.mark.parametrize(("before", "after"), PIPELINE)
def test_canonical_text(before: str, after: str) -> None:
    assert canonical_text(before) == after
    assert canonical_text(after) == after


def test_decode_names_line_and_column() -> None:
    with pytest.raises(EncodingError) as info:
        t.decode(b"ok\nab\xffc", source="prompts/base.md")
    assert str(info.value) == "prompts/base.md:2:3: invalid UTF-8 byte 0xff"
    assert (info.value.line, info.value.column) == (2, 3)


def test_decode_column_counts_characters() -> None:
    with pytest.raises(EncodingError) as info:
        t.decode("é".encode() + b"\xc3", source="x")
    assert (info.value.line, info.value.column) == (1, 2)


def test_lone_surrogate_is_an_error() -> None:
    with pytest.raises(EncodingError, match=r"project:1:3: lone surrogate U\+D800"):
        t.check_encodable("ab\ud800", source="project")
