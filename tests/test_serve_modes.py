"""prefixlib serve's modes on the captured Codex and Claude Code requests, and what it reports.

Key mode keeps every byte but the ``prompt_cache_key`` value; canonical mode rewrites the
prefix with the adapters; the stats endpoint, /metrics, ``-v`` and shards; the real
``openai`` and ``anthropic`` SDKs pointed at the proxy.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("aiohttp", reason="prefixlib serve needs the serve extra (aiohttp)")

import aiohttp
import zstandard

import prefixlib
from prefixlib import adapters
from prefixlib.serve.rawjson import set_top_level_string
from tests.conftest import CAPTURES
from tests.serve_support import CACHED_TOKENS, Loop
from tests.test_serve import Setup


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    try:
        yield running
    finally:
        running.close()


def capture(name: str) -> bytes:
    path = CAPTURES / "raw" / f"{name}.body"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the captures live in ../shared beside the repository)")
    return path.read_bytes()


def headers_of(name: str) -> dict[str, str]:
    """The captured request's headers that a session sets (ids), as the client sent them."""
    lines = (CAPTURES / f"headers-{name}.txt").read_text().splitlines()[1:]
    keep = ("session-id", "thread-id", "x-claude-code-session-id", "authorization", "x-api-key")
    pairs = (line.split(": ", 1) for line in lines if ": " in line)
    return {k: v for k, v in pairs if k.lower() in keep}


def post(s: Setup, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    async def go() -> bytes:
        async with (
            aiohttp.ClientSession() as session,
            session.post(s.url + path, data=body, headers=headers) as r,
        ):
            assert r.status == 200
            return await r.read()

    result: bytes = s.loop.run(go())
    return result


def test_key_mode_changes_only_the_key_and_two_users_share_it(loop: Loop) -> None:
    s = Setup(loop)  # key mode is the OpenAI default
    for name in ("codex-a", "codex-b"):
        out = post(s, "/v1/responses", capture(name), headers_of(name))
        assert b"response.completed" in out
    expected = prefixlib.cache_key(**adapters.split(json.loads(capture("codex-a"))).layers)
    for name, seen in zip(("codex-a", "codex-b"), s.fake.seen, strict=True):
        assert seen.raw == set_top_level_string(capture(name), "prompt_cache_key", expected)
        assert seen.header("session-id") == headers_of(name)["session-id"]  # kept
        assert seen.header("authorization") == "Bearer dummy"
    assert all(f"mode=key key={expected[:16]} input=1000" in line for line in s.logged(2))
    assert not any("dummy" in line for line in s.lines)


@pytest.mark.parametrize("coding", ["zstd", "gzip"])
def test_key_mode_reencodes_a_compressed_body_the_same_way(loop: Loop, coding: str) -> None:
    import gzip

    s = Setup(loop)
    raw = capture("codex-a")
    packed = zstandard.ZstdCompressor().compress(raw) if coding == "zstd" else gzip.compress(raw)
    post(s, "/v1/responses", packed, {"Content-Encoding": coding})
    [seen] = s.fake.seen
    assert seen.header("Content-Encoding") == coding
    key = prefixlib.cache_key(**adapters.split(json.loads(raw)).layers)
    assert seen.body == set_top_level_string(raw, "prompt_cache_key", key)


def test_key_header_option_and_anthropic_key_mode(loop: Loop) -> None:
    s = Setup(loop, anthropic_mode="key", key_header="x-cache-affinity")
    bodies = [capture("claude-a"), capture("claude-b")]
    for name, body in zip(("claude-a", "claude-b"), bodies, strict=True):
        post(s, "/v1/messages?beta=true", body, headers_of(name))
    keys = [seen.header("x-cache-affinity") for seen in s.fake.seen]
    assert keys[0] is not None
    assert keys[0] == keys[1]
    assert [seen.raw for seen in s.fake.seen] == bodies  # a Messages body has no key field
    assert all(f"input={1000} cached={CACHED_TOKENS}" in line for line in s.logged(2))


def test_canonical_mode_gives_two_claude_sessions_one_prefix(loop: Loop) -> None:
    s = Setup(loop)  # canonical is the Anthropic default
    for name in ("claude-a", "claude-b"):
        post(s, "/v1/messages?beta=true", capture(name), headers_of(name))
    sent = [seen.json() for seen in s.fake.seen]
    assert sent[0]["system"] == sent[1]["system"]
    assert json.dumps(sent[0]["tools"]) == json.dumps(sent[1]["tools"])
    assert any("cache_control" in json.dumps(block) for block in sent[0]["system"])
    assert sent[0] != sent[1]  # the session's own values still reach the model
    assert all("mode=canonical" in line for line in s.logged(2))


def test_stats_endpoint_and_metrics(loop: Loop) -> None:
    pytest.importorskip("prometheus_client", reason="GET /metrics needs prefixlib[metrics]")
    s = Setup(loop)
    for name in ("codex-a", "codex-b"):
        post(s, "/v1/responses", capture(name), headers_of(name))
    post(s, "/v1/responses", b"not json", {})
    status, _, body = s.request("GET", "/prefixlib/stats")
    assert status == 200
    stats = json.loads(body)
    [(key, totals)] = stats["keys"].items()
    assert key.startswith("pl1_")
    assert totals == {
        "requests": 2,
        "requests_with_usage": 2,
        "input_tokens": 2000,
        "cached_tokens": 2 * CACHED_TOKENS,
        "cached_share": CACHED_TOKENS / 1000,
    }
    assert stats["requests"] == 3
    assert stats["passed_through"] == {"invalid JSON": 1}
    status, headers, body = s.request("GET", "/metrics")
    text = body.decode()
    assert headers["Content-Type"].startswith("text/plain")
    assert (
        f'prefixlib_serve_requests_total{{key="{key[:16]}",mode="key",route="responses"}} 2.0'
        in text
    )
    labels = f'{{key="{key[:16]}",mode="key",route="responses"}}'
    assert f"prefixlib_serve_cached_tokens_total{labels} {2.0 * CACHED_TOKENS}" in text
    assert [x.path for x in s.fake.seen] == ["/v1/responses"] * 3  # its own paths stay local


def test_verbose_names_where_the_prefix_diverged_without_its_text(loop: Loop) -> None:
    s = Setup(loop, verbose=True)
    for name in ("codex-a", "codex-b"):
        post(s, "/v1/responses", capture(name), headers_of(name))
    assert "diverges" not in s.logged(2)[0]
    divergence = s.lines[1].split("diverges: ", 1)[1]
    assert divergence.startswith("layer developer line ")
    assert "rules: " in divergence
    assert "rules: -" not in divergence
    assert "alice" not in s.lines[1]
    assert "bob" not in s.lines[1]


def test_shards_follow_the_session_header(loop: Loop) -> None:
    s = Setup(loop, shards=8)
    body = capture("codex-a")
    sessions = [f"01a22a41-508f-7172-939d-e9dc13b2{i:04x}" for i in range(16)]
    for session in [*sessions, sessions[0]]:
        post(s, "/v1/responses", body, {"session-id": session})
    keys = [seen.json()["prompt_cache_key"] for seen in s.fake.seen]
    base = prefixlib.cache_key(**adapters.split(json.loads(body)).layers)
    assert all(key.rsplit("_", 1)[0] == base for key in keys)
    assert keys[0] == keys[-1]  # a session stays on its shard
    assert len(set(keys)) > 2  # 16 sessions over 8 shards


def test_two_instances_give_one_key(loop: Loop) -> None:
    first, second = Setup(loop), Setup(loop)
    post(first, "/v1/responses", capture("codex-a"), {})
    post(second, "/v1/responses", capture("codex-b"), {})
    keys = [s.fake.seen[0].json()["prompt_cache_key"] for s in (first, second)]
    assert keys[0] == keys[1]


# -- the real SDKs pointed at the proxy ------------------------------------------------------


@pytest.mark.parametrize("mode", ["key", "canonical"])
def test_openai_sdk_through_the_proxy(loop: Loop, mode: str) -> None:
    openai = pytest.importorskip("openai", reason="the openai SDK comes with the test extra")
    s = Setup(loop, openai_mode=mode)
    client = openai.OpenAI(base_url=s.url + "/v1", api_key="sk-test", max_retries=0)
    request: dict[str, Any] = json.loads(capture("codex-a"))
    del request["client_metadata"], request["stream"]
    with client.responses.stream(**request) as stream:
        text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == "ok"
    assert final.usage is not None
    assert final.usage.input_tokens_details.cached_tokens == CACHED_TOKENS
    plain = client.responses.create(model="gpt-5", input="hi", instructions="Be brief.")
    assert plain.output_text == "ok"
    chat = client.chat.completions.create(
        model="gpt-5",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    assert "".join(c.choices[0].delta.content or "" for c in chat if c.choices) == "ok"
    keys = [seen.json().get("prompt_cache_key") for seen in s.fake.seen]
    assert all(key and key.startswith("pl1_") for key in keys)
    assert len(s.logged(3)) == 3
    assert all(f"mode={mode} " in line for line in s.lines)
    assert "passed through" not in " ".join(s.logged(2))
    if mode == "canonical":  # the bindings follow the canonical prefix
        assert "<session_bindings>" in json.dumps(s.fake.seen[0].json()["input"])


def test_anthropic_sdk_through_the_proxy(loop: Loop) -> None:
    anthropic = pytest.importorskip("anthropic", reason="the anthropic SDK comes with test")
    s = Setup(loop)
    client = anthropic.Anthropic(base_url=s.url, api_key="sk-ant-test", max_retries=0)
    request: dict[str, Any] = json.loads(capture("claude-a"))
    del request["stream"]
    # fields this SDK version does not name go in extra_body, as a caller would send them
    extra = {k: request.pop(k) for k in ("context_management", "output_config", "thinking")}
    with client.messages.stream(**request, extra_body=extra) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "ok"
    assert final.usage.cache_read_input_tokens == CACHED_TOKENS
    message = client.messages.create(
        model="claude-x", max_tokens=10, system="Be brief.", messages=[
            {"role": "user", "content": "hi"}]
    )  # fmt: skip
    assert message.content[0].text == "ok"
    assert (
        client.messages.count_tokens(
            model="claude-x", messages=[{"role": "user", "content": "hi"}]
        ).input_tokens
        > 0
    )
    assert [seen.path.split("?")[0] for seen in s.fake.seen] == [
        "/v1/messages",
        "/v1/messages",
        "/v1/messages/count_tokens",
    ]
    assert "passed through" not in " ".join(s.logged(2))


def test_fifty_concurrent_streams_in_key_mode_share_a_key(loop: Loop) -> None:
    s = Setup(loop)
    bodies = [capture("codex-a"), capture("codex-b")] * 25

    async def go() -> list[bytes]:
        async with aiohttp.ClientSession() as session:

            async def one(body: bytes) -> bytes:
                async with session.post(s.url + "/v1/responses", data=body) as r:
                    return await r.read()

            return await asyncio.gather(*(one(b) for b in bodies))

    results = loop.run(go(), timeout=90)
    assert all(r.endswith(b"\n\n") and b"response.completed" in r for r in results)
    assert len({seen.json()["prompt_cache_key"] for seen in s.fake.seen}) == 1
