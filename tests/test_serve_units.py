"""The pure parts of prefixlib serve: the raw JSON edit, the usage tap, the [serve] table."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("aiohttp", reason="prefixlib serve needs the serve extra (aiohttp)")

from prefixlib.serve.config import ServeConfig
from prefixlib.serve.rawjson import set_top_level_string
from prefixlib.serve.usage import Usage, UsageTap, usage_of

RAW_CASES = [
    # (body, expected) with prompt_cache_key set to "K"
    (b'{"a":1,"prompt_cache_key":"t-1","b":2}', b'{"a":1,"prompt_cache_key":"K","b":2}'),
    (b'{ "prompt_cache_key" : null }', b'{ "prompt_cache_key" : "K" }'),
    (
        b'{"a":"x\\"prompt_cache_key\\":1","b":2}',
        b'{"a":"x\\"prompt_cache_key\\":1","b":2,"prompt_cache_key":"K"}',
    ),
    (
        b'{"n":{"prompt_cache_key":"inner"}}',
        b'{"n":{"prompt_cache_key":"inner"},"prompt_cache_key":"K"}',
    ),
    (b"{}", b'{"prompt_cache_key":"K"}'),
    (b'{"a": [1, {"b": "}"}] }\n', b'{"a": [1, {"b": "}"}],"prompt_cache_key":"K" }\n'),
    (
        b'{"prompt_cache_key":"a","prompt_cache_key":"b"}',
        b'{"prompt_cache_key":"K","prompt_cache_key":"K"}',
    ),
    (b'{"prompt_\\u0063ache_key":"t"}', b'{"prompt_\\u0063ache_key":"K"}'),
    (
        b'{"x":"\xc3\xa9\\\\","prompt_cache_key":"t"}',
        b'{"x":"\xc3\xa9\\\\","prompt_cache_key":"K"}',
    ),
    # the top-level name spelled with an escape, and a nested one with the same value
    (
        b'{"m":{"prompt_cache_key":"t"},"prompt_\\u0063ache_key":"t"}',
        b'{"m":{"prompt_cache_key":"t"},"prompt_\\u0063ache_key":"K"}',
    ),
    (
        b'{"s":"\\"prompt_cache_key\\": 1","prompt_cache_key": "t" }',
        b'{"s":"\\"prompt_cache_key\\": 1","prompt_cache_key": "K" }',
    ),
]


@pytest.mark.parametrize("given_parsed", [False, True], ids=["scan", "find"])
@pytest.mark.parametrize(("body", "expected"), RAW_CASES)
def test_set_top_level_string_changes_only_that_value(
    body: bytes, expected: bytes, given_parsed: bool
) -> None:
    parsed = json.loads(body) if given_parsed else None
    out = set_top_level_string(body, "prompt_cache_key", "K", parsed=parsed)
    assert out == expected
    assert json.loads(out)["prompt_cache_key"] == "K"


@pytest.mark.parametrize("body", [b"[1]", b'"s"', b'{"a":1', b'{"a" 1}', b""])
def test_set_top_level_string_refuses_what_is_not_an_object(body: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - one error type, several messages
        set_top_level_string(body, "prompt_cache_key", "K")


def _events(*events: dict[str, object]) -> bytes:
    return b"".join(b"event: x\ndata: " + json.dumps(e).encode() + b"\n\n" for e in events)


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (
            _events(
                {"type": "response.created", "response": {"usage": None}},
                {
                    "type": "response.completed",
                    "response": {
                        "usage": {
                            "input_tokens": 11749,
                            "input_tokens_details": {"cached_tokens": 6400},
                        }
                    },
                },
            ),
            Usage(11749, 6400),
        ),
        (
            _events(
                {
                    "type": "message_start",
                    "message": {
                        "usage": {
                            "input_tokens": 10,
                            "cache_creation_input_tokens": 90,
                            "cache_read_input_tokens": 900,
                        }
                    },
                },
                {"type": "message_delta", "usage": {"output_tokens": 5}},
            ),
            Usage(1000, 900),
        ),
        (
            _events(
                {
                    "choices": [],
                    "usage": {"prompt_tokens": 50, "prompt_tokens_details": {"cached_tokens": 0}},
                }
            )
            + b"data: [DONE]\n\n",
            Usage(50, 0),
        ),
        (_events({"type": "response.output_text.delta", "delta": "no usage here"}), None),
    ],
)
def test_usage_tap_reads_streams_in_any_chunking(stream: bytes, expected: Usage | None) -> None:
    for size in (1, 7, 64, len(stream)):
        tap = UsageTap(sse=True)
        for i in range(0, len(stream), size):
            tap.feed(stream[i : i + size])
        assert tap.close() == expected


def test_usage_of_a_json_body() -> None:
    tap = UsageTap(sse=False)
    body = json.dumps({"usage": {"input_tokens": 7, "input_tokens_details": {"cached_tokens": 3}}})
    tap.feed(body[:5].encode())
    tap.feed(body[5:].encode())
    assert tap.close() == Usage(7, 3)
    assert usage_of({"usage": "nonsense"}) is None
    assert Usage(0, 0).cached_share == 0.0


def test_serve_table_and_its_errors() -> None:
    config = ServeConfig().with_table(
        {"port": 0, "mode": "canonical", "openai-upstream": "http://127.0.0.1:1/", "shards": 4},
        source="p.toml",
    )
    assert (config.port, config.openai_mode, config.anthropic_mode) == (0, "canonical", "canonical")
    assert config.openai_upstream == "http://127.0.0.1:1"
    assert config.shards == 4
    with pytest.raises(ValueError, match=r"^p\.toml: \[serve\] colour: unknown setting$"):
        ServeConfig().with_table({"colour": 1}, source="p.toml")
    with pytest.raises(ValueError, match=r"\[serve\] mode: expected one of key, canonical, off"):
        ServeConfig().with_table({"mode": "fast"}, source="p.toml")
    with pytest.raises(ValueError, match=r"\[serve\] port: invalid value 70000"):
        ServeConfig().with_table({"port": 70000}, source="p.toml")


_leaf = st.one_of(st.none(), st.integers(), st.text(alphabet='ab"\\{}[]:, \u00e9'), st.booleans())
_names = st.sampled_from(["prompt_cache_key", "a", "b", 'q"', "\\"])
_json = st.recursive(
    _leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_names, inner, max_size=3),
    max_leaves=12,
)


@given(
    top=st.dictionaries(_names, _json, max_size=5),
    indent=st.sampled_from([None, 1]),
    ascii_only=st.booleans(),
)
def test_set_top_level_string_fast_and_scan_agree(
    top: dict[str, object], indent: int | None, ascii_only: bool
) -> None:
    data = json.dumps(top, indent=indent, ensure_ascii=ascii_only).encode()
    scanned = set_top_level_string(data, "prompt_cache_key", "K")
    assert set_top_level_string(data, "prompt_cache_key", "K", parsed=top) == scanned
    after = json.loads(scanned)
    assert after.pop("prompt_cache_key") == "K"
    top.pop("prompt_cache_key", None)
    assert after == top


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("same", "same", None), ("abc", "abd", 2), ("ab", "abc", 2), ("", "x", 0), ("xa", "ya", 0)],
)
def test_first_difference(a: str, b: str, expected: int | None) -> None:
    from prefixlib.serve.shape import _first_difference

    assert _first_difference(a, b) == expected
    assert _first_difference(b, a) == expected


@pytest.mark.parametrize(
    ("method", "path", "headers", "default", "expected"),
    [
        ("POST", "/v1/responses", {"authorization": "Bearer k"}, "openai", ("openai", "responses")),
        ("POST", "/v1/chat/completions", {}, "anthropic", ("openai", "chat")),
        ("POST", "/v1/messages", {"x-api-key": "k"}, "openai", ("anthropic", "messages")),
        ("POST", "/v1/messages/count_tokens", {}, "openai", ("anthropic", None)),
        ("GET", "/v1/models", {"anthropic-version": "2023-06-01"}, "openai", ("anthropic", None)),
        ("GET", "/v1/models", {"authorization": "Bearer k"}, "anthropic", ("openai", None)),
        ("GET", "/v1/responses", {}, "anthropic", ("openai", None)),
        ("HEAD", "/", {"user-agent": "Bun/1.4.0"}, "openai", ("openai", None)),
        ("HEAD", "/", {"user-agent": "Bun/1.4.0"}, "anthropic", ("anthropic", None)),
    ],
)
def test_route_of(
    method: str, path: str, headers: dict[str, str], default: str, expected: tuple[str, str]
) -> None:
    from prefixlib.serve.proxy import route_of

    config = ServeConfig(
        openai_upstream="http://o",
        anthropic_upstream="http://a",
        default_upstream=default,  # type: ignore[arg-type]
    )
    route = route_of(method, path, headers, config)
    assert (route.upstream, route.kind) == expected
    assert route.base == f"http://{expected[0][0]}"


def _responses_body(tools: list[object], turn: str = "say ok") -> bytes:
    request = {
        "model": "m",
        "instructions": "You are a coding agent. Today is 2026-11-30.",
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": turn}]}
        ],
        "tools": tools,
        "prompt_cache_key": "thread-1",
    }
    return json.dumps(request).encode()


def _tool(value: object) -> dict[str, object]:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "default": value}}}
    return {"type": "function", "name": "f", "description": "d", "parameters": schema}


def test_key_cache_answers_a_seen_prefix_quickly_and_as_cache_key_does() -> None:
    from prefixlib import adapters
    from prefixlib.pipeline import cache_key
    from prefixlib.serve.shape import Shaper

    shaper = Shaper(ServeConfig())
    first = _responses_body([_tool(1)])
    assert shaper.shape_quick("responses", first, {}) is None  # a new prefix: canonicalise
    shaped = shaper.shape("responses", first, {})
    later = _responses_body([_tool(1)], turn="and now the tests")
    quick = shaper.shape_quick("responses", later, {})  # the same prefix, a later turn
    assert quick is not None
    assert quick.key == shaped.key == cache_key(**adapters.split(json.loads(later)).layers)
    assert quick.body == set_top_level_string(later, "prompt_cache_key", str(shaped.key))
    broken = shaper.shape_quick("chat", b"{", {})  # passed through at once, with the reason
    assert broken is not None
    assert broken.body == b"{"
    assert broken.reason is not None
    assert broken.reason.startswith("invalid JSON")


@given(st.lists(st.sampled_from([1, 1.0, True, "1", None, 0, -0.0, 0.0, False, "", []])))
def test_key_cache_never_gives_a_wrong_key(values: list[object]) -> None:
    from prefixlib import adapters
    from prefixlib.pipeline import cache_key
    from prefixlib.serve.shape import Shaper

    shaper = Shaper(ServeConfig())
    for value in values:  # values equal in Python (1 == 1.0 == True) are different tools
        body = _responses_body([_tool(value)])
        expected = cache_key(**adapters.split(json.loads(body)).layers)
        shaped = shaper.shape_quick("responses", body, {}) or shaper.shape("responses", body, {})
        assert shaped.key == expected


def test_key_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    from prefixlib.serve.shape import KeyCache

    cache = KeyCache(policy=None, size=2)
    digests = [KeyCache.digest({"base": text}) for text in ("a", "b", "c")]
    assert None not in digests
    assert len(set(digests)) == 3
    a, b, c = (d for d in digests if d is not None)
    cache.put(a, "ka")
    cache.put(b, "kb")
    assert cache.get(a) == "ka"  # now b is the least recently used
    cache.put(c, "kc")
    assert (cache.get(a), cache.get(b), cache.get(c)) == ("ka", None, "kc")
    assert KeyCache.digest({"base": "x", "project": ""}) != KeyCache.digest({"base": "x"})
    assert KeyCache.digest({"base": "\ud800"}) is None  # a lone surrogate: never cached


def test_shape_quick_defers_canonical_mode_and_answers_off() -> None:
    from prefixlib.serve.shape import Shaper

    body = _responses_body([])
    assert Shaper(ServeConfig(openai_mode="canonical")).shape_quick("responses", body, {}) is None
    off = Shaper(ServeConfig(openai_mode="off")).shape_quick("responses", body, {})
    assert off is not None
    assert off.body == body
