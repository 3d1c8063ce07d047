"""prefixlib serve's added latency: time to first byte and total, against a plain pass-through.

A fake upstream (a Responses SSE stream of 9 events, as Codex reads it) runs in its own
process; in front of it, each in its own process, a plain aiohttp pass-through proxy (the
baseline: the same library, no shaping) and ``prefixlib serve`` in each mode.  The client
sends a 48 KB Codex request (../shared/captures/raw/codex-a.body grown to 48 KB, or a
generated one of the same shape) to each in turn, 1 or 50 streams at once, and measures the
time to the first body byte and to the end of the stream.  Figures are medians over rounds of
the per-round difference to the baseline (paired samples); "seen prefix" changes only the
user's last turn (a later turn of a session: the prefix's key is known), "new prefix" changes
the project text in every request (a new session of a client seen before: it is canonicalised,
its base instructions, developer text and tools from the layer memo), "new client" the text of
every layer (the first session of a client never seen, 1 stream only).  ``--stages`` times
each step of key mode's shaping in process; ``--burst`` measures how late the events of
streams already flowing arrive while new requests come in (shaping on the loop or in a
thread).

Target (issue 13): added time to first byte < 2 ms at the median for a 48 KB request (memo hit
< 0.5 ms).  Nothing here asserts; it prints figures.

    python benchmarks/serve_latency.py [--quick] [--json PATH] [--stages | --burst]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, argument_parser, format_table, machine_line

SIZE = 48 * 1024
CAPTURE = REPO.parent / "shared" / "captures" / "raw" / "codex-a.body"


# -- the processes under test ----------------------------------------------------------------


def _events() -> bytes:
    events = [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ]
    out = [f"event: {e}\ndata: {json.dumps({'type': e, 'delta': 'ok'})}\n\n" for e in events]
    usage = {"input_tokens": 12000, "input_tokens_details": {"cached_tokens": 11904}}
    done = {"type": "response.completed", "response": {"usage": usage}}
    out.append(f"event: response.completed\ndata: {json.dumps(done)}\n\n")
    return "".join(out).encode()


async def upstream_handler(request: web.Request) -> web.StreamResponse:
    """The fake provider: reads the body, streams the events one write each."""
    await request.read()
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for event in _events().split(b"\n\n")[:-1]:
        await response.write(event + b"\n\n")
    await response.write_eof()
    return response


TICKS = 60
TICK = 0.005


async def ticker_handler(request: web.Request) -> web.StreamResponse:
    """A stream already flowing: one event every 5 ms, each with the time it was sent."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for _ in range(TICKS):
        await response.write(f"data: {time.monotonic()!r}\n\n".encode())
        await asyncio.sleep(TICK)
    await response.write_eof()
    return response


def plain_app(upstream: str) -> web.Application:
    """The baseline: an aiohttp pass-through with nothing else (no routing, no shaping)."""
    app = web.Application(client_max_size=1 << 26)

    async def session(app: web.Application) -> Any:
        app["session"] = aiohttp.ClientSession(auto_decompress=False)
        yield
        await app["session"].close()

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with request.app["session"].request(
            request.method, upstream + request.raw_path, headers=headers, data=body
        ) as up:
            response = web.StreamResponse(status=up.status)
            response.content_type = up.content_type
            await response.prepare(request)
            async for chunk in up.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response

    app.cleanup_ctx.append(session)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def serve_role(role: str, upstream: str, mode: str = "key") -> None:
    """Run the upstream or the plain proxy; print the port; serve until SIGTERM."""
    if role == "upstream":
        app = web.Application(client_max_size=1 << 26)
        app.router.add_get("/ticker", ticker_handler)
        app.router.add_route("*", "/{tail:.*}", upstream_handler)
    elif role == "inline":  # prefixlib serve shaping on the event loop, as before 0.1
        from prefixlib.serve.config import ServeConfig
        from prefixlib.serve.proxy import make_app

        config = ServeConfig(openai_upstream=upstream, openai_mode=mode)  # type: ignore[arg-type]
        app = make_app(config, log=lambda _: None, shape_threads=0)
    else:
        app = plain_app(upstream)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(main())


def spawn(args: list[str], *, serve: bool) -> tuple[subprocess.Popen[str], str]:
    """Start a process and read its address (prefixlib serve prints it on stderr)."""
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if serve else subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    stream = process.stderr if serve else process.stdout
    assert stream is not None
    line = stream.readline().strip()
    if serve:
        if " listening on " not in line:
            process.kill()
            raise SystemExit(f"prefixlib serve did not start: {line} {stream.read()[-2000:]}")
        url = line.rsplit(" ", 1)[-1]
        # the log lines go to a pipe nobody reads: drain it so the server never blocks
        threading.Thread(target=stream.read, daemon=True).start()
        return process, url
    return process, f"http://127.0.0.1:{int(line)}"


# -- the request bodies ----------------------------------------------------------------------


def base_request() -> dict[str, Any]:
    """A Codex request of 48 KB: the captured one grown, or a generated one of its shape."""
    if CAPTURE.is_file():
        request: dict[str, Any] = json.loads(CAPTURE.read_bytes())
    else:
        text = "You are a coding agent running in a terminal. " * 300
        request = {
            "model": "gpt-5-codex",
            "stream": True,
            "input": [
                {"type": "message", "role": "developer",
                 "content": [{"type": "input_text", "text": text}]},
                {"type": "message", "role": "user",
                 "content": [{"type": "input_text", "text": "# AGENTS.md instructions for "
                              "/home/alice/work/ledger\n\n<INSTRUCTIONS>\nRun the tests."
                              "\n</INSTRUCTIONS>"}]},
                {"type": "message", "role": "user",
                 "content": [{"type": "input_text", "text": "say ok"}]},
            ],
            "tools": [],
            "prompt_cache_key": "01a22a41-508f-7172-939d-e9dc13b2b10f",
        }  # fmt: skip
    part = _agents_part(request)
    grow = SIZE - len(json.dumps(request, ensure_ascii=False).encode())
    if grow > 0:
        part["text"] = part["text"].replace(
            "</INSTRUCTIONS>", "- Keep functions small.\n" * (grow // 25) + "</INSTRUCTIONS>"
        )
    return request


def _agents_part(request: dict[str, Any]) -> dict[str, Any]:
    for item in request["input"]:
        for part in item.get("content", []) if isinstance(item.get("content"), list) else []:
            if "<INSTRUCTIONS>" in part.get("text", ""):
                found: dict[str, Any] = part
                return found
    raise SystemExit("the request has no AGENTS.md part")


def turn(request: dict[str, Any], variant: int) -> bytes:
    """The request's bytes with the user's last turn changed: a prefix seen before."""
    item = request["input"][-1]
    saved = item["content"]
    item["content"] = [{"type": "input_text", "text": f"say ok {variant}"}]
    data = json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()
    item["content"] = saved
    return data


def body(request: dict[str, Any], variant: int | None, *, every_layer: bool = False) -> bytes:
    """The request's bytes; ``variant`` changes the project text (a new session of a client
    seen before: its base instructions, developer text and tools are known), and with
    ``every_layer`` the text of every item before it too (a client never seen)."""
    if variant is None:
        return json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()
    part = _agents_part(request)
    parts = [part]
    if every_layer:  # the first part of every item before the AGENTS.md one
        items = itertools.takewhile(lambda item: part not in item["content"], request["input"])
        parts += [item["content"][0] for item in items]
    saved = [p["text"] for p in parts]
    part["text"] = saved[0].replace("</INSTRUCTIONS>", f"Note {variant}.\n</INSTRUCTIONS>")
    for other, text in zip(parts[1:], saved[1:], strict=True):
        other["text"] = f"{text}\nRelease {variant}."
    data = json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()
    for p, text in zip(parts, saved, strict=True):
        p["text"] = text
    return data


#: The bodies measured: a later turn, a new session, the first session of a new client.
BODIES = ("seen prefix", "new prefix", "new client")


def variant(request: dict[str, Any], kind: str, counter: int) -> bytes:
    """A body of ``kind`` (one of :data:`BODIES`), distinct for each ``counter``."""
    if kind == "seen prefix":
        return turn(request, counter)
    return body(request, counter, every_layer=kind == "new client")


# -- in process: where the added time goes ---------------------------------------------------


STEPS = (
    "orjson.loads",
    "adapters.split",
    "cache_key (canonicalize, memo)",
    "KeyCache digest and lookup",
    "raw-bytes edit of prompt_cache_key",
    "Shaper.shape, all of it",
)


def stages(request: dict[str, Any], samples: int) -> None:
    """Per step of key mode's shaping, the median time in this process (no HTTP).

    The bodies are :data:`BODIES`: a later turn of a session (its prefix shaped before),
    a new session (the project text differs in every body), a new client (every text layer
    differs).
    """
    import orjson

    from prefixlib import adapters
    from prefixlib.pipeline import cache_key
    from prefixlib.serve.config import ServeConfig
    from prefixlib.serve.rawjson import set_top_level_string
    from prefixlib.serve.shape import Shaper

    headers = {"Content-Type": "application/json"}
    counter = iter(range(1, 1 << 30))
    rows = []
    for kind in BODIES:
        shaper = Shaper(ServeConfig())
        shaper.shape("responses", body(request, None), headers)  # the seen prefix's memo
        times: dict[str, list[float]] = {}
        for _ in range(samples):
            data = variant(request, kind, next(counter))
            laps = [time.perf_counter()]
            parsed = orjson.loads(data)
            laps.append(time.perf_counter())
            found = adapters.split(parsed)
            laps.append(time.perf_counter())
            key = cache_key(**found.layers)
            laps.append(time.perf_counter())
            digest = shaper.keys.digest(found.layers)
            if digest is not None:
                shaper.keys.get(digest)
            laps.append(time.perf_counter())
            set_top_level_string(data, "prompt_cache_key", key, parsed=parsed)
            laps.append(time.perf_counter())
            if kind != "seen prefix":  # a fresh prefix for the whole path
                data = variant(request, kind, next(counter))
            laps.append(time.perf_counter())
            shaper.shape("responses", data, headers)
            laps.append(time.perf_counter())
            spans = [end - start for start, end in itertools.pairwise(laps)]
            del spans[5]  # making the body is not timed
            for name, span in zip(STEPS, spans, strict=True):
                times.setdefault(name, []).append(span)
        for name, values in times.items():
            rows.append((kind, name, f"{1e6 * statistics.median(values):.0f}"))
    print(f"key mode, {len(body(request, None))} byte body, medians of {samples} samples")
    print(format_table(("prefix", "step", "median us"), rows, left=2))


# -- the client ------------------------------------------------------------------------------


async def one(session: aiohttp.ClientSession, url: str, data: bytes) -> tuple[float, float]:
    """Time to the first body byte and to the end of the stream, in seconds."""
    started = time.perf_counter()
    async with session.post(
        url + "/v1/responses",
        data=data,
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    ) as response:
        await response.content.readany()
        first = time.perf_counter() - started
        while await response.content.readany():
            pass
        return first, time.perf_counter() - started


async def measure(
    targets: dict[str, str], request: dict[str, Any], *, streams: int, rounds: int, kind: str
) -> dict[str, dict[str, list[float]]]:
    """Per target, the per-round medians of first-byte and total times."""
    out: dict[str, dict[str, list[float]]] = {name: {"first": [], "total": []} for name in targets}
    counter = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        names = list(targets)
        for name in names:  # warm up connections and memo
            await asyncio.gather(
                *(one(session, targets[name], body(request, None)) for _ in range(streams))
            )
        for r in range(rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                datas = []
                for _ in range(streams):
                    counter += 1
                    datas.append(variant(request, kind, counter))
                results = await asyncio.gather(*(one(session, targets[name], d) for d in datas))
                out[name]["first"].append(statistics.median(f for f, _ in results))
                out[name]["total"].append(statistics.median(t for _, t in results))
    return out


async def ticks(session: aiohttp.ClientSession, url: str) -> list[tuple[float, float]]:
    """Each event of a ticker stream: when it was received and how late (seconds)."""
    out = []
    async with session.get(url + "/ticker") as response:
        async for line in response.content:
            if line.startswith(b"data: "):
                now = time.monotonic()
                out.append((now, now - float(line[6:])))
    return out


async def burst_lag(
    targets: dict[str, str], request: dict[str, Any], *, streams: int, rounds: int
) -> dict[str, dict[str, list[float]]]:
    """Per target and round: how late the events of 5 streams already flowing arrive while
    ``streams`` requests with new prefixes come in (median and 95th percentile lag, ms),
    and those requests' median time to first byte (ms)."""
    out: dict[str, dict[str, list[float]]] = {
        name: {"p50": [], "p95": [], "first": []} for name in targets
    }
    counter = 10**6
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        for name in targets:  # warm up connections
            await asyncio.gather(*(ticks(session, targets[name]) for _ in range(5)))
        for r in range(rounds):
            names = list(targets)
            for name in names[r % len(names) :] + names[: r % len(names)]:
                datas = []
                for _ in range(streams):
                    counter += 1
                    datas.append(body(request, counter))
                flowing = [asyncio.create_task(ticks(session, targets[name])) for _ in range(5)]
                await asyncio.sleep(10 * TICK)
                start = time.monotonic()
                results = await asyncio.gather(*(one(session, targets[name], d) for d in datas))
                end = time.monotonic()
                lags = [
                    lag
                    for events in await asyncio.gather(*flowing)
                    for at, lag in events
                    if start <= at <= end + TICK
                ]
                lags.sort()
                out[name]["p50"].append(1000 * statistics.median(lags or [0.0]))
                out[name]["p95"].append(1000 * (lags[int(0.95 * len(lags))] if lags else 0.0))
                out[name]["first"].append(1000 * statistics.median(f for f, _ in results))
    return out


def run_burst(quick: bool) -> None:
    """Streams already flowing while new requests arrive: shaping on the loop or off it."""
    rounds = 3 if quick else 10
    processes: list[subprocess.Popen[str]] = []
    try:
        up, upstream = spawn([sys.executable, __file__, "--role", "upstream"], serve=False)
        processes.append(up)
        targets: dict[str, str] = {}
        for role in ("plain", "inline"):
            process, url = spawn(
                [sys.executable, __file__, "--role", role, "--upstream", upstream], serve=False
            )
            processes.append(process)
            targets["plain" if role == "plain" else "serve key, shaping on the loop"] = url
        process, url = spawn(
            [sys.executable, "-m", "prefixlib", "serve", "--no-config", "--port", "0",
             "--openai-upstream", upstream, "--mode", "key"],
            serve=True,
        )  # fmt: skip
        processes.append(process)
        targets["serve key, shaping in a thread"] = url
        request = base_request()
        rows = []
        for streams in (1, 50):
            samples = asyncio.run(burst_lag(targets, request, streams=streams, rounds=rounds))
            for name in targets:
                rows.append(
                    (
                        streams,
                        name,
                        *(f"{statistics.median(samples[name][k]):.1f}" for k in ("p50", "p95")),
                        f"{statistics.median(samples[name]['first']):.1f}",
                    )
                )
    finally:
        stop(processes)
    print(machine_line())
    print(f"5 streams flowing (an event every {1000 * TICK:.0f} ms) while N requests with new")
    print(f"prefixes arrive; medians over {rounds} rounds")
    headers = ("N new", "proxy", "flowing lag p50 ms", "flowing lag p95 ms", "new TTFB ms")
    print(format_table(headers, rows, left=2))


def stop(processes: list[subprocess.Popen[str]]) -> None:
    """Stop the processes started (SIGINT for prefixlib serve: its clean shutdown)."""
    for process in processes:
        process.send_signal(signal.SIGTERM if process.args[1] == __file__ else signal.SIGINT)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def added(samples: dict[str, dict[str, list[float]]], name: str, what: str) -> float:
    """Median over rounds of (target - baseline), in milliseconds."""
    pairs = zip(samples[name][what], samples["plain"][what], strict=True)
    return 1000 * statistics.median(a - b for a, b in pairs)


def run(quick: bool, json_path: str | None) -> None:
    rounds = 5 if quick else 30
    processes: list[subprocess.Popen[str]] = []
    try:
        up, upstream = spawn([sys.executable, __file__, "--role", "upstream"], serve=False)
        processes.append(up)
        plain, plain_url = spawn(
            [sys.executable, __file__, "--role", "plain", "--upstream", upstream], serve=False
        )
        processes.append(plain)
        targets = {"plain": plain_url}
        for mode in ("off", "key", "canonical"):
            process, url = spawn(
                [sys.executable, "-m", "prefixlib", "serve", "--no-config", "--port", "0",
                 "--openai-upstream", upstream, "--mode", mode],
                serve=True,
            )  # fmt: skip
            processes.append(process)
            targets[f"serve {mode}"] = url
            if mode != "off":  # the same with shaping on the event loop (shape_threads=0)
                process, url = spawn(
                    [sys.executable, __file__, "--role", "inline", "--upstream", upstream,
                     "--mode", mode],
                    serve=False,
                )  # fmt: skip
                processes.append(process)
                targets[f"serve {mode}, on loop"] = url
        request = base_request()
        size = len(body(request, None))
        results: list[dict[str, Any]] = []
        for streams in (1, 50):
            for kind in BODIES if streams == 1 else BODIES[:2]:
                samples = asyncio.run(
                    measure(targets, request, streams=streams, rounds=rounds, kind=kind)
                )
                for name in targets:
                    if name == "plain":
                        continue
                    results.append(
                        {
                            "streams": streams,
                            "body": kind,
                            "target": name,
                            "plain_first_ms": 1000 * statistics.median(samples["plain"]["first"]),
                            "added_first_ms": added(samples, name, "first"),
                            "added_total_ms": added(samples, name, "total"),
                            "ratio_total": statistics.median(
                                a / b
                                for a, b in zip(
                                    samples[name]["total"], samples["plain"]["total"], strict=True
                                )
                            ),
                        }
                    )
    finally:
        stop(processes)
    if json_path:
        Path(json_path).write_text(
            json.dumps({"machine": machine_line(), "size": size, "rows": results}, indent=2) + "\n"
        )
    print(machine_line())
    source = "the captured Codex request" if CAPTURE.is_file() else "generated"
    print(f"request: {size} bytes ({source}), {rounds} rounds; medians of the per-round")
    print("differences to the plain aiohttp pass-through (paired samples)")
    rows = [
        (
            r["streams"],
            r["body"],
            r["target"],
            f"{r['plain_first_ms']:.2f}",
            f"{r['added_first_ms']:+.2f}",
            f"{r['added_total_ms']:+.2f}",
            f"{r['ratio_total']:.2f}",
        )
        for r in results
    ]
    headers = ("streams", "body", "proxy", "plain TTFB ms", "added TTFB ms", "added total ms",
               "total / plain")  # fmt: skip
    print(format_table(headers, rows, left=3))
    print("target: added TTFB < 2 ms at the median (seen prefix < 0.5 ms), 1 stream")


def main() -> None:
    parser = argument_parser(__doc__ or "", quick="5 rounds instead of 30")
    parser.add_argument(
        "--burst", action="store_true", help="lag of streams flowing while new requests arrive"
    )
    parser.add_argument(
        "--stages", action="store_true", help="time each step of key mode in process, no HTTP"
    )
    parser.add_argument("--role", choices=("upstream", "plain", "inline"), help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        serve_role(args.role, args.upstream or "", args.mode)
        return
    if args.burst:
        run_burst(args.quick)
        return
    if args.stages:
        stages(base_request(), 60 if args.quick else 400)
        return
    run(args.quick, args.json)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
