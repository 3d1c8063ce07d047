"""The adapters' output sent through the real ``openai`` and ``anthropic`` SDKs.

A loopback HTTP server (127.0.0.1, port 0, in a thread) records each request body and
answers with a minimal valid response, streaming or not, whose usage fields come from a
toy prompt cache: a request reads the longest prefix of its rendered prompt that an
earlier request wrote (OpenAI: under the same ``prompt_cache_key``, in 128-token blocks
from 1024 tokens; Anthropic: up to a ``cache_control`` breakpoint), 4 bytes a token.
The tests assert on what went over the wire.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from prefixlib import adapters
from tests import serve_support
from tests.test_adapters import capture

openai = pytest.importorskip("openai", reason="the test extra installs openai")
anthropic = pytest.importorskip("anthropic", reason="the test extra installs anthropic")

# The SDKs warn about models near their end of life; the test extra installs the newest SDK,
# whose list of such models grows, and the model names here only label the requests.
pytestmark = pytest.mark.filterwarnings(r"ignore:The model .* is deprecated:DeprecationWarning")

BLOCK = 128
MINIMUM = 1024


def _strip_ids(item: Any) -> Any:
    """An input item as the model sees it: ids are metadata, not prompt text."""
    return {k: v for k, v in item.items() if k != "id"} if isinstance(item, dict) else item


def render(path: str, body: dict[str, Any]) -> list[tuple[str, bool]]:
    """The prompt a provider would build from a body, as pieces in order, each with
    whether a ``cache_control`` breakpoint ends it."""
    dump = json.dumps
    if path.endswith("/messages"):
        pieces = [(dump(tool), "cache_control" in tool) for tool in body.get("tools", [])]
        system = body.get("system", [])
        blocks = [{"type": "text", "text": system}] if isinstance(system, str) else system
        pieces += [(dump(block), "cache_control" in block) for block in blocks]
        for message in body.get("messages", []):
            content = message["content"]
            if isinstance(content, str):
                content = [{"type": "text", "text": content}]
            pieces += [(message["role"], False)]
            pieces += [(dump(block), "cache_control" in block) for block in content]
        return pieces
    pieces = [(dump(body.get("tools", [])), False), (body.get("instructions") or "", False)]
    items = body.get("input", body.get("messages", []))
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    return pieces + [(dump(_strip_ids(item)), False) for item in items]


class Cache:
    """The toy prompt cache: prefixes written, by routing key."""

    def __init__(self) -> None:
        self.written: dict[str, set[str]] = {}
        self.lock = threading.Lock()

    def openai(self, key: str, prompt: str) -> tuple[int, int]:
        """(input tokens, cached tokens) of a prompt routed by ``key``."""
        with self.lock:
            seen = self.written.setdefault(key, set())
            best = 0
            for earlier in seen:
                n = 0
                for a, b in zip(earlier, prompt, strict=False):
                    if a != b:
                        break
                    n += 1
                best = max(best, n)
            seen.add(prompt)
        tokens = best // 4
        cached = tokens - tokens % BLOCK if tokens >= MINIMUM else 0
        return len(prompt) // 4, cached

    def anthropic(self, pieces: list[tuple[str, bool]]) -> tuple[int, int, int]:
        """(input, cache read, cache write) tokens: reads the longest breakpoint prefix
        written before, writes every breakpoint prefix."""
        text, ends = "", []
        for piece, mark in pieces:
            text += piece
            if mark:
                ends.append(len(text))
        with self.lock:
            seen = self.written.setdefault("anthropic", set())
            read = max((end for end in ends if text[:end] in seen), default=0)
            seen.update(text[:end] for end in ends)
        write = max(ends, default=0) - read
        return (len(text) - read - write) // 4, read // 4, write // 4


def _usage(path: str, body: dict[str, Any], cache: Cache) -> dict[str, Any]:
    pieces = render(path, body)
    if path.endswith("/messages"):
        fresh, read, write = cache.anthropic(pieces)
        return {
            "input_tokens": fresh,
            "output_tokens": 1,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
        }
    tokens, cached = cache.openai(body.get("prompt_cache_key") or "", "".join(p for p, _ in pieces))
    if path.endswith("/responses"):
        return {
            "input_tokens": tokens,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": 1,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": tokens + 1,
        }
    return {
        "prompt_tokens": tokens,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens": 1,
        "total_tokens": tokens + 1,
    }


#: The fake provider's answers (tests/serve_support.py), non-streamed and streamed, by path.
_ANSWERS: dict[str, tuple[Callable[..., Any], Callable[..., list[bytes]]]] = {
    "/responses": (serve_support.responses_json, serve_support.responses_events),
    "/chat/completions": (serve_support.chat_json, serve_support.chat_events),
    "/messages": (serve_support.messages_json, serve_support.messages_events),
}


def _answer(path: str, body: dict[str, Any], usage: dict[str, Any]) -> tuple[str, bytes]:
    """The response's content type and bytes: JSON, or with ``stream`` the events."""
    as_json, as_events = next(a for end, a in _ANSWERS.items() if path.endswith(end))
    model = body.get("model", "m")
    if body.get("stream"):
        return "text/event-stream", b"".join(as_events(model, usage))
    return "application/json", json.dumps(as_json(model, usage)).encode()


class Recorder(ThreadingHTTPServer):
    """A loopback provider that records each request: ``(path, body bytes, parsed body)``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, bytes, dict[str, Any]]] = []
        self.cache = Cache()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: Recorder
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the recorded requests, not a log."""

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.loads(raw)
        path = self.path.split("?", 1)[0]
        self.server.requests.append((path, raw, body))
        content_type, data = _answer(path, body, _usage(path, body, self.server.cache))
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.shutdown()
        recorder.server_close()
        thread.join(timeout=5)


@pytest.fixture
def openai_client(server: Recorder) -> Iterator[Any]:
    """An ``openai`` client of the recording server, closed after the test."""
    with openai.OpenAI(
        base_url=f"http://127.0.0.1:{server.port}/v1",
        api_key="test",
        max_retries=0,
        http_client=openai.DefaultHttpxClient(trust_env=False),
    ) as client:
        yield client


@pytest.fixture
def anthropic_client(server: Recorder) -> Iterator[Any]:
    """An ``anthropic`` client of the recording server, closed after the test."""
    with anthropic.Anthropic(
        base_url=f"http://127.0.0.1:{server.port}",
        api_key="test",
        max_retries=0,
        http_client=anthropic.DefaultHttpxClient(trust_env=False),
    ) as client:
        yield client


def call(create: Any, p: adapters.Prepared, *, stream: bool) -> Any:
    """Send ``p.request`` with ``create``; the usage the SDK parsed from the response."""
    kwargs = p.sdk_kwargs(create)
    kwargs["stream"] = stream
    kwargs["timeout"] = 30  # also lets anthropic send a large max_tokens without streaming
    result = create(**kwargs)
    if not stream:
        return result.usage
    usage = None
    for event in result:
        kind = getattr(event, "type", None)
        if kind == "response.completed":
            usage = event.response.usage
        elif kind == "message_start":  # Anthropic: the input usage comes first
            usage = event.message.usage
        elif kind is None and getattr(event, "usage", None) is not None:  # a chat chunk
            usage = event.usage
    return usage


# --- OpenAI Responses: the Codex captures ----------------------------------------------


def _prefix_of(body: dict[str, Any], bindings_at: int) -> str:
    """The stable prefix as the model sees it: tools, instructions, the items before the
    bindings without their ids, as JSON text."""
    items = [_strip_ids(item) for item in body["input"][:bindings_at]]
    return json.dumps([body.get("tools"), body.get("instructions"), items], ensure_ascii=False)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_codex_sessions_through_the_openai_sdk(
    server: Recorder, openai_client: Any, stream: bool
) -> None:
    client = openai_client
    raw = {name: capture(name) for name in ("codex-a", "codex-b")}
    before = copy.deepcopy(raw)
    prepared = {name: adapters.prepare(body, override=True) for name, body in raw.items()}
    usages = [call(client.responses.create, p, stream=stream) for p in prepared.values()]
    assert raw == before  # the callers' dicts are unchanged
    (path_a, _, a), (path_b, _, b) = server.requests
    assert path_a == path_b == "/v1/responses"
    pa, pb = prepared["codex-a"], prepared["codex-b"]
    assert a["prompt_cache_key"] == b["prompt_cache_key"] == pa.key == pb.key
    at = pa.split.boundary.index  # type: ignore[union-attr]
    assert _prefix_of(a, at) == _prefix_of(b, at)  # byte-identical stable prefixes
    assert "/home/alice/work/ledger" not in _prefix_of(a, at)
    bindings_a = a["input"][at]["content"][0]["text"]
    bindings_b = b["input"][at]["content"][0]["text"]
    assert "{{ROOT_1}} = /home/alice/work/ledger" in bindings_a
    assert "{{ROOT_1}} = /home/bob/src/ledger" in bindings_b
    assert "{{TIMEZONE_1}} = America/Los_Angeles" in bindings_b
    assert a["input"][-1] == raw["codex-a"]["input"][-1]  # the user's turn, last, unchanged
    assert b["input"][-1] == raw["codex-b"]["input"][-1]
    for name, sent in (("codex-a", a), ("codex-b", b)):
        for field, value in raw[name].items():  # nothing the adapter does not know is dropped
            if field not in ("input", "tools", "prompt_cache_key", "stream"):
                assert sent[field] == value, field
        assert [i.get("id") for i in sent["input"] if "id" in i] == [
            i["id"] for i in raw[name]["input"]
        ]
    assert usages[0].input_tokens_details.cached_tokens == 0
    assert usages[1].input_tokens_details.cached_tokens >= 4096  # B read what A wrote


def test_raw_codex_sessions_share_no_cache(openai_client: Any) -> None:
    """The baseline: the captures as sent, each keyed by its thread id, read nothing."""
    client = openai_client
    usages = []
    for name in ("codex-a", "codex-b"):
        body = capture(name)
        kwargs = adapters.sdk_kwargs(body, client.responses.create)
        usages.append(client.responses.create(**{**kwargs, "stream": False}).usage)
    assert [u.input_tokens_details.cached_tokens for u in usages] == [0, 0]


# --- OpenAI Chat Completions: two synthetic sessions -----------------------------------


def chat_session(user: str, cwd: str, date: str, session: str, order: int) -> dict[str, Any]:
    tools = [
        {
            "type": "function",
            "function": {
                "name": n,
                "description": f"the {n} tool " * 40,
                "parameters": {"type": "object"},
            },
        }
        for n in ("shell", "read_file", "apply_patch")
    ]
    base = "You are a coding agent. Follow the repository's conventions.\n" * 120
    return {
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": base + f"Today's date is {date}.\n"},
            {"role": "developer", "content": f"The writable roots are `{cwd}`."},
            {
                "role": "user",
                "content": f"# AGENTS.md instructions for {cwd}\n\n<INSTRUCTIONS>\nUse make.\n"
                "</INSTRUCTIONS>",
            },
            {"role": "user", "content": "list the files"},
        ],
        "tools": tools[order:] + tools[:order],
        "user": user,
        "metadata": {"session": session},
        "max_completion_tokens": 50,
    }


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_chat_sessions_through_the_openai_sdk(
    server: Recorder, openai_client: Any, stream: bool
) -> None:
    client = openai_client
    bodies = [
        chat_session("alice", "/home/alice/api", "2026-11-24", "s-1", 0),
        chat_session("bob", "/Users/bob/src/api", "2026-11-25", "s-2", 2),
    ]
    prepared = [adapters.prepare(body) for body in bodies]
    usages = [call(client.chat.completions.create, p, stream=stream) for p in prepared]
    (_, _, a), (_, _, b) = server.requests
    assert a["prompt_cache_key"] == b["prompt_cache_key"] == prepared[0].key
    assert json.dumps([a["tools"], a["messages"][:3]]) == json.dumps(
        [b["tools"], b["messages"][:3]]
    )
    assert a["messages"][3]["content"] == prepared[0].prefix.render_bindings()
    assert "{{ROOT_1}} = /Users/bob/src/api" in b["messages"][3]["content"]
    assert b["messages"][4] == bodies[1]["messages"][3]
    assert (a["user"], b["metadata"]) == ("alice", {"session": "s-2"})
    assert usages[1].prompt_tokens_details.cached_tokens > 0


# --- Anthropic Messages: the Claude Code captures and two synthetic sessions ------------


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_claude_capture_through_the_anthropic_sdk(
    server: Recorder, anthropic_client: Any, stream: bool
) -> None:
    client = anthropic_client
    raw = capture("claude-a")
    before = copy.deepcopy(raw)
    p = adapters.prepare(raw)
    call(client.messages.create, p, stream=stream)
    assert raw == before
    ((path, _, sent),) = server.requests
    assert path == "/v1/messages"
    for field, value in raw.items():
        if field not in ("system", "messages", "tools", "stream"):
            assert sent[field] == value, field
    blocks = sent["messages"][0]["content"]
    assert blocks[0]["cache_control"] == {"type": "ephemeral"}  # the end of the stable prefix
    assert blocks[1]["text"].startswith("<session_bindings>")
    assert "{{ROOT_1}} = /home/alice/work/ledger" in blocks[1]["text"]
    assert blocks[2] == raw["messages"][0]["content"][1]  # the prompt, unchanged
    assert sent["messages"][1:] == raw["messages"][1:]
    assert json.dumps(sent).count('"cache_control"') <= 4
    assert sorted(t["name"] for t in raw["tools"]) == [t["name"] for t in sent["tools"]]


def test_claude_sessions_through_the_anthropic_sdk(server: Recorder, anthropic_client: Any) -> None:
    """The two Claude Code sessions send one stable prefix; the second reads it cached."""
    client = anthropic_client
    prepared = [adapters.prepare(capture(name)) for name in ("claude-a", "claude-b")]
    usages = [call(client.messages.create, p, stream=True) for p in prepared]
    (_, _, a), (_, _, b) = server.requests
    assert prepared[0].key == prepared[1].key
    stable = [json.dumps([s["tools"], s["system"], s["messages"][0]["content"][0]]) for s in (a, b)]
    assert stable[0] == stable[1]
    assert "{{ROOT_1}} = /home/bob/src/ledger" in b["messages"][0]["content"][1]["text"]
    assert usages[0].cache_read_input_tokens == 0
    assert usages[1].cache_read_input_tokens > 4096


def messages_session(cwd: str, date: str, session: str, order: int) -> dict[str, Any]:
    tools = [
        {"name": n, "description": f"the {n} tool " * 60, "input_schema": {"type": "object"}}
        for n in ("Bash", "Read", "Edit")
    ]
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 50,
        "system": [
            {
                "type": "text",
                "text": "You are Claude Code.\n" * 200 + f"Working directory: {cwd}\n",
            },
        ],
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": f"<system-reminder>\nToday's date is {date}.\n</system-reminder>",
                    },
                    {"type": "text", "text": "say ok"},
                ],
            }
        ],
        "tools": tools[order:] + tools[:order],
        "metadata": {"user_id": session},
    }


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_messages_sessions_through_the_anthropic_sdk(
    server: Recorder, anthropic_client: Any, stream: bool
) -> None:
    client = anthropic_client
    bodies = [
        messages_session("/home/alice/api", "2026-11-24", "u-1", 0),
        messages_session("C:\\Users\\bob\\api", "2026-11-25", "u-2", 1),
    ]
    prepared = [adapters.prepare(body, ttl="1h") for body in bodies]
    usages = [call(client.messages.create, p, stream=stream) for p in prepared]
    (_, _, a), (_, _, b) = server.requests
    assert prepared[0].key == prepared[1].key
    stable = [json.dumps([s["tools"], s["system"], s["messages"][0]["content"][0]]) for s in (a, b)]
    assert stable[0] == stable[1]
    assert a["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert "C:\\Users\\bob\\api" in b["messages"][0]["content"][1]["text"]
    assert b["messages"][0]["content"][2] == {"type": "text", "text": "say ok"}
    assert b["metadata"] == {"user_id": "u-2"}
    assert usages[0].cache_creation_input_tokens > 0
    assert usages[1].cache_read_input_tokens == usages[0].cache_creation_input_tokens
