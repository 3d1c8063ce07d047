"""The spans where two canonical layers differ, and the policy addition for each (SPEC.md 7.3).

Two layers are aligned line by line.  A span that differs within a line is widened to whole
tokens and hoisted by its label, its enclosing tag, or the words before it; a run of lines
that differs is hoisted as a block if a stable heading line introduces it.  Anything else
is a real difference, reported and never proposed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence

from prefixlib.learn.proposal import Addition, Difference
from prefixlib.policy import UserPattern
from prefixlib.rules.context import COLON_SEPARATOR
from prefixlib.rules.placeholders import common_start

__all__ = ["spans"]

#: A field's label before its value: FIELD_START, one to five words, a colon or equals sign
#: (5.2.1): a label that ``hoist_labels`` then finds as a field label.
_LABEL = re.compile(
    r"[ \t]*(?:[-*+>][ \t]+|#+[ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?"
    r"(?P<label>[A-Za-z][A-Za-z0-9]*(?:[ _-][A-Za-z0-9]+){0,4})" + COLON_SEPARATOR
)
_TAG = re.compile(r"<(?P<tag>[A-Za-z_][A-Za-z0-9_.-]*)>[ \t]*\Z")
#: Characters a token runs over when a differing span is widened to whole tokens.
_TOKEN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/+-@#~%")
_SPECIAL = frozenset("\\.^$|?*+()[]{}")
#: Punctuation that ends a clause; a value does not end in it (``id 7f3a.`` holds ``7f3a``).
_CLAUSE_END = ".,;:!?"
_SENTENCE_END = re.compile(r".*(?:[.;!?](?:\s|$)|\}\}|\]\]|>>)")


def spans(layer: str, a: str, b: str, close: str) -> Iterator[tuple[Difference, Addition | None]]:
    """The differing spans of two canonical layers, each with its addition (or none): the
    runs of lines of SPEC.md 7.3, in order."""
    lines_a, lines_b = a.split("\n"), b.split("\n")
    matcher = difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op != "replace":
            values = ("\n".join(lines_a[i1:i2]) or None, "\n".join(lines_b[j1:j2]) or None)
            why = "a line only one session has: a real difference, never hoisted"
            yield Difference(layer, values, why), None
            continue
        if i2 - i1 == j2 - j1:
            pairs = list(zip(lines_a[i1:i2], lines_b[j1:j2], strict=True))
            found = [_in_line(layer, x, y, close) for x, y in pairs]
            if all(addition is not None for _, addition in found):
                yield from found
                continue
            block = _block(layer, lines_a, lines_b, (i1, i2, j1, j2), close)
            yield from [block] if block[1] is not None else found
            continue
        yield _block(layer, lines_a, lines_b, (i1, i2, j1, j2), close)


def _in_line(layer: str, a: str, b: str, close: str) -> tuple[Difference, Addition | None]:
    """The span where two lines differ, widened to whole tokens, and its addition."""
    start = len(common_start(a, b))
    end = len(common_start(a[start:][::-1], b[start:][::-1]))
    end_a, end_b = len(a) - end, len(b) - end
    while start > 0 and a[start - 1] in _TOKEN:
        start -= 1
    while end_a < len(a) and end_b < len(b) and a[end_a] in _TOKEN and b[end_b] in _TOKEN:
        end_a, end_b = end_a + 1, end_b + 1
    while _punctuation_ends(a, start, end_a) and _punctuation_ends(b, start, end_b):
        end_a, end_b = end_a - 1, end_b - 1  # "id 7f3a." : the sentence's period is no value's
    values = (a[start:end_a], b[start:end_b])
    before, after = a[:start], a[end_a:]
    label = _LABEL.fullmatch(before)
    if label and close not in before:
        why = "a field's label and separator stand before it"
        return Difference(layer, values, why), _label(layer, label["label"], values, why)
    tag = _TAG.search(before)
    if tag and after.startswith(f"</{tag['tag']}>"):
        why = "a tag encloses it"
        return Difference(layer, values, why), _label(layer, tag["tag"], values, why)
    context = _context(before, close)
    if context and all(_volatile(v) for v in values):
        why = "the same words stand before a value with a digit or a path"
        pattern = _escape(context) + "(?P<value>" + _shape(values, after) + ")"
        return Difference(layer, values, why), _pattern(layer, context, pattern, values, why)
    why = "no label, block heading or volatile shape: a real difference, never hoisted"
    return Difference(layer, values, why), None


def _punctuation_ends(line: str, start: int, end: int) -> bool:
    """Whether ``line[start:end]`` ends in punctuation that ends a clause, at the end of the
    line or before a blank: a sentence's, not the value's."""
    return (
        end - start > 1
        and line[end - 1] in _CLAUSE_END
        and (end == len(line) or line[end].isspace())
    )


def _block(
    layer: str, a: list[str], b: list[str], span: tuple[int, int, int, int], close: str
) -> tuple[Difference, Addition | None]:
    """A run of lines that differs as a whole: hoisted if a stable heading line introduces it."""
    i1, i2, j1, j2 = span
    values = ("\n".join(a[i1:i2]), "\n".join(b[j1:j2]))
    start = i1
    while start > 0 and not a[start - 1].strip():
        start -= 1
    heading = a[start - 1] if start > 0 else ""
    if not heading.strip() or close in heading or not _heads(heading):
        why = "lines that differ with no heading to introduce them: a real difference"
        return Difference(layer, values, why), None
    lead = "\n".join(a[start - 1 : i1])
    end = i2
    while end < len(a) and not a[end].strip():
        end += 1
    tail = a[end] if end < len(a) else None
    if tail is not None and close in tail:
        tail = None
    pattern = "(?m)^" + _escape(lead) + r"\n(?P<value>(?s:.+?))"
    if tail is not None:
        pattern += "\n" + _escape("\n".join(a[i2 : end + 1]))
    else:
        pattern = pattern.replace("(?s:.+?)", r"(?s:.*\S)")
    why = "a heading line introduces a block of lines that differs"
    return Difference(layer, values, why), _pattern(layer, heading, pattern, values, why)


def _heads(line: str) -> bool:
    """A heading: a markdown heading, a line ending in ``:``, or an opening tag."""
    stripped = line.strip()
    return stripped.startswith("#") or stripped.endswith(":") or bool(_TAG.search(stripped))


def _context(before: str, close: str) -> str:
    """The words before a value on its line, from the last sentence end or placeholder on."""
    cut = _SENTENCE_END.match(before)
    context = before[cut.end() :] if cut else before
    context = context.lstrip()
    if close in context or not re.search(r"[A-Za-z]{2}", context):
        return ""
    return context[-60:]


def _volatile(value: str) -> bool:
    """A value with a digit, or a path: a shape that session state takes."""
    return any(c.isdigit() for c in value) or value.startswith(("/", "~/")) or ":\\" in value


def _shape(values: Sequence[str], after: str) -> str:
    """A pattern for every value: digits, hex, or a run of non-blank characters."""
    if all(v.isdigit() for v in values):
        return r"\d+"
    if all(re.fullmatch(r"[0-9A-Fa-f]+", v) for v in values):
        return r"[0-9A-Fa-f]+"
    if not any(c.isspace() for v in values for c in v):
        stop = (
            after[:1] if after[:1] and not after[:1].isspace() and after[:1] not in _TOKEN else ""
        )
        excluded = r"\s" + _escape(stop)
        body = rf"[^{excluded}]" if stop else r"\S"
        return rf"{body}*[^{excluded}{_CLAUSE_END}]"  # it ends in no clause's punctuation
    return r"[^\n]+?" + _escape(after[:1]) if after else r"[^\n]*\S"


def _label(layer: str, label: str, values: tuple[str, str], why: str) -> Addition:
    """A ``hoist_labels`` addition: the label's (or tag's) words, joined by spaces (7.3)."""
    words = label.replace("_", " ").replace("-", " ")
    return Addition("hoist_labels", words, Difference(layer, values, why))


def _pattern(layer: str, context: str, pattern: str, values: tuple[str, str], why: str) -> Addition:
    """A user pattern addition, named by the last two words of ``context`` (SPEC.md 7.3)."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", context)[-2:] or ["LEARNED"]
    name = "_".join(words).upper()
    return Addition(
        "patterns", UserPattern(name=name, pattern=pattern), Difference(layer, values, why)
    )


def _escape(text: str) -> str:
    """``text`` as a literal in RE2 syntax: its special characters escaped, a line feed as
    ``\\n``, everything else as it is (readable in the policy file)."""
    return "".join("\\n" if c == "\n" else "\\" + c if c in _SPECIAL else c for c in text)
