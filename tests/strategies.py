"""Shared hypothesis strategies: prompt-like text that exercises every text rule."""

from __future__ import annotations

from hypothesis import strategies as st

#: Characters the rules treat specially, mixed into ordinary text.
SPECIAL = [
    " ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\ufeff",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "`",
    "```",
    "~~~",
    "\u0301",
    "e\u0301",
    "\u1fef",
    "\u00a0",
    "\u2028",
    "x\u00b2",
    "\U0001f600",
]
_word = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), max_size=6)
_piece = st.one_of(_word, st.sampled_from(SPECIAL))


@st.composite
def _line(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["", " ", "  ", "\t", "    "]))
    body = "".join(draw(st.lists(_piece, max_size=6)))
    trailing = draw(st.sampled_from(["", "", " ", "\t", "  \t"]))
    return indent + body + trailing


@st.composite
def _fence(draw: st.DrawFn) -> str:
    char = draw(st.sampled_from(["`", "~"]))
    run = char * draw(st.integers(3, 5))
    info = draw(st.sampled_from(["", "python", " sh  ", "\u200b"]))
    body = draw(st.lists(_line(), max_size=4))
    close = draw(st.sampled_from([run, run + char, run + "  ", ""]))
    return "\n".join([run + info, *body, close])


#: Prompt-like text: lines, blank runs and fences, with any line ending.
text_layers = st.lists(
    st.one_of(_line(), _line(), st.just(""), st.just("   "), _fence()), max_size=12
).flatmap(lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda eol: eol.join(lines)))
