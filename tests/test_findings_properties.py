"""Properties of ``prefixlib.findings.check_text`` on prompt-like text of every text rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import prefixlib
from prefixlib.findings import check_text
from prefixlib.pipeline import canonical_text

from .strategies import text_layers


def _lines(text: str) -> int:
    return len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


@given(text_layers)
def test_findings_agree_with_the_rules(text: str) -> None:
    """No fixable finding exactly when the text rules change nothing; places are in the file;
    the fix is the text and ordering rules' result, and a second fix changes nothing."""
    checked = check_text(text)
    fixable = [f for f in checked.findings if f.fixable]
    assert bool(fixable) == (checked.fixed != text)
    if canonical_text(text) != text:
        assert any(f.code.startswith("PL1") for f in fixable)
    assert not [f for f in fixable if f.code == "PL100"]  # every change told by its own code
    for f in checked.findings:
        assert 1 <= f.line <= _lines(text)
        assert f.column >= 1
    assert checked.fixed == prefixlib.canonicalize(project=text).restore()["project"]
    again = check_text(checked.fixed)
    assert again.fixed == checked.fixed
    assert not [f for f in again.findings if f.fixable]


@given(text_layers)
def test_columns_point_at_the_character(text: str) -> None:
    """A trailing-whitespace finding points at a space or tab, an invisible one at the
    invisible character, in the file's own line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for f in check_text(text).findings:
        line = lines[f.line - 1]
        if f.code == "PL105":
            assert line[f.column - 1] in " \t"
        elif f.code == "PL104":
            assert line[f.column - 1] in "\u200b\u200c\u200d\u2060\ufeff"


_VOLATILE = [
    "Today's date is 2026-11-24.",
    "Session ID: 5f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b",
    "# AGENTS.md instructions for /home/alice/work/api",
    "Logs go to /tmp/run-42/out.log and /home/bob/.cache/x.",
    "<current_date>2026-11-29</current_date>",
    "  <cwd>/Users/bob/src/api</cwd>",
]


@given(
    st.lists(
        st.one_of(st.sampled_from(_VOLATILE), st.sampled_from(["", "  ", "text", "- item \u200b"])),
        max_size=8,
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["", "\ufeff", "\n\n"]),
    st.sampled_from(["", " ", "\u200b"]),
)
def test_volatile_values_are_found_where_the_file_has_them(
    lines: list[str], eol: str, head: str, noise: str
) -> None:
    """Whatever else the text rules change, a hoisted value's line and column are where the
    value is in the file as written."""
    text = head + eol.join(noise + line + noise for line in lines) + eol
    written = text.replace("\r\n", "\n").split("\n")
    for f in check_text(text).findings:
        if f.code.startswith("PL3"):
            value = f.message.split("'")[1]
            line = written[f.line - 1]
            assert line[f.column - 1 :].startswith(value), (f, line)
