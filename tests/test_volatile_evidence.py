"""The graded evidence for dates and times, cell by cell, both ways (SPEC.md 5.2.3); tool
descriptions (5.10); block bindings (5.2.4)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prefixlib
from prefixlib.pipeline import canonical_text

INSTANTS = [
    "2026-11-24T10:32:07Z",
    "Tue, 24 Nov 2026 10:32:07 +0000",
    "Tue Nov 24 2026 10:32:07 GMT+0100 (Central European Standard Time)",
    "2026/11/24 10:32",
]
DATES = ["2026-11-24", "Tuesday, November 24, 2026", "24 Nov 2026", "Europe/Berlin"]
WEAK = ["11/24/2026", "10:32", "1732441200", "November 2026"]

#: How each context class writes a value: label and separator, context block, session time
#: word, no context (an instruction's words).
CONTEXTS = {
    "label": ["Today's date: {v}", "Current time is {v}.", "- **Timestamp:** {v}"],
    "block": ["<environment_context>\n  <when>{v}</when>\n</environment_context>"],
    "time word": [
        "Session started {v}.",
        "Conversation began {v}",
        "It is now {v}.",
        "Figures as of {v}.",
        "Report generated at {v}.",
        "Agent launched on {v}.",
    ],
    "none": [
        "Do not use APIs deprecated before {v}.",
        "Deploys are frozen after {v} on Fridays.",
        "The freeze ends {v}.",
        "Rotate keys created before {v}.",
    ],
}
#: The table of SPEC.md 5.2.3: shape class -> context class -> hoisted.
TABLE = {
    "instant": {"label": True, "block": True, "time word": True, "none": False},
    "date": {"label": True, "block": True, "time word": False, "none": False},
    "weak": {"label": True, "block": False, "time word": False, "none": False},
}
SHAPES = {"instant": INSTANTS, "date": DATES, "weak": WEAK}
CASES = [
    pytest.param(shape, context, form, value, id=f"{shape}-{context}-{value}-{form[:12]}")
    for shape, row in TABLE.items()
    for context in row
    for form in CONTEXTS[context]
    for value in SHAPES[shape]
    # a time zone or a month after "Current time is" is no instant: the label table tests them
    if not (value == "Europe/Berlin" and context == "label" and "time" in form)
]


@pytest.mark.parametrize(("shape", "context", "form", "value"), CASES)
def test_every_cell_of_the_evidence_table(shape: str, context: str, form: str, value: str) -> None:
    text = form.format(v=value)
    cp = prefixlib.canonicalize(project=text, memo=False)
    hoisted = value in cp.bindings.values()
    assert hoisted is TABLE[shape][context], cp.layers["project"]
    assert value not in cp.layers["project"] if hoisted else value in cp.layers["project"]
    assert cp.restore()["project"] == canonical_text(text)


def test_every_cell_is_tested_both_ways() -> None:
    """Each shape class is hoisted in some context and kept in another, and each context class
    hoists some shape and keeps another, except a label (every shape) and none (no shape)."""
    for row in TABLE.values():
        assert set(row.values()) == {True, False}
    assert {TABLE[s]["block"] for s in TABLE} == {True, False}
    assert {TABLE[s]["time word"] for s in TABLE} == {True, False}


@pytest.mark.parametrize(
    "text",
    [
        "Rotate keys created before 2026-11-24T10:00:00Z.",
        "The launch window opens at 2026-11-24T10:00:00Z and closes now-ish.",
        "Session started 2026-11-24T10:32:07Zulu",  # a shape cut short
        "```\nSession started 2026-11-24T10:32:07Z\n```",  # code is content
    ],
)
def test_instructions_and_code_keep_their_instants(text: str) -> None:
    cp = prefixlib.canonicalize(project=text, memo=False)
    assert cp.bindings == {}


def test_time_words_need_the_timestamp_policy() -> None:
    text = "Session started 2026-11-24T10:32:07Z."
    keep = prefixlib.Policy(timestamps="keep")
    assert prefixlib.canonicalize(project=text, policy=keep, memo=False).bindings == {}


# Claude Code's WebSearch tool, as captured (../shared/captures/claude-a.json, tools).
WEB_SEARCH = {
    "name": "WebSearch",
    "description": "Search the web.\n\n- The current month is {month} \u2014 use this when "
    "searching for recent information.\n- `allowed_domains` filter results.",
    "input_schema": {
        "type": "object",
        "properties": {"query": {"type": "string", "description": "The search query"}},
    },
}


def _tools(month: str, **extra: object) -> list[dict[str, object]]:
    tool = json.loads(json.dumps(WEB_SEARCH))
    tool["description"] = tool["description"].format(month=month)
    tool.update(extra)
    return [tool, {"name": "Read", "description": "Read a file."}]


def test_a_month_in_a_tool_description_is_hoisted() -> None:
    november = prefixlib.canonicalize(tools=_tools("November 2026"), memo=False)
    december = prefixlib.canonicalize(tools=_tools("December 2026"), memo=False)
    assert november.key == december.key
    assert november.bindings == {"{{MONTH_1}}": "November 2026"}
    assert "The current month is {{MONTH_1}}" in november.layers["tools"]
    json.loads(november.layers["tools"])  # still JSON
    plain = prefixlib.canonicalize(
        tools=_tools("November 2026"), policy=prefixlib.Policy(timestamps="keep")
    )
    assert november.restore()["tools"] == plain.layers["tools"]


@pytest.mark.parametrize(
    ("extra", "hoisted"),
    [
        # only description strings: a name or a schema value is content
        ({"title": "The current month is November 2026"}, False),
        ({"input_schema": {"type": "object", "default": "Today's date: 2026-11-24"}}, False),
        # a nested description counts, and so does a field at a line start
        (
            {
                "input_schema": {
                    "type": "object",
                    "properties": {"d": {"type": "string", "description": "x\nDate: 2026-11-24"}},
                }
            },
            True,
        ),
    ],
)
def test_only_description_strings_are_scanned(extra: dict[str, object], hoisted: bool) -> None:
    tools = [{"name": "t", "description": "A tool.", **extra}]
    cp = prefixlib.canonicalize(tools=tools, memo=False)
    assert bool(cp.bindings) is hoisted
    assert (
        cp.restore()["tools"]
        == prefixlib.canonicalize(tools=tools, policy=prefixlib.Policy(timestamps="keep")).layers[
            "tools"
        ]
    )


def test_placeholder_syntax_in_a_description_is_escaped_and_restored() -> None:
    tools = _tools("November 2026", title="{{MONTH_1}}")
    tools[1]["description"] = "Literally {{MONTH_1}} and {{!X}}."
    cp = prefixlib.canonicalize(tools=tools, memo=False)
    assert "Literally {{!MONTH_1}} and {{!!X}}." in cp.layers["tools"]
    assert '"title":"{{MONTH_1}}"' in cp.layers["tools"]  # outside descriptions: as it was
    plain = prefixlib.canonicalize(tools=tools, policy=prefixlib.Policy(timestamps="keep"))
    assert cp.restore()["tools"] == plain.layers["tools"]


def test_description_values_are_numbered_after_the_text_layers() -> None:
    cp = prefixlib.canonicalize(
        project="The current month is October 2026.", tools=_tools("November 2026"), memo=False
    )
    assert cp.bindings == {"{{MONTH_1}}": "October 2026", "{{MONTH_2}}": "November 2026"}


GIT_STATUS = """# Context management
Keep going.

gitStatus: This is the git status at the start of the conversation. Note that this status is a \
snapshot in time, and will not update during the conversation.

Current branch: {branch}

Main branch (you will usually use this for PRs): main

Status:
{status}

Recent commits:
{commits}"""


def test_the_claude_code_git_status_is_one_block_binding() -> None:
    a = GIT_STATUS.format(branch="main", status="(clean)", commits="f312fd0 Initial commit")
    b = GIT_STATUS.format(
        branch="feature/x",
        status="M ledger/money.py\n?? notes.txt",
        commits="9a8b7c6 Add rounding\nf312fd0 Initial commit",
    )
    cp_a, cp_b = (prefixlib.canonicalize(base=text, memo=False) for text in (a, b))
    assert cp_a.key == cp_b.key
    assert cp_a.layers["base"].endswith(
        "will not update during the conversation.\n\n{{GIT_STATUS_1}}\n"
    )
    assert cp_b.bindings["{{GIT_STATUS_1}}"].startswith("Current branch: feature/x\n")
    assert cp_b.bindings["{{GIT_STATUS_1}}"].endswith("f312fd0 Initial commit")
    for text, cp in ((a, cp_a), (b, cp_b)):
        assert cp.restore()["base"] == canonical_text(text)
    # the heading is kept: a session without a snapshot differs
    assert (
        prefixlib.canonicalize(base="# Context management\nKeep going.\n", memo=False).key
        != cp_a.key
    )


@pytest.mark.parametrize(
    "text",
    [
        # a mention, not the snapshot: no heading line
        "Current branch: main\n\nRecent commits:\nabc Initial commit",
        # the heading without the body's shape
        "gitStatus: This is the git status at the start of the conversation.\n\nNo repository.",
    ],
)
def test_git_status_needs_its_heading_and_its_shape(text: str) -> None:
    cp = prefixlib.canonicalize(base=text, memo=False)
    assert "{{GIT_STATUS_" not in cp.layers["base"]


_PIECES = [
    "Today's date: 2026-11-24",
    "The current month is November 2026",
    "Session started 2026-11-24T10:32:07Z.",
    "{{MONTH_1}}",
    "{{!DATE_1}}",
    '"quoted" \\ back\\slash',
    "\n- Date: 2026-11-25\n",
    "\t",
    "\u00e9\u2014",
]


@given(
    descriptions=st.lists(
        st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=8)), max_size=6).map("".join),
        min_size=1,
        max_size=3,
    ),
    name=st.sampled_from(["t", "{{DATE_1}}", 'Today\'s date: 2026-11-24 "x"']),
)
def test_descriptions_hoist_losslessly_and_stay_json(descriptions: list[str], name: str) -> None:
    tools = [
        {"name": f"{name}{i}", "description": d, "parameters": {"description": d}}
        for i, d in enumerate(descriptions)
    ]
    cp = prefixlib.canonicalize(project="Today's date: 2026-11-24", tools=tools, memo=False)
    plain = prefixlib.canonicalize(tools=tools, policy=prefixlib.Policy(timestamps="keep"))
    assert json.loads(cp.layers["tools"])  # canonical JSON still
    assert cp.restore()["tools"] == plain.layers["tools"]
    # the names are content: never hoisted, never escaped
    for i in range(len(descriptions)):
        assert json.dumps(f"{name}{i}", ensure_ascii=False) in cp.layers["tools"]


@pytest.mark.parametrize("count", [1, 16, 17, 60])
def test_few_and_many_description_values(count: int) -> None:
    """Up to 16 candidates each look back to their string's start; more take one pass over
    the layer: the same result either way."""
    tools = [
        {
            "name": f'Today\'s date: 2026-11-{10 + i % 18} \\ "t{i}"',
            "description": f'"Quoted" \\ Today\'s date: 2026-11-{10 + i % 18} {{{{DATE_1}}}}',
        }
        for i in range(count)
    ]
    cp = prefixlib.canonicalize(tools=tools, memo=False)
    assert len(cp.bindings) == min(count, 18)
    assert cp.layers["tools"].count("{{!DATE_1}}") == count
    for tool in tools:  # names are content
        assert json.dumps(tool["name"], ensure_ascii=False) in cp.layers["tools"]
    plain = prefixlib.canonicalize(tools=tools, policy=prefixlib.Policy(timestamps="keep"))
    assert cp.restore()["tools"] == plain.layers["tools"]
