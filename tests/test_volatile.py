"""Volatile values: hoisted by context, kept as content otherwise (SPEC.md 5)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prefixlib
from prefixlib.pipeline import canonical_text
from prefixlib.policy import UserPattern
from prefixlib.rules.ordering import sort_unordered
from prefixlib.rules.volatile import patterns_for

UUID = "5f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"


def _hoist(text: str, **kwargs: object) -> tuple[str, dict[str, str]]:
    cp = prefixlib.canonicalize(project=text, memo=False, **kwargs)  # type: ignore[arg-type]
    # nothing lost: the values put back give the text the text and ordering rules made
    assert cp.restore()["project"] == sort_unordered(canonical_text(text))
    return cp.layers["project"].rstrip("\n"), dict(cp.bindings)


HOISTED: list[tuple[str, str, dict[str, str]]] = [
    # labelled dates and times, in every format of SPEC.md 5.3
    ("Today's date is 2026-11-24.", "Today's date is {{DATE_1}}.", {"{{DATE_1}}": "2026-11-24"}),
    (
        "Today\u2019s date: Tuesday, November 24, 2026",
        "Today\u2019s date: {{DATE_1}}",
        {"{{DATE_1}}": "Tuesday, November 24, 2026"},
    ),
    (
        "Current date: 24 November 2026",
        "Current date: {{DATE_1}}",
        {"{{DATE_1}}": "24 November 2026"},
    ),
    (
        "Today's date: Tue Nov 24 2026",
        "Today's date: {{DATE_1}}",
        {"{{DATE_1}}": "Tue Nov 24 2026"},
    ),
    (
        "current_time=2026-11-24T10:42:07.123+01:00",
        "current_time={{DATETIME_1}}",
        {"{{DATETIME_1}}": "2026-11-24T10:42:07.123+01:00"},
    ),
    (
        "The current date and time is 2026-11-24 10:42Z",
        "The current date and time is {{DATETIME_1}}",
        {"{{DATETIME_1}}": "2026-11-24 10:42Z"},
    ),
    (
        "Date: Tue, 24 Nov 2026 10:42:07 GMT",
        "Date: {{DATETIME_1}}",
        {"{{DATETIME_1}}": "Tue, 24 Nov 2026 10:42:07 GMT"},
    ),
    (
        "Generated at: 2026/11/24 10:42",
        "Generated at: {{DATETIME_1}}",
        {"{{DATETIME_1}}": "2026/11/24 10:42"},
    ),
    (
        "Now: Tue Nov 24 2026 10:42:07 GMT+0100 (Central European Standard Time)",
        "Now: {{DATETIME_1}}",
        {"{{DATETIME_1}}": "Tue Nov 24 2026 10:42:07 GMT+0100 (Central European Standard Time)"},
    ),
    ("- **Date:** 11/24/2026", "- **Date:** {{DATE_1}}", {"{{DATE_1}}": "11/24/2026"}),
    ("Time: 10:42 PM", "Time: {{TIME_1}}", {"{{TIME_1}}": "10:42 PM"}),
    ("started_at: 1732441200", "started_at: {{EPOCH_1}}", {"{{EPOCH_1}}": "1732441200"}),
    ("timestamp=1732441200123", "timestamp={{EPOCH_1}}", {"{{EPOCH_1}}": "1732441200123"}),
    (
        "Timezone: America/Argentina/Buenos_Aires",
        "Timezone: {{TIMEZONE_1}}",
        {"{{TIMEZONE_1}}": "America/Argentina/Buenos_Aires"},
    ),
    ("Last updated: 2026-11-24", "Last updated: {{DATE_1}}", {"{{DATE_1}}": "2026-11-24"}),
    # labelled ids
    (f"Session ID: {UUID}", "Session ID: {{ID_1}}", {"{{ID_1}}": UUID}),
    (
        "thread_id=01JD3X5Y6Z7A8B9C0D1E2F3G4H",
        "thread_id={{ID_1}}",
        {"{{ID_1}}": "01JD3X5Y6Z7A8B9C0D1E2F3G4H"},
    ),
    ("request id: req_8f3a9b2c1d4e", "request id: {{ID_1}}", {"{{ID_1}}": "req_8f3a9b2c1d4e"}),
    # context blocks: dates, ids and paths inside; configuration stays
    (
        f"<environment_context>\n  <cwd>/srv/app</cwd>\n  <shell>zsh</shell>\n"
        f"  <current_date>2026-11-24</current_date>\n  <timezone>Europe/Berlin</timezone>\n"
        f"  <session>{UUID}</session>\n</environment_context>",
        "<environment_context>\n  <cwd>{{ROOT_1}}</cwd>\n  <shell>zsh</shell>\n"
        "  <current_date>{{DATE_1}}</current_date>\n  <timezone>{{TIMEZONE_1}}</timezone>\n"
        "  <session>{{ID_1}}</session>\n</environment_context>",
        {
            "{{ROOT_1}}": "/srv/app",
            "{{DATE_1}}": "2026-11-24",
            "{{TIMEZONE_1}}": "Europe/Berlin",
            "{{ID_1}}": UUID,
        },
    ),
    (
        "<env>\nWorking directory: /srv/app\nIs directory a git repo: Yes\nPlatform: linux\n"
        "Today's date: 2026-11-24\nLog: /var/log/app.log\n</env>\nSee /srv/app/README.md",
        "<env>\nWorking directory: {{ROOT_1}}\nIs directory a git repo: Yes\nPlatform: linux\n"
        "Today's date: {{DATE_1}}\nLog: {{PATH_1}}\n</env>\nSee {{ROOT_1}}/README.md",
        {"{{ROOT_1}}": "/srv/app", "{{DATE_1}}": "2026-11-24", "{{PATH_1}}": "/var/log/app.log"},
    ),
    # paths under homes and temp dirs, anywhere; the rest of the path stays
    (
        "Edit /home/alice/.config/app.toml",
        "Edit {{HOME_1}}/.config/app.toml",
        {"{{HOME_1}}": "/home/alice"},
    ),
    (
        "see /Users/bob/x and /root/.cache",
        "see {{HOME_1}}/x and {{HOME_2}}/.cache",
        {"{{HOME_1}}": "/Users/bob", "{{HOME_2}}": "/root"},
    ),
    ("~/.codex/config.toml", "{{HOME_1}}/.codex/config.toml", {"{{HOME_1}}": "~"}),
    (
        "C:\\Users\\bob\\AppData\\Local\\Temp\\tmp1\\f.txt",
        "{{TMP_1}}/f.txt",
        {"{{TMP_1}}": "C:\\Users\\bob\\AppData\\Local\\Temp\\tmp1"},
    ),
    ("c:/users/bob/src", "{{HOME_1}}/src", {"{{HOME_1}}": "c:/users/bob"}),
    (
        "/var/folders/ab/cd12/T/tmpx/y and /tmp/tmp.X8sd9.",
        "{{TMP_1}}/y and {{TMP_2}}.",
        {"{{TMP_1}}": "/var/folders/ab/cd12/T/tmpx", "{{TMP_2}}": "/tmp/tmp.X8sd9"},
    ),
    (
        "```sh\ncd /home/alice/work\n```",
        "```sh\ncd {{HOME_1}}/work\n```",
        {"{{HOME_1}}": "/home/alice"},
    ),
    # in code a label is content, but a home in its value is still hoisted
    (
        "```\ncwd: /home/alice/x\n```\ncwd: /srv/y",
        "```\ncwd: {{HOME_1}}/x\n```\ncwd: {{ROOT_1}}",
        {"{{HOME_1}}": "/home/alice", "{{ROOT_1}}": "/srv/y"},
    ),
    # declared roots replace every occurrence, also as the start of longer paths
    (
        "# AGENTS.md instructions for /home/alice/work/api\n\nRun /home/alice/work/api/bin/test",
        "# AGENTS.md instructions for {{ROOT_1}}\n\nRun {{ROOT_1}}/bin/test",
        {"{{ROOT_1}}": "/home/alice/work/api"},
    ),
    (
        "cwd: C:\\Users\\bob\\api\nOpen C:\\Users\\bob\\api\\src\\main.rs:12",
        "cwd: {{ROOT_1}}\nOpen {{ROOT_1}}/src/main.rs:12",
        {"{{ROOT_1}}": "C:\\Users\\bob\\api"},
    ),
    # a list of paths is one value: its length differs between operating systems
    (
        "The writable roots are `/Users/bob/api`, `/tmp`, `/var/folders/ab/cd/T`.",
        "The writable roots are `{{PATHS_1}}`.",
        {"{{PATHS_1}}": "/Users/bob/api`, `/tmp`, `/var/folders/ab/cd/T"},
    ),
    # the same value twice: the same placeholder
    (
        "Today's date is 2026-11-24; current date: 2026-11-24",
        "Today's date is {{DATE_1}}; current date: {{DATE_1}}",
        {"{{DATE_1}}": "2026-11-24"},
    ),
]


@pytest.mark.parametrize(("text", "canonical", "bindings"), HOISTED)
def test_hoisted(text: str, canonical: str, bindings: dict[str, str]) -> None:
    assert _hoist(text) == (canonical, bindings)


KEPT = [
    "Do not use APIs deprecated before 2024-01-01.",
    "Deploys are frozen after 16:00 on Fridays.",
    f"The staging tenant is {UUID}.",
    "Edit /etc/nginx/nginx.conf, not C:\\Program Files\\App\\app.ini.",
    "Mounts: /mnt/home/alice and https://example.com/tmp/x and /rooted/x and /tmp alone.",
    "Response time: 10:00 at most.",
    "Use thread: main for this.",
    "Time complexity: O(n).",
    "Date: TBD",
    "The `<environment_context>` block carries 2026-11-24 and 5f3a1c2e8b7d4e6f9a0b1c2d.",
    "```yaml\ndate: 2026-11-24\nsession_id: 5f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b\n```",
    "Release 2026-11-24x and 2026-11-24T99:99.",
    'Files called AGENTS.md appear at "/", in "~", or deep in a repository.',
    "Use file:///home/alice only in examples.",
]


@pytest.mark.parametrize("text", KEPT)
def test_kept(text: str) -> None:
    canonical, bindings = _hoist(text)
    assert bindings == {}
    assert canonical == canonical_text(text).rstrip("\n")


def test_placeholder_syntax_in_the_input_is_escaped() -> None:
    text = "Use {{DATE_1}} and {{!X}} literally; today's date is 2026-11-24."
    canonical, bindings = _hoist(text)
    assert canonical == "Use {{!DATE_1}} and {{!!X}} literally; today's date is {{DATE_1}}."
    assert bindings == {"{{DATE_1}}": "2026-11-24"}
    assert _hoist("Use {{DATE_1}}.")[0] != _hoist("Use {{!DATE_1}}.")[0]


def test_caller_roots() -> None:
    text = "Build in /home/alice/work/api/build; logs in /home/alice/logs"
    canonical, bindings = _hoist(text, roots={"PROJECT_ROOT": "/home/alice/work/api/"})
    assert canonical == "Build in {{PROJECT_ROOT}}/build; logs in {{HOME_1}}/logs"
    assert bindings == {"{{PROJECT_ROOT}}": "/home/alice/work/api", "{{HOME_1}}": "/home/alice"}


@pytest.mark.parametrize(
    ("roots", "message"),
    [({"project": "/x"}, "root name 'project' must match"), ({"R": "/"}, "is not a directory")],
)
def test_bad_roots(roots: dict[str, str], message: str) -> None:
    with pytest.raises(prefixlib.PrefixlibError, match=message):
        prefixlib.canonicalize(project="x", roots=roots)


def test_roots_apply_across_layers() -> None:
    """A cwd declared in the project layer also rewrites the developer layer before it."""
    cp = prefixlib.canonicalize(
        developer="Build in /home/alice/work/api/src.",
        project="<environment_context>\n  <cwd>/home/alice/work/api</cwd>\n</environment_context>",
    )
    assert cp.layers["developer"] == "Build in {{ROOT_1}}/src.\n"
    assert cp.bindings == {"{{ROOT_1}}": "/home/alice/work/api"}


def test_windows_mixed_separators_are_kept_as_written() -> None:
    text = "cwd: C:\\Users\\bob\\api\nOpen C:\\Users\\bob\\api/src\\x"
    canonical, _ = _hoist(text)
    assert canonical.endswith("Open C:\\Users\\bob\\api/src\\x")


def test_windows_separators_can_be_kept() -> None:
    policy = prefixlib.Policy(windows_separators="keep")
    canonical, _ = _hoist("cwd: C:\\Users\\bob\\api\nOpen C:\\Users\\bob\\api\\src", policy=policy)
    assert canonical == "cwd: {{ROOT_1}}\nOpen {{ROOT_1}}\\src"


@pytest.mark.parametrize(
    ("policy", "text", "canonical"),
    [
        (
            prefixlib.Policy(timestamps="keep"),
            "Today's date is 2026-11-24",
            "Today's date is 2026-11-24",
        ),
        (prefixlib.Policy(ids="keep"), f"Session ID: {UUID}", f"Session ID: {UUID}"),
        (prefixlib.Policy(paths="keep"), "Edit /home/alice/x", "Edit /home/alice/x"),
        (
            prefixlib.Policy(hoist_labels=("shell",)),
            "<env>\n<shell>zsh</shell>\n</env>",
            "<env>\n<shell>{{SHELL_1}}</shell>\n</env>",
        ),
        (
            prefixlib.Policy(hoist_labels=("git branch",)),
            "Git branch: feature/x-1",
            "Git branch: {{GIT_BRANCH_1}}",
        ),
        (
            prefixlib.Policy(context_tags=("system_info",)),
            "<system_info>\nbuilt 2026-11-24\n</system_info>",
            "<system_info>\nbuilt {{DATE_1}}\n</system_info>",
        ),
        (
            prefixlib.Policy(placeholder_style="brackets"),
            "Today's date is 2026-11-24",
            "Today's date is [[DATE_1]]",
        ),
        (
            prefixlib.Policy(patterns=({"name": "TICKET", "pattern": r"JIRA-\d+"},)),
            "See JIRA-42.",
            "See {{TICKET_1}}.",
        ),
        (
            prefixlib.Policy(patterns=({"name": "BUILD", "pattern": r"build (?P<value>\d+)"},)),
            "In build 9912 only",
            "In build {{BUILD_1}} only",
        ),
    ],
)
def test_policy(policy: prefixlib.Policy, text: str, canonical: str) -> None:
    assert _hoist(text, policy=policy)[0] == canonical


def test_policies_never_share_keys() -> None:
    text = "Plain text with nothing volatile."
    keys = {
        prefixlib.cache_key(project=text, policy=policy)
        for policy in (
            prefixlib.Policy(),
            prefixlib.Policy(ids="keep"),
            prefixlib.Policy(tools="keep"),
        )
    }
    assert len(keys) == 3


# --- how a match is told: shortcuts against the program with every group ----------------

#: Snippets that make every kind of match, to join into layers.
_SNIPPETS = [
    "<environment_context>",
    "  <environment_context foo='1'>",
    "</environment_context>",
    "  <cwd>/home/farid/src/project</cwd>",
    "<current_date>2026-11-24</current_date>",
    "<timezone>Europe/Berlin</timezone>",
    "<session_id>5f3a1c2e-9b7d-4e21-8c3f-0a1b2c3d4e5f</session_id>",
    "<workspace_roots>/home/a/x, /home/a/y</workspace_roots>",
    "<Model>gpt-5</Model>",
    "# AGENTS.md instructions for /home/farid/src/project",
    "# Working directory: /home/alice/api",
    "Today's date is 2026-11-24.",
    "- **Session ID:** 5f3a1c2e-9b7d-4e21-8c3f-0a1b2c3d4e5f",
    "Order number: 12345",
    "cwd: C:\\Users\\Carol\\proj and /Users/bob/app",
    "/tmp/tmp.x1y2/out ~/notes /private/var/folders/ab/cd/T/x /root/.cache",
    "C:\\Users\\dmitri\\AppData\\Local\\Temp\\y",
    "{{DATE_1}} [[ID_2]] <<!ROOT_1>> <<",
    "see https://host/home/x and </cwd>",
]
_POLICIES = [
    prefixlib.Policy(),
    prefixlib.Policy(placeholder_style="angles", hoist_labels=("model", "order number")),
    prefixlib.Policy(placeholder_style="brackets", context_tags=("ctx",), ids="keep"),
]


@given(
    st.lists(st.sampled_from(_SNIPPETS), min_size=1, max_size=8).map("\n".join),
    st.sampled_from(_POLICIES),
)
def test_a_match_is_told_as_every_group_tells_it(text: str, policy: prefixlib.Policy) -> None:
    data = text.encode()
    patterns = patterns_for(policy)
    for pattern in (patterns.prose, patterns.context, patterns.code):
        pos = 0
        while (found := pattern.find(data, pos, len(data)))[0] >= 0:
            start, pos = found
            assert pattern.identify(data, start, pos) == pattern.by_groups(data, start, pos)


# A caller's root names and the automatic placeholders never share a name (SPEC.md 5.4.3,
# 5.6): issue 12 found "--root DATE_1=/srv/a" giving a date and a root one placeholder.
COLLIDING_ROOTS = [
    ("Today's date is 2026-01-01\nsee /srv/a/x", {"DATE_1": "/srv/a"}),
    (
        "<environment_context>\n  <cwd>/srv/b</cwd>\n</environment_context>\nsee /srv/a/x",
        {"ROOT_1": "/srv/a"},
    ),
    ("logs in /home/alice/logs and /srv/a/x", {"HOME_12": "/srv/a"}),
]


@pytest.mark.parametrize(("text", "roots"), COLLIDING_ROOTS)
def test_a_root_named_like_an_automatic_placeholder_is_rejected(
    text: str, roots: dict[str, str]
) -> None:
    (name,) = roots
    with pytest.raises(prefixlib.PrefixlibError, match=f"root name '{name}' has the form KIND_N"):
        prefixlib.canonicalize(project=text, roots=roots, memo=False)


def test_root_names_that_are_not_automatic_names_still_work() -> None:
    text = "Today's date is 2026-01-01\nsee /srv/a/x and /srv/b/y"
    canonical, bindings = _hoist(text, roots={"DATE": "/srv/a", "ROOT_1X": "/srv/b"})
    assert canonical == "Today's date is {{DATE_1}}\nsee {{DATE}}/x and {{ROOT_1X}}/y"
    assert bindings == {"{{DATE_1}}": "2026-01-01", "{{DATE}}": "/srv/a", "{{ROOT_1X}}": "/srv/b"}


_PIECES = [
    "Today's date is 2026-01-0{n}.",
    "see /srv/a/x{n}",
    "see /srv/b/y{n}",
    "<environment_context>\n  <cwd>/srv/c{n}</cwd>\n  <current_date>2026-02-0{n}</current_date>\n"
    "</environment_context>",
    "ticket TICK-{n}{n}",
    "Session id: abc12345{n}",
    "logs in /home/u{n}/logs",
    "literal {{{{DATE_{n}}}}} and {{{{ROOT_1}}}}",
]
_KINDS = ["DATE", "ROOT", "HOME", "ID", "TICKET", "PATH"]
_root_names = st.one_of(
    st.from_regex(r"\A[A-Z][A-Z0-9_]{0,6}\Z"),
    st.builds(lambda kind, n: f"{kind}_{n}", st.sampled_from(_KINDS), st.integers(1, 3)),
)


@given(
    pieces=st.lists(
        st.builds(str.format, st.sampled_from(_PIECES), n=st.integers(1, 3)), max_size=8
    ),
    roots=st.dictionaries(
        _root_names, st.sampled_from(["/srv/a", "/srv/b", "/srv/c1"]), max_size=3
    ),
    pattern_names=st.lists(st.sampled_from([*_KINDS, "TICKET_1", "X"]), max_size=2, unique=True),
)
def test_user_roots_and_patterns_never_share_a_placeholder_with_automatic_ones(
    pieces: list[str], roots: dict[str, str], pattern_names: list[str]
) -> None:
    text = "\n".join(pieces)
    policy = prefixlib.Policy(
        patterns=tuple(UserPattern(name=name, pattern=r"\bTICK-\d+") for name in pattern_names)
    )
    automatic = [name for name in roots if re.fullmatch(r"[A-Z][A-Z0-9_]*_[0-9]+", name)]
    if automatic:
        with pytest.raises(prefixlib.PrefixlibError, match="has the form KIND_N"):
            prefixlib.canonicalize(project=text, roots=roots, policy=policy, memo=False)
        return
    cp = prefixlib.canonicalize(project=text, roots=roots, policy=policy, memo=False)
    # nothing lost: every placeholder has one value, and they substitute back exactly
    assert cp.restore()["project"] == sort_unordered(canonical_text(text))
    names = [placeholder.strip("{}") for placeholder in cp.bindings]
    assert len(set(names)) == len(names)
    for name, path in roots.items():
        if f"{{{{{name}}}}}" in cp.bindings:
            assert cp.bindings[f"{{{{{name}}}}}"] == path
