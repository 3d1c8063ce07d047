"""Finding prompt files: the paths given, and the prompt files under the directories given.

Inside a git repository a directory's files are the ones git lists (tracked, or
untracked and not ignored: ``.gitignore`` is honoured); elsewhere the directory
is walked, following symbolic links but entering each real directory once, so a
link loop ends.  Patterns are globs: one without ``/`` matches a file's name, one
ending in ``/`` a directory anywhere above it, any other the end of its path.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import Final

__all__ = ["DEFAULT_EXCLUDE", "DEFAULT_INCLUDE", "matches", "prompt_files"]

#: The prompt files a directory is searched for (README "Command line").
DEFAULT_INCLUDE: Final = (
    "AGENTS.md",
    "AGENTS.override.md",
    "CLAUDE.md",
    "CLAUDE.local.md",
    "GEMINI.md",
    ".github/copilot-instructions.md",
    ".cursor/rules/*.mdc",
    "*.prompt",
    "*.prompt.md",
    "prompts/",
)
#: Directories never searched unless ``exclude`` is set (as ruff's defaults).
DEFAULT_EXCLUDE: Final = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    "node_modules/",
    "__pycache__/",
    ".mypy_cache/",
    ".ruff_cache/",
    "site-packages/",
)


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether the relative POSIX ``path`` matches any of ``patterns``."""
    pure = PurePosixPath(path)
    for pattern in patterns:
        if pattern.endswith("/"):
            if any(fnmatch.fnmatchcase(part, pattern[:-1]) for part in pure.parts[:-1]):
                return True
        elif "/" in pattern:
            if pure.match(pattern.lstrip("/")) or fnmatch.fnmatchcase(path, pattern.lstrip("/")):
                return True
        elif fnmatch.fnmatchcase(pure.name, pattern):
            return True
    return False


def prompt_files(
    paths: Sequence[str], *, include: Sequence[str], exclude: Sequence[str]
) -> Iterator[tuple[str, bool]]:
    """Each file to check, named as the user would write it, and whether it was given by name.

    A file given by name is always checked; a directory yields its prompt files
    (``include`` and not ``exclude``), sorted.
    """
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path, True
            continue
        listed = _git_files(path)
        found = list(_walk(path, exclude)) if listed is None else listed
        for relative in sorted(found):
            shown = os.path.join(path, *relative.split("/")) if path != "." else relative
            # include sees the directory as given too (`check prompts` checks prompts/*);
            # exclude only what is below it, so a directory named is never excluded
            named = shown.replace(os.sep, "/")
            if (matches(relative, include) or matches(named, include)) and not matches(
                relative, exclude
            ):
                yield shown, False


def _git_files(folder: str) -> list[str] | None:
    """The files git lists under ``folder``: tracked, or untracked and not ignored.

    ``None`` when ``folder`` is not in a git work tree (or git is missing).
    """
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [git, "-C", folder, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None  # not a work tree
    names = {os.fsdecode(name) for name in result.stdout.split(b"\0") if name}
    return [name for name in names if os.path.isfile(os.path.join(folder, name))]


def _walk(folder: str, exclude: Sequence[str]) -> Iterator[str]:
    """The files under ``folder`` as relative POSIX paths; each real directory entered once."""
    seen: set[tuple[int, int]] = set()
    for top, dirs, files in os.walk(folder, followlinks=True):
        info = os.stat(top)
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        relative = os.path.relpath(top, folder)
        base = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        dirs[:] = sorted(d for d in dirs if not matches(f"{base}{d}/x", exclude))
        for name in files:
            if os.path.isfile(os.path.join(top, name)):
                yield base + name
