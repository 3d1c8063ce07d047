"""``prefixlib check``: findings, --fix, --diff, --json, selection, walking, the lock."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import prefixlib
from prefixlib.cli import main
from prefixlib.cli._output import Progress
from prefixlib.findings import CODES, check_text, ignore_comments, selected, source_lines

from .conftest import CORPUS, REPO

# text -> the findings (code, line, column) check_text reports, and the text --fix writes
FINDINGS = [
    ("Hello\n", [], "Hello\n"),
    ("", [], ""),
    ("\ufeffHello\n", [("PL101", 1, 1)], "Hello\n"),
    ("a\r\nb\r\n", [("PL102", 1, 2)], "a\nb\n"),
    ("a\rb\r", [("PL102", 1, 2)], "a\nb\n"),
    ("Cafe\u0301\n", [("PL103", 1, 4)], "Caf\u00e9\n"),
    ("a\u200bb\n", [("PL104", 1, 2)], "ab\n"),
    ("Hello  \nWorld\t\n", [("PL105", 1, 6), ("PL105", 2, 6)], "Hello\nWorld\n"),
    ("\ufeffab \n", [("PL101", 1, 1), ("PL105", 1, 4)], "ab\n"),
    ("a\n\n\n\nb\n", [("PL106", 3, 1)], "a\n\nb\n"),
    ("a\n  \n\t\nb\n", [("PL105", 2, 1), ("PL105", 3, 1), ("PL106", 3, 1)], "a\n\nb\n"),
    ("\n\na\n", [("PL107", 1, 1)], "a\n"),
    ("a\n\n\n", [("PL108", 2, 1)], "a\n"),
    ("a", [("PL108", 1, 2)], "a\n"),
    ("\n\n", [("PL107", 1, 1)], ""),
    ("```\ncode  \n\n\n\n```\n", [], "```\ncode  \n\n\n\n```\n"),
    ("x\u200b \ny\n", [("PL104", 1, 2), ("PL105", 1, 3)], "x\ny\n"),
    ("Tools (unordered):\n- b\n- a\n", [("PL201", 2, 1)], "Tools (unordered):\n- a\n- b\n"),
    (
        "\n\nTools (in any order):\n- c\n- b\n- a\n\nNext:\n- z\n- y\n",
        [("PL107", 1, 1), ("PL201", 4, 1)],
        "Tools (in any order):\n- a\n- b\n- c\n\nNext:\n- z\n- y\n",
    ),
    ("Today's date is 2026-11-24.\n", [("PL301", 1, 17)], None),
    ("a\r\n\r\n\r\nToday's date is 2026-11-24.  \r\n", None, None),
    ("Session ID: 5f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b\n", [("PL303", 1, 13)], None),
    ("# AGENTS.md instructions for /home/alice/api\n", [("PL302", 1, 30)], None),
    ("Do not use APIs deprecated before 2024-01-01.\n", [], None),
    ("Config lives in /etc/nginx/nginx.conf.\n", [], None),
]


@pytest.mark.parametrize(("text", "expected", "fixed"), FINDINGS)
def test_findings(
    text: str, expected: list[tuple[str, int, int]] | None, fixed: str | None
) -> None:
    checked = check_text(text)
    got = [(f.code, f.line, f.column) for f in checked.findings]
    if expected is not None:
        assert got == expected
    assert all(f.fixable == CODES[f.code].fixable for f in checked.findings)
    if fixed is not None:
        assert checked.fixed == fixed
    again = check_text(checked.fixed)
    assert again.fixed == checked.fixed  # --fix is idempotent
    assert not [f for f in again.findings if f.fixable]
    # --fix never hoists: the file keeps every value
    assert checked.fixed == prefixlib.canonicalize(project=text).restore()["project"]


def test_volatile_positions_are_in_the_original_file() -> None:
    """After CRLF, blank lines and trailing spaces, a date is found where the file has it."""
    text = "a\r\n\r\n\r\n\u200bToday's date is 2026-11-24.  \r\n"
    found = {f.code: (f.line, f.column) for f in check_text(text).findings}
    assert found["PL301"] == (4, 18)
    line = text.split("\r\n")[3]
    assert line[18 - 1 :].startswith("2026-11-24")


def test_source_lines() -> None:
    assert source_lines("\n\na\n\n\n\nb\n") == [3, 4, 7]


IGNORES = [
    ("x <!-- prefixlib: ignore PL301 -->\n", set(), {1: {"PL301"}}),
    ("<!-- prefixlib: ignore PL301, PL105 -->\n\nx\n", set(), {3: {"PL301", "PL105"}}),
    ("<!-- prefixlib: ignore -->\nx\n", set(), {2: {"PL"}}),
    ("<!-- prefixlib: ignore-file PL3 -->\nx\n", {"PL3"}, {}),
]


@pytest.mark.parametrize(("text", "whole", "lines"), IGNORES)
def test_ignore_comments(text: str, whole: set[str], lines: dict[int, set[str]]) -> None:
    got_whole, got_lines = ignore_comments(text)
    assert got_whole == whole
    assert {k: set(v) for k, v in got_lines.items()} == lines


SELECTION = [
    ("PL105", ["ALL"], [], True),
    ("PL105", ["ALL"], ["PL1"], False),
    ("PL105", ["PL105"], ["PL1"], True),  # the longer prefix wins
    ("PL301", ["PL1"], [], False),
    ("PL301", ["PL3"], ["PL3"], False),  # a tie goes to ignore
]


@pytest.mark.parametrize(("code", "select", "ignore", "expected"), SELECTION)
def test_selected(code: str, select: list[str], ignore: list[str], expected: bool) -> None:
    assert selected(code, select=select, ignore=ignore) is expected


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with prompt files in the places check looks, and other files it skips."""
    (tmp_path / "AGENTS.md").write_bytes(b"Hello  \r\nToday's date is 2026-11-24.\r\n")
    (tmp_path / "CLAUDE.md").write_text("Clean.\n")
    (tmp_path / "README.md").write_text("not a prompt   \n")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "review.txt").write_text("a\n\n\n\nb")
    (tmp_path / ".cursor" / "rules").mkdir(parents=True)
    (tmp_path / ".cursor" / "rules" / "style.mdc").write_text("x \n")
    (tmp_path / "node_modules" / "pkg").mkdir(parents=True)
    (tmp_path / "node_modules" / "pkg" / "AGENTS.md").write_text("skipped \n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


CHECK = [
    (
        ["check"],
        1,
        [
            ".cursor/rules/style.mdc:1:2: PL105 [*] trailing whitespace",
            "AGENTS.md:1:6: PL105 [*] trailing whitespace",
            "AGENTS.md:1:8: PL102 [*] line endings are 2 CRLF, not LF",
            "AGENTS.md:2:17: PL301 date '2026-11-24' is session state (hoisted as {{DATE_1}})",
            "prompts/review.txt:3:1: PL106 [*] 3 blank lines in a row; canonical is one",
            "prompts/review.txt:5:2: PL108 [*] no newline at the end of the file",
        ],
        "6 findings in 3 files, 5 fixable with --fix\n",
    ),
    (["check", "CLAUDE.md"], 0, [], "all clean: 1 file checked\n"),
    (["check", "README.md"], 1, ["README.md:1:13: PL105 [*] trailing whitespace"], None),
    (["check", "--select", "PL3"], 1, ["AGENTS.md:2:17: PL301 date"], None),
    (["check", "--ignore", "PL1,PL3", "AGENTS.md"], 0, [], None),
    (["check", "--exclude", "prompts/", "--select", "PL106"], 0, [], None),
    (["check", "-q", "CLAUDE.md"], 0, [], ""),
    (["check", "-q", "README.md"], 1, ["README.md:1:13"], ""),
    (
        ["check", "missing.md", "CLAUDE.md"],
        2,
        [],
        "error: missing.md: no such file\n1 file could not be checked\n",
    ),
]


@pytest.mark.parametrize(("argv", "status", "lines", "summary"), CHECK)
def test_check(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    status: int,
    lines: list[str],
    summary: str | None,
) -> None:
    assert main(argv) == status
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert len(out) == len(lines)
    for got, expected in zip(out, lines, strict=True):
        assert got.startswith(expected)
    if summary is not None:
        assert captured.err.endswith(summary)


def test_fix_is_atomic_keeps_mode_and_is_idempotent(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agents = repo / "AGENTS.md"
    agents.chmod(0o640)
    inode = agents.stat().st_ino
    assert main(["check", "--fix"]) == 1
    captured = capsys.readouterr()
    assert agents.read_bytes() == b"Hello\nToday's date is 2026-11-24.\n"  # the date stays
    assert stat.S_IMODE(agents.stat().st_mode) == 0o640
    assert agents.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert (repo / "prompts" / "review.txt").read_text() == "a\n\nb\n"
    assert "fixed AGENTS.md" in captured.err
    assert captured.out.splitlines() == [
        "AGENTS.md:2:17: PL301 date '2026-11-24' is session state (hoisted as {{DATE_1}})"
    ]
    assert captured.err.endswith(
        "fixed 5 findings in 3 files; 1 finding in 1 file left (not fixable)\n"
    )
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert main(["check", "--fix", "--select", "PL1,PL2"]) == 0
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before
    assert not list(repo.rglob(".*.md.*"))  # no temporary file left


def test_fix_never_touches_a_file_that_fails_to_decode(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = repo / "CLAUDE.md"
    bad.write_bytes(b"ok  \nab\xffc\n")
    assert main(["check", "--fix", "CLAUDE.md", "AGENTS.md"]) == 2
    assert bad.read_bytes() == b"ok  \nab\xffc\n"
    assert "error: CLAUDE.md:2:3: invalid UTF-8 byte 0xff" in capsys.readouterr().err
    assert (repo / "AGENTS.md").read_bytes().startswith(b"Hello\n")  # the others are fixed


def test_fix_through_a_symlink_keeps_the_link(repo: Path) -> None:
    (repo / "real.md").write_text("x  \n")
    (repo / "GEMINI.md").symlink_to("real.md")
    assert main(["check", "--fix", "GEMINI.md"]) == 1
    assert (repo / "GEMINI.md").is_symlink()
    assert (repo / "real.md").read_text() == "x\n"


def test_diff_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (repo / "AGENTS.md").read_bytes()
    assert main(["check", "--diff", "AGENTS.md", "CLAUDE.md"]) == 1
    captured = capsys.readouterr()
    assert (repo / "AGENTS.md").read_bytes() == before
    assert captured.out.startswith("--- AGENTS.md\n+++ AGENTS.md\n@@ -1,2 +1,2 @@\n-Hello  \r\n")
    assert "+Hello\n" in captured.out
    assert captured.err.endswith(
        "would fix 2 findings in 1 file; 1 finding in 1 file left (not fixable)\n"
    )


def test_json_schema(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", "AGENTS.md"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert findings[0] == {
        "path": "AGENTS.md",
        "line": 1,
        "column": 6,
        "code": "PL105",
        "name": "trailing-whitespace",
        "message": "trailing whitespace",
        "fixable": True,
    }
    assert [f["code"] for f in findings] == ["PL105", "PL102", "PL301"]


def test_stdin_fix_prints_the_fixed_text() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", "check", "--fix", "--no-config", "-"],
        input=b"x  \r\n",
        capture_output=True,
    )
    assert result.returncode == 1
    assert result.stdout == b"x\n"


def test_ignore_comment_and_config(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    agents = repo / "AGENTS.md"
    agents.write_text("Hello\nToday's date is 2026-11-24. <!-- prefixlib: ignore PL301 -->\n")
    assert main(["check", "AGENTS.md"]) == 0
    (repo / ".prefixlib.toml").write_text(
        '[check]\nignore = ["PL105"]\n[check.per_file_ignores]\n"prompts/*" = ["PL1"]\n'
    )
    assert main(["check", "README.md", "prompts/review.txt"]) == 0
    assert main(["check", ".cursor"]) == 0
    capsys.readouterr()


def test_check_table_does_not_change_keys(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash", "CLAUDE.md"]) == 0
    plain = capsys.readouterr().out
    (repo / "pyproject.toml").write_text(
        '[tool.prefixlib]\nids = "hoist"\n[tool.prefixlib.check]\nignore = ["PL3"]\n'
    )
    assert main(["hash", "CLAUDE.md"]) == 0
    assert capsys.readouterr().out == plain


CONFIG_FORMS = [
    ('[check]\nselect = ["PL3"]\n', ".prefixlib.toml"),
    ('[tool.prefixlib.check]\nselect = ["PL3"]\n', ".prefixlib.toml"),  # pasted from pyproject
    ('[tool.prefixlib.check]\nselect = ["PL3"]\n', "pyproject.toml"),
]


@pytest.mark.parametrize(("content", "name"), CONFIG_FORMS)
def test_config_forms(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str, name: str
) -> None:
    (repo / name).write_text(content)
    assert main(["check", "--verbose", "AGENTS.md"]) == 1
    captured = capsys.readouterr()
    assert f"config: {repo / name}" in captured.err
    assert [line.split()[1] for line in captured.out.splitlines()] == ["PL301"]


BAD_CHECK_CONFIG = [
    ('[check]\nselect = "PL1"\n', "check: select: expected a list of strings"),
    ('[check]\nselect = ["E501"]\n', "'E501' is not a code"),
    ("[check]\nbogus = 1\n", "check: unknown key 'bogus'"),
    ("check = 1\n", "check: expected a table"),
]


@pytest.mark.parametrize(("content", "message"), BAD_CHECK_CONFIG)
def test_bad_check_config(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (repo / ".prefixlib.toml").write_text(content)
    assert main(["check", "AGENTS.md"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1


def test_gitignore_is_honoured(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text("prompts/\n")
    assert main(["check", "."]) == 1
    out = capsys.readouterr().out
    assert "review.txt" not in out
    assert "AGENTS.md" in out


def test_symlink_loop_ends(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text("x \n")
    (tmp_path / "prompts" / "loop").symlink_to(tmp_path)
    assert main(["check", "--no-config", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.count("PL105") == 1


def test_colour_only_on_a_terminal(repo: Path) -> None:
    pty = pytest.importorskip("pty")
    for env, coloured in (({}, True), ({"NO_COLOR": "1"}, False)):
        main_fd, child_fd = pty.openpty()
        try:
            subprocess.run(
                [sys.executable, "-m", "prefixlib", "check", "README.md"],
                stdout=child_fd,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **env},
                timeout=60,
                check=False,
            )
            out = os.read(main_fd, 65536)
        finally:
            os.close(main_fd)
            os.close(child_fd)
        assert (b"\x1b[" in out) is coloured
    piped = subprocess.run(
        [sys.executable, "-m", "prefixlib", "check", "README.md"], capture_output=True
    )
    assert b"\x1b[" not in piped.stdout + piped.stderr


def test_lock(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lock"]) == 0
    lock = (repo / "prefixlib.lock").read_text()
    assert lock.index('path = ".cursor/rules/style.mdc"') < lock.index('path = "AGENTS.md"')
    key = prefixlib.cache_key(project=(repo / "CLAUDE.md").read_bytes())
    assert f'path = "CLAUDE.md"\nkey = "{key}"' in lock
    assert main(["lock"]) == 0  # stable
    assert (repo / "prefixlib.lock").read_text() == lock
    assert main(["check", "--lock", "--select", "PL2", "."]) == 0
    (repo / "CLAUDE.md").write_text("Clean.\nOne more line.\n")
    capsys.readouterr()
    assert main(["check", "--lock", "--select", "PL2", "CLAUDE.md"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("CLAUDE.md:2:1: key changed since prefixlib.lock: ")
    (repo / "new.prompt").write_text("x\n")
    assert main(["check", "--lock", "--select", "PL2", "new.prompt"]) == 1
    assert "new.prompt:1:1: not in prefixlib.lock" in capsys.readouterr().out


def test_normalize_and_explain(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize", "AGENTS.md"]) == 0
    assert capsys.readouterr().out == "Hello\nToday's date is {{DATE_1}}.\n"
    assert main(["normalize", "--bindings", "AGENTS.md"]) == 0
    assert capsys.readouterr().out.endswith("{{DATE_1}} = 2026-11-24\n</session_bindings>\n")
    assert main(["normalize", "--layer", "base", "-i", "AGENTS.md"]) == 0
    assert (repo / "AGENTS.md").read_text() == "Hello\nToday's date is 2026-11-24.\n"
    (repo / "AGENTS.md").write_text("Hi  \nToday's date is 2026-11-24.\n")
    capsys.readouterr()
    assert main(["explain", "AGENTS.md"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "AGENTS.md:1:3: trailing-whitespace (PL105): trailing whitespace",
        "AGENTS.md:2:17: timestamp (PL301): date '2026-11-24' is session state "
        "(hoisted as {{DATE_1}})",
        "{{DATE_1}} = 2026-11-24",
    ]
    assert main(["explain", "--json", "AGENTS.md"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["rule"] for c in data["changes"]] == ["trailing-whitespace", "volatile"]
    assert data["bindings"] == {"{{DATE_1}}": "2026-11-24"}
    assert main(["explain", "--codes"]) == 0
    assert capsys.readouterr().out.count("\n") == len(CODES)


def test_readme_lists_every_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code, info in CODES.items():
        assert f"| `{code}` | `{info.name}` |" in readme


def test_corpus_findings_are_the_reviewed_ones(corpus: list[Path]) -> None:
    """Every finding of check over the corpus's Markdown files is one reviewed in the fixture."""
    fixture = REPO / "tests" / "fixtures" / "check_corpus.txt"
    reviewed = [
        line.split("  # ")[0]
        for line in fixture.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    files = sorted(str(p.relative_to(CORPUS)) for p in corpus if p.suffix == ".md")
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", "check", "--no-config", "-q", *files],
        cwd=CORPUS,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr == ""
    assert result.stdout.splitlines() == reviewed


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_only(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the delay, a terminal stderr shows [n/total] path, erased before the summary."""
    monkeypatch.setattr(Progress, "DELAY", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["check", "CLAUDE.md", "README.md"]) == 1
    shown = terminal.getvalue()
    assert "\r\x1b[K[1/2] CLAUDE.md" in shown
    assert "\r\x1b[K[2/2] README.md" in shown
    assert shown.endswith("\r\x1b[K1 finding in 1 file, 1 fixable with --fix\n")
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert main(["check", "CLAUDE.md", "README.md"]) == 1
    assert "[1/2]" not in piped.getvalue()


def test_binary_files(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A binary file under prompts/ is no prompt and is skipped; named, it is an error."""
    (repo / "prompts" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["check", "--select", "PL3", "prompts"]) == 0
    assert capsys.readouterr().err == "all clean: 1 file checked\n"
    assert main(["check", "prompts/logo.png"]) == 2
    assert "error: prompts/logo.png: byte 8: binary file (a NUL byte)" in capsys.readouterr().err


def test_no_prompt_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.md").write_text("x  \n")
    assert main(["check", "--no-config", str(tmp_path)]) == 0
    assert capsys.readouterr().err == (
        f"warning: no prompt files found in {tmp_path}\nall clean: 0 files checked\n"
    )


def test_lock_names_a_file_that_is_gone(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lock"]) == 0
    (repo / "CLAUDE.md").unlink()
    capsys.readouterr()
    assert main(["check", "--lock", "--select", "PL2"]) == 1
    assert "prefixlib.lock: CLAUDE.md: locked, but the file is gone" in capsys.readouterr().out


# argv -> exit status and a part of stdout: the options not covered above, one row each
OPTIONS = [
    (["check", "--root", "API=/srv/api", "--select", "PL302", "roots.md"], 1, "PL302"),
    (["check", "--layer", "base", "--select", "PL3", "AGENTS.md"], 1, "PL301"),
    (["check", "--no-config", "--select", "PL3", "CLAUDE.md"], 0, ""),
    (["normalize", "--root", "API=/srv/api", "roots.md"], 0, "Deploy {{API}}/x\n"),
    (["normalize", "-"], 2, ""),  # stdin holds an invalid UTF-8 byte
    (["explain", "--layer", "developer", "AGENTS.md"], 0, "timestamp (PL301)"),
    (["explain", "--root", "API=/srv/api", "roots.md"], 0, "{{API}} = /srv/api"),
    (["explain", "CLAUDE.md"], 0, ""),
    (["diff", "--root", "API=/srv/api", "roots.md", "roots.md"], 0, "equal: one key"),
    (["lock", "-o", "keys.lock", "CLAUDE.md"], 0, ""),
    (["lock", "-"], 2, ""),
]


@pytest.mark.parametrize(("argv", "status", "out"), OPTIONS)
def test_options(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    status: int,
    out: str,
) -> None:
    (repo / "roots.md").write_text("Deploy /srv/api/x\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff")))
    assert main(argv) == status
    captured = capsys.readouterr()
    assert out in captured.out
    if status == 2:
        assert captured.err.startswith("error: ")
    if argv[:3] == ["lock", "-o", "keys.lock"]:
        assert 'path = "CLAUDE.md"' in (repo / "keys.lock").read_text()


def test_internal_error_is_one_line_and_exit_123(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import prefixlib.cli.check as check

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(check, "prompt_files", broken)
    assert main(["check"]) == 123
    assert capsys.readouterr().err == "error: internal error: RuntimeError: a bug\n"


def test_diff_marks_a_missing_final_newline(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--diff", "prompts/review.txt"]) == 1
    out = capsys.readouterr().out
    assert out.endswith("-b\n\\ No newline at end of file\n+b\n")
    patched = (
        subprocess.run(
            ["patch", "-p0", "--dry-run"], input=out, text=True, capture_output=True, cwd=repo
        )
        if shutil.which("patch")
        else None
    )
    if patched is not None:
        assert patched.returncode == 0, patched.stdout + patched.stderr


def test_codes_of_policy_values() -> None:
    """A hoist_labels value is PL304, a user pattern's PL305, a root given by name PL302."""
    policy = prefixlib.Policy(
        hoist_labels=("shell",), patterns=({"name": "TICKET", "pattern": "JIRA-\\d+"},)
    )
    text = "shell: zsh\nSee JIRA-42.\nDeploy /srv/api/x\n"
    found = check_text(text, policy=policy, roots={"API": "/srv/api"}).findings
    assert [(f.code, f.line, f.column) for f in found] == [
        ("PL304", 1, 8),
        ("PL305", 2, 5),
        ("PL302", 3, 8),
    ]
