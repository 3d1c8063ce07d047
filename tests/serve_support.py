"""A loopback fake provider and a background event loop for the serve tests.

The fake speaks what ../shared/captures/fake_provider.py speaks (the Responses SSE stream Codex
reads, Anthropic Messages streamed and not), plus Chat Completions, with usage fields; it keeps
every request it receives (headers in order, raw body) in memory.  Everything listens on
127.0.0.1 port 0.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import threading
import time
import zlib
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import zstandard
from aiohttp import web

CACHED_TOKENS = 640  # what the fake reports as read from its cache, of 1000 input tokens


def sse(events: list[tuple[str | None, dict[str, Any]]]) -> list[bytes]:
    """Server-sent events, one chunk per event."""
    out = []
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        out.append((head + "data: " + json.dumps(data, separators=(",", ":")) + "\n\n").encode())
    return out


def responses_usage() -> dict[str, Any]:
    return {
        "input_tokens": 1000,
        "input_tokens_details": {"cached_tokens": CACHED_TOKENS},
        "output_tokens": 1,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 1001,
    }


def responses_events(model: str, usage: dict[str, Any] | None = None) -> list[bytes]:
    """The Responses stream of fake_provider.py: one output message "ok", ``usage`` (else the
    fake's) at the end."""
    rid, mid = f"resp_fake{int(time.time() * 1000)}", "msg_fake_0001"
    base = {
        "id": rid,
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "model": model,
        "output": [],
    }
    progress = {
        "id": mid,
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    part = {"type": "output_text", "text": "ok", "annotations": []}
    done = dict(progress, status="completed", content=[part])
    completed = dict(base, status="completed", output=[done], usage=usage or responses_usage())
    seq = itertools.count()
    at = {"item_id": mid, "output_index": 0, "content_index": 0}
    return sse(
        [
            (
                "response.created",
                {"type": "response.created", "sequence_number": next(seq), "response": base},
            ),
            (
                "response.in_progress",
                {"type": "response.in_progress", "sequence_number": next(seq), "response": base},
            ),
            (
                "response.output_item.added",
                {
                    "type": "response.output_item.added",
                    "sequence_number": next(seq),
                    "output_index": 0,
                    "item": progress,
                },
            ),
            (
                "response.content_part.added",
                {
                    "type": "response.content_part.added",
                    "sequence_number": next(seq),
                    **at,
                    "part": dict(part, text=""),
                },
            ),
            (
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta",
                    "sequence_number": next(seq),
                    **at,
                    "delta": "ok",
                },
            ),
            (
                "response.output_text.done",
                {
                    "type": "response.output_text.done",
                    "sequence_number": next(seq),
                    **at,
                    "text": "ok",
                },
            ),
            (
                "response.content_part.done",
                {
                    "type": "response.content_part.done",
                    "sequence_number": next(seq),
                    **at,
                    "part": part,
                },
            ),
            (
                "response.output_item.done",
                {
                    "type": "response.output_item.done",
                    "sequence_number": next(seq),
                    "output_index": 0,
                    "item": done,
                },
            ),
            (
                "response.completed",
                {"type": "response.completed", "sequence_number": next(seq), "response": completed},
            ),
        ]
    )


def responses_json(model: str, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """A non-streamed Responses result."""
    return {
        "id": "resp_fake",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "model": model,
        "output": [
            {
                "id": "msg_fake_0001",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "ok", "annotations": []}],
            }
        ],
        "usage": usage or responses_usage(),
    }


def chat_usage() -> dict[str, Any]:
    return {
        "prompt_tokens": 1000,
        "completion_tokens": 1,
        "total_tokens": 1001,
        "prompt_tokens_details": {"cached_tokens": CACHED_TOKENS},
    }


def chat_json(model: str, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """A non-streamed Chat Completions result."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}
        ],
        "usage": usage or chat_usage(),
    }


def chat_events(model: str, usage: dict[str, Any] | None = None) -> list[bytes]:
    """A Chat Completions stream with a final usage chunk, then ``[DONE]``."""
    head = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }
    chunks = [
        dict(
            head,
            choices=[
                {"index": 0, "delta": {"role": "assistant", "content": "ok"}, "finish_reason": None}
            ],
        ),
        dict(head, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]),
        dict(head, choices=[], usage=usage or chat_usage()),
    ]
    return [*sse([(None, c) for c in chunks]), b"data: [DONE]\n\n"]


def messages_usage() -> dict[str, Any]:
    return {
        "input_tokens": 360,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": CACHED_TOKENS,
        "output_tokens": 1,
    }


def messages_json(model: str, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """A non-streamed Messages result."""
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage or messages_usage(),
    }


def messages_events(model: str, usage: dict[str, Any] | None = None) -> list[bytes]:
    """The Messages stream of fake_provider.py, the input ``usage`` (else the fake's) first."""
    start = dict(messages_json(model, usage), content=[], stop_reason=None)
    return sse(
        [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            ("ping", {"type": "ping"}),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": "ok"},
                },
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 1},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
    )


def logged(lines: list[str], count: int, *, timeout: float = 5.0) -> list[str]:
    """``lines`` once there are ``count``: the proxy logs a request when its response has
    ended on its side, which may be just after the client read the last byte."""
    deadline = time.monotonic() + timeout
    while len(lines) < count and time.monotonic() < deadline:
        time.sleep(0.005)
    return lines


def decode(raw: bytes, coding: str | None) -> bytes:
    """A request body with its Content-Encoding undone (gzip, zstd)."""
    if coding == "gzip":
        return gzip.decompress(raw)
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    return raw


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    raw: bytes

    @property
    def body(self) -> bytes:
        return decode(self.raw, self.header("Content-Encoding"))

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class FakeProvider:
    """The fake upstream; ``fail`` maps a path to (status, body) to answer with instead."""

    seen: list[Seen] = field(default_factory=list)
    fail: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    #: seconds between streamed events (0: as fast as possible)
    pace: float = 0.0
    #: when set, a stream waits for it after its first event
    hold: asyncio.Event | None = None
    #: set when a stream's client went away before the stream ended
    cut: threading.Event = field(default_factory=threading.Event)
    events: int = 1  # repeat the delta events this many times (long streams)
    #: when set, a stream's connection is dropped after this many events
    break_after: int | None = None
    #: "gzip" or "zstd": streams are sent compressed, flushed event by event
    compress: str | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1 << 28)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers]
        seen = Seen(request.method, request.path_qs, headers, raw)
        self.seen.append(seen)
        path = request.path
        if path in self.fail:
            status, body = self.fail[path]
            return web.Response(status=status, body=body, content_type="application/json")
        try:
            req = json.loads(seen.body) if raw else {}
        except ValueError:
            req = {}
        req = req if isinstance(req, dict) else {}
        model = str(req.get("model", "fake-model"))
        stream = bool(req.get("stream"))
        if path.endswith("/responses") and request.method == "POST":
            if stream:
                return await self.stream(request, responses_events(model))
            return web.json_response(responses_json(model))
        if path.endswith("/chat/completions") and request.method == "POST":
            if stream:
                return await self.stream(request, chat_events(model))
            return web.json_response(chat_json(model))
        if path.endswith("/messages/count_tokens"):
            return web.json_response({"input_tokens": max(1, len(raw) // 4)})
        if path.endswith("/messages") and request.method == "POST":
            if stream:
                return await self.stream(request, messages_events(model))
            return web.json_response(messages_json(model))
        if path.endswith("/models"):
            return web.json_response(
                {
                    "object": "list",
                    "data": [
                        {"id": "fake-model", "object": "model", "created": 0, "owned_by": "fake"}
                    ],
                }
            )
        return web.json_response({})

    def packer(self) -> Callable[[bytes], bytes]:
        """Compresses one event at a time, each flushed; ``b""`` ends the stream."""
        if self.compress == "gzip":
            gz = zlib.compressobj(wbits=31)
            return lambda e: gz.compress(e) + gz.flush(zlib.Z_SYNC_FLUSH if e else zlib.Z_FINISH)
        if self.compress == "zstd":
            zs = zstandard.ZstdCompressor().compressobj()
            flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
            return lambda e: (
                zs.compress(e) + zs.flush(flush if e else zstandard.COMPRESSOBJ_FLUSH_FINISH)
            )
        return bytes

    async def stream(self, request: web.Request, events: list[bytes]) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "x-request-id": "req_fake",
            }
        )
        pack = self.packer()
        if self.compress:
            events = [*events, b""]  # the end of the compressed stream
        if self.compress:
            response.headers["Content-Encoding"] = self.compress
        await response.prepare(request)
        if self.events > 1:  # a long stream: the middle events repeated
            events = events[:1] + events[1:-1] * self.events + events[-1:]
        try:
            for i, event in enumerate(events):
                if i == self.break_after and request.transport is not None:
                    request.transport.close()
                    return response
                await response.write(pack(event))
                if i == 0 and self.hold is not None:
                    await asyncio.wait_for(self.hold.wait(), 10)
                if self.pace:
                    await asyncio.sleep(self.pace)
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            self.cut.set()
            raise
        return response


class Loop:
    """An asyncio loop in a thread, to run servers beside synchronous test code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []

    def run(self, coro: Awaitable[Any], timeout: float = 30) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def serve(self, app: web.Application, **runner_options: Any) -> int:
        """Start ``app`` on 127.0.0.1, port 0; return the port."""

        async def start() -> int:
            runner = web.AppRunner(app, access_log=None, auto_decompress=False, **runner_options)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.runners.append(runner)
            return int(runner.addresses[0][1])

        port: int = self.run(start())
        return port

    def proxy(self, app: web.Application) -> int:
        """Start the proxy ``app`` as ``prefixlib serve`` does, on port 0; return the port."""
        from prefixlib.serve.proxy import start

        async def go() -> int:
            runner, port = await start(app, host="127.0.0.1", port=0, shutdown_timeout=2)
            self.runners.append(runner)
            return port

        port: int = self.run(go())
        return port

    def call(self, fn: Callable[[], Any]) -> Any:
        async def wrapped() -> Any:
            return fn()

        return self.run(wrapped())

    def close(self) -> None:
        async def stop() -> None:
            for runner in reversed(self.runners):
                await runner.cleanup()

        try:
            self.run(stop(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()
