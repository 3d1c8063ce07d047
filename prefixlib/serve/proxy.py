"""The proxy: an aiohttp server that forwards every request to its upstream, streaming.

Each request is routed by its path (issue 13): ``POST /v1/responses`` and
``POST /v1/chat/completions`` to the OpenAI upstream, ``/v1/messages`` (and anything with an
``anthropic-version`` header) to the Anthropic upstream, everything else to the OpenAI
upstream unchanged.  The three model routes' bodies are shaped by :mod:`prefixlib.serve.shape`;
every other request is passed through byte for byte.  Responses are streamed back chunk by
chunk as they arrive; an upstream error is passed through as it is; an upstream that cannot be
reached is a 502 with a JSON body naming it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from prefixlib.policy import Policy
from prefixlib.serve import encoding
from prefixlib.serve.config import ServeConfig
from prefixlib.serve.shape import Shaped, Shaper
from prefixlib.serve.stats import Stats
from prefixlib.serve.usage import Usage, UsageTap

__all__ = ["CONFIG", "Route", "make_app", "route_of"]

Kind = Literal["responses", "chat", "messages"]

#: Headers that belong to one connection, never forwarded (RFC 9110 7.6.1), and the ones the
#: client library sets from the body it sends.
_HOP = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "Proxy-Connection",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Host",
        "Content-Length",
        "Expect",  # the proxy has read the whole body: no 100-continue upstream
    )
)

#: aiohttp's client adds these when the request lacks them; a proxy must not.
_NO_AUTO = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")

CONFIG: web.AppKey[ServeConfig] = web.AppKey("config", ServeConfig)
SHAPER: web.AppKey[Shaper] = web.AppKey("shaper", Shaper)
STATS: web.AppKey[Stats] = web.AppKey("stats", Stats)
SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("session", aiohttp.ClientSession)
LOG: web.AppKey[Callable[[str], None]] = web.AppKey("log")
POOL: web.AppKey[ThreadPoolExecutor | None] = web.AppKey("pool")
BUSY: web.AppKey[InFlight] = web.AppKey("busy")


class InFlight:
    """How many requests the proxy is handling now (their responses included)."""

    def __init__(self) -> None:
        self.count = 0


@dataclass(frozen=True)
class Route:
    """Where a request goes: the upstream's name and URL, and the model API it speaks, if any."""

    upstream: Literal["openai", "anthropic"]
    base: str
    kind: Kind | None


def route_of(method: str, path: str, headers: Mapping[str, str], config: ServeConfig) -> Route:
    """The route of a request (issue 13: three model routes, every other path passed through).

    Anthropic: a path under ``/v1/messages``, or an ``anthropic-version`` or ``x-api-key``
    header; OpenAI: a path under ``/v1/responses`` or ``/v1/chat``, or an ``Authorization``
    header; anything else (Claude Code's ``HEAD /`` connectivity check) goes to
    ``default_upstream``.
    """
    upstream: Literal["openai", "anthropic"]
    if path.startswith("/v1/messages") or "anthropic-version" in headers or "x-api-key" in headers:
        upstream = "anthropic"
    elif path.startswith(("/v1/responses", "/v1/chat/")) or "authorization" in headers:
        upstream = "openai"
    else:
        upstream = config.default_upstream
    base = config.anthropic_upstream if upstream == "anthropic" else config.openai_upstream
    kind: Kind | None = None
    if method == "POST":
        if path == "/v1/responses":
            kind = "responses"
        elif path == "/v1/chat/completions":
            kind = "chat"
        elif path == "/v1/messages":
            kind = "messages"
    return Route(upstream, base, kind)


def _forward_headers(headers: CIMultiDictProxy[str], shaped: Shaped) -> CIMultiDict[str]:
    """The client's headers minus hop-by-hop ones, plus what shaping set (a key header)."""
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        if name.lower() not in _HOP:
            out.add(name, value)
    for name, value in shaped.headers.items():
        out[name] = value
    return out


def _unreachable(route: Route, error: BaseException) -> web.Response:
    """The 502 for an upstream that cannot be reached: a JSON error naming it."""
    reason = str(error) or type(error).__name__
    body = {
        "error": {
            "type": "upstream_unreachable",
            "message": f"prefixlib serve: cannot reach the {route.upstream} upstream "
            f"{route.base}: {reason}",
            "upstream": route.base,
        }
    }
    return web.json_response(body, status=502)


async def _stream(
    request: web.Request, upstream: aiohttp.ClientResponse, tap: UsageTap | None
) -> tuple[web.StreamResponse, str | None]:
    """Copy the upstream response to the client as it arrives, feeding the usage tap.

    Returns the response and, if the stream was cut (the upstream broke off or the client
    left), why: the client's connection is then closed, so it sees a cut stream, never a
    truncated one that looks complete.
    """
    response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
    for name, value in upstream.headers.items():
        if name.lower() not in _HOP:
            response.headers.add(name, value)
    if upstream.content_length is not None and "Content-Length" in upstream.headers:
        response.content_length = upstream.content_length
    await response.prepare(request)
    try:
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
            if tap is not None:
                tap.feed(chunk)
    except ConnectionError as e:  # first: aiohttp's reset on write is a ClientError too
        reason = f"the client left: {e or type(e).__name__}"
    except aiohttp.ClientError as e:
        reason = f"the upstream broke off: {e or type(e).__name__}"
    else:
        await response.write_eof()
        return response, None
    if request.transport is not None:
        request.transport.close()
    return response, reason


def _tap(upstream: aiohttp.ClientResponse) -> UsageTap | None:
    """A usage tap for the response (its bytes decoded first, if compressed), or None."""
    coding = upstream.headers.get("Content-Encoding", "")
    decoder = encoding.stream_decoder(coding) if coding else None
    if coding and decoder is None:
        return None
    return UsageTap(sse=upstream.content_type == "text/event-stream", decoder=decoder)


async def _shaped(
    app: web.Application, kind: Kind, raw: bytes, headers: CIMultiDictProxy[str]
) -> Shaped:
    """The shaped request: on the event loop where that is quick (a key already known) or
    where nothing else is in flight, else in the shaping thread, so that other responses keep
    streaming while a new prefix is canonicalised (a 48 KB one takes milliseconds).

    Alone, the hop to the thread and back only adds to the request's own time (two thread
    wake-ups: 10 to 15 ms more at the median on a loaded 2-core machine, see
    ``benchmarks/serve_latency.py``).
    """
    shaper, pool = app[SHAPER], app[POOL]
    if pool is None or app[BUSY].count <= 1:
        return shaper.shape(kind, raw, headers)
    shaped = shaper.shape_quick(kind, raw, headers)
    if shaped is None:
        shaped = await asyncio.get_running_loop().run_in_executor(
            pool, shaper.shape, kind, raw, headers
        )
    return shaped


async def handle(request: web.Request) -> web.StreamResponse:
    """Forward one request upstream and stream the answer back (issue 13)."""
    app = request.app
    started = time.perf_counter()
    app[BUSY].count += 1
    try:
        return await _handle(request, started)
    finally:
        app[BUSY].count -= 1


async def _handle(request: web.Request, started: float) -> web.StreamResponse:
    """:func:`handle`'s work."""
    app = request.app
    config = app[CONFIG]
    route = route_of(request.method, request.path, request.headers, config)
    raw = await request.read()
    shaped = await _shaped(app, route.kind, raw, request.headers) if route.kind else None
    shaped = shaped or Shaped.untouched(raw)
    url = route.base + request.raw_path
    status = 0
    tap: UsageTap | None = None
    cut: str | None = None
    try:
        async with app[SESSION].request(
            request.method,
            url,
            headers=_forward_headers(request.headers, shaped),
            data=shaped.body if shaped.body or request.body_exists else None,
            allow_redirects=False,
            skip_auto_headers=_NO_AUTO,
        ) as upstream:
            status = upstream.status
            if route.kind is not None:
                tap = _tap(upstream)
            response, cut = await _stream(request, upstream, tap)
            return response
    except aiohttp.ClientError as e:  # before any byte of the response: a 502
        status = 502
        return _unreachable(route, e)
    except asyncio.CancelledError:  # the client left while the upstream had not answered
        cut = "the client left"
        raise
    finally:
        usage = tap.close() if tap is not None else None
        app[STATS].record(route.kind, shaped, usage)
        if route.kind is not None or status >= 500 or cut:
            line = _log_line(request.method, request.path, status, shaped, usage, started)
            app[LOG](line if cut is None else f"{line} stream cut: {cut}")


def _log_line(
    method: str,
    path: str,
    status: int,
    shaped: Shaped,
    usage: object,
    started: float,
) -> str:
    """One line per request: route, status, mode, key prefix, tokens and cached share."""
    parts = [f"prefixlib serve: {method} {path} {status or '-'}", f"mode={shaped.mode}"]
    if shaped.key is not None:
        parts.append(f"key={shaped.key[:16]}")
    if shaped.reason is not None:
        parts.append(f"passed through: {shaped.reason}")
    if isinstance(usage, Usage):
        parts.append(
            f"input={usage.input_tokens} cached={usage.cached_tokens} "
            f"({100 * usage.cached_share:.1f}%)"
        )
    parts.append(f"{time.perf_counter() - started:.3f}s")
    if shaped.divergence is not None:
        parts.append(f"diverges: {shaped.divergence}")
    return " ".join(parts)


async def stats_endpoint(request: web.Request) -> web.Response:
    """``GET /prefixlib/stats``: totals per key as JSON."""
    return web.json_response(request.app[STATS].snapshot(), dumps=_dumps)


async def metrics_endpoint(request: web.Request) -> web.Response:
    """``GET /metrics``: the totals in the Prometheus text format."""
    body, content_type = request.app[STATS].prometheus()
    return web.Response(body=body, headers={"Content-Type": content_type})


def _dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def make_app(
    config: ServeConfig,
    *,
    policy: Policy | None = None,
    log: Callable[[str], None] = _stderr,
    shape_threads: int = 1,
) -> web.Application:
    """The proxy as an aiohttp application (its client session opens and closes with it).

    ``shape_threads`` threads canonicalise new prefixes off the event loop (0: on it, one
    request after another, as ``benchmarks/serve_latency.py`` compares).
    """
    app = web.Application(client_max_size=1 << 30)
    app[CONFIG] = config
    app[SHAPER] = Shaper(config, policy=policy)
    app[STATS] = Stats()
    app[LOG] = log
    app[POOL] = None
    app[BUSY] = InFlight()

    async def session(app: web.Application) -> AsyncIterator[None]:
        app[SESSION] = aiohttp.ClientSession(
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(
                total=None, connect=config.connect_timeout, sock_read=None
            ),
        )
        if shape_threads:
            app[POOL] = ThreadPoolExecutor(shape_threads, thread_name_prefix="prefixlib-shape")
        yield
        await app[SESSION].close()
        pool = app[POOL]
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    app.cleanup_ctx.append(session)
    app.router.add_get("/prefixlib/stats", stats_endpoint)
    app.router.add_get("/metrics", metrics_endpoint)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def start(
    app: web.Application, *, host: str, port: int, shutdown_timeout: float = 10.0
) -> tuple[web.AppRunner, int]:
    """Start serving ``app`` on ``host:port``; return the runner and the port bound."""
    runner = web.AppRunner(
        app,
        auto_decompress=False,  # request bodies are forwarded as the client encoded them
        handler_cancellation=True,  # a client that disconnects cancels the upstream request
        access_log=None,
        shutdown_timeout=shutdown_timeout,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:  # the address is taken, or the start was cancelled: close the session
        await runner.cleanup()
        raise
    return runner, int(runner.addresses[0][1])
