"""Properties of canonicalisation and keys, in both directions (SPEC.md 3, 6).

Equivalent inputs give equal keys; any real change gives a different key.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata

from hypothesis import assume, given
from hypothesis import strategies as st

import prefixlib
from prefixlib.pipeline import canonical_text
from prefixlib.rules.ordering import sort_unordered
from prefixlib.rules.text import split_fences
from tests.strategies import text_layers


def _key(text: str, **kwargs: object) -> str:
    return prefixlib.cache_key(project=text, **kwargs)  # type: ignore[arg-type]


def _prose_map(text: str, edit: object) -> str:
    """Apply ``edit`` (str -> str) to every prose segment of ``text``, leaving code alone."""
    return "".join(s.text if s.is_code else edit(s.text) for s in split_fences(text))  # type: ignore[operator]


@given(text_layers)
def test_idempotent(text: str) -> None:
    once = canonical_text(text)
    assert canonical_text(once) == once


@given(text_layers)
def test_canonical_form_invariants(text: str) -> None:
    c = canonical_text(text)
    assert "\r" not in c
    assert not c.startswith("\ufeff")
    assert c == "" or (c.endswith("\n") and not c.endswith("\n\n") and c.strip(" \t\n"))
    assert unicodedata.is_normalized("NFC", c)


EQUIVALENT = {
    "crlf": lambda c: c.replace("\n", "\r\n"),
    "cr": lambda c: c.replace("\n", "\r"),
    "bom": lambda c: "\ufeff" + c,
    "nfd": lambda c: unicodedata.normalize("NFD", c),
    "trailing-whitespace": lambda c: _prose_map(c, lambda p: p.replace("\n", " \t\n")),
    "blank-lines": lambda c: _prose_map(c, lambda p: p.replace("\n\n", "\n\n \n\n")),
    "leading-trailing-blank-lines": lambda c: "\n  \n\t\n" + c + "\n\n \n",
    "invisible": lambda c: _prose_map(c, lambda p: p.replace("\n", "\u200b\n")),
}


@given(text_layers, st.sampled_from(sorted(EQUIVALENT)))
def test_equivalent_inputs_give_equal_keys(text: str, variant: str) -> None:
    c = canonical_text(text)
    equivalent = EQUIVALENT[variant](c)
    assert canonical_text(equivalent) == c
    assert _key(equivalent) == _key(c)


@given(text_layers, st.data())
def test_any_visible_change_changes_the_key(text: str, data: st.DataObject) -> None:
    c = canonical_text(text)
    positions = [i for i, ch in enumerate(c) if ch not in " \t\n\u200b\u200c\u200d\u2060\ufeff"]
    assume(positions)
    i = data.draw(st.sampled_from(positions))
    changed = c[:i] + ("Z" if c[i] != "Z" else "Y") + c[i + 1 :]
    assert canonical_text(changed) != c
    before, after = prefixlib.canonicalize(project=c), prefixlib.canonicalize(project=changed)
    # a change inside a hoisted value changes the bindings; anywhere else, the key
    assert (before.key, dict(before.bindings)) != (after.key, dict(after.bindings))


@given(text_layers)
def test_hoisting_loses_nothing(text: str) -> None:
    cp = prefixlib.canonicalize(project=text, memo=False)
    assert cp.restore()["project"] == sort_unordered(canonical_text(text))


@given(text_layers, st.data(), st.sampled_from([" ", "\t", "\n", "\u200b"]))
def test_whitespace_inside_a_fence_changes_the_key(
    text: str, data: st.DataObject, char: str
) -> None:
    c = canonical_text(text)
    segments = split_fences(c)
    code = [
        (sum(len(s.text) for s in segments[:k]), s.text)
        for k, s in enumerate(segments)
        if s.is_code and s.text.strip(" \t\n")
    ]
    assume(code)
    start, body = data.draw(st.sampled_from(code))
    lines = [i for i, line in enumerate(body.split("\n")) if line.strip(" \t")]
    line = data.draw(st.sampled_from(lines))
    offset = start + sum(len(part) + 1 for part in body.split("\n")[:line])
    changed = c[:offset] + char + c[offset:]
    assert _key(changed) != _key(c)


@given(st.lists(text_layers, min_size=2, max_size=2))
def test_moving_text_between_layers_changes_the_key(parts: list[str]) -> None:
    first, second = (canonical_text(p) for p in parts)
    assume(second)
    together = prefixlib.cache_key(base=first + "\n" + second)
    apart = prefixlib.cache_key(base=first, developer=second)
    assert together != apart
    assert prefixlib.cache_key(developer=first + second) != prefixlib.cache_key(base=first + second)


@given(text_layers, st.text(max_size=8), st.text(max_size=8))
def test_namespace_is_folded_in(text: str, ns1: str, ns2: str) -> None:
    assume(ns1 != ns2 and "" not in (ns1, ns2))
    assert _key(text, namespace=ns1) != _key(text, namespace=ns2)
    assert _key(text, namespace=ns1) != _key(text)


@given(text_layers, st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_secret_is_folded_in(text: str, s1: bytes, s2: bytes) -> None:
    assume(s1 != s2)
    assert _key(text, secret=s1) != _key(text, secret=s2)
    assert _key(text, secret=s1) != _key(text)
    assert _key(text, secret=s1) == _key(text, secret=s1)


def test_keys_do_not_depend_on_hash_seed_or_locale() -> None:
    program = (
        "import prefixlib\n"
        "print(prefixlib.cache_key(base='b\\u00e9\\r\\n', developer='d', project='p  \\n',"
        " tools=[{'name': 't', 'z': 1, 'a': [1.5, None]}], namespace='ns'))"
    )
    keys = set()
    for seed, lang, tz in [("0", "C", "UTC"), ("1", "C.UTF-8", "Asia/Tokyo"), ("4242", "", "")]:
        env = {"PYTHONHASHSEED": seed, "LANG": lang, "LC_ALL": lang, "TZ": tz, "PATH": ""}
        result = subprocess.run(
            [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
        )
        keys.add(result.stdout)
    assert len(keys) == 1
