"""One fresh session of a real client CLI, as one user: their own HOME, USER and TZ."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_as(
    argv: Sequence[str],
    *,
    name: str,
    user: str,
    home: Path,
    tz: str,
    cwd: Path,
    env: Mapping[str, str],
) -> str:
    """Run the client ``name``'s ``argv`` in ``cwd`` as ``user`` (HOME, USER, LOGNAME, TZ, a
    PATH with node, and ``env``); return its stdout.  A non-zero exit fails the test with the
    end of its stderr."""
    node = shutil.which("node")
    assert node is not None
    environment = {
        "HOME": str(home),
        "USER": user,
        "LOGNAME": user,
        "SHELL": "/bin/bash",
        "PATH": os.pathsep.join([str(Path(node).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "TZ": tz,
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        **env,
    }
    result = subprocess.run(
        list(argv),
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{name} exited {result.returncode}: {result.stderr[-2000:]}"
    return result.stdout
