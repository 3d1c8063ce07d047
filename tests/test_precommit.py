"""The hooks of .pre-commit-hooks.yaml through the real pre-commit framework (try-repo).

This checkout's files are committed to a temporary repository, so the hooks are
the ones in the working tree and pre-commit installs their environment once;
PRE_COMMIT_HOME is temporary and git's identity comes from the environment, so
the test needs no configuration of the machine.  pre-commit installs prefixlib
and its dependencies from the package index into that environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

BAD = b"Hello  \r\nToday's date is 2026-11-24.\r\n"
GOOD = b"Hello\n"


def _git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """A committed copy of this checkout, its commit, and the environment to run pre-commit in."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout: try-repo needs one")
    if shutil.which("pre-commit") is None and not _has_module("pre_commit"):
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    base = tmp_path_factory.mktemp("precommit")
    (base / "gitconfig").write_text("")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(base / "cache"),
        "GIT_CONFIG_GLOBAL": str(base / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "prefixlib test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "prefixlib test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "NO_COLOR": "1",
    }
    copy = base / "prefixlib"
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO, env=env)
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    _git("init", "-q", cwd=copy, env=env)
    _git("add", "-A", cwd=copy, env=env)
    _git("commit", "-q", "-m", "the working tree", cwd=copy, env=env)
    return copy, _git("rev-parse", "HEAD", cwd=copy, env=env).strip(), env


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _project(base: Path, env: dict[str, str]) -> Path:
    project = base / "project"
    project.mkdir()
    (project / "AGENTS.md").write_bytes(BAD)
    (project / "prompts").mkdir()
    (project / "prompts" / "review.md").write_bytes(GOOD)
    (project / "notes.md").write_bytes(BAD)  # not a prompt file: the hooks skip it
    _git("init", "-q", cwd=project, env=env)
    _git("add", "-A", cwd=project, env=env)
    return project


def _try(
    hook: str, files: list[str], project: Path, hooks: tuple[Path, str, dict[str, str]]
) -> subprocess.CompletedProcess[str]:
    repo, commit, env = hooks
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, "--ref", commit]
    return subprocess.run(
        [*command, "--files", *files],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_check_hook(hooks: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    project = _project(tmp_path, hooks[2])
    bad = _try("prefixlib-check", ["AGENTS.md", "notes.md"], project, hooks)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "AGENTS.md:1:6: PL105 [*] trailing whitespace" in bad.stdout
    assert "AGENTS.md:2:17: PL301" in bad.stdout
    assert "notes.md" not in bad.stdout
    assert (project / "AGENTS.md").read_bytes() == BAD  # check writes nothing
    good = _try("prefixlib-check", ["prompts/review.md", "notes.md"], project, hooks)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_fix_hook(hooks: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    project = _project(tmp_path, hooks[2])
    (project / "CLAUDE.md").write_bytes(b"Fix me  \n")
    _git("add", "CLAUDE.md", cwd=project, env=hooks[2])
    fixed = _try("prefixlib-fix", ["CLAUDE.md"], project, hooks)
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "files were modified by this hook" in fixed.stdout
    assert (project / "CLAUDE.md").read_bytes() == b"Fix me\n"
    _git("add", "CLAUDE.md", cwd=project, env=hooks[2])
    again = _try("prefixlib-fix", ["CLAUDE.md", "prompts/review.md"], project, hooks)
    assert again.returncode == 0, again.stdout + again.stderr
