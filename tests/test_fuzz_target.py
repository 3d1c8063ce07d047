"""The fuzz target's checks hold on the corpus and on crafted inputs (fuzz/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, corpus_files, corpus_params

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


def _load(name: str) -> Any:
    path = Path(__file__).resolve().parents[1] / "fuzz" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz_cli = _load("fuzz_cli")
fuzz_run = _load("run")


@pytest.mark.parametrize(
    "data",
    [
        b"\x00",
        b"\x00Today's date is 2026-11-24\ncwd: /home/a/b\n",
        b"\x01ok\nab\xffc",
        b"\x00a\x00b",
        b"\x02",
        b'\x02[{"name": "a"},\n {"name": "a"}]',
        b'\x02{"tools": [{"name": "a", "x": NaN}]}',
        b"\x02" + b"[" * 5000,
    ],
)
def test_cli_target(data: bytes) -> None:
    fuzz_cli.check(data)


def test_cli_target_catches_a_wrong_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fuzz_cli, "run", lambda argv: (2, "", "error: elsewhere\n"))
    with pytest.raises(AssertionError, match="does not name the file"):
        fuzz_cli.check(b"\x00x")


def test_fallback_driver_keeps_the_crashing_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fuzz/run.py without atheris: a failing check fails the run and keeps its input."""

    class Target:
        @staticmethod
        def check(data: bytes) -> None:
            assert b"{{" not in data, "found it"

        @staticmethod
        def seeds(shared: Path) -> list[bytes]:
            return [b"\x00plain text"]

    monkeypatch.setattr(fuzz_run, "load", lambda name: Target)
    monkeypatch.setattr(fuzz_run, "SHARED", tmp_path)
    status = fuzz_run.main(["--engine", "fallback", "--targets", "canonicalize", "--seconds", "20",
                            "--crashes", str(tmp_path / "crashes")])  # fmt: skip
    assert status == 1
    (kept,) = (tmp_path / "crashes").iterdir()
    assert b"{{" in kept.read_bytes()


fuzz_adapters = _load("fuzz_adapters")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b"{}",
        b'{"input": "hi", "instructions": "Today\'s date is 2026-11-24", "tools": []}',
        b'{"model": "m", "messages": [{"role": "system", "content": "cwd: /home/a/b"}]}',
        b'{"model": "m", "system": [{"type": "text", "text": "x"}], "messages": []}',
        b'{"messages": 5}',
        b'{"input": [{"role": "developer", "content": [{"type": "input_text", "text": 1}]}]}',
        b'{"tools": [{"name": "a"}, {"name": "a"}], "input": "x"}',
    ],
)
def test_adapters_target(data: bytes) -> None:
    fuzz_adapters.check(data)


@pytest.mark.parametrize("name", ["fuzz_canonicalize", "fuzz_adapters", "fuzz_cli"])
def test_every_seed_passes(name: str) -> None:
    """Every target's seeds from ../shared pass its check, whole: a captured request is 40-90 KB,
    beyond what libFuzzer's default -max_len kept (a broken invariant hid there)."""
    shared = CORPUS.parent
    if not (shared / "captures").is_dir():
        pytest.skip(f"shared captures not found at {shared / 'captures'} (set PREFIXLIB_CORPUS)")
    module = fuzz if name == "fuzz_canonicalize" else _load(name)
    seeds = module.seeds(shared)
    assert len(seeds) >= 4
    for data in seeds:
        module.check(data)
