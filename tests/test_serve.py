"""prefixlib serve: pass-through, streaming, errors, compressed bodies, disconnects, the CLI.

Every server listens on 127.0.0.1 port 0 and is stopped at the end of its test; the fake
provider is tests/serve_support.py.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiohttp", reason="prefixlib serve needs the serve extra (aiohttp)")

import aiohttp
import zstandard
from multidict import CIMultiDict

from prefixlib.serve.config import ServeConfig
from prefixlib.serve.proxy import make_app
from tests.conftest import CAPTURES
from tests.serve_support import CACHED_TOKENS, FakeProvider, Loop, decode, logged


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    try:
        yield running
    finally:
        running.close()


class Setup:
    """A fake provider and a proxy in front of it, with the proxy's log lines."""

    def __init__(self, loop: Loop, **config: Any) -> None:
        self.loop = loop
        self.fake = FakeProvider()
        self.fake_port = loop.serve(self.fake.app())
        upstream = f"http://127.0.0.1:{self.fake_port}"
        options: dict[str, Any] = {"openai_upstream": upstream, "anthropic_upstream": upstream}
        options.update(config)
        self.config = ServeConfig(**options)
        self.lines: list[str] = []
        self.app = make_app(self.config, log=self.lines.append)
        self.port = loop.proxy(self.app)
        self.url = f"http://127.0.0.1:{self.port}"

    def logged(self, count: int) -> list[str]:
        """The log lines once there are ``count`` (bounded wait, see serve_support.logged)."""
        return logged(self.lines, count)

    def request(
        self, method: str, path: str, *, body: bytes | None = None, **headers: str
    ) -> tuple[int, CIMultiDict[str], bytes]:
        async def go() -> tuple[int, CIMultiDict[str], bytes]:
            async with (
                aiohttp.ClientSession(auto_decompress=False) as session,
                session.request(
                    method,
                    self.url + path,
                    data=body,
                    headers={k.replace("_", "-"): v for k, v in headers.items()},
                ) as response,
            ):
                return response.status, CIMultiDict(response.headers), await response.read()

        result: tuple[int, CIMultiDict[str], bytes] = self.loop.run(go())
        return result


def codex_body(name: str = "codex-a") -> bytes:
    path = CAPTURES / "raw" / f"{name}.body"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the captures live in ../shared beside the repository)")
    return path.read_bytes()


RESPONSES_BODY = json.dumps(
    {
        "model": "gpt-5-codex",
        "stream": True,
        "input": [
            {"type": "message", "role": "developer", "content": "You are a coding agent."},
            {"type": "message", "role": "user", "content": "say ok"},
        ],
        "prompt_cache_key": "thread-1",
    }
).encode()


def test_responses_stream_passes_through_intact_in_off_mode(loop: Loop) -> None:
    s = Setup(loop, openai_mode="off")
    status, headers, body = s.request(
        "POST",
        "/v1/responses",
        body=RESPONSES_BODY,
        authorization="Bearer sk-secret-123",
        content_type="application/json",
        session_id="thread-1",
    )
    assert status == 200
    assert headers["Content-Type"] == "text/event-stream"
    assert headers["x-request-id"] == "req_fake"
    assert body.startswith(b"event: response.created\n")
    assert b'"delta":"ok"' in body
    assert body.rstrip().endswith(b"}")
    [seen] = s.fake.seen
    assert seen.raw == RESPONSES_BODY
    assert seen.header("Authorization") == "Bearer sk-secret-123"
    assert seen.header("session-id") == "thread-1"
    assert seen.header("Content-Type") == "application/json"
    [line] = s.logged(1)
    assert line.startswith("prefixlib serve: POST /v1/responses 200 mode=off")
    assert f"input=1000 cached={CACHED_TOKENS} (64.0%)" in line
    assert "sk-secret" not in line


def test_every_other_path_and_method_passes_through(loop: Loop) -> None:
    s = Setup(loop)
    status, _, body = s.request("GET", "/v1/models?limit=2", x_api_key="k")
    assert status == 200
    assert json.loads(body)["data"][0]["id"] == "fake-model"
    status, _, _ = s.request("DELETE", "/v1/files/file-1")
    assert status == 200
    status, _, _ = s.request("HEAD", "/")
    assert status == 200
    raw = b'{"model":"m",  "messages":[]}'
    s.request("POST", "/v1/messages/count_tokens", body=raw, anthropic_version="2023-06-01")
    assert [(x.method, x.path) for x in s.fake.seen] == [
        ("GET", "/v1/models?limit=2"),
        ("DELETE", "/v1/files/file-1"),
        ("HEAD", "/"),
        ("POST", "/v1/messages/count_tokens"),
    ]
    assert s.fake.seen[0].header("x-api-key") == "k"
    assert s.fake.seen[3].raw == raw
    # aiohttp's client adds no headers of its own to what it forwards
    assert s.fake.seen[2].header("Content-Type") is None
    assert s.lines == []  # only model requests (and failures) are logged


def test_upstream_error_status_and_body_pass_through(loop: Loop) -> None:
    s = Setup(loop, openai_mode="off")
    error = b'{"error": {"message": "rate limited", "type": "rate_limit"}}'
    s.fake.fail["/v1/responses"] = (429, error)
    status, headers, body = s.request("POST", "/v1/responses", body=RESPONSES_BODY)
    assert (status, body) == (429, error)
    assert headers["Content-Type"].startswith("application/json")
    assert " 429 " in s.logged(1)[0]


def test_unreachable_upstream_is_a_502_naming_it(loop: Loop) -> None:
    # a port that was free a moment ago: nothing listens there now
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    config = ServeConfig(openai_upstream=f"http://127.0.0.1:{dead}", connect_timeout=5)
    lines: list[str] = []
    port = loop.proxy(make_app(config, log=lines.append))

    async def go() -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/v1/responses", data=RESPONSES_BODY) as r,
        ):
            return r.status, await r.json()

    status, body = loop.run(go())
    assert status == 502
    assert body["error"]["type"] == "upstream_unreachable"
    assert body["error"]["upstream"] == f"http://127.0.0.1:{dead}"
    assert f"http://127.0.0.1:{dead}" in body["error"]["message"]
    assert " 502 " in logged(lines, 1)[0]


def test_sse_reaches_the_client_before_the_stream_ends(loop: Loop) -> None:
    s = Setup(loop, openai_mode="off")
    s.fake.hold = loop.call(asyncio.Event)

    async def go() -> tuple[bytes, bytes]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(s.url + "/v1/responses", data=RESPONSES_BODY) as r,
        ):
            first = await asyncio.wait_for(r.content.readuntil(b"\n\n"), 10)
            assert s.fake.hold is not None
            s.fake.hold.set()  # the upstream holds the rest until the first event arrived
            return first, await r.read()

    first, rest = loop.run(go())
    assert first.startswith(b"event: response.created\n")
    assert rest.endswith(b"\n\n")
    assert b"response.completed" in rest


def test_client_disconnect_cancels_the_upstream_request(loop: Loop) -> None:
    s = Setup(loop, openai_mode="off")
    s.fake.pace, s.fake.events = 0.02, 500  # a 10 s stream unless cut

    async def go() -> None:
        session = aiohttp.ClientSession()
        try:
            response = await session.post(s.url + "/v1/responses", data=RESPONSES_BODY)
            await asyncio.wait_for(response.content.readuntil(b"\n\n"), 10)
            response.close()  # drop the connection mid-stream
        finally:
            await session.close()

    loop.run(go())
    assert s.fake.cut.wait(5), "the upstream stream was not cut after the client left"
    assert "stream cut: the client left" in s.logged(1)[0]


def test_upstream_that_breaks_off_mid_stream_cuts_the_client_stream(loop: Loop) -> None:
    s = Setup(loop, openai_mode="off")
    s.fake.break_after = 3

    async def go() -> bytes:
        async with (
            aiohttp.ClientSession() as session,
            session.post(s.url + "/v1/responses", data=RESPONSES_BODY) as r,
        ):
            return await r.read()

    with pytest.raises(aiohttp.ClientPayloadError):
        loop.run(go())
    assert "200 mode=off" in s.logged(1)[0]
    assert "stream cut: the upstream broke off" in s.lines[0]


@pytest.mark.parametrize("coding", ["gzip", "zstd"])
def test_compressed_stream_passes_through_and_its_usage_is_read(loop: Loop, coding: str) -> None:
    s = Setup(loop, openai_mode="off")
    s.fake.compress = coding
    status, headers, raw = s.request("POST", "/v1/responses", body=RESPONSES_BODY)
    assert status == 200
    assert headers["Content-Encoding"] == coding
    text = decode(raw, coding)
    assert text.startswith(b"event: response.created\n")
    assert text.endswith(b"\n\n")
    assert f"input=1000 cached={CACHED_TOKENS}" in s.logged(1)[0]


def test_fifty_concurrent_streams(loop: Loop) -> None:
    s = Setup(loop, openai_mode="off")

    async def one(session: aiohttp.ClientSession, i: int) -> bytes:
        body = RESPONSES_BODY.replace(b"say ok", f"say ok {i}".encode())
        async with session.post(s.url + "/v1/responses", data=body) as r:
            assert r.status == 200
            return await r.read()

    async def go() -> list[bytes]:
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(*(one(session, i) for i in range(50)))

    results = loop.run(go(), timeout=60)
    assert all(r.count(b"\n\n") == 9 and b"response.completed" in r for r in results)
    assert sorted(x.raw for x in s.fake.seen) == sorted(
        RESPONSES_BODY.replace(b"say ok", f"say ok {i}".encode()) for i in range(50)
    )
    assert len(s.logged(50)) == 50


@pytest.mark.parametrize("coding", ["gzip", "zstd"])
def test_compressed_body_passes_through_untouched_in_off_mode(loop: Loop, coding: str) -> None:
    s = Setup(loop, openai_mode="off")
    raw = (
        gzip.compress(RESPONSES_BODY)
        if coding == "gzip"
        else zstandard.ZstdCompressor().compress(RESPONSES_BODY)
    )
    status, _, _ = s.request("POST", "/v1/responses", body=raw, content_encoding=coding)
    assert status == 200
    [seen] = s.fake.seen
    assert seen.raw == raw
    assert seen.header("Content-Encoding") == coding
    assert seen.body == RESPONSES_BODY


def test_unparsable_body_is_forwarded_untouched_and_logged(loop: Loop) -> None:
    s = Setup(loop, openai_mode="key")
    raw = b'{"model": "gpt-5", "input": [unquoted]}'
    status, _, _ = s.request("POST", "/v1/responses", body=raw)
    assert status == 200
    assert s.fake.seen[0].raw == raw
    assert "passed through: invalid JSON" in s.logged(1)[0]
    status, _, _ = s.request(
        "POST", "/v1/responses", body=b"\x28\xb5\x2f\xfd garbage", content_encoding="zstd"
    )
    assert s.fake.seen[1].raw == b"\x28\xb5\x2f\xfd garbage"
    assert "passed through: cannot decode the zstd body" in s.logged(2)[1]


# -- the command line -----------------------------------------------------------------------


def _serve(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "prefixlib", "serve", "--port", "0", *args],
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _listening(process: subprocess.Popen[str]) -> str:
    """The URL from the first line on stderr (read before the first request is sent)."""
    assert process.stderr is not None
    line = process.stderr.readline()
    prefix = "prefixlib serve: listening on "
    assert line.startswith(prefix), line
    return line[len(prefix) :].strip()


def _one_request_then_sigint(loop: Loop, process: subprocess.Popen[str]) -> tuple[str, bytes, str]:
    """Read the address, post one Responses request, stop the proxy with SIGINT: the address,
    the response body and the rest of stderr (the process is killed if it does not stop)."""
    try:
        url = _listening(process)

        async def go() -> bytes:
            async with (
                aiohttp.ClientSession() as session,
                session.post(url + "/v1/responses", data=RESPONSES_BODY) as r,
            ):
                return await r.read()

        body = loop.run(go())
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return url, body, err


def test_cli_prints_the_address_serves_and_stops_on_sigint(loop: Loop, tmp_path: Path) -> None:
    fake = FakeProvider()
    upstream = f"http://127.0.0.1:{loop.serve(fake.app())}"
    process = _serve("--no-config", "--openai-upstream", upstream, "--mode", "off", cwd=tmp_path)
    url, body, err = _one_request_then_sigint(loop, process)
    assert url.startswith("http://127.0.0.1:")
    assert b"response.completed" in body
    assert process.returncode == 0
    assert "POST /v1/responses 200 mode=off" in err
    assert "Traceback" not in err
    assert fake.seen[0].raw == RESPONSES_BODY


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("codex", 'base_url = "http://127.0.0.1:9000/v1"'),
        ("claude", "export ANTHROPIC_BASE_URL=http://127.0.0.1:9000"),
    ],
)
def test_print_config(client: str, expected: str, tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "prefixlib",
            "serve",
            "--no-config",
            "--port",
            "9000",
            "--print-config",
            client,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
        timeout=60,
    ).stdout
    assert expected in out


def test_cli_rejects_a_bad_upstream_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", "serve", "--no-config", "--openai-upstream", "ftp://x"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--openai-upstream: expected an http:// or https:// URL" in result.stderr


def test_serve_table_of_the_config_file_and_flags_over_it(loop: Loop, tmp_path: Path) -> None:
    fake = FakeProvider()
    upstream = f"http://127.0.0.1:{loop.serve(fake.app())}"
    (tmp_path / ".prefixlib.toml").write_text(
        f'[serve]\nopenai-upstream = "{upstream}"\nmode = "off"\nkey-header = "x-k"\n'
    )
    process = _serve(cwd=tmp_path)
    _, body, err = _one_request_then_sigint(loop, process)
    assert b"response.completed" in body
    assert "mode=off" in err
    assert fake.seen[0].raw == RESPONSES_BODY
    (tmp_path / ".prefixlib.toml").write_text("[serve]\nmode = 'fast'\n")
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", "serve", "--print-config", "codex"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path / '.prefixlib.toml'}: [serve] mode: expected one of key, canonical, "
        "off, got 'fast'\n"
    )


def test_sigint_lets_an_in_flight_stream_finish(loop: Loop, tmp_path: Path) -> None:
    fake = FakeProvider()
    fake.pace, fake.events = 0.05, 10  # a stream of about 1.5 s
    upstream = f"http://127.0.0.1:{loop.serve(fake.app())}"
    process = _serve("--no-config", "--openai-upstream", upstream, "--mode", "off", cwd=tmp_path)
    try:
        url = _listening(process)

        async def go() -> bytes:
            async with (
                aiohttp.ClientSession() as session,
                session.post(url + "/v1/responses", data=RESPONSES_BODY) as r,
            ):
                first = await asyncio.wait_for(r.content.readuntil(b"\n\n"), 10)
                process.send_signal(signal.SIGINT)  # mid-stream
                return first + await asyncio.wait_for(r.content.read(), 20)

        streamed = loop.run(go())
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert streamed.endswith(b"\n\n")
    assert b"response.completed" in streamed
    assert process.returncode == 0
    assert "prefixlib serve: stopping" in err
    assert "Traceback" not in err


def test_cli_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "prefixlib", "serve", "--no-config", "--port", str(port)],
            capture_output=True, text=True, cwd=tmp_path, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
