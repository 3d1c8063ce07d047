"""What the end-to-end tests share: a proxy in front of the loopback fake provider, recording
each model request's body exactly as the client sent it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from prefixlib.serve.config import ServeConfig
from prefixlib.serve.proxy import make_app
from tests.serve_support import FakeProvider, Loop


@dataclass
class Run:
    """One proxy in front of one fake provider, with what reached each."""

    loop: Loop
    fake: FakeProvider
    client_bodies: list[bytes]  # the bodies of requests to ``path``, as the client sent them
    lines: list[str]  # the proxy's log lines
    url: str  # the proxy's base URL


def start(loop: Loop, path: str, **config: Any) -> Run:
    """A fake provider and, in front of it, prefixlib serve with ``config`` (both routes go to
    the fake), recording the bodies the client sends to ``path``."""
    fake = FakeProvider()
    upstream = f"http://127.0.0.1:{loop.serve(fake.app())}"
    lines: list[str] = []
    settings = ServeConfig(openai_upstream=upstream, anthropic_upstream=upstream, **config)
    app = make_app(settings, log=lines.append)
    client_bodies: list[bytes] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        """Keep the body exactly as the client sent it (the proxy reads the same cached bytes)."""
        if request.path == path:
            client_bodies.append(await request.read())
        response: web.StreamResponse = await handler(request)
        return response

    app.middlewares.append(record)
    return Run(loop, fake, client_bodies, lines, f"http://127.0.0.1:{loop.proxy(app)}")
