"""``prefixlib diff``: shared bytes, the divergence left, and the rules that removed the others."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import prefixlib
from prefixlib.cli import main
from prefixlib.divergence import compare

from .conftest import CAPTURES

A = "# Rules\r\n\r\nToday's date is 2026-11-24.\r\nAlways run the tests.  \r\n"
B = "# Rules\n\nToday's date is 2026-11-29.\nAlways run the tests.\n"
C = "# Rules\n\nToday's date is 2026-11-29.\nNever run the tests.\n"


def test_compare_equal_after_canonicalisation() -> None:
    d = compare({"project": A}, {"project": B})
    assert d.equal
    assert d.keys[0] == prefixlib.cache_key(project=B)
    assert d.raw_shared == len("# Rules")
    assert d.shared == d.sizes[0] == d.sizes[1] == prefixlib.canonicalize(project=B).size
    assert d.first is None
    assert [v.rule for v in d.vanished] == ["line-endings", "trailing-whitespace", "volatile"]
    assert d.vanished[0].place is not None
    assert (d.vanished[0].place.line, d.vanished[0].place.column) == (1, 8)


def test_compare_one_word() -> None:
    d = compare({"project": B}, {"project": C})
    assert not d.equal
    assert d.first is not None
    assert (d.first.layer, d.first.line, d.first.column) == ("project", 4, 1)
    assert d.first.a.startswith("Always")
    assert d.first.b.startswith("Never")
    assert d.shared == len("# Rules\n\nToday's date is {{DATE_1}}.\n")


def test_compare_tools_order() -> None:
    tools_a = [{"name": "b", "parameters": {}}, {"name": "a", "parameters": {}}]
    d = compare({"tools": tools_a}, {"tools": tools_a[::-1]})
    assert d.equal
    assert [v.rule for v in d.vanished] == ["tools"]


DIFF = [
    (["{a}", "{b}"], 0, ["equal: one key", "line-endings", "volatile"]),
    (["{b}", "{c}"], 1, ["first divergence at project 4:1", "  a: 'Always run", "  b: 'Never"]),
    (["--redact", "{b}", "{c}"], 1, ["first divergence at project 4:1"]),
    (["--layer", "base", "{a}", "{b}"], 0, ["equal"]),
]


@pytest.fixture
def prompts(tmp_path: Path) -> dict[str, str]:
    paths = {}
    for name, text in (("a", A), ("b", B), ("c", C)):
        path = tmp_path / f"{name}.md"
        path.write_bytes(text.encode())
        paths[name] = str(path)
    return paths


@pytest.mark.parametrize(("argv", "status", "expected"), DIFF)
def test_diff(
    prompts: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    status: int,
    expected: list[str],
) -> None:
    assert main(["diff", "--no-config", *(arg.format(**prompts) for arg in argv)]) == status
    out = capsys.readouterr().out
    for part in expected:
        assert part in out
    if "--redact" in argv:
        for word in ("Always", "Never", "Rules"):
            assert word not in out


def test_diff_json(prompts: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--json", "--redact", prompts["b"], prompts["c"]]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["equal"] is False
    assert data["canonical"]["first"] == {"layer": "project", "line": 4, "column": 1}
    assert data["a"]["kind"] == "prompt file"
    assert "Never" not in json.dumps(data)


def test_diff_request_bodies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Chat Completions bodies of two sessions: the system prompt differs by cwd and date."""

    def body(user: str, date: str) -> dict[str, object]:
        system = f"You are a helper.\nToday's date is {date}.\nThe cwd is /home/{user}/api.\n"
        return {
            "model": "m",
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "t", "parameters": {}}}],
        }

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(body("alice", "2026-11-24")))
    b.write_text(json.dumps(body("bob", "2026-11-29")))
    assert main(["diff", "--no-config", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert f"a: {a} (chat request)" in out
    assert "volatile             removed the divergence at base 2:" in out


# both pairs share one key since volatile hoists the Claude Code memory slug with its root
@pytest.mark.parametrize(("name", "status"), [("codex", 0), ("claude", 0)], ids=["codex", "claude"])
def test_diff_captures(name: str, status: int) -> None:
    if not CAPTURES.is_dir():
        pytest.skip(f"shared captures not found at {CAPTURES}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "prefixlib",
            "diff",
            "--no-config",
            f"{name}-a.json",
            f"{name}-b.json",
        ],
        cwd=CAPTURES,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "equal: one key" in result.stdout
    assert "volatile             removed the divergence at" in result.stdout
    assert "{{DATE_1}} = " in result.stdout


def test_diff_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [\n  1,,\n]}')
    other = tmp_path / "other.json"
    other.write_text('{"model": "m"}')
    ok = tmp_path / "ok.md"
    ok.write_text("x\n")
    assert main(["diff", str(bad), str(ok)]) == 2
    assert capsys.readouterr().err == f"error: {bad}:2:5: invalid JSON: Expecting value\n"
    assert main(["diff", str(other), str(ok)]) == 2
    assert "not a request body" in capsys.readouterr().err
    assert main(["diff", "-", "-"]) == 2
    assert "stdin (-) named twice" in capsys.readouterr().err


def test_diff_tokens(prompts: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from prefixlib.tokens import exact_counter

    counter = exact_counter()
    if counter is None:
        pytest.skip("the tokens extra is not installed (pip install 'prefixlib[tokens]')")
    assert main(["diff", "--json", "--tokens", prompts["b"], prompts["c"]]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["canonical"]["shared_tokens"] == counter("# Rules\n\nToday's date is {{DATE_1}}.\n")
    assert data["raw"]["shared_tokens"] == counter("# Rules\n\nToday's date is 2026-11-29.\n")
    assert main(["diff", "--tokens", "--encoding", "nope", prompts["b"], prompts["c"]]) == 2
    assert "error: --encoding nope: " in capsys.readouterr().err
