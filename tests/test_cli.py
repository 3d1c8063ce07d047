"""The ``prefixlib`` command: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import prefixlib
from prefixlib.cli import main
from prefixlib.cli._common import Failure, request_body

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "session"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "a.md").write_bytes(b"Alpha  \r\n")
    (tmp_path / "b.md").write_text("Beta\n")
    (tmp_path / "bad.md").write_bytes(b"ok\nab\xffc")
    (tmp_path / "tools.json").write_text('{"tools": [{"name": "t"}]}')
    (tmp_path / "bad.json").write_text('[{"name": "t",\n  }]')
    (tmp_path / "secret").write_text("ab" * 32 + "\n")
    return tmp_path


def test_hash_files_like_b3sum(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = files / "a.md", files / "b.md"
    assert main(["hash", str(a), str(b)]) == 0
    assert capsys.readouterr().out == (
        f"{prefixlib.cache_key(project='Alpha')}  {a}\n{prefixlib.cache_key(project='Beta')}  {b}\n"
    )


def test_hash_layer_option(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash", "--layer", "base", str(files / "b.md")]) == 0
    assert capsys.readouterr().out.split()[0] == prefixlib.cache_key(base="Beta")


def test_hash_whole_prefix(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["hash", "--base", str(files / "a.md"), "--project", str(files / "b.md")]
    assert main([*args, "--tools", str(files / "tools.json"), "--namespace", "ns"]) == 0
    expected = prefixlib.cache_key(
        base="Alpha", project="Beta", tools=[{"name": "t"}], namespace="ns"
    )
    assert capsys.readouterr().out == expected + "\n"


def test_hash_json(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash", "--json", "--developer", str(files / "a.md")]) == 0
    out = json.loads(capsys.readouterr().out)
    cp = prefixlib.canonicalize(developer="Alpha")
    assert out == {
        "key": cp.key,
        "layer_keys": dict(cp.layer_keys),
        "layers": dict(cp.layers),
        "bindings": {},
        "spec": "1",
    }


def test_hash_json_files(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash", "--json", str(files / "b.md")]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["path"] == str(files / "b.md")
    assert entry["key"] == prefixlib.cache_key(project="Beta")


def test_secret_file(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash", "--secret-file", str(files / "secret"), str(files / "b.md")]) == 0
    key = capsys.readouterr().out.split()[0]
    assert key == prefixlib.cache_key(project="Beta", secret=bytes.fromhex("ab" * 32))


ERRORS = [
    (["hash", "{bad}"], "error: {bad}:2:3: invalid UTF-8 byte 0xff\n"),
    (["hash", "{missing}"], "error: {missing}: no such file\n"),
    (["hash", "{dir}"], "error: {dir}: is a directory\n"),
    (["hash", "--tools", "{badjson}"], "error: {badjson}:2:3: "),
    (["hash", "--project", "{bad}"], "error: {bad}:2:3: invalid UTF-8 byte 0xff\n"),
    (["hash", "--secret-file", "{beta}", "{beta}"], "error: {beta}: a secret file holds 32 raw"),
    (["hash", "--root", "NOEQUALS", "{beta}"], "error: --root 'NOEQUALS': expected NAME=PATH\n"),
    (["hash", "{beta}", "--base", "{beta}"], "error: give FILE arguments or --base"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS)
def test_errors_are_one_line_and_exit_2(
    files: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    places = {"bad": "bad.md", "missing": "missing.md", "dir": ".", "badjson": "bad.json"}
    names = {key: str(files / value) for key, value in (places | {"beta": "b.md"}).items()}
    assert main([arg.format(**names) for arg in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message.format(**names))
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_one_bad_file_does_not_stop_the_others(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hash", str(files / "missing.md"), str(files / "b.md")]) == 2
    captured = capsys.readouterr()
    assert captured.out.endswith(f"  {files / 'b.md'}\n")
    assert "no such file" in captured.err


USAGE_ERRORS = [
    (["hash", "--layer", "tools", "x"], "invalid choice: 'tools'"),
    (["hash", "{beta}", "-", "-"], "stdin (-) named more than once"),
    (["hash", "--base", "-", "--project", "-"], "stdin (-) named for more than one layer"),
    (["hash", "--project", "{beta}", "--project", "{beta}"], "--project given twice"),
    (["hash", "--tools", "{beta}", "--tools", "{beta}"], "--tools given twice"),
    (["hash", "--config", "{beta}", "--no-config", "{beta}"], "not allowed with argument"),
    (["check", "--fix", "--diff", "{beta}"], "--fix and --diff"),
    (["check", "--json", "--diff", "{beta}"], "--json and --diff"),
    (["check", "--json", "--fix", "-"], "--json with --fix -"),
    (["check", "--select", "E501", "{beta}"], "'E501' is not a code"),
    (["normalize", "--in-place", "--bindings", "{beta}"], "--in-place writes no bindings"),
    (["normalize", "--in-place", "-"], "--in-place needs FILE arguments"),
    (["explain"], "give a FILE"),
    (["nosuchverb"], "invalid choice: 'nosuchverb'"),
    ([], "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("argv", "message"), USAGE_ERRORS)
def test_usage_errors_exit_2(
    files: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    beta = str(files / "b.md")
    assert main([arg.format(beta=beta) for arg in argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_no_file_and_a_terminal_prints_usage() -> None:
    """With no FILE and stdin a terminal, hash prints usage and exits 2 instead of waiting."""
    pty = pytest.importorskip("pty")
    import os

    main_fd, child_fd = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "prefixlib", "hash"],
            stdin=child_fd,
            capture_output=True,
            timeout=60,
        )
    finally:
        os.close(main_fd)
        os.close(child_fd)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("usage: prefixlib hash")
    assert "stdin is a terminal" in result.stderr.decode()


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([flag]) == 0
    assert capsys.readouterr().out == f"prefixlib {prefixlib.__version__}\n"


def test_help_lists_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["check", "--help"], ["hash", "--help"]):
        assert main(argv) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "123 internal error" in out
        assert "2 usage or input error" in out


def test_module_and_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", "hash", "-"],
        input=b"Beta\r\n",
        capture_output=True,
        check=True,
    )
    assert result.stdout.decode() == f"{prefixlib.cache_key(project='Beta')}  -\n"


def test_stdin_error_names_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", "hash", "-"], input=b"\xff", capture_output=True
    )
    assert result.returncode == 2
    assert result.stderr.decode() == "error: <stdin>:1:1: invalid UTF-8 byte 0xff\n"


def test_readme_first_command() -> None:
    """The README's first command: the two bundled sessions share one key; what was hoisted."""
    readme = (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8")
    command = "prefixlib diff examples/sessions/alice.json examples/sessions/bob.json"
    assert f"pip install . && {command}\n" in readme
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", *command.split()[1:]],
        cwd=EXAMPLE.parents[1],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    unkeyed = re.sub(r"pl1_[\w-]{43}", "KEY", result.stdout)
    assert unkeyed in re.sub(r"pl1_[\w-]{43}", "KEY", readme), (
        "the README shows another output: paste the command's output in (keys may differ)"
    )
    assert "; equal: one key pl1_" in result.stdout
    for hoisted in ("{{ROOT_1}} = '/home/alice/work/api' / '/Users/bob/src/api'", "{{DATE_1}}"):
        assert hoisted in result.stdout
    for rule in ("line-endings", "volatile", "tools"):
        assert f"  {rule} " in result.stdout


def test_bundled_example() -> None:
    """The layers of one example session, given as files: one key for the whole prefix."""
    layers = {"base": "base.md", "developer": "developer.md", "project": "AGENTS.md"}
    argv = [f"--{name}={EXAMPLE / file}" for name, file in layers.items()]
    argv.append(f"--tools={EXAMPLE / 'tools.json'}")
    result = subprocess.run(
        [sys.executable, "-m", "prefixlib", "hash", *argv], capture_output=True, check=True
    )
    expected = prefixlib.cache_key(
        **{name: (EXAMPLE / file).read_bytes() for name, file in layers.items()},
        tools=(EXAMPLE / "tools.json").read_bytes(),
    )
    assert result.stdout.decode() == expected + "\n"


def test_policy_from_the_nearest_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.prefixlib]\nids = "keep"\n')
    (tmp_path / "sub").mkdir()
    prompt = tmp_path / "sub" / "a.md"
    prompt.write_text("Session ID: 5f3a1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b\n")
    monkeypatch.chdir(tmp_path / "sub")
    assert main(["hash", "--json", str(prompt)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["bindings"] == {}
    assert entry["key"] == prefixlib.cache_key(
        project=prompt.read_text(), policy=prefixlib.Policy(ids="keep")
    )
    assert main(["hash", "--no-config", "--json", str(prompt)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert list(entry["bindings"]) == ["{{ID_1}}"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            ".prefixlib.toml",
            'ids = "maybe"\n',
            ".prefixlib.toml: ids: expected 'hoist' or 'keep', got 'maybe'",
        ),
        (".prefixlib.toml", "ids = [\n", ".prefixlib.toml: invalid TOML: "),
        (".prefixlib.toml", "x = = 1\n", ".prefixlib.toml:1:5: invalid TOML: "),
        ("pyproject.toml", "[tool.prefixlib]\nbogus = 1\n", "pyproject.toml: bogus: unknown field"),
    ],
)
def test_bad_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    config = tmp_path / name
    config.write_text(content)
    (tmp_path / "a.md").write_text("x\n")
    assert main(["hash", "--config", str(config), str(tmp_path / "a.md")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / message.split(':')[0]}")
    assert message.split(":", 1)[1] in err
    assert err.count("\n") == 1


def test_root_option(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prompt = files / "root.md"
    prompt.write_text("Build /srv/acme/api/x\n")
    assert main(["hash", "--no-config", "--json", "--root", "API=/srv/acme/api", str(prompt)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["layers"]["project"] == "Build {{API}}/x\n"
    assert entry["bindings"] == {"{{API}}": "/srv/acme/api"}


REQUEST_BODIES = [
    ("a.md", "Plain prompt\n", None),
    ("a.md", "{not JSON} is a prompt\n", None),
    ("a.md", '{"note": "a JSON object without a request field"}', None),
    ("a.md", '  {"input": "hi"}', {"input": "hi"}),
    ("r.json", '{"messages": []}', {"messages": []}),
    ("-", '{"system": "s"}', {"system": "s"}),
]


@pytest.mark.parametrize(("path", "text", "expected"), REQUEST_BODIES)
def test_request_body_or_prompt(path: str, text: str, expected: object) -> None:
    """diff, report and learn tell a request body from a prompt by one rule (SPEC.md 9.1)."""
    assert request_body(text, path) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"input": \n', "r.json:2:1: invalid JSON: "),
        ('{"tools": []}', "r.json: not a request body: a JSON object with input, instructions"),
        ("plain text", "r.json:1:1: invalid JSON: "),
    ],
)
def test_a_json_file_must_be_a_request_body(text: str, message: str) -> None:
    with pytest.raises(Failure) as info:
        request_body(text, "r.json")
    assert str(info.value).startswith(message)
