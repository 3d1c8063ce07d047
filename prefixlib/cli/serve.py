"""``prefixlib serve``: run the loopback proxy (issue 13; README "prefixlib serve").

Options come from the command line over the config file's ``[serve]`` table over the defaults.
On start it prints ``prefixlib serve: listening on http://HOST:PORT`` to stderr, flushed, before
it accepts a connection, so scripts can read the port; Ctrl-C (or SIGTERM) stops it, letting
in-flight streams finish for a few seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from prefixlib.cli._common import EXIT_OK, add_policy_arguments, config, fail

__all__ = ["register"]

_SNIPPETS = {
    "codex": """\
# ~/.codex/config.toml: Codex sends its requests through prefixlib serve
model_provider = "prefixlib"

[model_providers.prefixlib]
name = "OpenAI via prefixlib serve"
base_url = "{url}/v1"
wire_api = "responses"
supports_websockets = false
env_key = "OPENAI_API_KEY"
""",
    "claude": """\
# Claude Code sends its requests through prefixlib serve
export ANTHROPIC_BASE_URL={url}
""",
}


def register(commands: Any) -> None:
    """Add the ``serve`` subcommand."""
    parser = commands.add_parser(
        "serve",
        help="run a loopback proxy that gives agent sessions of one project one cache key",
        description="Forward OpenAI and Anthropic API requests to the provider, setting the "
        "cache key of the canonical stable prefix (key mode) or rewriting the prefix "
        "(canonical mode). Settings also come from the [serve] table of the config file.",
    )
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, metavar="N", help="port to listen on, 0 for a free one (8787)"
    )
    parser.add_argument("--openai-upstream", metavar="URL", help="OpenAI API base URL")
    parser.add_argument("--anthropic-upstream", metavar="URL", help="Anthropic API base URL")
    parser.add_argument(
        "--mode",
        choices=("key", "canonical", "off"),
        help="what to do to model requests, on every route (default: key for OpenAI, "
        "canonical for Anthropic)",
    )
    parser.add_argument(
        "--shards", type=int, metavar="N", help="spread one prefix over N cache keys"
    )
    parser.add_argument(
        "--key-header", metavar="NAME", help="also set this request header to the key"
    )
    parser.add_argument(
        "--default-upstream",
        choices=("openai", "anthropic"),
        help="where a request that names neither API goes, such as Claude Code's HEAD / "
        "(default openai)",
    )
    parser.add_argument(
        "--print-config",
        choices=("codex", "claude"),
        help="print the client setup that points it at this proxy, and exit",
    )
    add_policy_arguments(
        parser,
        verbose="say which config file is used, and log where a prefix first differs "
        "from the previous one with its key",
    )
    parser.set_defaults(run=run)


def _settings(args: argparse.Namespace, table: Mapping[str, Any], source: str) -> Any:
    """The ServeConfig: defaults, then the ``[serve]`` table, then the command line."""
    from prefixlib.serve.config import ServeConfig

    flags: dict[str, Any] = {
        name: getattr(args, name)
        for name in (
            "host",
            "port",
            "openai_upstream",
            "anthropic_upstream",
            "mode",
            "shards",
            "key_header",
            "default_upstream",
        )
        if getattr(args, name) is not None
    }
    if args.verbose:
        flags["verbose"] = True
    try:
        settings = ServeConfig().with_table(table, source=source)
        return settings.with_table(flags, source="command line")
    except ValueError as e:
        message = str(e)
        flag = "command line: [serve] "
        if message.startswith(flag):  # name the option as the user typed it
            name, _, reason = message[len(flag) :].partition(": ")
            message = f"--{name.replace('_', '-')}: {reason}"
        fail(message)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted, or print a client's setup snippet."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        fail("prefixlib serve needs its extra: pip install 'prefixlib[serve]'")
    used = config(args)
    settings = _settings(args, used.section("serve"), str(used.path))
    if args.print_config:
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        sys.stdout.write(_SNIPPETS[args.print_config].format(url=f"http://{host}:{settings.port}"))
        return EXIT_OK
    import asyncio  # here, not at the top: every other command starts 30 ms sooner

    asyncio.run(_serve(settings, used.policy))
    return EXIT_OK


async def _serve(settings: Any, used_policy: Any) -> None:
    """Start, announce the address, wait for SIGINT/SIGTERM, stop gracefully."""
    import asyncio

    from prefixlib.serve.proxy import make_app, start

    app = make_app(settings, policy=used_policy)
    try:
        runner, port = await start(app, host=settings.host, port=settings.port)
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        fail(f"cannot listen on {settings.host}:{settings.port}: {reason}")
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"prefixlib serve: listening on http://{host}:{port}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        print("prefixlib serve: stopping", file=sys.stderr, flush=True)
        await runner.cleanup()
