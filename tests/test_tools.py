"""The tools layer: tool names, sorting, uniqueness and order independence (SPEC.md 4)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any
from unittest.mock import patch

import pytest
import rfc8785
from hypothesis import event, given
from hypothesis import strategies as st

import prefixlib
from prefixlib.errors import PrefixlibError, ToolsError
from prefixlib.rules import tools as tools_rule
from prefixlib.rules.canonical_json import json_text, loads
from prefixlib.rules.tools import Tools, canonical_tools, tool_name

Tool = dict[str, Any]

_OBJECT: Tool = {"type": "object", "properties": {}}


def oracle(value: object) -> str:
    """The rfc8785 package's canonical text (a test dependency only)."""
    return rfc8785.dumps(value).decode("utf-8")  # type: ignore[arg-type]


# --- the shapes clients send -------------------------------------------------------------


def chat(name: str, description: str = "") -> Tool:
    """OpenAI Chat Completions."""
    function = {"name": name, "description": description, "parameters": _OBJECT}
    return {"type": "function", "function": function}


def responses(name: str, description: str = "") -> Tool:
    """OpenAI Responses function tool."""
    return {"type": "function", "name": name, "description": description, "parameters": _OBJECT}


def builtin(name: str, description: str = "") -> Tool:
    """OpenAI Responses built-in tool: no name, only a type (a description only to vary it)."""
    return {"type": name, "description": description} if description else {"type": name}


def anthropic(name: str, description: str = "") -> Tool:
    """Anthropic client tool."""
    return {"name": name, "description": description, "input_schema": _OBJECT}


def mcp(name: str, description: str = "") -> Tool:
    """MCP ``tools/list`` entry."""
    return {"name": name, "description": description, "inputSchema": _OBJECT}


SHAPES: list[Callable[[str, str], Tool]] = [chat, responses, builtin, anthropic, mcp]


def described(tool: Tool, description: str) -> Tool:
    """``tool`` with another description, wherever its shape keeps one."""
    if "function" in tool:
        return {**tool, "function": {**tool["function"], "description": description}}
    return {**tool, "description": description}


def renamed(tool: Tool, name: str) -> Tool:
    """``tool`` with another name, wherever its shape keeps it."""
    if "function" in tool:
        return {**tool, "function": {**tool["function"], "name": name}}
    if "name" in tool:
        return {**tool, "name": name}
    return {**tool, "type": name}


# --- name extraction (SPEC.md 4.2) -------------------------------------------------------


class Colour(StrEnum):
    RED = "red"


NAMES: list[tuple[str, Mapping[str, object], str]] = [
    ("chat completions", chat("get_weather"), "get_weather"),
    ("chat without type", {"function": {"name": "f", "parameters": _OBJECT}}, "f"),
    ("function wins over name", {"name": "outer", "function": {"name": "inner"}}, "inner"),
    ("responses function", responses("shell"), "shell"),
    (
        "responses custom",
        {"type": "custom", "name": "apply_patch", "format": {"type": "text"}},
        "apply_patch",
    ),
    ("responses built-in", {"type": "web_search"}, "web_search"),
    ("responses local shell", {"type": "local_shell"}, "local_shell"),
    ("responses mcp", {"type": "mcp", "server_label": "deepwiki"}, "mcp"),
    ("anthropic client", anthropic("get_stock_price"), "get_stock_price"),
    (
        "anthropic server",
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
        "web_search",
    ),
    ("anthropic bash", {"type": "bash_20250124", "name": "bash"}, "bash"),
    ("mcp", mcp("mcp__github__create_issue"), "mcp__github__create_issue"),
    ("legacy functions", {"name": "f", "parameters": _OBJECT}, "f"),
    ("non-ascii", {"name": "検索"}, "検索"),
    ("whitespace is a name", {"name": " "}, " "),
    ("str subclass", {"name": Colour.RED}, "red"),
    ("any mapping", MappingProxyType({"name": "m"}), "m"),
]


@pytest.mark.parametrize(("tool", "name"), [n[1:] for n in NAMES], ids=[n[0] for n in NAMES])
def test_tool_name(tool: Mapping[str, object], name: str) -> None:
    assert tool_name(tool) == name
    assert type(tool_name(tool)) is str
    assert canonical_tools([tool]) == oracle([dict(tool)])


def test_mixed_shapes_sort_by_name() -> None:
    tools = [
        mcp("mcp__github__create_issue"),
        builtin("web_search"),
        chat("read_file"),
        anthropic("bash"),
        responses("apply_patch"),
        {"type": "local_shell"},
    ]
    out = json.loads(canonical_tools(tools))
    assert [tool_name(tool) for tool in out] == [
        "apply_patch",
        "bash",
        "local_shell",
        "mcp__github__create_issue",
        "read_file",
        "web_search",
    ]


def test_names_compare_by_code_point() -> None:
    """Not by UTF-16 code units (U+FF5E < U+1F600), not case-folded, not normalised."""
    names = ["\U0001f600", "\uff5e", "é", "e\u0301", "a", "_", "Z"]
    out = json.loads(canonical_tools([{"name": n} for n in names]))
    assert [tool["name"] for tool in out] == ["Z", "_", "a", "e\u0301", "é", "\uff5e", "\U0001f600"]
    assert [tool["name"] for tool in out] == sorted(names, key=lambda n: n.encode("utf-8"))


def test_tools_object_form_is_sorted() -> None:
    """The golden vector "tools object form" (its expected output changed with sorting)."""
    assert canonical_tools({"tools": [{"name": "b"}, {"name": "a"}]}) == (
        '[{"name":"a"},{"name":"b"}]'
    )


BAD_NAMES: list[tuple[list[Any], str]] = [
    ([{"description": "x"}], 'tool 0 has no name: it has no "function", "name" or "type" member'),
    ([{"name": "a"}, {}], 'tool 1 has no name: it has no "function", "name" or "type" member'),
    ([{"name": ""}], 'tool 0: "name" must be a non-empty string, not ""'),
    ([{"name": None, "type": "web_search"}], 'tool 0: "name" must be a non-empty string, not null'),
    ([{"name": 42}], 'tool 0: "name" must be a non-empty string, not 42'),
    ([{"name": ["a"]}], 'tool 0: "name" must be a non-empty string, not an array'),
    ([{"type": {}}], 'tool 0: "type" must be a non-empty string, not an object'),
    ([{"type": ""}], 'tool 0: "type" must be a non-empty string, not ""'),
    (
        [{"name": "a"}, {"type": "function", "function": "shell"}],
        'tool 1: "function" must be an object, not "shell"',
    ),
    ([{"function": {"description": "x"}}], 'tool 0 has no name: "function" has no "name"'),
    (
        [{"function": {"name": True}}],
        'tool 0: "function.name" must be a non-empty string, not true',
    ),
    ([{"name": "a"}, "shell"], "tool 1 is not a JSON object"),
    ([{"name": "a"}, {"name": "b", "x": float("nan")}], "tool 1: number nan is not finite"),
    ([{"name": "a", 1: "x"}], "tool 0: object key 1 is int, not a string"),
    ([{"name": "\ud800"}], "tool 0: string '\\ud800' holds a lone surrogate U+D800"),
    # a value outside RFC 8785's domain is reported before a bad or duplicate name
    ([{"description": "x"}, {"name": "b", "x": float("inf")}], "tool 1: number inf is not finite"),
    ([{"name": "a"}, {"name": "a", "x": 2**53}], "tool 1: integer 9007199254740992 exceeds"),
    ([{"type": "w", "x": [float("nan")]}] * 2, "tool 0: number nan is not finite"),
    # indexes are into the given order, also when the error shows only after sorting
    ([{"name": "b"}, {"name": "a", "x": float("nan")}], "tool 1: number nan is not finite"),
]


@pytest.mark.parametrize(("tools", "reason"), BAD_NAMES)
@pytest.mark.parametrize("sort", [True, False])
def test_bad_names(tools: list[Any], reason: str, sort: bool) -> None:
    with pytest.raises(ToolsError, match=f"^tools: {re.escape(reason)}") as info:
        canonical_tools(tools, sort=sort)
    assert info.value.reason.startswith(reason)


def test_bad_name_from_json_text() -> None:
    with pytest.raises(ToolsError, match=r'^tools:1:36: tool 1: "name" must be a non-empty string'):
        canonical_tools(b'{"tools": [{"name": "a"}, {"name": null}]}')


def test_tool_name_error_names_the_index() -> None:
    with pytest.raises(ToolsError, match=r"^t: tool 7 has no name"):
        tool_name({}, index=7, source="t")


# --- uniqueness (SPEC.md 4.3) ------------------------------------------------------------

DUPLICATES: list[tuple[list[Tool], str]] = [
    (
        [chat("shell"), responses("read_file"), mcp("grep"), anthropic("shell")],
        'duplicate tool name "shell" (tools 0 and 3)',
    ),
    ([responses("a"), chat("a")], 'duplicate tool name "a" (tools 0 and 1)'),
    ([mcp("x"), mcp("x", "other text")], 'duplicate tool name "x" (tools 0 and 1)'),
    ([responses("b"), mcp("a"), mcp("b"), mcp("a")], 'duplicate tool name "b" (tools 0 and 2)'),
    # a named tool and a nameless one of that type
    ([responses("web_search"), builtin("web_search")], 'duplicate tool name "web_search"'),
    ([builtin("web_search"), responses("web_search")], 'duplicate tool name "web_search"'),
    (
        [builtin("mcp", "one"), builtin("mcp", "two"), anthropic("mcp")],
        'duplicate tool name "mcp" (tools 0 and 2)',
    ),
    # nameless tools may share a type, but not twice identically
    (
        [builtin("web_search"), chat("a"), builtin("web_search")],
        'duplicate tool "web_search" (tools 0 and 2 are identical)',
    ),
    ([{"name": "検索"}, {"name": "検索"}], 'duplicate tool name "検索" (tools 0 and 1)'),
]


@pytest.mark.parametrize(("tools", "reason"), DUPLICATES)
@pytest.mark.parametrize("sort", [True, False])
def test_duplicates(tools: list[Tool], reason: str, sort: bool) -> None:
    """Also with ``sort=False``: keeping the order must not change which inputs are valid."""
    with pytest.raises(ToolsError, match=f"^tools: {re.escape(reason)}"):
        canonical_tools(tools, sort=sort)
    with pytest.raises(ToolsError, match=re.escape(reason)):
        canonical_tools(json.dumps({"tools": tools}), sort=sort)
    with pytest.raises(ToolsError, match=re.escape(reason)):
        prefixlib.cache_key(tools=tools)


def test_nameless_tools_of_one_type_sort_by_text() -> None:
    """One OpenAI ``mcp`` tool per server: ordered by their RFC 8785 text."""
    deepwiki = {"type": "mcp", "server_label": "deepwiki", "server_url": "https://a.example"}
    stripe = {"type": "mcp", "server_label": "stripe", "server_url": "https://b.example"}
    both = [stripe, responses("mcp_helper"), deepwiki]
    out = canonical_tools(both)
    assert out == oracle([deepwiki, stripe, responses("mcp_helper")])
    assert canonical_tools(both[::-1]) == out


def test_long_names_are_shortened_in_messages() -> None:
    name = "x" * 200
    with pytest.raises(ToolsError) as info:
        canonical_tools([{"name": name}, {"name": name}])
    assert info.value.reason == f'duplicate tool name "{"x" * 75}..." (tools 0 and 1)'


# --- sort=False and the accepted inputs ---------------------------------------------------


def test_sort_false_keeps_the_order() -> None:
    tools = [mcp("zeta"), builtin("web_search"), chat("alpha"), anthropic("Mid")]
    assert canonical_tools(tools, sort=False) == oracle(tools)
    assert [tool_name(t) for t in json.loads(canonical_tools(tools, sort=False))] == [
        "zeta",
        "web_search",
        "alpha",
        "Mid",
    ]
    assert canonical_tools(tools) == oracle(sorted(tools, key=tool_name))


INPUTS: list[Any] = [
    [{"name": "b", "x": 1.0}, {"name": "a"}],
    ({"name": "b", "x": 1}, {"name": "a"}),
    {"tools": [{"name": "b", "x": 1}, {"name": "a"}], "other": 1},
    '{"tools": [{"name": "b", "x": 1.0}, {"name": "a"}]}',
    b'\xef\xbb\xbf[{"name": "b", "x": 1}, {"name": "a"}]',
]


@pytest.mark.parametrize("tools", INPUTS)
def test_accepted_inputs(tools: Any) -> None:
    assert canonical_tools(tools) == '[{"name":"a"},{"name":"b","x":1}]'
    assert canonical_tools(tools, sort=False) == '[{"name":"b","x":1},{"name":"a"}]'


@pytest.mark.parametrize("tools", [None, [], (), {"tools": []}, "[]", b'{"tools": []}'])
@pytest.mark.parametrize("sort", [True, False])
def test_no_tools_is_the_empty_layer(tools: Any, sort: bool) -> None:
    assert canonical_tools(tools, sort=sort) == ""


# --- order independence and sensitivity (properties) -------------------------------------

_names = st.lists(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=6),
    min_size=1,
    max_size=8,
    unique=True,
)


@st.composite
def tool_lists(draw: st.DrawFn) -> list[Tool]:
    """Distinct-named tools of mixed shapes."""
    return [
        draw(st.sampled_from(SHAPES))(name, draw(st.sampled_from(["", "Run it.", "é"])))
        for name in draw(_names)
    ]


@given(st.data())
def test_order_independent(data: st.DataObject) -> None:
    tools = data.draw(tool_lists())
    shuffled = data.draw(st.permutations(tools))
    out = canonical_tools(tools)
    assert canonical_tools(shuffled) == out
    assert prefixlib.cache_key(tools=shuffled) == prefixlib.cache_key(tools=tools)
    assert json.loads(out) == sorted(tools, key=lambda t: tool_name(t).encode("utf-8"))
    assert out == oracle(json.loads(out))
    assert canonical_tools(out) == out
    assert canonical_tools(shuffled, sort=False) == oracle(shuffled)


@given(st.data())
def test_a_changed_tool_changes_the_key(data: st.DataObject) -> None:
    tools = data.draw(tool_lists())
    index = data.draw(st.integers(0, len(tools) - 1))
    key = prefixlib.cache_key(tools=tools)

    description = "changed" + data.draw(st.text(max_size=3))
    changed = [*tools[:index], described(tools[index], description), *tools[index + 1 :]]
    assert prefixlib.cache_key(tools=changed) != key

    names = {tool_name(t) for t in tools}
    name = tool_name(tools[index]) + "_"
    while name in names:
        name += "_"
    changed = [*tools[:index], renamed(tools[index], name), *tools[index + 1 :]]
    assert prefixlib.cache_key(tools=changed) != key


# --- a realistic coding agent ------------------------------------------------------------


def _schema(**properties: str) -> Tool:
    return {
        "type": "object",
        "properties": {name: {"type": kind} for name, kind in properties.items()},
        "required": sorted(properties),
        "additionalProperties": False,
    }


def _hosted_mcp(label: str, url: str) -> Tool:
    return {"type": "mcp", "server_label": label, "server_url": url, "require_approval": "never"}


AGENT_TOOLS: list[Tool] = [
    {
        "type": "function",
        "name": "shell",
        "description": "Run a shell command and return its output.",
        "parameters": _schema(command="array", workdir="string", timeout_ms="integer"),
        "strict": True,
    },
    {
        "type": "custom",
        "name": "apply_patch",
        "description": "Apply a patch to files in the workspace.",
        "format": {"type": "grammar", "syntax": "lark", "definition": 'start: "*** Begin Patch"'},
    },
    chat("read_file", "Read a file, by line range."),
    {
        "type": "function",
        "function": {
            "name": "list_dir",
            "description": "List a directory.",
            "parameters": _schema(path="string", depth="integer"),
        },
    },
    {
        "type": "function",
        "function": {
            "name": "grep_files",
            "description": "Search files with a regular expression.",
            "parameters": _schema(pattern="string", include="string", limit="integer"),
        },
    },
    responses("update_plan", "Update the task plan."),
    responses("view_image", "Attach a local image to the conversation."),
    {"type": "web_search", "search_context_size": "medium"},
    {"type": "local_shell"},
    {"type": "file_search", "vector_store_ids": ["vs_123"], "max_num_results": 8},
    _hosted_mcp("stripe", "https://mcp.stripe.com"),
    _hosted_mcp("deepwiki", "https://mcp.deepwiki.com/mcp"),
    {"type": "bash_20250124", "name": "bash"},
    {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
    {"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 5},
    {
        "name": "get_weather",
        "description": "Get the current weather in a given location.",
        "input_schema": _schema(location="string"),
        "cache_control": {"type": "ephemeral"},
    },
    {
        "name": "mcp__github__create_issue",
        "title": "Create issue",
        "description": "Create a new issue in a GitHub repository.",
        "inputSchema": _schema(owner="string", repo="string", title="string", body="string"),
        "annotations": {"readOnlyHint": False},
    },
    mcp("mcp__github__list_pull_requests", "List pull requests in a GitHub repository."),
    mcp("mcp__github__get_file_contents", "Get the contents of a file or directory."),
    mcp("mcp__filesystem__read_text_file", "Read a file as text."),
    mcp("mcp__playwright__browser_navigate", "Navigate to a URL."),
]

AGENT_ORDER = [
    "apply_patch",
    "bash",
    "file_search",
    "get_weather",
    "grep_files",
    "list_dir",
    "local_shell",
    "mcp",  # deepwiki: its text sorts before stripe's
    "mcp",
    "mcp__filesystem__read_text_file",
    "mcp__github__create_issue",
    "mcp__github__get_file_contents",
    "mcp__github__list_pull_requests",
    "mcp__playwright__browser_navigate",
    "read_file",
    "shell",
    "str_replace_based_edit_tool",
    "update_plan",
    "view_image",
    "web_fetch",
    "web_search",
]


def test_agent_tools() -> None:
    out = canonical_tools(AGENT_TOOLS)
    parsed = json.loads(out)
    assert [tool_name(tool) for tool in parsed] == AGENT_ORDER
    assert [tool.get("server_label") for tool in parsed[7:9]] == ["deepwiki", "stripe"]
    expected = sorted(AGENT_TOOLS, key=lambda t: (tool_name(t).encode("utf-8"), oracle(t)))
    assert parsed == expected
    assert out == oracle(expected)
    assert canonical_tools(out) == out
    assert canonical_tools(out.encode("utf-8")) == out
    assert canonical_tools({"tools": AGENT_TOOLS[::-1]}) == out
    assert prefixlib.cache_key(tools=AGENT_TOOLS[::-1]) == prefixlib.cache_key(tools=AGENT_TOOLS)
    assert prefixlib.canonicalize(tools=AGENT_TOOLS).layers["tools"] == out


# --- JSON text: the cheaper way gives what the full path gives ----------------------------


def outcome(tools: Tools, sort: bool, *, full: bool = False) -> str | tuple[str, str]:
    """The layer, or the error, of ``tools``; with ``full``, the cheaper way switched off."""
    try:
        if full:
            with patch.object(tools_rule, "_from_text", lambda text, sort, source: None):
                return canonical_tools(tools, sort=sort)
        return canonical_tools(tools, sort=sort)
    except PrefixlibError as e:
        return type(e).__name__, str(e)


def cheaper(text: str, sort: bool) -> bool:
    """Whether ``text`` takes the cheaper way."""
    return tools_rule._from_text(json_text(text, "tools"), sort, "tools") is not None


CHEAPER_TEXTS = [
    json.dumps(AGENT_TOOLS),
    json.dumps(AGENT_TOOLS, ensure_ascii=False, indent=2),
    json.dumps({"tools": AGENT_TOOLS[::-1]}),
    '\ufeff[{"name": "b"}, {"name": "a:b", "description": "see: https://x.example"}]',
    '[{"name": "t", "temperature": 0.7, "n": [1e2, -0.0]}]',
    '[{"name": "t", "maximum": 100000000000000000000}]',
    '[{"name": "t", "x": {"\\ud83d\\ude00": 1, "\\ufb33": 2}}, {"name": "\U0001f600"}]',
    '[{"name": "t", "description": "\U0001f680 \u00e9", "required": ["\\u00e9"]}]',
    '[{"type": "mcp", "server_label": "b"}, {"type": "mcp", "server_label": "a"}]',
    '{"tools": [{"name": "a"}], "tool_choice": {"x": ":", "y": 0.5}, "z": "\\ud800"}',
]

FULL_TEXTS = [
    # duplicate member names: the parse reports them first
    '[{"name": "a", "name": "b"}]',
    '[{"name": "a", "p": {"x": 1, "x": 1}}]',
    '[{"name": "a", "p": {"\\u0078": 1, "x": 1}}]',
    '{"tools": [{"name": "a"}], "tools": [{"name": "b"}]}',
    '{"tools": [{"name": "a"}], "x": {"k": 1, "k": 2}}',
    '{"x": ":", "tools": [{"name": "a"}], "x": ":"}',
    '[{"name": 1, "name": 2}]',
    '[{"name": "a"}, {"name": "a", "x": {"k": 1, "k": 1}}]',
    '[{"a": 1, "a": 2, "x": NaN}]',
    # an escaped colon: no duplicate, but only the full path can tell
    '[{"name": "a\\u003ab"}]',
    '[{"name": "a", "x": 1, "x\\u003A": 2}]',
    # outside RFC 8785's domain, or not JSON
    '[{"name": "a", "d": "\\ud800"}]',
    '[{"name": "\\udc00"}]',
    '[{"name": "a", "d": "\ud800"}]',
    '[{"name": "a", "n": 9007199254740993}]',
    '[{"name": "a", "n": NaN}]',
    '[{"name": "a", "n": 1e400}]',
    '[{"name": "a"},]',
    '[{"name": "a", "x": ' + "[" * 100_000 + "]" * 100_000 + "}]",
    # not an array of tools, or not a valid one
    '{"name": "a"}',
    '"tools"',
    "{}",
    "[]",
    '{"tools": []}',
    '[{"name": "a"}, {"name": "a"}]',
    '[{"type": "w"}, {"type": "w"}]',
    '[{"name": "a"}, ["b"]]',
    '[{"description": "x"}]',
]


@pytest.mark.parametrize(
    ("text", "takes"), [(t, True) for t in CHEAPER_TEXTS] + [(t, False) for t in FULL_TEXTS]
)
@pytest.mark.parametrize("sort", [True, False])
def test_text_takes_the_cheaper_way_only_where_it_may(text: str, takes: bool, sort: bool) -> None:
    assert cheaper(text, sort) is takes
    expected = outcome(text, sort, full=True)
    assert outcome(text, sort) == expected
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate: not UTF-8
    assert outcome(data, sort) == outcome(data, sort, full=True)


def test_shipped_tools_take_the_cheaper_way() -> None:
    """The example session's tools and the benchmarks' (SPEC.md 4.1's object form and array)."""
    repo = Path(__file__).resolve().parents[1]
    bench = json.loads((repo / "benchmarks" / "tools.json").read_text(encoding="utf-8"))
    for text in (
        (repo / "examples" / "session" / "tools.json").read_text(encoding="utf-8"),
        json.dumps(bench["builtin"] + bench["mcp"], ensure_ascii=False),
    ):
        for sort in (True, False):
            assert cheaper(text, sort)
            assert outcome(text, sort) == outcome(text, sort, full=True)


def test_duplicate_keys_are_reported_first() -> None:
    assert outcome('[{"name": 1, "name": 2}]', True) == (
        "ToolsError",
        'tools:1:14: duplicate key "name"',
    )


_extra_members = st.sampled_from(
    [
        '"description": "a: b"',
        '"x": 0.5',
        '"x": 100000000000000000000',
        '"x": 9007199254740993',
        '"x": "\\ud800"',
        '"x": {"\\ud83d\\ude00": 1, "\\ufb33": 2}',
        '"x\\u003a": 1',
        '"x": {"a": 1, "a": 2}',
        '"x": [1, 2, {"y": null}]',
        '"x": "\U0001f680"',
        '"name": "dup"',
    ]
)


@st.composite
def tools_texts(draw: st.DrawFn) -> str:
    """JSON text of tools, now and then with a duplicate member, a float, a lone surrogate,
    a key outside the BMP, a colon escape or a repeated tool."""
    parts = []
    for tool in draw(tool_lists()):
        text = json.dumps(tool, ensure_ascii=draw(st.booleans()))
        extra = draw(st.lists(_extra_members, max_size=2)) if draw(st.integers(0, 4)) == 0 else []
        parts.append("{" + ", ".join(extra) + ", " + text[1:] if extra else text)
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(parts)))
    array = "[" + ", ".join(parts) + "]"
    return draw(
        st.sampled_from([array, f'{{"tools": {array}}}', f'{{"tools": {array}, "n": 1, "m": ":"}}'])
    )


@given(tools_texts(), st.booleans())
def test_text_gives_what_the_full_path_gives(text: str, sort: bool) -> None:
    event("cheaper way" if cheaper(text, sort) else "full path")
    expected = outcome(text, sort, full=True)
    assert outcome(text, sort) == expected
    if isinstance(expected, str):
        assert expected == oracle(loads(expected))
