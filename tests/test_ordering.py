"""Declared-unordered lists are sets (SPEC.md 3.9): table, properties and the corpus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prefixlib.pipeline import canonical_text
from prefixlib.rules import ordering
from prefixlib.rules.ordering import MARKER, sort_unordered
from prefixlib.rules.text import split_fences
from tests.strategies import text_layers

# (input, expected): each lead-in, the marker, items, list ends, fences, what stays put.
TABLE: list[tuple[str, str]] = [
    # the lead-in phrases, ASCII-case-insensitively; the next line or after one blank line
    (
        "Tools (unordered):\n- ruff\n- mypy\n- black\n",
        "Tools (unordered):\n- black\n- mypy\n- ruff\n",
    ),
    ("Run In Any Order:\n\n* lint\n* build\n", "Run In Any Order:\n\n* build\n* lint\n"),
    (
        "Env (order does not matter):\n+ PAGER=less\n+ PAGER=cat\n",
        "Env (order does not matter):\n+ PAGER=cat\n+ PAGER=less\n",
    ),
    ("Order doesn't matter:\n- b\n- a\n", "Order doesn't matter:\n- a\n- b\n"),
    ("Order doesn\u2019t matter:\n- b\n- a\n", "Order doesn\u2019t matter:\n- a\n- b\n"),
    # the explicit marker, with any spacing and indentation
    (f"{MARKER}\n- b\n- a\n", f"{MARKER}\n- a\n- b\n"),
    (
        "Deps:\n  <!--PrefixLib:unordered-->\n\n  - b\n  - a\n",
        "Deps:\n  <!--PrefixLib:unordered-->\n\n  - a\n  - b\n",
    ),
    # continuation lines: indented, after a blank line, and lazy
    (
        "(unordered)\n- zeta\n  more zeta\n- alpha\n  more alpha\n",
        "(unordered)\n- alpha\n  more alpha\n- zeta\n  more zeta\n",
    ),
    ("(unordered)\n- b\n\n  more b\n- a\n", "(unordered)\n- a\n- b\n\n  more b\n"),
    (
        "(unordered)\n- zeta wraps\nonto here\n- alpha\n",
        "(unordered)\n- alpha\n- zeta wraps\nonto here\n",
    ),
    # sub-lists keep their order unless declared themselves
    ("(unordered)\n- b\n  - 2\n  - 1\n- a\n", "(unordered)\n- a\n- b\n  - 2\n  - 1\n"),
    (
        "(unordered)\n- b (unordered):\n  - 2\n  - 1\n- a\n",
        "(unordered)\n- a\n- b (unordered):\n  - 1\n  - 2\n",
    ),
    (
        "1. Install, in any order:\n   - zsh\n   - bash\n2. Run\n",
        "1. Install, in any order:\n   - bash\n   - zsh\n2. Run\n",
    ),
    # loose lists: the k-th separator stays the k-th
    (
        "(unordered)\n\n- c\n\n- a\n\n- b\n\nAfter.\n",
        "(unordered)\n\n- a\n\n- b\n\n- c\n\nAfter.\n",
    ),
    ("(unordered)\n- c\n\n- a\n- b\n", "(unordered)\n- a\n\n- b\n- c\n"),
    # a fence moves with its item, closer included; its lines are never bullets
    (
        "(unordered)\n- run\n  ```sh\n  - x\n  ```\n- build\n",
        "(unordered)\n- build\n- run\n  ```sh\n  - x\n  ```\n",
    ),
    ("(unordered)\n- z\n  ```\ncode\n```\n- a\n", "(unordered)\n- a\n- z\n  ```\ncode\n```\n"),
    # a fence left open at the end of the layer: the list keeps its order
    ("(unordered)\n- z\n- a\n  ```\n  code\n", "(unordered)\n- z\n- a\n  ```\n  code\n"),
    ("(unordered)\n- z\n- a\n  ```\n", "(unordered)\n- z\n- a\n  ```\n"),
    # numbered lists are never sorted
    ("Steps (unordered):\n1. b\n2. a\n", "Steps (unordered):\n1. b\n2. a\n"),
    ("Steps in any order:\n1) b\n2) a\n", "Steps in any order:\n1) b\n2) a\n"),
    # lead-ins and bullets inside fences are code
    ("```\nTools (unordered):\n- b\n- a\n```\n", "```\nTools (unordered):\n- b\n- a\n```\n"),
    ("Tools (unordered):\n```\n- b\n- a\n```\n", "Tools (unordered):\n```\n- b\n- a\n```\n"),
    (f"~~~\n{MARKER}\n- b\n- a\n~~~\n", f"~~~\n{MARKER}\n- b\n- a\n~~~\n"),
    # no lead-in, a lead-in too far away, a phrase inside a longer word
    ("Tools:\n- b\n- a\n", "Tools:\n- b\n- a\n"),
    ("Tools (unordered):\nSee below.\n- b\n- a\n", "Tools (unordered):\nSee below.\n- b\n- a\n"),
    ("(unordered)\n\n\n- b\n- a\n", "(unordered)\n\n\n- b\n- a\n"),
    ("The border doesn't matter:\n- b\n- a\n", "The border doesn't matter:\n- b\n- a\n"),
    ("Sort within any ordering:\n- b\n- a\n", "Sort within any ordering:\n- b\n- a\n"),
    # two lists; a lead-in, a heading, another bullet kind or a paragraph ends a list
    (
        "A (unordered):\n- 2\n- 1\n\nB in any order:\n- y\n- x\n",
        "A (unordered):\n- 1\n- 2\n\nB in any order:\n- x\n- y\n",
    ),
    (
        "A (unordered):\n- 2\n- 1\nB in any order:\n- y\n- x\n",
        "A (unordered):\n- 1\n- 2\nB in any order:\n- x\n- y\n",
    ),
    ("(unordered)\n- b\n- a\n# Next\n- z\n- y\n", "(unordered)\n- a\n- b\n# Next\n- z\n- y\n"),
    ("(unordered)\n- b\n- a\n* z\n* y\n", "(unordered)\n- a\n- b\n* z\n* y\n"),
    ("(unordered)\n- b\n- a\n\nText.\n- z\n- y\n", "(unordered)\n- a\n- b\n\nText.\n- z\n- y\n"),
    ("(unordered)\n- b\n- a\n- - -\n", "(unordered)\n- a\n- b\n- - -\n"),
    ("(unordered)\n- b\n- a\n***\n", "(unordered)\n- a\n- b\n***\n"),
    ("(unordered)\n- b\n- a\n__ _\n", "(unordered)\n- a\n- b\n__ _\n"),
    # but a line of text right after an item continues it, even at column 0
    ("(unordered)\n- z\n`x` wraps\n- a\n", "(unordered)\n- a\n- z\n`x` wraps\n"),
    ("  Deps (unordered):\n  - b\n  - a\n- top\n", "  Deps (unordered):\n  - a\n  - b\n- top\n"),
    # a bullet line can lead in: the list starts at the next bullet
    ("- Tools (unordered):\n- b\n- a\n", "- Tools (unordered):\n- a\n- b\n"),
    # duplicates are kept; code point order; the last line may lack its LF
    ("(unordered)\n- b\n- a\n- b\n", "(unordered)\n- a\n- b\n- b\n"),
    ("(unordered)\n- b\n- B\n- \u00e9\n- a\n", "(unordered)\n- B\n- a\n- b\n- \u00e9\n"),
    ("(unordered)\n- b\n- a", "(unordered)\n- a\n- b"),
    ("", ""),
]


@pytest.mark.parametrize(("before", "after"), TABLE)
def test_table(before: str, after: str) -> None:
    assert sort_unordered(before) == after
    assert sort_unordered(after) == after


@pytest.mark.parametrize(
    ("markers", "before", "after"),
    [
        ((), "In beliebiger Reihenfolge:\n- b\n- a\n", "In beliebiger Reihenfolge:\n- b\n- a\n"),
        (
            ["beliebiger Reihenfolge"],
            "In BELIEBIGER Reihenfolge:\n- b\n- a\n",
            "In BELIEBIGER Reihenfolge:\n- a\n- b\n",
        ),
        (("any sequence", "(set)"), "Flags (set):\n- -v\n- -q\n", "Flags (set):\n- -q\n- -v\n"),
    ],
)
def test_extra_markers(markers: Sequence[str], before: str, after: str) -> None:
    assert sort_unordered(before, markers=markers) == after
    assert sort_unordered(after, markers=markers) == after


def test_key_sorts_and_text_breaks_ties() -> None:
    text = "(unordered)\n- v=2 b\n- v=1 b\n- v=3 a\n"
    masked = sort_unordered(text, key=lambda item: item.translate(str.maketrans("123", "###")))
    assert masked == "(unordered)\n- v=3 a\n- v=1 b\n- v=2 b\n"
    assert sort_unordered(text, key=lambda item: "") == "(unordered)\n- v=1 b\n- v=2 b\n- v=3 a\n"


@pytest.mark.parametrize("markers", [[""], ["  "], ["a\nb"]])
def test_bad_markers(markers: list[str]) -> None:
    with pytest.raises(ValueError, match="lead-in phrase"):
        sort_unordered("x\n", markers=markers)


def test_markers_is_not_a_string() -> None:
    with pytest.raises(TypeError, match="sequence of phrases"):
        sort_unordered("x\n", markers="unordered")


# Properties.  Words cannot spell a lead-in phrase or start a block of their own.
_words = st.from_regex(r"[a-z0-9=/][a-z0-9=/ ]{0,5}[a-z0-9=/]|[a-z]", fullmatch=True)


@st.composite
def _items(draw: st.DrawFn) -> str:
    """One item: a bullet line and, maybe, continuation lines of every sort."""
    lines = ["- " + draw(_words)]
    if draw(st.booleans()):
        lines.append(draw(_words.filter(lambda w: w[0].isalpha())))  # a lazy line
    for shape in draw(st.lists(st.integers(0, 4), max_size=2)):
        if shape == 0:
            lines.append("  " + draw(_words))
        elif shape == 1:
            lines += ["  - " + draw(_words), "  - " + draw(_words)]  # a sub-list keeps its order
        elif shape == 2:
            lines += ["  ```", "- " + draw(_words), "", "  ```"]
        elif shape == 3:
            lines += ["  ~~~", "(unordered)", "~~~~"]  # code: declares nothing
        else:
            lines += ["", "  " + draw(_words)]
    return "\n".join(lines)


_lead_ins = st.sampled_from(
    ["Tools (unordered):", "In any order:", MARKER, "  Order doesn't matter"]
)
_afters = st.sampled_from(["", "\n# Next", "\n\nAfter.", "\n- - -", "\n1. step"])


def _document(lead_in: str, items: Sequence[str], loose: bool, after: str) -> str:
    separator = "\n\n" if loose else "\n"
    return f"Intro.\n\n{lead_in}\n{separator.join(items)}{after}\n"


@given(_lead_ins, st.lists(_items(), min_size=1, max_size=5), st.booleans(), _afters, st.data())
def test_permuting_items_changes_nothing(
    lead_in: str, items: list[str], loose: bool, after: str, data: st.DataObject
) -> None:
    permuted = data.draw(st.permutations(items))
    expected = sort_unordered(_document(lead_in, items, loose, after))
    assert expected == _document(lead_in, sorted(items), loose, after)
    assert sort_unordered(_document(lead_in, permuted, loose, after)) == expected
    assert sort_unordered(expected) == expected


@given(_lead_ins, st.lists(_items(), min_size=1, max_size=5), st.booleans(), _items(), st.data())
def test_changing_an_item_changes_the_output(
    lead_in: str, items: list[str], loose: bool, other: str, data: st.DataObject
) -> None:
    k = data.draw(st.integers(0, len(items) - 1))
    changed = [*items[:k], other, *items[k + 1 :]]
    same = sorted(items) == sorted(changed)
    before = sort_unordered(_document(lead_in, items, loose, ""))
    assert (before == sort_unordered(_document(lead_in, changed, loose, ""))) == same


_pool = st.sampled_from(
    [
        "Tools (unordered):",
        "in any order",
        MARKER,
        "- b",
        "- a (unordered)",
        "- a",
        "* c",
        "  - d",
        "  - c",
        "    + e",
        "1. one",
        "  text",
        "lazy",
        "# Head",
        "```",
        "  ```",
        "~~~",
        "",
        "- - -",
    ]
)


def _check_lossless_and_idempotent(text: str) -> None:
    """The output is a permutation of the input's lines, with the same fences, and stable."""
    out = sort_unordered(text)
    assert sorted(out.split("\n")) == sorted(text.split("\n"))
    assert out.endswith("\n") == text.endswith("\n")
    code = sorted(s.text for s in split_fences(text) if s.is_code)
    assert sorted(s.text for s in split_fences(out) if s.is_code) == code
    assert sort_unordered(out) == out


_blocks = st.builds(
    lambda lead_in, items: "\n".join([lead_in, *items]), _lead_ins, st.lists(_items(), max_size=4)
)


@given(st.lists(st.one_of(_pool, _pool, _blocks), max_size=20))
def test_lossless_and_idempotent_on_list_like_text(lines: list[str]) -> None:
    canonical = canonical_text("\n".join(lines))
    _check_lossless_and_idempotent(canonical)
    assert canonical_text(sort_unordered(canonical)) == sort_unordered(canonical)
    _check_lossless_and_idempotent("\n".join(lines))


@given(text_layers, _lead_ins)
def test_lossless_and_idempotent_on_any_text(text: str, lead_in: str) -> None:
    canonical = canonical_text(lead_in + "\n" + text)
    _check_lossless_and_idempotent(canonical)
    out = sort_unordered(canonical)
    assert canonical_text(out) == out  # the text rules have nothing left to do


def _corpus_markdown(corpus: list[Path]) -> list[Path]:
    return [path for path in corpus if path.suffix == ".md"]


def test_corpus_unchanged_without_splitting(
    corpus: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No corpus prompt declares an unordered list, so none is even split into lines."""

    def no_split(text: str) -> object:
        raise AssertionError("the fast path should have returned")

    monkeypatch.setattr(ordering, "split_fences", no_split)
    files = _corpus_markdown(corpus)
    assert files
    for path in files:
        text = canonical_text(path.read_text(encoding="utf-8"))
        assert sort_unordered(text) is text, path


def test_every_built_in_phrase_holds_order() -> None:
    """The fast check of ``_mentions`` relies on it."""
    assert all("order" in phrase.lower() for phrase in ordering.LEAD_INS)


def test_parts_joined_by_the_adapters_are_not_split(
    captures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The adapters' part line (SPEC.md 9) holds ``prefixlib:`` but is no marker: a captured
    Codex request's layers take the fast path (they took the slow one, 1 ms of a new
    prefix's 2.8 ms in ``prefixlib serve``)."""
    from prefixlib import adapters

    layers = adapters.split(json.loads((captures / "raw" / "codex-a.body").read_bytes())).layers
    joined = [canonical_text(layers[name]) for name in ("developer", "project")]
    assert all("<!-- prefixlib: part -->" in text for text in joined)
    monkeypatch.setattr(ordering, "split_fences", lambda text: pytest.fail("split"))
    for text in joined:
        assert sort_unordered(text) is text
    marked = joined[0] + "\n\n<!-- PrefixLib: Unordered -->\n- b\n- a\n"
    monkeypatch.undo()
    assert sort_unordered(marked).endswith("- a\n- b\n")
