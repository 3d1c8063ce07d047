"""End-to-end fixtures: the real agent CLIs, installed from the npm registry once and cached.

A client is installed with ``npm install <package>@<version>`` into
``$PREFIXLIB_E2E_CACHE/<name>-<version>`` (default ``~/.cache/prefixlib-e2e``) the first time
and reused after.  Where node or npm is absent the tests skip, saying so, unless
``PREFIXLIB_E2E=require`` (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.serve_support import Loop

CODEX = ("@openai/codex", "0.171.0", "codex")
CLAUDE = ("@anthropic-ai/claude-code", "2.1.197", "claude")

#: The npm install of one client may take this long on a fresh machine (Codex: ~40 s measured).
INSTALL_TIMEOUT = 900


def _unavailable(reason: str) -> None:
    if os.environ.get("PREFIXLIB_E2E") == "require":
        pytest.fail(f"PREFIXLIB_E2E=require, but {reason}")
    pytest.skip(reason)


def cache_root() -> Path:
    root = os.environ.get("PREFIXLIB_E2E_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "prefixlib-e2e"


def install(package: str, version: str, command: str) -> Path:
    """The client's launcher, installed into the cache if it is not there yet."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        _unavailable(f"node and npm are needed to install {package}@{version}")
        raise AssertionError  # unreachable: skip or fail raised
    name = package.rsplit("/", 1)[-1]
    folder = cache_root() / f"{name}-{version}"
    launcher = folder / "node_modules" / ".bin" / command
    if launcher.exists():
        return launcher
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Install beside the final place, then rename: a run cut short leaves no half install.
    work = Path(tempfile.mkdtemp(prefix=f".{name}-{version}-", dir=folder.parent))
    started = time.monotonic()
    try:
        (work / "package.json").write_text('{"name": "prefixlib-e2e", "private": true}\n')
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", f"{package}@{version}"],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            _unavailable(f"npm install {package}@{version} failed: {' | '.join(tail)}")
        try:
            work.rename(folder)
        except OSError:  # another run installed it meanwhile
            shutil.rmtree(work, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    print(f"installed {package}@{version} in {time.monotonic() - started:.1f}s")
    return launcher


@pytest.fixture
def loop() -> Iterator[Loop]:
    """An event loop in a thread, for the fake provider and the proxy; closed after the test."""
    from tests.serve_support import Loop  # needs the serve extra, as the tests that use it

    running = Loop()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def homes() -> Iterator[Callable[[str], Path]]:
    """Makes a user's home: a fresh directory right under /tmp, as a real home is right
    under /home (a path under a temp dir's own directory is hoisted from that directory on,
    SPEC.md 5.4, so pytest's deeper tmp_path would leave its own names in the prefix)."""
    made: list[Path] = []
    base = "/tmp" if os.path.isdir("/tmp") else None

    def make(user: str) -> Path:
        made.append(Path(tempfile.mkdtemp(prefix=f"prefixlib-e2e-{user}-", dir=base)))
        return made[-1]

    try:
        yield make
    finally:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def codex() -> Path:
    """The pinned Codex CLI launcher."""
    return install(*CODEX)


@pytest.fixture(scope="session")
def claude() -> Path:
    """The pinned Claude Code launcher."""
    return install(*CLAUDE)


#: Runs its arguments after ``$0`` (a copy of /etc) is bind-mounted over /etc.
_OVER_ETC = 'mount --bind "$0" /etc && exec "$@"'


@pytest.fixture(scope="session")
def in_zone(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[str]] | None:
    """A command prefix that runs a program with ``/etc/localtime`` naming a time zone, or
    None where that cannot be done here (it needs root and mount namespaces).

    Codex takes ``<timezone>`` from the link ``/etc/localtime``, not from ``TZ``
    (../shared/captures/README.md): as the captures were made, the program runs in a private
    mount namespace (``unshare -m``) with a copy of /etc whose ``localtime`` names the zone.
    """
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        return None
    root = tmp_path_factory.mktemp("etc")

    def prefix(zone: str) -> list[str]:
        etc = root / zone.replace("/", "-")
        if not etc.exists():
            shutil.copytree("/etc", etc, symlinks=True)
            (etc / "localtime").unlink(missing_ok=True)
            (etc / "localtime").symlink_to(Path("/usr/share/zoneinfo") / zone)
            (etc / "timezone").write_text(f"{zone}\n")
        return [unshare, "-m", "sh", "-c", _OVER_ETC, str(etc)]

    try:  # the whole of it, as a session will run it: a namespace, a copy, a bind mount
        probe = subprocess.run(
            [*prefix("Etc/UTC"), "readlink", "/etc/localtime"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    if probe.returncode != 0 or not probe.stdout.strip().endswith("Etc/UTC"):
        return None
    return prefix
