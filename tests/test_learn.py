"""``prefixlib.learn`` and ``prefixlib learn``: a policy learned from sessions (SPEC.md 7.3)."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import prefixlib
from prefixlib.cli import main
from prefixlib.policy import UserPattern
from tests.conftest import CORPUS, corpus_files
from tests.test_volatile_clients import CAPTURES, _capture

A = """You are a helpful agent.
Build number: 4711
<deploy_slot>blue-7</deploy_slot>
Ticket ABC-1234 is in progress.
Always run the tests.

Open pull requests:
#12 fix rounding
#15 add currency

Thanks."""
B = (
    A.replace("4711", "4812")
    .replace("blue-7", "green-2")
    .replace("ABC-1234", "ABC-987")
    .replace("#12 fix rounding\n#15 add currency", "#19 docs")
)


def test_learn_proposes_a_label_a_tag_a_pattern_and_a_block() -> None:
    proposal = prefixlib.learn([A, B])
    assert proposal.keys_before[0] != proposal.keys_before[1]
    assert proposal.shared
    labels = [a.value for a in proposal.additions if a.field == "hoist_labels"]
    patterns = [a.value for a in proposal.additions if isinstance(a.value, UserPattern)]
    assert labels == ["Build number", "deploy slot"]
    assert [p.name for p in patterns] == ["TICKET", "PULL_REQUESTS"]
    assert proposal.remaining == ()
    assert proposal.policy.hoist_labels == ("Build number", "deploy slot")
    cp = prefixlib.canonicalize(project=B, policy=proposal.policy)
    assert cp.restore()["project"] == prefixlib.canonicalize(project=B).restore()["project"]
    evidence = {a.evidence.values for a in proposal.additions}
    assert ("4711", "4812") in evidence


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (("Always run the tests.", "Never run the tests."), "a real difference"),
        (("Thanks.", "Thanks.\nDeploy on Fridays."), "only one session has"),
        (("Always run the tests.", "Always run the 3 tests."), "a real difference"),
    ],
)
def test_a_real_difference_is_never_proposed(change: tuple[str, str], why: str) -> None:
    other = A.replace(*change)
    proposal = prefixlib.learn([A, other])
    assert proposal.additions == ()
    assert not proposal.shared
    assert any(why in d.reason for d in proposal.remaining)


def test_learn_keeps_the_given_policy_and_takes_three_samples() -> None:
    policy = prefixlib.Policy(ids="keep", hoist_labels=("shell",))
    c = A.replace("4711", "5000").replace("ABC-1234", "ABC-1")
    proposal = prefixlib.learn([A, B, c], policy=policy)
    assert proposal.shared
    assert proposal.policy.ids == "keep"
    assert proposal.policy.hoist_labels[0] == "shell"


def test_the_last_round_reports_what_its_additions_leave(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every round finding more (here the only round), the keys after and what is left
    are those of the policy with all the additions, as when a round finds nothing."""
    other = B.replace("Always", "Never")
    full = prefixlib.learn([A, other])
    monkeypatch.setattr(sys.modules["prefixlib.learn.rounds"], "ROUNDS", 1)
    one = prefixlib.learn([A, other])
    assert one == full
    assert not one.shared
    assert [d.values for d in one.remaining] == [("Always", "Never")]
    assert len(set(one.keys_after)) == 2
    assert one.keys_after != one.keys_before


def test_redacted_json_shows_no_span() -> None:
    summary = prefixlib.learn([A, B]).as_json(redact=True)
    text = json.dumps(summary)
    assert "4711" not in text
    assert "ABC-1234" not in text
    assert summary["additions"][0]["values"] == [4, 4]


@pytest.mark.parametrize("bad", [[A], [A, 3], [A, {"system": "x"}]])
def test_bad_samples(bad: list[object]) -> None:
    with pytest.raises(prefixlib.PrefixlibError):
        prefixlib.learn(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("client", ["codex", "claude"])
def test_the_captured_pairs_need_nothing_learned(client: str) -> None:
    """The default policy already gives each captured pair one key (SPEC.md 5)."""
    a, b = _capture(f"{client}-a"), _capture(f"{client}-b")
    proposal = prefixlib.learn([a, b])
    assert proposal.shared
    assert proposal.additions == ()


# --- the CLI ---

POLICY = """# the team's policy
# keep this comment
ids = "hoist"   # and this one

[check]
select = ["PL"]
"""


def _sessions(tmp_path: Path) -> list[str]:
    (tmp_path / "a.md").write_text(A, encoding="utf-8")
    (tmp_path / "b.md").write_text(B, encoding="utf-8")
    return [str(tmp_path / "a.md"), str(tmp_path / "b.md")]


def test_cli_proposes_without_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = _sessions(tmp_path)
    assert main(["learn", *files]) == 0
    out = capsys.readouterr().out
    assert 'hoist_labels += "Build number"' in out
    assert '"4711"' in out
    assert "share one key" in out
    assert not (tmp_path / ".prefixlib.toml").exists()
    assert main(["learn", "--redact", *files]) == 0
    assert "4711" not in capsys.readouterr().out


def test_cli_write_keeps_comments_and_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = _sessions(tmp_path)
    config = tmp_path / ".prefixlib.toml"
    config.write_text(POLICY, encoding="utf-8")
    config.chmod(0o640)
    assert main(["learn", "--write", "--json", *files]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["shared"]
    assert result["written"] == str(config)
    written = config.read_text(encoding="utf-8")
    assert written.startswith(POLICY.split("\n[check]")[0])  # comments and order kept
    assert '[check]\nselect = ["PL"]' in written
    assert config.stat().st_mode & 0o777 == 0o640
    # the written file alone makes the sessions share a key
    for path in files:
        assert main(["hash", "--config", str(config), path]) == 0
    keys = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert len(keys) == 1
    # a second run has nothing to add
    assert main(["learn", "--write", *files]) == 0
    assert config.read_text(encoding="utf-8") == written


def test_cli_write_into_pyproject_and_a_new_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = _sessions(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"  # ours\n\n[tool.prefixlib]\nids = "hoist"\n')
    assert main(["learn", "--write", *files]) == 0
    text = pyproject.read_text(encoding="utf-8")
    assert text.startswith('[project]\nname = "x"  # ours\n')
    assert "Build number" in text.split("[tool.prefixlib]")[1]
    pyproject.unlink()
    assert main(["learn", "--write", *files]) == 0
    assert "Build number" in (tmp_path / ".prefixlib.toml").read_text(encoding="utf-8")
    capsys.readouterr()


def test_cli_left_differences_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text(A)
    (tmp_path / "c.md").write_text(A.replace("Always", "Never"))
    assert main(["learn", "--no-config", "a.md", "c.md"]) == 1
    assert "a real difference" in capsys.readouterr().out
    assert main(["learn", "a.md"]) == 2
    assert "two or more" in capsys.readouterr().err
    (tmp_path / "bad.md").write_bytes(b"Build: 1\n\xff")
    assert main(["learn", "--no-config", "a.md", "bad.md"]) == 2
    assert capsys.readouterr().err == "error: bad.md:2:1: invalid UTF-8 byte 0xff\n"


def test_cli_reads_request_bodies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (CAPTURES / "claude-a.json").is_file():
        pytest.skip(f"captures not found at {CAPTURES}")
    monkeypatch.chdir(tmp_path)
    files = [str(CAPTURES / "claude-a.json"), str(CAPTURES / "claude-b.json")]
    assert main(["learn", "--no-config", "--json", *files]) == 0
    assert json.loads(capsys.readouterr().out)["shared"]


# --- the property: injected volatile spans of unknown kinds are learned; instructions stay ---

_SMALL = [p for p in corpus_files() if p.suffix == ".md" and p.stat().st_size < 12_000]


def _prose_gaps(lines: list[str]) -> list[int]:
    """Indexes of blank lines outside fences: where a line may be inserted."""
    gaps, fenced = [], False
    for index, line in enumerate(lines):
        if re.match(r"\s*(```|~~~)", line):
            fenced = not fenced
        elif not fenced and not line.strip():
            gaps.append(index)
    return gaps


def _volatile(kind: int, rng: random.Random) -> str:
    """One volatile span of a kind the default policy does not know, with a fresh value."""
    n = rng.randrange(10, 10**6)
    if kind == 0:
        return f"Build number: {n}"
    if kind == 1:
        return f"<deploy_slot>{rng.choice(['blue', 'green'])}-{n}</deploy_slot>"
    if kind == 2:
        return f"Ticket QX-{n} is in progress."
    items = [f"#{rng.randrange(1, 999)} change {i}" for i in range(rng.randrange(1, 4))]
    return "Open pull requests:\n" + "\n".join(items)


def _session(lines: list[str], places: list[tuple[int, int]], seed: int) -> str:
    rng = random.Random(seed)
    out = list(lines)
    for gap, kind in sorted(places, reverse=True):
        out[gap:gap] = ["", _volatile(kind, rng), ""]
    return "\n".join(out)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 10**6),
    st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True),
    st.integers(0, 10**6),
)
def test_learned_policy_shares_keys_and_keeps_instruction_changes(
    pick: int, kinds: list[int], seed: int
) -> None:
    if not _SMALL:
        pytest.skip(f"shared corpus not found at {CORPUS} (set PREFIXLIB_CORPUS)")
    lines = _SMALL[pick % len(_SMALL)].read_text(encoding="utf-8").split("\n")
    gaps = _prose_gaps(lines) or [len(lines)]
    rng = random.Random(seed)
    places = [(rng.choice(gaps), kind) for kind in kinds]
    a, b = _session(lines, places, seed), _session(lines, places, seed + 1)
    proposal = prefixlib.learn([a, b])
    assert proposal.shared, proposal.remaining
    # a real change to an instruction (a word of a prose line) keeps its own key
    words = [
        (i, m)
        for i, line in enumerate(lines)
        if line.strip() and not line.lstrip().startswith(("#", "```", "~~~", "|", "<"))
        for m in re.finditer(r"\b[A-Za-z]{5,}\b", line)
    ]
    if not words:
        return
    index, word = rng.choice(words)
    changed = list(lines)
    changed[index] = changed[index][: word.start()] + "Zzyzx" + changed[index][word.end() :]
    c = _session(changed, places, seed)
    key = prefixlib.canonicalize(project=c, policy=proposal.policy, memo=False).key
    assert key != proposal.keys_after[0]


def test_a_sentence_period_is_not_part_of_the_value() -> None:
    """``Run id 7f3a.``: the value is ``7f3a``, and a value's own dots stay (``1.2.3``)."""
    a = "Run id 7f3a9c2e-1111-4222-8333-444455556666.\nBuilt by version 1.2.3.\n"
    b = "Run id 0b1c2d3e-1111-4222-8333-444455556666.\nBuilt by version 1.4.0.\n"
    proposal = prefixlib.learn([a, b])
    assert proposal.shared
    assert [x.evidence.values for x in proposal.additions] == [
        ("7f3a9c2e-1111-4222-8333-444455556666", "0b1c2d3e-1111-4222-8333-444455556666"),
        ("1.2.3", "1.4.0"),
    ]
    cp = prefixlib.canonicalize(project=a, policy=proposal.policy)
    assert sorted(cp.bindings.values()) == ["1.2.3", "7f3a9c2e-1111-4222-8333-444455556666"]
    assert cp.layers["project"].splitlines()[0].endswith("}}.")
