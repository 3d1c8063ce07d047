"""Fresh sessions of one project, built from the real corpus the way clients build them.

Two sessions by different users, on different days and operating systems,
must get the same stable prefix and key; every real difference in the
instructions must still change it; the corpus files themselves hoist nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prefixlib
from prefixlib.pipeline import canonical_text
from tests.conftest import CORPUS, corpus_files, corpus_params

#: Every value hoisted from a corpus file, by file: reviewed, and none is session state.
CORPUS_HOISTED: dict[str, dict[str, str]] = {}

BASE = "codex/codex-rs/core/gpt_5_codex_prompt.md"
PERMISSIONS = "codex/codex-rs/protocol/src/prompts/permissions"
TOOLS = [
    {
        "type": "function",
        "name": name,
        "description": f"The {name} tool.",
        "parameters": {"type": "object", "properties": {"arg": {"type": "string"}}},
    }
    for name in ("shell", "apply_patch", "read_file", "list_dir", "view_image", "update_plan")
] + [
    {
        "name": "mcp__github__create_issue",
        "description": "Create an issue.",
        "inputSchema": {"type": "object"},
    }
]


@dataclass(frozen=True)
class Machine:
    """Where a session runs: its user's checkout, shell, clock and line endings."""

    cwd: str
    date: str
    timezone: str
    eol: str = "\n"


MACHINES = [
    Machine("/home/alice/work/api", "2026-11-24", "Europe/Berlin"),
    Machine("/Users/bob/src/acme/api", "2026-11-25", "America/Los_Angeles"),
    Machine("C:\\Users\\carol\\code\\api", "2026-12-01", "Asia/Tokyo", eol="\r\n"),
    Machine("/home/dave/projects/acme-api", "2027-01-02", "UTC"),
]


def _read(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def session(machine: Machine, agents: str, seed: int) -> dict[str, object]:
    """A Codex-like first request (CLIENTS.md): base, permissions, AGENTS.md, environment, tools."""
    rng = random.Random(seed)
    developer = "\n".join(
        [
            _read(f"{PERMISSIONS}/sandbox_mode/workspace_write.md"),
            f"The writable roots are `{machine.cwd}`.",
            _read(f"{PERMISSIONS}/approval_policy/on_request.md"),
        ]
    )
    project = (
        f"# AGENTS.md instructions for {machine.cwd}\n\n<INSTRUCTIONS>\n{agents}\n</INSTRUCTIONS>\n"
        f"<environment_context>\n  <cwd>{machine.cwd}</cwd>\n  <shell>bash</shell>\n"
        f"  <current_date>{machine.date}</current_date>\n"
        f"  <timezone>{machine.timezone}</timezone>\n</environment_context>\n"
        f"Session ID: {uuid.UUID(int=rng.getrandbits(128))}\n"
    )
    tools = rng.sample(TOOLS, len(TOOLS))
    return {
        "base": _read(BASE).replace("\n", machine.eol),
        "developer": developer.replace("\n", machine.eol),
        "project": project.replace("\n", machine.eol),
        "tools": tools,
    }


def _agents_files() -> list[Path]:
    return [p for p in corpus_files() if p.parent.name == "agents"]


@pytest.mark.parametrize("agents", corpus_params(_agents_files()), ids=lambda p: p.name)
def test_fresh_sessions_share_one_key(corpus: list[Path], agents: Path) -> None:
    text = agents.read_text(encoding="utf-8")
    results = [
        prefixlib.canonicalize(**session(machine, text, seed), memo=False)  # type: ignore[arg-type]
        for seed, machine in enumerate(MACHINES)
    ]
    assert len({cp.key for cp in results}) == 1
    assert len({tuple(cp.layers.values()) for cp in results}) == 1
    for cp, machine in zip(results, MACHINES, strict=True):
        # nothing lost: the model still sees the real cwd, date and time zone
        assert {machine.cwd, machine.date, machine.timezone} <= set(cp.bindings.values())
        assert machine.cwd in cp.render_bindings()


def test_a_real_difference_still_changes_the_key(corpus: list[Path]) -> None:
    text = _agents_files()[0].read_text(encoding="utf-8")
    one = prefixlib.canonicalize(**session(MACHINES[0], text, 1))  # type: ignore[arg-type]
    edited = text.replace("\n", "\nAlways run the linter first.\n", 1)
    other = prefixlib.canonicalize(**session(MACHINES[1], edited, 2))  # type: ignore[arg-type]
    assert one.layer_keys["developer"] == other.layer_keys["developer"]
    assert one.layer_keys["project"] != other.layer_keys["project"]


@pytest.mark.parametrize(
    "path", corpus_params(corpus_files()), ids=lambda p: p.relative_to(CORPUS).as_posix()
)
def test_no_false_hoisting_on_the_corpus(path: Path) -> None:
    data = path.read_bytes()
    cp = prefixlib.canonicalize(project=data)
    assert dict(cp.bindings) == CORPUS_HOISTED.get(path.relative_to(CORPUS).as_posix(), {})
    assert cp.restore()["project"] == canonical_text(data.decode("utf-8"))


_VALUE = st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True)


@given(
    users=st.lists(_VALUE, min_size=2, max_size=2),
    days=st.lists(st.dates(), min_size=2, max_size=2),
    ids=st.lists(st.uuids(), min_size=2, max_size=2),
    shape=st.sampled_from(["/home/{u}/src/{p}", "/Users/{u}/{p}", "C:\\Users\\{u}\\{p}"]),
    project=_VALUE,
)
def test_keys_invariant_under_volatile_values(
    users: list[str], days: list[object], ids: list[object], shape: str, project: str
) -> None:
    keys = set()
    for user, day, sid in zip(users, days, ids, strict=True):
        cwd = shape.format(u=user, p=project)
        text = (
            f"Run the tests in {cwd}.\n<env>\nWorking directory: {cwd}\n"
            f"Today's date: {day}\nSession: {sid}\n</env>\n"
        )
        cp = prefixlib.canonicalize(project=text, memo=False)
        assert cp.restore()["project"] == canonical_text(text)
        keys.add(cp.key)
    assert len(keys) == 1
