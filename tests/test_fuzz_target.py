"""The fuzz target's checks hold on the corpus and on crafted inputs (fuzz/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import corpus_files, corpus_params

_PATH = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_canonicalize.py"
_SPEC = importlib.util.spec_from_file_location("fuzz_canonicalize", _PATH)
assert _SPEC is not None
assert _SPEC.loader is not None
fuzz = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fuzz)

CRAFTED = [
    b"",
    b"\x00\xff\xfe",
    b"xToday's date is 2026-11-24\x00cwd: C:\\Users\\a\\b\r\nC:\\Users\\a\\b\\c\x00{{DATE_1}}",
    b"x<env>\nDate: 2026-11-24\n```\n</env>\n```\x00\x00~/x (unordered):\n- b\n- a",
]


@pytest.mark.parametrize("data", CRAFTED)
def test_crafted(data: bytes) -> None:
    fuzz.check(data)


@pytest.mark.parametrize("path", corpus_params(corpus_files()[:40]), ids=lambda p: p.name)
def test_corpus_seeds(path: Path) -> None:
    data = path.read_bytes()
    fuzz.check(b"x" + data)
    fuzz.check(b"x" + data.replace(b"\n\n", b"\x00", 2))
