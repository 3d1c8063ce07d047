"""End to end: two fresh sessions of the real Claude Code CLI, through prefixlib serve.

Claude Code runs offline against the loopback fake: it sends ``HEAD /`` (a connectivity check)
and one streamed ``POST /v1/messages?beta=true``, and needs only ``ANTHROPIC_BASE_URL`` and
``ANTHROPIC_API_KEY`` (../shared/captures/README.md).  Two users (their own HOME, checkout path
and TZ) each run ``claude -p "say ok"``.  In ``key`` mode the Messages body has no key field:
the body is forwarded byte for byte and the key goes in ``--key-header``; in ``canonical``
mode the stable prefix (system blocks and tools) reaches the upstream byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiohttp", reason="prefixlib serve needs the serve extra (aiohttp)")


from tests.e2e.proxy import start
from tests.e2e.session import run_as
from tests.e2e.test_codex import AGENTS_MD, USERS
from tests.serve_support import Loop, logged

KEY_HEADER = "x-prefixlib-key"


def session(claude: Path, url: str, home: Path, user: str, checkout: str, tz: str) -> str:
    project = home / checkout
    project.mkdir(parents=True)
    (project / "CLAUDE.md").write_text(AGENTS_MD)
    return run_as(
        [str(claude), "-p", "say ok"],
        name="claude",
        user=user,
        home=home,
        tz=tz,
        cwd=project,
        env={"ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": "dummy"},
    )


def run_two(claude: Path, loop: Loop, homes: Callable[[str], Path], mode: str) -> tuple[Any, ...]:
    run = start(loop, "/v1/messages", anthropic_mode=mode, key_header=KEY_HEADER)
    outputs = [session(claude, run.url, homes(user[0]), *user) for user in USERS]
    assert [out.strip() for out in outputs] == ["ok", "ok"]
    messages = [seen for seen in run.fake.seen if seen.path.startswith("/v1/messages")]
    assert len(messages) == 2
    return messages, run.client_bodies, run.lines


def test_claude_sessions_share_one_key_in_key_mode(
    claude: Path, loop: Loop, homes: Callable[[str], Path]
) -> None:
    messages, sent, lines = run_two(claude, loop, homes, "key")
    keys = [seen.header(KEY_HEADER) for seen in messages]
    assert keys[0] is not None
    assert keys[0] == keys[1]
    assert [seen.raw for seen in messages] == sent  # the bodies as Claude Code sent them
    assert sent[0] != sent[1]
    sessions = [seen.header("X-Claude-Code-Session-Id") for seen in messages]
    assert sessions[0] != sessions[1]
    assert all("mode=key" in line and f"key={keys[0][:16]}" in line for line in logged(lines, 2))


def test_claude_stable_prefixes_are_byte_identical_in_canonical_mode(
    claude: Path, loop: Loop, homes: Callable[[str], Path]
) -> None:
    messages, sent, _ = run_two(claude, loop, homes, "canonical")
    bodies = [seen.json() for seen in messages]
    originals = [json.loads(body) for body in sent]
    assert originals[0]["system"] != originals[1]["system"]  # the cwd and memory path differ
    assert bodies[0]["system"] == bodies[1]["system"]
    assert bodies[0]["tools"] == bodies[1]["tools"]
    assert messages[0].header(KEY_HEADER) == messages[1].header(KEY_HEADER)
