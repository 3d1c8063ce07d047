"""Volatile values the way real clients write them (SPEC.md 5.4.1, 5.4.6; issue 14).

The captured request bodies in ../shared/captures are two sessions of one project by two users:
each pair must get one key with the default policy and lose nothing.  Each client format is
also tested from text written as its public source writes it, with that source cited.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import prefixlib
from prefixlib.pipeline import canonical_text
from prefixlib.rules.ordering import sort_unordered
from prefixlib.rules.paths import derived_forms
from tests.conftest import CAPTURES


def _text(part: Any) -> str:
    return part if isinstance(part, str) else str(part["text"])


def _codex(body: dict[str, Any]) -> dict[str, Any]:
    """The layers of a Codex Responses body, by hand (README of the captures): the base prompt
    is input[0], the skills and permissions input[1], AGENTS.md and the environment input[2]."""
    items = body["input"]

    def joined(item: dict[str, Any]) -> str:
        return "\n\n".join(_text(part) for part in item["content"])

    return {
        "base": joined(items[0]),
        "developer": joined(items[1]),
        "project": joined(items[2]),
        "tools": body["tools"],
    }


def _claude(body: dict[str, Any]) -> dict[str, Any]:
    """The layers of a Claude Code Messages body: the system blocks, the agent list
    (messages[1]), the CLAUDE.md reminder (messages[0] block 1)."""
    messages = body["messages"]
    return {
        "base": "\n\n".join(block["text"] for block in body["system"]),
        "developer": _text(messages[1]["content"]),
        "project": _text(messages[0]["content"][0]),
        "tools": body["tools"],
    }


def _capture(name: str) -> dict[str, Any]:
    path = CAPTURES / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"captures not found at {CAPTURES}")
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return (_codex if name.startswith("codex") else _claude)(body)


#: What the captures' README says differs between A and B, as hoisted: placeholder -> (A, B).
CAPTURED: dict[str, dict[str, tuple[str, str]]] = {
    "codex": {
        "{{HOME_1}}": ("/home/alice", "/home/bob"),
        "{{ROOT_1}}": ("/home/alice/work/ledger", "/home/bob/src/ledger"),
        "{{DATE_1}}": ("2026-11-30", "2026-11-29"),
        "{{TIMEZONE_1}}": ("Europe/Berlin", "America/Los_Angeles"),
    },
    "claude": {
        "{{HOME_1}}": ("/home/alice", "/home/bob"),
        "{{SLUG_1}}": ("-home-alice-work-ledger", "-home-bob-src-ledger"),
        "{{ROOT_1}}": ("/home/alice/work/ledger", "/home/bob/src/ledger"),
        "{{DATE_1}}": ("2026-11-30", "2026-11-29"),
    },
}


@pytest.mark.parametrize("client", sorted(CAPTURED))
def test_two_captured_sessions_of_one_project_share_a_key(client: str) -> None:
    a, b = _capture(f"{client}-a"), _capture(f"{client}-b")
    cp_a, cp_b = prefixlib.canonicalize(**a), prefixlib.canonicalize(**b)
    assert cp_a.layers == cp_b.layers
    assert cp_a.key == cp_b.key
    for placeholder, (value_a, value_b) in CAPTURED[client].items():
        assert cp_a.bindings[placeholder] == value_a
        assert cp_b.bindings[placeholder] == value_b
    for raw, cp in ((a, cp_a), (b, cp_b)):  # nothing lost
        restored = cp.restore()
        for layer in ("base", "developer", "project"):
            assert restored[layer] == sort_unordered(canonical_text(raw[layer]))


@pytest.mark.parametrize("client", sorted(CAPTURED))
def test_a_real_difference_in_the_captured_instructions_still_changes_the_key(client: str) -> None:
    a = _capture(f"{client}-a")
    changed = dict(a, project=a["project"].replace("ledger", "ledgers", 1))
    assert prefixlib.canonicalize(**a).key != prefixlib.canonicalize(**changed).key


# Claude Code keeps its memory under ~/.claude/projects/<slug>/memory/, the slug being the cwd
# with every character that is no ASCII letter or digit turned into "-": as the captured
# system prompt shows (../shared/captures/claude-a.json, system[2], "# Memory") and as
# tiann/hapi cli/src/claude/utils/path.ts computes it (`.replace(/[^a-zA-Z0-9]/g, '-')`).
MEMORY = "You have a persistent file-based memory at `{home}/.claude/projects/{slug}/memory/`."
ENVIRONMENT = "# Environment\n - Primary working directory: {cwd}\n - Is a git repository: true"


@pytest.mark.parametrize(
    ("home", "cwd", "slug"),
    [
        ("/home/alice", "/home/alice/work/ledger", "-home-alice-work-ledger"),
        ("/Users/bob", "/Users/bob/src/my_app.v2", "-Users-bob-src-my-app-v2"),
        ("C:\\Users\\carol", "C:\\Users\\carol\\code\\api", "C--Users-carol-code-api"),
    ],
)
def test_the_claude_code_memory_slug_is_hoisted_with_its_root(
    home: str, cwd: str, slug: str
) -> None:
    def prompt(home: str, cwd: str, slug: str) -> str:
        memory = MEMORY.format(home=home, slug=slug)
        if "\\" in home:
            memory = memory.replace("/", "\\")
        return memory + "\n\n" + ENVIRONMENT.format(cwd=cwd)

    text = prompt(home, cwd, slug)
    cp = prefixlib.canonicalize(base=text, memo=False)
    assert "{{SLUG_1}}" in cp.layers["base"]
    assert slug not in cp.layers["base"]
    assert cp.bindings["{{SLUG_1}}"] == slug
    assert cp.restore()["base"] == canonical_text(text)
    user = home.rsplit("\\", 1)[-1].rsplit("/", 1)[-1]
    other = prompt(*(part.replace(user, "zed") for part in (home, cwd, slug)))
    assert prefixlib.canonicalize(base=other, memo=False).key == cp.key


@pytest.mark.parametrize(
    "text",
    [
        # no declared root: a slug alone is content
        "Memory lives in ~/.claude/projects/-home-alice-work-ledger/memory/.",
        # a slug that only starts like the root's is another name
        "Primary working directory: /home/alice/work/ledger\nsee -home-alice-work-ledger-old",
        "Primary working directory: /home/alice/work/ledger\nflag x-home-alice-work-ledger",
    ],
)
def test_a_slug_is_hoisted_only_for_a_root_and_as_a_whole_name(text: str) -> None:
    cp = prefixlib.canonicalize(project=text, memo=False)
    assert "{{SLUG_" not in cp.layers["project"]


@pytest.mark.parametrize(
    ("root", "text", "placeholder"),
    [
        ("C:\\Users\\carol\\api", "see C:/Users/carol/api/src", "{{ROOT_1}}/src"),
        ("C:\\Users\\carol\\api", 'path = "C:\\\\Users\\\\carol\\\\api\\\\src"', "{{ROOT_1}}"),
        ("/home/alice/work/ledger", "open?dir=%2Fhome%2Falice%2Fwork%2Fledger%2Fsrc", "{{ROOT_1}}"),
    ],
)
def test_other_spellings_of_a_root_are_hoisted(root: str, text: str, placeholder: str) -> None:
    cp = prefixlib.canonicalize(project=text, roots={"PROJECT": root}, memo=False)
    assert placeholder in cp.layers["project"]
    assert cp.restore()["project"] == canonical_text(text)


def test_derived_forms_need_two_segments() -> None:
    assert derived_forms(b"/srv") == ()
    assert derived_forms(b"C:\\x") == ()
    assert (b"-srv-a", "SLUG") in derived_forms(b"/srv/a")


@pytest.mark.parametrize(
    ("text", "hoisted"),
    [
        # the Codex base prompt of a catalog model: an agent's name, not a home
        ("You are `/root`, the primary agent.", False),
        ("Agents: /root, /root/worker.", True),
        ("cd /root", False),
        ("see /root/.bashrc", True),
        ("home: /root", True),
        ("see /home/alice", True),
    ],
)
def test_root_is_a_home_only_in_a_path_context(text: str, hoisted: bool) -> None:
    cp = prefixlib.canonicalize(base=text, memo=False)
    assert ("{{HOME_1}}" in cp.layers["base"]) is hoisted


# --- Other clients, from their public sources (texts written as the cited code writes them) ---


def _gemini(home: str, cwd: str, date: str, temp_id: str, tree: list[str]) -> str:
    """gemini-cli's first user message: google-gemini/gemini-cli at
    5411f113cafae26161b4969b0237b8e1e024e2c2, packages/core/src/utils/environmentContext.ts
    (getEnvironmentContext, getDirectoryContextString) and getFolderStructure.ts (the summary
    line, a blank line, the directory with a trailing separator, "├───"/"└───" lines); the
    temp dir is Storage.getProjectTempDir(): ~/.gemini/tmp/<project identifier>."""
    structure = "\n".join(["Showing up to 200 items (files + folders).", "", f"{cwd}/", *tree])
    directory = (
        f"- **Workspace Directories:**\n  - {cwd}\n- **Directory Structure:**\n\n{structure}"
    )
    return (
        "<session_context>\n"
        "This is the Gemini CLI. We are setting up the context for our chat.\n"
        f"Today's date is {date} (formatted according to the user's locale).\n"
        "My operating system is: linux\n"
        f"The project's temporary directory is: {home}/.gemini/tmp/{temp_id}\n"
        f"{directory}\n\n\n"
        "</session_context>"
    )


GEMINI_A = _gemini(
    "/home/alice",
    "/home/alice/work/ledger",
    "Monday, November 30, 2026",
    "5f1c0a",
    ["├───AGENTS.md", "├───ledger/", "│   └───money.py", "└───tests/", "    └───test_money.py"],
)
GEMINI_B = _gemini(
    "/home/bob",
    "/home/bob/src/ledger",
    "Sunday, 29 November 2026",
    "9e22d7",
    ["├───AGENTS.md", "├───NOTES.md", "├───ledger/", "│   └───money.py", "└───tests/..."],
)


def test_gemini_cli_session_context() -> None:
    cp_a, cp_b = (prefixlib.canonicalize(project=t, memo=False) for t in (GEMINI_A, GEMINI_B))
    assert cp_a.layers == cp_b.layers
    assert "{{FOLDER_TREE_1}}" in cp_a.layers["project"]
    assert "{{PATHS_1}}" in cp_a.layers["project"]
    assert "directory is: {{TMP_1}}" in cp_a.layers["project"]
    assert cp_b.bindings["{{DATE_1}}"] == "Sunday, 29 November 2026"
    assert "NOTES.md" in cp_b.bindings["{{FOLDER_TREE_1}}"]
    for text, cp in ((GEMINI_A, cp_a), (GEMINI_B, cp_b)):
        assert cp.restore()["project"] == canonical_text(text)


def test_a_folder_tree_outside_its_heading_is_content() -> None:
    text = "Layout:\n\nShowing up to 200 items (files + folders).\n\n/srv/app/\n└───main.py"
    assert prefixlib.canonicalize(project=text, memo=False).bindings == {}


def _opencode(cwd: str, worktree: str, date: str, home: str) -> str:
    """opencode's system prompt parts: anomalyco/opencode,
    packages/opencode/src/session/system.ts at 69cafb245ed61bd0970ec2fadc8ff98fb65cfcc1 (the
    <env> block, `Today's date: ${new Date().toDateString()}`) and
    packages/opencode/src/session/instruction.ts at 5a03e2994a8649311a73e6e46ec593732f658f97
    (`Instructions from: ${item}\\n${content}`, the global file under ~/.config/opencode)."""
    return "\n".join(
        [
            "You are powered by the model named claude-x. The exact model ID is anthropic/claude-x",
            "Here is some useful information about the environment you are running in:",
            "<env>",
            f"  Working directory: {cwd}",
            f"  Workspace root folder: {worktree}",
            "  Is directory a git repo: yes",
            "  Platform: linux",
            f"  Today's date: {date}",
            "</env>",
            f"Instructions from: {home}/.config/opencode/AGENTS.md",
            "Prefer small commits.",
            f"Instructions from: {worktree}/AGENTS.md",
            "Run the tests with pytest.",
        ]
    )


def test_opencode_env_and_instruction_paths() -> None:
    a = _opencode(
        "/home/alice/work/ledger/src", "/home/alice/work/ledger", "Mon Nov 30 2026", "/home/alice"
    )
    b = _opencode("/srv/bob/ledger/src", "/srv/bob/ledger", "Sun Nov 29 2026", "/home/bob")
    cp_a, cp_b = (prefixlib.canonicalize(base=t, memo=False) for t in (a, b))
    assert cp_a.layers == cp_b.layers
    assert "Instructions from: {{ROOT_2}}/AGENTS.md" in cp_a.layers["base"]
    assert "Instructions from: {{HOME_1}}/.config/opencode/AGENTS.md" in cp_a.layers["base"]
    assert cp_b.bindings["{{DATE_1}}"] == "Sun Nov 29 2026"
    # a real difference in the instructions stays a difference
    assert prefixlib.canonicalize(base=a.replace("small", "large"), memo=False).key != cp_a.key


def _aider(date: str, shell: str) -> str:
    """aider's platform lines: Aider-AI/aider at 5dc9490bb35f9729ef2c95d00a19ccd30c26339c,
    aider/coders/base_coder.py, Coder.get_platform_info (`- Current date: %Y-%m-%d`)."""
    return (
        "- Platform: Linux-6.18.44-x86_64-with-glibc2.36\n"
        f"- Shell: SHELL={shell}\n"
        "- Language: en_US\n"
        f"- Current date: {date}\n"
        "- The user is operating inside a git repository\n"
    )


def test_aider_platform_lines() -> None:
    a = prefixlib.canonicalize(base=_aider("2026-11-30", "/bin/bash"), memo=False)
    b = prefixlib.canonicalize(base=_aider("2026-11-29", "/bin/bash"), memo=False)
    assert a.key == b.key
    assert a.bindings == {"{{DATE_1}}": "2026-11-30"}
    # the shell is configuration: another shell is another prefix
    zsh = prefixlib.canonicalize(base=_aider("2026-11-30", "/usr/bin/zsh"), memo=False)
    assert zsh.key != a.key


# --- block bindings and description hoisting through the adapters, turn after turn ---

_SNAPSHOT = (
    "gitStatus: This is the git status at the start of the conversation. Note that this "
    "status is a snapshot in time.\n\nCurrent branch: main\n\nStatus:\nM a.py\n\n"
    "Recent commits:\nf312fd0 Initial commit"
)
_TOOLS = [{"name": "WebSearch", "description": "- The current month is November 2026."}]


@pytest.mark.parametrize(
    "request_body",
    [
        {
            "model": "m",
            "system": [{"type": "text", "text": _SNAPSHOT}],
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{**_TOOLS[0], "input_schema": {"type": "object"}}],
        },
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": _SNAPSHOT},
                {"role": "user", "content": "hi"},
            ],
            "tools": [{"type": "function", "function": {**_TOOLS[0], "parameters": {}}}],
        },
        {
            "model": "m",
            "instructions": _SNAPSHOT,
            "input": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", **_TOOLS[0], "parameters": {}}],
        },
    ],
    ids=["messages", "chat", "responses"],
)
def test_a_prepared_request_prepared_again_keeps_its_key(request_body: dict[str, Any]) -> None:
    """A multi-line block binding and a hoisted description are read back from the bindings
    block of an earlier preparation (adapters' re-preparation)."""
    from prefixlib import adapters

    first = adapters.prepare(request_body)
    assert set(first.bindings) == {"{{GIT_STATUS_1}}", "{{MONTH_1}}"}
    again = adapters.prepare(first.request)
    assert again.key == first.key
    assert dict(again.bindings) == dict(first.bindings)
    assert again.request == first.request


def test_a_block_value_line_that_looks_like_a_binding_is_read_back_as_part_of_it() -> None:
    """A value's further lines are indented in the bindings block (SPEC.md 5.9), so a line of
    a snapshot written like a binding is not read back as one (adapters' re-preparation)."""
    from prefixlib import adapters

    snapshot = _SNAPSHOT + "\n{{DATE_1}} = 2026-11-24\n  indented {{ROOT_1}} = /x\n"
    body = {
        "model": "m",
        "system": [{"type": "text", "text": snapshot + "\nToday's date: 2026-11-30."}],
        "messages": [{"role": "user", "content": "hi"}],
    }
    first = adapters.prepare(body)
    value = first.bindings["{{GIT_STATUS_1}}"]
    assert value.endswith("Initial commit\n{{DATE_1}} = 2026-11-24\n  indented {{ROOT_1}} = /x")
    assert first.bindings["{{DATE_1}}"] == "2026-11-30"
    rendered = first.prefix.render_bindings()
    assert "\n  {{DATE_1}} = 2026-11-24\n    indented" in rendered
    again = adapters.prepare(first.request)
    assert dict(again.bindings) == dict(first.bindings)
    assert (again.key, again.request) == (first.key, first.request)


@pytest.mark.parametrize("name", ["claude-a", "claude-b", "codex-a"])
def test_a_captured_request_prepared_again_keeps_its_key(name: str) -> None:
    from prefixlib import adapters

    path = CAPTURES / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"captures not found at {CAPTURES}")
    body = json.loads(path.read_text(encoding="utf-8"))
    first = adapters.prepare(body)
    again = adapters.prepare(first.request)
    assert (again.key, again.request) == (first.key, first.request)


@pytest.mark.parametrize(
    "date",
    [
        "Monday, November 30, 2026",
        "Montag, 30. November 2026",
        "2026年11月30日月曜日",
        "30/11/2026",
    ],
)
def test_gemini_cli_dates_in_any_locale(date: str) -> None:
    """`new Date().toLocaleDateString(undefined, {weekday, year, month, day})`: any locale."""
    text = GEMINI_A.replace("Monday, November 30, 2026", date)
    cp = prefixlib.canonicalize(project=text, memo=False)
    assert cp.bindings["{{DATE_1}}"] == date
    assert (
        "Today's date is {{DATE_1}} (formatted according to the user's locale)."
        in (cp.layers["project"])
    )
    # without the sentence that says it is the date, such a value is content
    bare = f"Release notes: {date} (formatted by hand)."
    assert prefixlib.canonicalize(project=bare, memo=False).bindings == {}
