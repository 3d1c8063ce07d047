"""The provider adapters on request bodies: split, prepare, and the real captures.

The captures are the first requests of the Codex CLI and Claude Code, two sessions of one
project by two users (../shared/captures/README.md).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import prefixlib
from prefixlib import adapters
from prefixlib.adapters import LayerMap
from prefixlib.adapters.openai import MAX_KEY_LENGTH, shard_key
from tests.conftest import CAPTURES

REPO = Path(__file__).resolve().parents[1]


def capture(name: str) -> dict[str, Any]:
    """A captured request body; skips where ../shared/captures is absent."""
    path = CAPTURES / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"shared captures not found at {CAPTURES} (set PREFIXLIB_CAPTURES)")
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return body


BASE = "You are a careful assistant.\nToday's date is 2026-11-24.   \n\n\n\nBe brief.\n"
DEV = "Permissions: read-only. The writable roots are `/home/alice/api`."
AGENTS = (
    "# AGENTS.md instructions for /home/alice/api\n\n<INSTRUCTIONS>\nRun `make test`.\n"
    "</INSTRUCTIONS>"
)
ENV = (
    "<environment_context>\n  <cwd>/home/alice/api</cwd>\n"
    "  <current_date>2026-11-24</current_date>\n</environment_context>"
)
TOOLS_OPENAI = [
    {"type": "function", "name": "shell", "parameters": {"type": "object"}},
    {"type": "function", "name": "apply_patch", "parameters": {"type": "object"}},
]


def responses_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "gpt-5.6",
        "instructions": BASE,
        "input": [
            {
                "type": "message",
                "role": "developer",
                "id": "msg_1",
                "content": [{"type": "input_text", "text": DEV}],
            },
            {
                "type": "message",
                "role": "user",
                "id": "msg_2",
                "content": [
                    {"type": "input_text", "text": AGENTS},
                    {"type": "input_text", "text": ENV},
                ],
            },
            {
                "type": "message",
                "role": "user",
                "id": "msg_3",
                "content": [{"type": "input_text", "text": "fix the bug"}],
            },
        ],
        "tools": TOOLS_OPENAI,
        "store": False,
        "x_unknown": {"kept": [1, 2]},
    }
    body.update(over)
    return body


def chat_body() -> dict[str, Any]:
    return {
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": BASE},
            {"role": "developer", "content": DEV},
            {"role": "user", "content": AGENTS + "\n\n" + ENV},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "fix the bug"},
                    {"type": "image_url", "image_url": {"url": "data:,"}},
                ],
            },
        ],
        "tools": [
            {"type": "function", "function": {"name": n, "parameters": {}}} for n in ("b", "a")
        ],
        "max_completion_tokens": 100,
    }


def messages_body() -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "system": [
            {"type": "text", "text": "billing: v1"},
            {"type": "text", "text": BASE, "cache_control": {"type": "ephemeral"}},
        ],
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": "<system-reminder>\n" + AGENTS + "\n</system-reminder>",
                    },
                    {"type": "text", "text": "fix the bug", "cache_control": {"type": "ephemeral"}},
                ],
            }
        ],
        "tools": [{"name": n, "input_schema": {"type": "object"}} for n in ("zeta", "alpha")],
        "metadata": {"user_id": "u-1"},
    }


# --- split -----------------------------------------------------------------------------


def test_split_kinds_are_told_apart_by_fields() -> None:
    assert adapters.split(responses_body()).kind == "responses"
    assert adapters.split(chat_body()).kind == "chat"
    assert adapters.split(messages_body()).kind == "messages"
    assert adapters.kind_of({"messages": [], "max_tokens": 5}) == "messages"
    assert adapters.kind_of({"messages": [{"role": "tool", "content": "x"}]}) == "chat"
    with pytest.raises(prefixlib.PrefixlibError, match="not a model request"):
        adapters.split({"model": "x"})
    with pytest.raises(prefixlib.PrefixlibError, match="JSON object"):
        adapters.split([])  # type: ignore[arg-type]


def test_split_responses_layers() -> None:
    s = adapters.split(responses_body())
    assert s.layers["base"] == BASE
    assert s.layers["developer"] == DEV
    assert s.layers["project"] == AGENTS + f"\n\n{adapters.PART_SEPARATOR}\n\n" + ENV
    assert s.layers["tools"] == TOOLS_OPENAI
    assert s.boundary is not None
    assert (s.boundary.path, s.boundary.index) == (("input",), 2)


def test_split_chat_and_messages_layers() -> None:
    c = adapters.split(chat_body())
    assert (c.layers["base"], c.layers["developer"]) == (BASE, DEV)
    assert c.layers["project"] == AGENTS + "\n\n" + ENV
    m = adapters.split(messages_body())
    assert m.layers["base"] == f"billing: v1\n\n{adapters.PART_SEPARATOR}\n\n{BASE}"
    assert m.layers["project"].startswith("<system-reminder>")
    assert "developer" not in m.layers
    assert all("cache_control" not in tool for tool in m.layers["tools"])
    assert m.boundary is not None
    assert m.boundary.path == ("messages", 0, "content")


def test_first_developer_item_is_the_base_without_instructions() -> None:
    body = responses_body()
    del body["instructions"]
    body["input"].insert(
        0,
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": BASE}]},
    )
    s = adapters.split(body)
    assert (s.layers["base"], s.layers["developer"]) == (BASE, DEV)
    s = adapters.split(body, layer_map=LayerMap(first_as_base=False))
    assert "base" not in s.layers
    assert s.layers["developer"].startswith(BASE)


def test_project_markers_are_overridable() -> None:
    body = chat_body()
    body["messages"][2]["content"] = "<my_context>\ncwd: /home/alice/api\n</my_context>"
    assert "project" not in adapters.split(body).layers
    mapped = LayerMap(project_markers=(*adapters.DEFAULT_PROJECT_MARKERS, "<my_context>"))
    assert adapters.split(body, layer_map=mapped).layers["project"].startswith("<my_context>")


def test_conversation_after_the_first_turn_is_never_a_layer() -> None:
    body = responses_body()
    body["input"].append(
        {
            "type": "message",
            "role": "developer",
            "content": [{"type": "input_text", "text": "later"}],
        }
    )
    body["input"].append(
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": AGENTS}]}
    )
    s = adapters.split(body)
    assert "later" not in s.layers["developer"]
    assert s.layers["project"].count("AGENTS.md") == 1


# --- prepare ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [responses_body, chat_body, messages_body])
def test_prepare_never_mutates_and_key_is_split_key(make: Any) -> None:
    body = make()
    before = copy.deepcopy(body)
    p = adapters.prepare(body)
    assert body == before
    assert p.key == prefixlib.cache_key(**adapters.split(body).layers)
    assert p.layer_keys["tools"] == p.key


def test_prepare_responses_rewrites_the_prefix_and_adds_bindings() -> None:
    p = adapters.prepare(responses_body())
    r = p.request
    assert (
        r["instructions"]
        == "You are a careful assistant.\nToday's date is {{DATE_1}}.\n\nBe brief.\n"
    )
    items = r["input"]
    assert [item.get("id") for item in items] == ["msg_1", "msg_2", None, "msg_3"]
    assert items[1]["content"][0]["text"].startswith("# AGENTS.md instructions for {{ROOT_1}}\n")
    assert items[2]["content"][0]["text"] == p.prefix.render_bindings()
    assert "{{ROOT_1}} = /home/alice/api" in items[2]["content"][0]["text"]
    assert items[3] == responses_body()["input"][2]  # the user's turn, unchanged and last
    assert [t["name"] for t in r["tools"]] == ["apply_patch", "shell"]
    assert r["prompt_cache_key"] == p.key == p.prompt_cache_key
    assert r["x_unknown"] == {"kept": [1, 2]}
    assert r["store"] is False
    assert p.stable_prefix_bytes > 0


def test_per_session_fields_do_not_change_the_key() -> None:
    a = adapters.prepare(responses_body())
    other = responses_body(metadata={"thread": "t2"}, prompt_cache_key="thread-2")
    for i, item in enumerate(other["input"]):
        item["id"] = f"msg_other_{i}"
    b = adapters.prepare(other)
    assert a.key == b.key
    assert b.request["prompt_cache_key"] == "thread-2"  # the caller's, kept
    assert "kept the caller's prompt_cache_key" in b.notes[0]
    assert [item.get("id") for item in b.request["input"]][:2] == ["msg_other_0", "msg_other_1"]
    assert adapters.prepare(other, override=True).request["prompt_cache_key"] == a.key


def test_two_users_one_key_and_changed_text_another() -> None:
    bob = responses_body()
    bob["instructions"] = BASE.replace("2026-11-24", "2026-11-29")
    bob["input"][1]["content"][0]["text"] = AGENTS.replace("/home/alice/api", "/home/bob/src/api")
    bob["input"][1]["content"][1]["text"] = ENV.replace(
        "/home/alice/api", "/home/bob/src/api"
    ).replace("2026-11-24", "2026-11-29")
    bob["input"][0]["content"][0]["text"] = DEV.replace("/home/alice/api", "/home/bob/src/api")
    bob["tools"] = list(reversed(TOOLS_OPENAI))
    a, b = adapters.prepare(responses_body()), adapters.prepare(bob)
    assert a.key == b.key
    assert b.bindings["{{ROOT_1}}"] == "/home/bob/src/api"
    changed = responses_body(instructions=BASE + "Never push.\n")
    assert adapters.prepare(changed).key != a.key


def test_layer_option_and_shards() -> None:
    p = adapters.prepare(responses_body(), layer="developer")
    assert p.request["prompt_cache_key"] == p.layer_keys["developer"]
    keys = {
        adapters.prepare(responses_body(), shards=8, session=f"s{i}").request["prompt_cache_key"]
        for i in range(64)
    }
    assert {key.rsplit("_", 1)[0] for key in keys} == {p.key}
    assert len(keys) == 8  # 64 sessions spread over every one of 8 shards
    assert all(len(key) <= MAX_KEY_LENGTH for key in keys)
    assert shard_key(p.key, shards=8, session="s1") == shard_key(p.key, shards=8, session="s1")
    assert len(shard_key(p.key, shards=1_000_000, session="x")) <= MAX_KEY_LENGTH
    with pytest.raises(prefixlib.PrefixlibError, match="session"):
        adapters.prepare(responses_body(), shards=2)
    with pytest.raises(prefixlib.PrefixlibError, match="shards"):
        shard_key(p.key, shards=0, session="x")


def test_openai_breakpoint_and_cache_options() -> None:
    p = adapters.prepare(
        responses_body(), breakpoint=True, cache_mode="explicit", cache_ttl="12h", retention="24h"
    )
    env_block = p.request["input"][1]["content"][1]
    assert env_block["prompt_cache_breakpoint"] == {"mode": "explicit"}
    assert p.request["prompt_cache_options"] == {"mode": "explicit", "ttl": "12h"}
    assert p.request["prompt_cache_retention"] == "24h"
    chat = adapters.prepare(chat_body(), breakpoint=True, breakpoint_ttl="30m")
    project = chat.request["messages"][2]["content"]
    assert project == [
        {
            "type": "text",
            "text": project[0]["text"],
            "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"},
        }
    ]
    kept = adapters.prepare(responses_body(prompt_cache_options={"ttl": "30m"}), cache_ttl="12h")
    assert kept.request["prompt_cache_options"] == {"ttl": "30m"}


def test_chat_bindings_are_a_message_before_the_turn() -> None:
    p = adapters.prepare(chat_body())
    messages = p.request["messages"]
    assert messages[3] == {"role": "user", "content": p.prefix.render_bindings()}
    assert messages[4] == chat_body()["messages"][3]  # multimodal turn untouched
    assert [t["function"]["name"] for t in p.request["tools"]] == ["a", "b"]


def test_anthropic_breakpoint_tools_and_bindings() -> None:
    p = adapters.prepare(messages_body())
    r = p.request
    blocks = r["messages"][0]["content"]
    assert blocks[0]["cache_control"] == {"type": "ephemeral"}  # the end of the stable prefix
    assert blocks[1] == {"type": "text", "text": p.prefix.render_bindings()}
    assert blocks[2] == messages_body()["messages"][0]["content"][1]
    assert [t["name"] for t in r["tools"]] == ["alpha", "zeta"]
    assert r["system"][0] == {"type": "text", "text": "billing: v1\n"}
    assert r["metadata"] == {"user_id": "u-1"}


def test_anthropic_never_adds_a_fifth_breakpoint() -> None:
    body = messages_body()
    body["tools"][0]["cache_control"] = {"type": "ephemeral"}
    body["messages"].append(
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "ok", "cache_control": {"type": "ephemeral"}}],
        }
    )
    p = adapters.prepare(body)
    count = json.dumps(p.request).count('"cache_control"')
    assert count == 4
    assert "cache_control" not in p.request["messages"][0]["content"][0]
    assert any("already has 4" in note for note in p.notes)
    assert p.request["tools"][-1]["cache_control"] == {
        "type": "ephemeral"
    }  # moved to the last tool
    assert p.key == adapters.prepare(messages_body()).key  # cache_control is not content


def test_anthropic_ttl_ordering() -> None:
    p = adapters.prepare(messages_body(), ttl="1h")
    assert p.request["messages"][0]["content"][0]["cache_control"] == {
        "type": "ephemeral",
        "ttl": "1h",
    }
    assert p.request["system"][1]["cache_control"] == {
        "type": "ephemeral",
        "ttl": "1h",
    }  # before it
    assert p.request["messages"][0]["content"][2]["cache_control"] == {"type": "ephemeral"}  # after
    body = messages_body()
    body["messages"][0]["content"][1]["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
    q = adapters.prepare(body)
    assert q.request["messages"][0]["content"][0]["cache_control"]["ttl"] == "1h"
    with pytest.raises(prefixlib.PrefixlibError, match="ttl"):
        adapters.prepare(messages_body(), ttl="2h")


def test_string_system_and_content() -> None:
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 10,
        "system": BASE,
        "messages": [{"role": "user", "content": "hello"}],
    }
    p = adapters.prepare(body)
    assert p.request["system"] == [
        {"type": "text", "text": p.prefix.layers["base"], "cache_control": {"type": "ephemeral"}}
    ]
    assert p.request["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": p.prefix.render_bindings()}]},
        {"role": "user", "content": "hello"},
    ]


def test_responses_string_input_gets_bindings_first() -> None:
    p = adapters.prepare({"model": "gpt-5.6", "instructions": BASE, "input": "hi"})
    assert p.request["input"] == [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": p.prefix.render_bindings()}],
        },
        {"role": "user", "content": "hi"},
    ]


def test_separator_in_a_part_is_an_error() -> None:
    body = responses_body(instructions=f"a\n{adapters.PART_SEPARATOR}\nb")
    with pytest.raises(prefixlib.InputError, match="instructions: holds"):
        adapters.split(body)


# --- the captures ----------------------------------------------------------------------


def test_codex_captures_two_sessions_one_key() -> None:
    a, b = capture("codex-a"), capture("codex-b")
    pa, pb = adapters.prepare(a, override=True), adapters.prepare(b, override=True)
    assert pa.key == pb.key
    assert pa.request["prompt_cache_key"] == pa.key
    assert (
        adapters.split(a)
        .layers["base"]
        .startswith("You are a coding agent running in the Codex CLI")
    )
    for name in ("base", "developer", "project", "tools"):
        assert pa.prefix.layers[name] == pb.prefix.layers[name], name
    assert pa.bindings["{{ROOT_1}}"] == "/home/alice/work/ledger"
    assert pb.bindings["{{ROOT_1}}"] == "/home/bob/src/ledger"
    assert pa.request["input"][-1] == a["input"][-1]  # the prompt, unchanged and last
    assert pa.request["client_metadata"] == a["client_metadata"]
    assert [item["id"] for item in pa.request["input"] if "id" in item] == [
        item["id"] for item in a["input"]
    ]


def test_claude_captures_two_sessions_one_key() -> None:
    a, b = capture("claude-a"), capture("claude-b")
    pa, pb = adapters.prepare(a), adapters.prepare(b)
    s = adapters.split(a)
    assert s.layers["base"].startswith("x-anthropic-billing-header")
    assert s.layers["project"].startswith("<system-reminder>")
    assert pa.request["messages"][1] == a["messages"][1]  # the system message after the turn
    assert pa.prefix.layers["project"] == pb.prefix.layers["project"]
    assert pa.prefix.layers["tools"] == pb.prefix.layers["tools"]
    assert pa.bindings["{{DATE_1}}"] == "2026-11-30"
    assert pb.bindings["{{DATE_1}}"] == "2026-11-29"
    assert pa.key == pb.key
    for name in ("base", "developer", "project", "tools"):
        assert pa.prefix.layers[name] == pb.prefix.layers[name], name


# --- properties ------------------------------------------------------------------------

USERS = st.from_regex(r"[a-z][a-z0-9]{1,10}", fullmatch=True)
DATES = st.dates().map(lambda d: d.isoformat())


@settings(max_examples=30)
@given(
    users=st.tuples(USERS, USERS),
    dates=st.tuples(DATES, DATES),
    order=st.permutations(range(len(TOOLS_OPENAI))),
    ids=st.lists(st.text(min_size=1, max_size=12), min_size=3, max_size=3),
    make=st.sampled_from(["responses", "chat", "messages"]),
)
def test_sessions_differing_in_session_state_share_a_key(
    users: tuple[str, str], dates: tuple[str, str], order: list[int], ids: list[str], make: str
) -> None:
    """Two sessions that differ in user, checkout, date, item ids, metadata and tool order
    get one key; the bindings carry each session's values; a changed instruction changes it."""

    def session(user: str, date: str, tools: list[int], session_ids: list[str]) -> dict[str, Any]:
        cwd = f"/home/{user}/src/api"
        body = {"responses": responses_body, "chat": chat_body, "messages": messages_body}[make]()
        text = json.dumps(body).replace("/home/alice/api", cwd).replace("2026-11-24", date)
        out: dict[str, Any] = json.loads(text)
        out["metadata"] = {"user_id": session_ids[0]}
        if make == "responses":
            out["tools"] = [TOOLS_OPENAI[i] for i in tools]
            for item, item_id in zip(out["input"], session_ids, strict=True):
                item["id"] = item_id
        return out

    a = adapters.prepare(session(users[0], dates[0], list(range(len(order))), ids))
    b = adapters.prepare(session(users[1], dates[1], order, ids[::-1]))
    assert a.key == b.key
    assert f"/home/{users[1]}/src/api" in b.bindings.values()
    assert dates[1] in b.bindings.values()
    changed = session(users[0], dates[0], order, ids)
    if make == "responses":
        changed["instructions"] += "Never push to main.\n"
    elif make == "chat":
        changed["messages"][0]["content"] += "Never push to main.\n"
    else:
        changed["system"][1]["text"] += "Never push to main.\n"
    assert adapters.prepare(changed).key != a.key


def test_sdk_kwargs_puts_unknown_fields_in_extra_body() -> None:
    def create(
        *, model: str, input: Any = None, extra_body: Any = None, timeout: Any = None
    ) -> None:
        """An SDK method's signature."""

    p = adapters.prepare(responses_body())
    kwargs = p.sdk_kwargs(create)
    assert set(kwargs) == {"model", "input", "extra_body"}
    assert kwargs["extra_body"] == {
        name: p.request[name] for name in p.request if name not in ("model", "input")
    }


def test_anthropic_images_pass_through_and_start_the_conversation() -> None:
    body = messages_body()
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "AA=="},
    }
    body["messages"][0]["content"].insert(1, image)
    p = adapters.prepare(body)
    blocks = p.request["messages"][0]["content"]
    assert blocks[1]["text"].startswith("<session_bindings>")
    assert blocks[2] == image
    assert blocks[3] == body["messages"][0]["content"][2]


def test_codex_additional_tools_items_are_the_tools_layer() -> None:
    """With a catalog model Codex sends its tools in a leading ``additional_tools`` input
    item and an empty top-level ``tools``: they are the tools layer, sorted in place."""
    top = responses_body()
    item = {"type": "additional_tools", "tools": list(reversed(TOOLS_OPENAI))}
    moved = responses_body(tools=[{"type": "web_search"}])
    moved["input"].insert(0, item)
    s = adapters.split(moved)
    assert s.tools_paths == (("tools",), ("input", 0, "tools"))
    assert s.layers["developer"] == DEV  # the tools item is passed over, not a boundary
    p = adapters.prepare(moved)
    assert [t["name"] for t in p.request["input"][0]["tools"]] == ["apply_patch", "shell"]
    assert p.request["tools"] == [{"type": "web_search"}]
    assert p.request["input"][0]["type"] == "additional_tools"
    assert moved["input"][0] is item  # not mutated
    assert item["tools"] == list(reversed(TOOLS_OPENAI))
    only = responses_body(tools=[])
    only["input"].insert(0, {"type": "additional_tools", "tools": TOOLS_OPENAI})
    assert adapters.prepare(only).key == adapters.prepare(top).key
    codex = responses_body(tools=[])  # no instructions: the base prompt is the first message
    del codex["instructions"]
    codex["input"][0:0] = [
        {"type": "additional_tools", "tools": TOOLS_OPENAI},
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": BASE}]},
    ]
    assert adapters.split(codex).layers["base"] == BASE
    assert adapters.prepare(codex).key == adapters.prepare(top).key


@pytest.mark.parametrize("make", [responses_body, chat_body, messages_body])
def test_a_prepared_request_sent_again_is_prepared_the_same(make: Any) -> None:
    """A client that keeps ``p.request`` as its history: the next turn's request keeps the
    stable prefix and the bindings of the first, and its new turns come after them."""
    first = adapters.prepare(make())
    again = adapters.prepare(first.request)
    assert again.request == first.request
    assert again.key == first.key
    assert dict(again.bindings) == dict(first.bindings)
    assert prefixlib.cache_key(**adapters.split(first.request).layers) == first.key
    history = copy.deepcopy(first.request)
    items = history["input"] if "input" in history else history["messages"]
    if make is responses_body:
        items += [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "done"}],
            },
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "thanks"}],
            },
        ]
    else:
        items += [{"role": "assistant", "content": "done"}, {"role": "user", "content": "thanks"}]
    later = adapters.prepare(history)
    assert later.key == first.key
    assert (
        later.request[("input" if "input" in history else "messages")][: len(items) - 2]
        == (first.request["input" if "input" in history else "messages"])
    )
    assert later.request == history


def test_captures_prepared_again_are_unchanged() -> None:
    first = adapters.prepare(capture("codex-a"), override=True)
    assert adapters.prepare(first.request).request == first.request
    first = adapters.prepare(capture("claude-a"))
    assert adapters.prepare(first.request).request == first.request


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: adapters.prepare(responses_body(), layer="system"), "layer must be one of"),
        (lambda: adapters.prepare(responses_body(), cache_ttl="1h"), "cache_ttl must be one of"),
        (lambda: adapters.prepare(responses_body(), retention="forever"), "retention must be"),
        (lambda: adapters.prepare(messages_body(), ttl="2h"), 'ttl must be "5m", "1h" or None'),
        (lambda: adapters.prepare(responses_body(), shards=True, session="s"), "shards must be"),
        (lambda: LayerMap(system="tools"), "system must be a text layer"),
        (lambda: LayerMap(project_markers="<x>"), "project_markers must be a tuple"),
        (lambda: adapters.openai.prepare("{}"), "a request must be a JSON object"),
    ],
)
def test_bad_options_are_argument_errors(call: Any, message: str) -> None:
    with pytest.raises(prefixlib.ArgumentError, match=message):
        call()


# --- SPEC.md 9, rule by rule -----------------------------------------------------------

SEP = f"\n\n{adapters.PART_SEPARATOR}\n\n"
SPEC = (REPO / "SPEC.md").read_text(encoding="utf-8")


def test_spec_states_the_adapters_tables_verbatim() -> None:
    """SPEC.md A.11 lists the fields, block types and markers the code tells shapes and
    startup context apart by, and 9.3 the separator line."""
    appendix = SPEC[SPEC.index("### A.11") :]
    for name, values in (
        ("MESSAGES_ONLY", sorted(adapters.MESSAGES_ONLY)),
        ("CHAT_ONLY", sorted(adapters.openai.CHAT_ONLY)),
        ("MESSAGES_BLOCKS", sorted(adapters.MESSAGES_BLOCKS)),
        ("PROJECT_MARKERS", adapters.DEFAULT_PROJECT_MARKERS),
    ):
        assert f"{name}: {' | '.join(values)}\n" in appendix
    assert f"\n    {adapters.PART_SEPARATOR}\n" in SPEC[SPEC.index("### 9.3") :]


def _user(*texts: str, kind: str = "input_text") -> dict[str, Any]:
    return {"role": "user", "content": [{"type": kind, "text": t} for t in texts]}


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"input": "hi"}, "responses"),  # 9.1 step 1
        ({"instructions": "x", "messages": []}, "responses"),
        ({"system": "x"}, "messages"),  # step 2
        ({"messages": [], "top_k": 5}, "messages"),  # step 3
        ({"messages": [], "seed": 5, "max_tokens": 5}, "chat"),
        ({"messages": [], "tools": [{"name": "a", "input_schema": {}}]}, "messages"),  # step 4
        ({"messages": [], "tools": [{"type": "function", "function": {}}]}, "chat"),
        ({"messages": [{"role": "developer", "content": "x"}], "max_tokens": 5}, "chat"),  # 5
        ({"messages": [{"role": "user", "content": [{"type": "image"}]}]}, "messages"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 5}, "messages"),  # 6
        ({"messages": [{"role": "user", "content": "x"}]}, "chat"),
    ],
)
def test_spec_9_1_shapes(body: dict[str, Any], kind: str) -> None:
    assert adapters.kind_of(body) == kind


ITEM = {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": DEV}]}


@pytest.mark.parametrize(
    ("body", "layers", "boundary"),
    [
        # top parts, then role messages; the first role message is the base without them
        (
            {"instructions": BASE, "input": [ITEM]},
            {"base": BASE, "developer": DEV},
            (("input",), 1),
        ),
        ({"input": [ITEM]}, {"base": DEV}, (("input",), 1)),
        ({"messages": [{"role": "developer", "content": DEV}]}, {"base": DEV}, (("messages",), 1)),
        (
            {"messages": [{"role": "system", "content": BASE}, {"role": "system", "content": DEV}]},
            {"base": BASE + SEP + DEV},
            (("messages",), 2),
        ),
        (
            {"system": [{"type": "text", "text": BASE}, {"type": "image"}], "messages": []},
            {"base": BASE},
            (("messages",), 0),
        ),
        (
            {"system": BASE, "messages": [{"role": "system", "content": DEV}], "max_tokens": 1},
            {"base": BASE, "developer": DEV},
            (("messages",), 1),
        ),
        # the first role message is the base even after startup context (rule 3)
        (
            {"input": [_user(ENV), ITEM, _user("go")]},
            {"base": DEV, "project": ENV},
            (("input",), 2),
        ),
        # other blocks of a role message pass through (9.2); non-messages stop the walk (rule 2)
        (
            {"input": [{**ITEM, "content": [{"type": "input_image"}, *ITEM["content"]]}]},
            {"base": DEV},
            (("input",), 1),
        ),
        ({"input": [{"type": "reasoning", "summary": []}, ITEM]}, {}, (("input",), 0)),
        (
            {"input": [{"type": "message", "role": "developer", "content": None}]},
            {},
            (("input",), 0),
        ),
        ({"messages": ["text"], "max_tokens": 1}, {}, (("messages",), 0)),
        # rule 4: an assistant turn ends the prefix
        (
            {
                "messages": [
                    {"role": "assistant", "content": "x"},
                    {"role": "system", "content": "y"},
                ]
            },
            {},
            (("messages",), 0),
        ),
        # rule 5: startup context after leading white space; the first other block ends it
        (
            {"input": [{"role": "user", "content": "  \n" + ENV}]},
            {"project": "  \n" + ENV},
            (("input",), 1),
        ),
        ({"input": [_user("hi", ENV)]}, {}, (("input",), 0)),
        ({"input": [{"role": "user", "content": []}]}, {}, (("input",), 0)),
        (
            {"input": [_user(AGENTS, "hi", ENV)]},
            {"project": AGENTS},
            (("input", 0, "content"), 1),
        ),
        (
            {"input": [_user(AGENTS, kind="image"), _user(ENV)]},
            {},
            (("input",), 0),
        ),
        (
            {"messages": [_user(ENV, kind="text"), _user("go", kind="text")], "max_tokens": 1},
            {"project": ENV},
            (("messages",), 1),
        ),
    ],
)
def test_spec_9_2_parts_and_boundary(
    body: dict[str, Any], layers: dict[str, str], boundary: tuple[Any, int]
) -> None:
    s = adapters.split(body)
    assert {name: text for name, text in s.layers.items() if name != "tools"} == layers
    assert s.boundary is not None
    assert (s.boundary.path, s.boundary.index) == boundary


def test_spec_9_3_parts_are_joined_and_split_back() -> None:
    """The separator lines are hashed; each part gets its own canonical text back; a blank
    part keeps its text."""
    texts = (BASE + "   \n\n\n", " \n", DEV)
    item = {"role": "developer", "content": [{"type": "input_text", "text": t} for t in texts]}
    body = {"input": [item, _user("go")]}
    s = adapters.split(body)
    assert s.layers["base"] == BASE + "   \n\n\n" + SEP + " \n" + SEP + DEV
    p = adapters.prepare(body)
    blocks = p.request["input"][0]["content"]
    assert blocks[1]["text"] == " \n"
    rendered = [block["text"] for block in blocks]
    assert rendered[0].endswith("Be brief.\n")
    canonical = p.prefix.layers["base"]
    assert canonical.count(adapters.PART_SEPARATOR) == 2
    assert (
        rendered[0] + f"\n{adapters.PART_SEPARATOR}\n\n{adapters.PART_SEPARATOR}\n\n" + rendered[2]
        == canonical
    )
    one = {"input": [{**item, "content": [{"type": "input_text", "text": BASE + DEV}]}]}
    assert adapters.prepare(one).key != p.key  # the same text in one block: another key
    inline = {"role": "developer", "content": [{"type": "text", "text": f"a {SEP.strip()} b"}]}
    with pytest.raises(prefixlib.InputError, match=r"input\.1\.content\.0\.text: holds"):
        adapters.split({"input": [item, inline]})


def test_spec_9_4_additional_tools_before_a_shared_item() -> None:
    """Codex's ``additional_tools`` items are tools also when the user's turn shares an
    item with startup context (the boundary is a block, not an item)."""
    body = responses_body(tools=[])
    body["input"][2:] = []
    body["input"].insert(0, {"type": "additional_tools", "tools": list(reversed(TOOLS_OPENAI))})
    body["input"][2]["content"].append({"type": "input_text", "text": "fix the bug"})
    s = adapters.split(body)
    assert s.boundary is not None
    assert not s.boundary.whole
    assert s.tools_paths == (("tools",), ("input", 0, "tools"))
    p = adapters.prepare(body)
    assert [t["name"] for t in p.request["input"][0]["tools"]] == ["apply_patch", "shell"]
    assert p.key == adapters.prepare(responses_body()).key


def test_spec_9_5_bindings_share_the_item_of_the_users_turn() -> None:
    """Startup context and the user's turn in one OpenAI item: the bindings are a content
    block of that item, between them, not an item of their own."""
    body = responses_body()
    shared = body["input"].pop(2)
    body["input"][1]["content"] += shared["content"]
    p = adapters.prepare(body)
    items = p.request["input"]
    assert len(items) == 2
    assert [block["text"] for block in items[1]["content"]][2:] == [
        p.prefix.render_bindings(),
        "fix the bug",
    ]
    assert items[1]["content"][2] == {"type": "input_text", "text": p.prefix.render_bindings()}
    assert p.key == adapters.prepare(responses_body()).key
    assert adapters.prepare(p.request).request == p.request
    chat = {"messages": [_user(ENV, "go", kind="text")], "model": "gpt-4.1"}
    c = adapters.prepare(chat)
    assert c.request["messages"][0]["content"][1] == {
        "type": "text",
        "text": c.prefix.render_bindings(),
    }


@pytest.mark.parametrize(
    ("body", "where"),
    [
        # responses: a message of its own, role user by default; absent input becomes a list
        ({"instructions": BASE}, ("input", 0)),
        # messages: the first block of a user turn with a list content ...
        ({"system": BASE, "messages": [_user("go", kind="text")]}, ("messages", 0, "content", 0)),
        # ... else a new user message before it
        ({"system": BASE, "messages": [{"role": "assistant", "content": "x"}]}, ("messages", 0)),
        ({"system": BASE}, ("messages", 0)),
    ],
)
def test_spec_9_5_where_the_bindings_go(body: dict[str, Any], where: tuple[Any, ...]) -> None:
    p = adapters.prepare(body)
    node: Any = p.request
    for step in where:
        node = node[step]
    text = p.prefix.render_bindings()
    assert text
    assert node in (
        {"type": "text", "text": text},
        {"role": "user", "content": [{"type": "text", "text": text}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    )
