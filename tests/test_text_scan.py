"""The one-scan text rules equal the rule functions applied one by one (SPEC.md 3.4-3.8)."""

from __future__ import annotations

import bisect
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prefixlib
from prefixlib.pipeline import canonical_text, code_ranges, stepwise_text, text_stage
from prefixlib.rules import nfc
from prefixlib.rules.ordering import LEAD_INS, sort_unordered
from prefixlib.rules.text import INVISIBLE
from prefixlib.rules.text_scan import Scanned, scan_layer
from tests.conftest import corpus_files, corpus_params
from tests.strategies import text_layers

_VISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))


def _check(text: str) -> None:
    """The scan agrees with the rule functions on text, code ranges and lead-in words."""
    expected = stepwise_text(text)
    stage = text_stage(text)
    assert stage.text.decode("utf-8") == expected
    assert stage.code == code_ranges(expected)
    if sort_unordered(expected) != expected:
        assert stage.may_declare
    # every phrase in prose is seen, whether or not it declares a list
    data, pos, prose = stage.text, 0, []
    for start, end in [*stage.code, (len(stage.text), len(stage.text))]:
        prose.append(data[pos:start])
        pos = end
    folded = b"\0".join(prose).lower()
    if any(phrase.encode().lower() in folded for phrase in (*LEAD_INS, "unordered")):
        assert stage.may_declare


def test_the_part_line_declares_nothing_and_the_marker_does() -> None:
    """The adapters' part line (SPEC.md 9) is in every Codex request: no ordering work for it."""
    assert not text_stage("a\n\n<!-- prefixlib: part -->\n\nb\n").may_declare
    assert text_stage("a\n\n<!-- PrefixLib: Unordered -->\n- b\n- a\n").may_declare


@given(text_layers)
def test_scan_equals_the_rules_one_by_one(text: str) -> None:
    _check(text)


#: Lines that declare (or nearly declare) an unordered list, and words that only hold "order".
_DECLARING = [
    "Tools (unordered):",
    "In ANY order:",
    "the order doesn\u2019t matter",
    "Order does not matter",
    "<!-- PrefixLib: unordered -->",
    "in order to",
    "border",
    "```in any order",
    "  - b\n  - a",
]


@given(text_layers, st.lists(st.tuples(st.sampled_from(_DECLARING), st.integers(0, 10**6))))
def test_scan_sees_every_lead_in_phrase(text: str, inserts: list[tuple[str, int]]) -> None:
    """The scan notes a lead-in phrase in prose wherever it is, and nothing else makes the
    ordering rule run (SPEC.md 3.9)."""
    for phrase, at in inserts:
        at %= len(text) + 1
        text = text[:at] + phrase + "\n- b\n- a\n" + text[at:]
    _check(text)


@given(text_layers)
def test_scan_without_invisible_characters(text: str) -> None:
    text = text.translate(_VISIBLE)
    assert isinstance(scan_layer(text.encode("utf-8")), Scanned)
    _check(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "  \t\n \n",
        "a",
        "a  ",
        "a\n\n\n\nb",
        "a  \n  \n\n\t\nb\n",
        "```",  # an opener as the last line has no content
        "```\n",
        "```py  \ncode  \n\n\n\n```  \nafter  \n",
        "~~~ `info` with backticks\n  x  \n~~~\n",
        "``` `not an opener`\n  text  \n",
        "````\n```\n  still code  \n````\n\n\n",
        "   ```\n\tindented fence\n ```\n",
        "```\nunclosed  \n\n\n  \n",
        "text\n```\n```\n\n\n\nmore\n",
        "~~~~\n~~~\n~~~~~\nafter \n",
        "The order of these does not matter:\n- b\n- a\n",
        "ORDER\nPrefixLib: unordered\n",
        # inside code the scan looks for fence lines only; the opener's line is prose
        "```py order  \n  code  \n\n\n\n\tmore  \n```\n",
        "```\ncode\u200b  \n```\ntext\u200b\n",
        "```py\u200b  \ncode\n```\n",
        "```\ncafe\u0301  \n```\n",
        "```Order\n- b\n- a\n```\n",
        "```sh\n  \n\n\n```\n```sh2  \n\n\n",
        "```\n~~~\n```` \n```\t\nafter  \n\n\n",
        "~~~\n```\n  ~~~~  \nafter\n",
        "`" * 1001 + "\ncode  \n" + "`" * 1000 + "\n" + "`" * 1001 + "  \nafter  \n",
        "~" * 1200 + "\ncode  \n" + "~" * 1300 + "\nafter  \n",
    ],
)
def test_edge_cases(text: str) -> None:
    _check(text)
    _check(text.replace("\n", "\r\n"))


def test_invisible_characters_take_the_rule_functions() -> None:
    for char in INVISIBLE:
        assert scan_layer(f"a{char}b\n".encode()) == "invisible"
        assert canonical_text(f"a{char}b\n") == "ab\n"
    assert isinstance(scan_layer("naïve café — ok\n".encode()), Scanned)


def test_invisible_characters_in_code_are_content() -> None:
    # but the scan stops there: without them a line may close the fence (SPEC.md 3.4)
    text = "```\na\u200bb  \n```\n"
    assert scan_layer(text.encode()) == "invisible"
    assert canonical_text(text) == text
    assert canonical_text("~~~\n~~~\u200b\n\n \n\n~~~\n") == "~~~\n~~~\n\n~~~\n"


@pytest.mark.parametrize(
    "text",
    ["cafe\u0301", "\u1fef\u1fef\u1fef\nfenced\n```", "\u2126", "\u1100\u1161", "a\u0316\u0301"],
)
def test_a_layer_nfc_may_change_is_normalised_first(text: str) -> None:
    data = text.encode()
    assert scan_layer(data, normalized=False) == "nfc"
    assert isinstance(scan_layer(data), Scanned)  # no stop where NFC is known to be done
    _check(text)


def test_nfc_stable_text_is_not_normalised() -> None:
    text = "Ærøskøbing — “quoted” → café ✅ 日本語 \U0001f600 naïve\n"
    assert isinstance(scan_layer(text.encode(), normalized=False), Scanned)


def test_the_nfc_table_holds_every_character_nfc_may_change() -> None:
    """Under this interpreter's Unicode, whatever version generated the table."""
    ranges = [
        (int(a, 16), int(b or a, 16))
        for a, b in re.findall(r"\\x\{([0-9A-F]+)\}(?:-\\x\{([0-9A-F]+)\})?", nfc.UNSTABLE)
    ]
    starts = [start for start, _ in ranges]
    for cp in nfc.unstable_code_points(unassigned=False):
        index = bisect.bisect_right(starts, cp) - 1
        assert index >= 0, hex(cp)
        assert ranges[index][0] <= cp <= ranges[index][1], hex(cp)


@pytest.mark.skipif(
    unicodedata.unidata_version != nfc.UNICODE_VERSION,
    reason=f"the table is for Unicode {nfc.UNICODE_VERSION}",
)
def test_the_nfc_table_is_as_generated() -> None:
    assert nfc.char_class(nfc.unstable_code_points()) == nfc.UNSTABLE


@pytest.mark.parametrize("path", corpus_params(corpus_files()), ids=lambda p: Path(p).name)
def test_corpus(path: Path) -> None:
    _check(path.read_text(encoding="utf-8"))


@given(
    text_layers,
    st.sampled_from(["Tools (unordered):", "In ANY order:", "<!-- PrefixLib: unordered -->"]),
)
def test_the_scan_never_skips_a_list_to_sort(text: str, lead_in: str) -> None:
    """Where the scan saw no lead-in word, sorting would change nothing (SPEC.md 3.9)."""
    text = f"{text}\n{lead_in}\n- b\n- a\n"
    expected = sort_unordered(canonical_text(text))
    assert prefixlib.canonicalize(project=text, memo=False).restore()["project"] == expected
