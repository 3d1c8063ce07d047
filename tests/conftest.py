"""Shared fixtures: hypothesis profiles and the location of the shared corpus."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
#: ../shared/corpus beside the repository (CI always has it; a user's clone may not).
CORPUS = Path(os.environ.get("PREFIXLIB_CORPUS", REPO.parent / "shared" / "corpus"))
#: ../shared/captures beside the repository: real requests of Codex and Claude Code.
CAPTURES = Path(os.environ.get("PREFIXLIB_CAPTURES", REPO.parent / "shared" / "captures"))


def corpus_files() -> list[Path]:
    """Every file of the shared corpus, sorted by relative path."""
    if not CORPUS.is_dir():
        return []
    return sorted(path for path in CORPUS.rglob("*") if path.is_file())


def corpus_params(files: list[Path]) -> list[Any]:
    """``files`` as the parameters of a test over corpus files; where there are none, one
    parameter that is skipped saying why (not pytest's bare "got empty parameter set")."""
    if files:
        return list(files)
    reason = f"shared corpus not found at {CORPUS} (set PREFIXLIB_CORPUS)"
    return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-corpus")]


@pytest.fixture
def corpus() -> list[Path]:
    """The corpus files; skips the test where ../shared/corpus is absent."""
    files = corpus_files()
    if not files:
        pytest.skip(f"shared corpus not found at {CORPUS} (set PREFIXLIB_CORPUS)")
    return files


@pytest.fixture
def captures() -> Path:
    """The shared captures directory; skips the test where ../shared/captures is absent."""
    if not CAPTURES.is_dir():
        pytest.skip(f"shared captures not found at {CAPTURES} (set PREFIXLIB_CAPTURES)")
    return CAPTURES
