"""End to end: two fresh sessions of the real Codex CLI, through prefixlib serve, share a key.

Two users (their own HOME with ``.codex/config.toml``, their own checkout path of one project, their
own TZ and, where the machine allows a mount namespace, their own ``/etc/localtime``, from which
Codex takes ``<timezone>``) each run ``codex exec --skip-git-repo-check "say ok"``. Codex talks to
the proxy (a custom provider, ``wire_api = "responses"``, plain HTTP + SSE), the proxy to the
loopback fake provider of tests/serve_support.py. What the issue asks (issue 13, "Tests, with real
clients"): both requests reach the upstream with one ``prompt_cache_key``, which is neither thread
id; in ``key`` mode each body is otherwise byte-identical to what Codex sent; in ``canonical`` mode
the stable prefixes are byte-identical; Codex prints the fake's answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

pytest.importorskip("aiohttp", reason="prefixlib serve needs the serve extra (aiohttp)")


from prefixlib.model import BINDINGS_LEAD
from prefixlib.serve.rawjson import set_top_level_string
from tests.e2e.proxy import Run, start
from tests.e2e.session import run_as
from tests.serve_support import Loop, logged

AGENTS_MD = """\
# Ledger: contributor notes for coding agents

Ledger is a small double-entry bookkeeping library written in Python 3.11. It reads
journal files in a plain-text format and checks that every transaction balances.

## Building and testing

```bash
python -m venv .venv && . .venv/bin/activate
pip install -e '.[dev]'
pytest -q
```

- Amounts are `decimal.Decimal`, never `float`.
- Keep functions small and typed.
"""

CONFIG_TOML = """\
model = "gpt-5-codex"
model_provider = "fake"

[model_providers.fake]
name = "fake"
base_url = "{url}/v1"
env_key = "FAKE_KEY"
wire_api = "responses"
supports_websockets = false
"""

#: The two users of the captures (../shared/captures/README.md).
USERS = (
    ("alice", "work/ledger", "Europe/Berlin"),
    ("bob", "src/ledger", "Pacific/Kiritimati"),  # UTC+14: a different date most of the day
)


def session(
    codex: Path,
    run: Run,
    home: Path,
    user: str,
    checkout: str,
    tz: str,
    *,
    in_zone: Callable[[str], list[str]] | None,
) -> str:
    """One fresh ``codex exec`` as ``user`` (with ``home``), in time zone ``tz`` (``TZ``, and
    ``/etc/localtime`` where ``in_zone`` can set it); returns its stdout."""
    project = home / checkout
    project.mkdir(parents=True)
    (project / "AGENTS.md").write_text(AGENTS_MD)
    (home / ".codex").mkdir()  # CODEX_HOME is the default ~/.codex
    (home / ".codex" / "config.toml").write_text(CONFIG_TOML.format(url=run.url))
    command = [*(in_zone(tz) if in_zone else []), str(codex), "exec", "--skip-git-repo-check"]
    return run_as(
        [*command, "say ok"],
        name="codex",
        user=user,
        home=home,
        tz=tz,
        cwd=project,
        env={"FAKE_KEY": "dummy"},
    )


def two_sessions(
    codex: Path,
    loop: Loop,
    homes: Callable[[str], Path],
    mode: str,
    in_zone: Callable[[str], list[str]] | None,
) -> tuple[Run, list[str]]:
    run = start(loop, "/v1/responses", openai_mode=mode)
    outputs = [session(codex, run, homes(user[0]), *user, in_zone=in_zone) for user in USERS]
    return run, outputs


def time_zones(bodies: list[bytes]) -> list[str]:
    """The ``<timezone>`` each body's environment context names."""
    zones = [re.findall(rb"<timezone>([^<]*)</timezone>", body) for body in bodies]
    assert all(len(found) == 1 for found in zones), zones
    return [found[0].decode() for found in zones]


def thread_ids(run: Run) -> list[str]:
    ids = []
    for seen in run.fake.seen:
        thread = seen.header("thread-id") or seen.header("session-id")
        assert thread is not None
        ids.append(thread)
    return ids


def test_codex_sessions_share_one_key_and_keep_their_bodies(
    codex: Path,
    loop: Loop,
    homes: Callable[[str], Path],
    in_zone: Callable[[str], list[str]] | None,
) -> None:
    run, outputs = two_sessions(codex, loop, homes, "key", in_zone)
    assert [out.strip().splitlines()[-1] for out in outputs] == ["ok", "ok"]
    assert [(s.method, s.path) for s in run.fake.seen] == [("POST", "/v1/responses")] * 2
    sent = [seen.json() for seen in run.fake.seen]
    keys = [body["prompt_cache_key"] for body in sent]
    threads = thread_ids(run)
    assert keys[0] == keys[1]
    assert keys[0] not in threads
    assert threads[0] != threads[1]
    # Codex's own key was its thread id; the proxy changed that value and no other byte
    for client, seen, thread in zip(run.client_bodies, run.fake.seen, threads, strict=True):
        assert set_top_level_string(client, "prompt_cache_key", thread) == client
        assert seen.raw == set_top_level_string(client, "prompt_cache_key", keys[0])
    # the two sessions did differ (paths, ids, and where mount namespaces allow it time zones,
    # else both have the machine's), so the shared key is prefixlib's doing
    assert run.client_bodies[0] != run.client_bodies[1]
    zones = time_zones(run.client_bodies)
    assert zones == [tz for *_, tz in USERS] if in_zone else zones[0] == zones[1]
    assert all(f"key={keys[0][:16]}" in line for line in logged(run.lines, 2))


def stable_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The input items before the bindings message, without their per-session ``id``."""
    items = body["input"]
    end = next(i for i, item in enumerate(items) if BINDINGS_LEAD in json.dumps(item))
    return [{k: v for k, v in item.items() if k != "id"} for item in items[:end]]


def test_codex_stable_prefixes_are_byte_identical_in_canonical_mode(
    codex: Path,
    loop: Loop,
    homes: Callable[[str], Path],
    in_zone: Callable[[str], list[str]] | None,
) -> None:
    run, outputs = two_sessions(codex, loop, homes, "canonical", in_zone)
    assert [out.strip().splitlines()[-1] for out in outputs] == ["ok", "ok"]
    sent = [seen.json() for seen in run.fake.seen]
    originals = [json.loads(body) for body in run.client_bodies]
    keys = [body["prompt_cache_key"] for body in sent]
    assert keys[0] == keys[1]
    assert keys[0] not in thread_ids(run)
    # what Codex sent differs in the prefix (paths, date, time zone); what reached the
    # provider does not: the stable items' text, in order, and the tools, byte for byte
    without_ids = [[{k: v for k, v in item.items() if k != "id"} for item in body["input"][:3]]
                   for body in originals]  # fmt: skip
    assert without_ids[0] != without_ids[1]
    prefixes = [orjson.dumps(stable_items(body)) for body in sent]
    assert len(prefixes[0]) > 10_000
    assert prefixes[0] == prefixes[1]
    assert orjson.dumps(sent[0]["tools"]) == orjson.dumps(sent[1]["tools"])
    # the session's own values come after the prefix, and the conversation is Codex's
    assert sent[0]["input"][-1] == originals[0]["input"][-1]
    assert all(" mode=canonical " in line for line in logged(run.lines, 2))
