"""Hardening (issue 12): every bad input is one clear error, and nothing is lost.

One table, :data:`CATALOGUE`, drives the command line: each row is a file (or a layer
file and a tools file) and the one line ``error: PATH:LINE:COL: reason`` it must give,
with exit code 2 and no traceback.  The API rows check that a wrong type is an
:class:`~prefixlib.ArgumentError` (a ``PrefixlibError`` and a ``TypeError``), never an
``AttributeError``.  README.md's "Bad input" table lists the same rows.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import prefixlib
from prefixlib.cli import main

#: (id, files to write, hash arguments, the stderr line as a regex; ``{d}`` is the folder)
CATALOGUE: list[tuple[str, dict[str, bytes], list[str], str]] = [
    (
        "invalid-utf8",
        {"a.md": b"ok\nab\xffc"},
        ["a.md"],
        r"{d}/a.md:2:3: invalid UTF-8 byte 0xff",
    ),
    (
        "nul-byte",
        {"a.md": b"text\x00more"},
        ["a.md"],
        r"{d}/a.md: byte 4: binary file \(a NUL byte\)",
    ),
    (
        "binary-executable",
        {"a.bin": b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe"},
        ["a.bin"],
        r"{d}/a.bin: byte 7: binary file \(a NUL byte\)",
    ),
    ("directory", {"sub/x.md": b"x"}, ["sub"], r"{d}/sub: is a directory"),
    ("missing", {}, ["nope.md"], r"{d}/nope.md: no such file"),
    (
        "tools-malformed",
        {"t.json": b'[{"name": "a",\n  }]'},
        ["--tools", "t.json"],
        r"{d}/t.json:2:3: expecting property name enclosed in double quotes",
    ),
    (
        "tools-not-a-list",
        {"t.json": b'{"tools":\n  {"name": "a"}}'},
        ["--tools", "t.json"],
        r"{d}/t.json:2:3: expected a JSON array of tool definitions or an object with a "
        r"'tools' array",
    ),
    (
        "tools-duplicate-name",
        {"t.json": b'[{"name": "read"},\n {"type": "function", "name": "read"}]'},
        ["--tools", "t.json"],
        r'{d}/t.json:2:31: duplicate tool name "read" \(tools 0 and 1\)',
    ),
    (
        "tools-duplicate-function-name",
        {"t.json": b'{"tools": [\n {"function": {"name": "a"}},\n {"function": {"name": "a"}}]}'},
        ["--tools", "t.json"],
        r'{d}/t.json:3:24: duplicate tool name "a" \(tools 0 and 1\)',
    ),
    (
        "tools-duplicate-key",
        {"t.json": b'[{"name": "a",\n  "x": 1,\n  "x": 2}]'},
        ["--tools", "t.json"],
        r'{d}/t.json:3:3: duplicate key "x"',
    ),
    (
        "tools-nan",
        {"t.json": b'[{"name": "a", "default": NaN}]'},
        ["--tools", "t.json"],
        r"{d}/t.json:1:27: non-standard constant NaN is not valid JSON",
    ),
    (
        "tools-beyond-double",
        {"t.json": b'[{"name": "a",\n "max": 1e400}]'},
        ["--tools", "t.json"],
        r"{d}/t.json:2:9: number 1e400 is out of range of an IEEE 754 double",
    ),
    (
        "tools-integer-beyond-2-53",
        {"t.json": b'[{"name": "a", "max": 9007199254740993}]'},
        ["--tools", "t.json"],
        r"{d}/t.json:1:23: integer 9007199254740993 exceeds 2\*\*53-1 in magnitude",
    ),
    (
        "tools-nested-100000-deep",
        {"t.json": b"[" * 100_000 + b"]" * 100_000},
        ["--tools", "t.json"],
        r"{d}/t.json:1:100000: value is nested too deeply \(100000 levels here\)",
    ),
    (
        "tools-nested-deep-in-a-schema",
        {"t.json": b'[{"name": "a",\n  "p": ' + b"[" * 5000 + b"]" * 5000 + b"}]"},
        ["--tools", "t.json"],
        r"{d}/t.json:2:5007: value is nested too deeply \(5002 levels here\)",
    ),
    (
        "policy-unknown-field",
        {"a.md": b"x\n", "My.Config.toml": b"bogus = 1\n"},
        ["--config", "My.Config.toml", "a.md"],
        r"{d}/My.Config.toml: bogus: unknown field",
    ),
    (
        "policy-ill-typed-field",
        {"a.md": b"x\n", "My.Config.toml": b'hoist_labels = "shell"\n'},
        ["--config", "My.Config.toml", "a.md"],
        r"{d}/My.Config.toml: hoist_labels: expected an array, got str 'shell'",
    ),
    (
        "policy-pattern-name-case-kept",
        {"a.md": b"x\n", "My.Config.toml": b'patterns = [{name = "ticket", pattern = "T-1"}]\n'},
        ["--config", "My.Config.toml", "a.md"],
        r"{d}/My.Config.toml: patterns.0.name: 'ticket' does not match \^\[A-Z\]\[A-Z0-9_\]\*\$",
    ),
    (
        "policy-pattern-re2-cannot-run",
        {"a.md": b"x\n", "My.Config.toml": b'patterns = [{name = "T", pattern = "(?<=A)B"}]\n'},
        ["--config", "My.Config.toml", "a.md"],
        r"{d}/My.Config.toml: patterns.0.pattern: RE2 cannot compile the pattern \(\?<=A\)B "
        r"\(invalid perl operator: \(\?<=\); prefixlib runs patterns in linear time, without "
        r"lookarounds or backreferences",
    ),
]


@pytest.mark.parametrize(
    ("files", "args", "expected"), [row[1:] for row in CATALOGUE], ids=[row[0] for row in CATALOGUE]
)
def test_catalogue(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, bytes],
    args: list[str],
    expected: str,
) -> None:
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    paths = [
        str(tmp_path / a) if ("." in a and not a.startswith("-")) or a == "sub" else a for a in args
    ]
    if "--config" not in args:
        paths.append("--no-config")
    assert main(["hash", *paths]) == 2
    captured = capsys.readouterr()
    assert captured.out in ("", "[]\n")
    line = expected.replace("{d}", re.escape(str(tmp_path)))
    assert re.fullmatch(f"error: {line}.*\n", captured.err), captured.err


def test_empty_file_hashes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty file is an empty layer, not an error (README: Bad input)."""
    (tmp_path / "empty.md").write_bytes(b"")
    assert main(["hash", "--no-config", str(tmp_path / "empty.md")]) == 0
    assert capsys.readouterr().out.split()[0] == prefixlib.cache_key(project="", memo=False)


def test_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "secret.md"
    path.write_text("x\n")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the read fail as it would for a user
        real = Path.read_bytes

        def denied(self: Path) -> bytes:
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["hash", "--no-config", str(path)]) == 2
    assert re.fullmatch(
        f"error: {re.escape(str(path))}: permission denied\n", capsys.readouterr().err, re.I
    )


def test_symlink_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert main(["hash", "--no-config", str(tmp_path / "loop")]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(f"error: {tmp_path}/loop: too many levels of symbolic links\n", err, re.I)


def test_binary_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class Stdin:
        buffer = __import__("io").BytesIO(b"ab\x00")

    monkeypatch.setattr("sys.stdin", Stdin)
    assert main(["hash", "--no-config", "-"]) == 2
    assert capsys.readouterr().err == "error: <stdin>: byte 2: binary file (a NUL byte)\n"


def test_secret_file_may_hold_nul_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A secret file is 32 raw bytes, not a prompt: the binary check is for prompts only."""
    secret = bytes(32)
    (tmp_path / "s").write_bytes(secret)
    (tmp_path / "a.md").write_text("x\n")
    args = ["hash", "--no-config", "--secret-file", str(tmp_path / "s"), str(tmp_path / "a.md")]
    assert main(args) == 0
    expected = prefixlib.cache_key(project="x", secret=secret, memo=False)
    assert capsys.readouterr().out.split()[0] == expected


# --- messages are never case-folded (item 2) --------------------------------------------


def test_policy_messages_keep_the_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "My.Config.toml"
    config.write_text('patterns = [{name = "T", pattern = "^[A-Z]+(?=X)"}]\n')
    (tmp_path / "a.md").write_text("x\n")
    assert main(["hash", "--config", str(config), str(tmp_path / "a.md")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}/My.Config.toml: patterns.0.pattern: ")
    assert "^[A-Z]+(?=X)" in err
    with pytest.raises(prefixlib.PolicyError, match=re.escape("'x' does not match ^[A-Z]")):
        prefixlib.Policy(patterns=[{"name": "x", "pattern": "^[A-Z]"}])


def test_json_messages_keep_the_case() -> None:
    with pytest.raises(prefixlib.ToolsError) as info:
        prefixlib.canonicalize(tools='[{"name": "A"}, {"name": "A"}]')
    assert '"A"' in str(info.value)
    with pytest.raises(prefixlib.ToolsError, match=r'duplicate key "X"'):
        prefixlib.canonicalize(tools='[{"name": "a", "X": 1, "X": 2}]')


# --- wrong types through every public function (item 3) --------------------------------

_CP = prefixlib.canonicalize(base="b", tools=[{"name": "t"}], memo=False)

WRONG_TYPES: list[tuple[str, Callable[[], object], str]] = [
    ("text-int", lambda: prefixlib.canonicalize(base=5), "base must be str, bytes or None"),
    ("roots-list", lambda: prefixlib.canonicalize(roots=["/a"]), "roots must be a mapping"),
    (
        "root-path-int",
        lambda: prefixlib.canonicalize(roots={"PROJECT_ROOT": 1}),
        "root PROJECT_ROOT must be a str path, not int",
    ),
    ("root-name-int", lambda: prefixlib.canonicalize(roots={1: "/a"}), "a root name must be str"),
    ("policy-dict", lambda: prefixlib.canonicalize(policy={}), "policy must be a prefixlib.Policy"),
    ("namespace-bytes", lambda: prefixlib.cache_key(namespace=b"x"), "namespace must be str"),
    ("secret-str", lambda: prefixlib.cache_key(secret="x" * 32), "secret must be bytes"),
    ("secret-short", lambda: prefixlib.cache_key(secret=b"x"), "secret must be 32 bytes, got 1"),
    ("memo-none", lambda: prefixlib.canonicalize(memo=None), "memo must be True or False"),
    (
        "derive-tools-list",
        lambda: prefixlib.derive_keys({"tools": [{"name": "t"}]}),
        "layer tools must be str or bytes, not list",
    ),
    ("derive-list", lambda: prefixlib.derive_keys(["base"]), "layers must be a mapping"),
    ("derive-unknown", lambda: prefixlib.derive_keys({"system": ""}), "unknown layer 'system'"),
    (
        "derive-policy",
        lambda: prefixlib.derive_keys({}, policy="default"),
        "policy must be a prefixlib.Policy",
    ),
    ("cacheability-model", lambda: prefixlib.cacheability(model=5), "model must be str"),
    ("cacheability-roots", lambda: prefixlib.cacheability(roots=["/a"]), "roots must be a"),
    ("learn-int", lambda: prefixlib.learn(5), "samples must be a list of prefixes, not int"),  # type: ignore[arg-type]
    ("learn-str", lambda: prefixlib.learn("ab"), "samples must be a list of prefixes, not str"),
    ("learn-sample", lambda: prefixlib.learn([{"base": 1}, "x"]), "base must be str, bytes"),
]


@pytest.mark.parametrize(
    ("call", "message"), [row[1:] for row in WRONG_TYPES], ids=[row[0] for row in WRONG_TYPES]
)
def test_wrong_types(call: Callable[[], object], message: str) -> None:
    with pytest.raises(prefixlib.ArgumentError, match=f"^{re.escape(message)}") as info:
        call()
    assert isinstance(info.value, prefixlib.PrefixlibError)
    assert isinstance(info.value, TypeError)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tools": 5}, "tools: expected a JSON array of tool definitions"),
        ({"tools": [1]}, "tools: tool 0 is not a JSON object"),
        ({"tools": {"a": 1}}, "tools: expected a JSON array of tool definitions"),
        ({"tools": [{"name": float("nan")}]}, "tools: tool 0"),
        ({"base": "a\ud800"}, "base:1:2: lone surrogate U+D800"),
        ({"namespace": "n\udfff"}, "namespace:1:2: lone surrogate U+DFFF"),
        ({"roots": {"PROJECT_ROOT": "/a/\ud800"}}, "root PROJECT_ROOT:1:4: lone surrogate"),
        ({"policy": None, "tools": b"\xff"}, "tools:1:1: invalid UTF-8 byte 0xff"),
    ],
)
def test_bad_values_are_prefixlib_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(prefixlib.PrefixlibError, match=f"^{re.escape(message)}"):
        prefixlib.canonicalize(**kwargs, memo=False)


def test_policy_construction_is_a_policy_error() -> None:
    with pytest.raises(prefixlib.PolicyError, match=r"^ids: expected 'hoist' or 'keep', got 'x'"):
        prefixlib.Policy(ids="x")
    with pytest.raises(prefixlib.PolicyError, match=r"^x\.toml: expected a table, got list"):
        prefixlib.Policy.from_mapping([], source="x.toml")  # type: ignore[arg-type]


def test_derive_keys_takes_layer_bytes() -> None:
    """The README's ``derive_keys(cp.layer_bytes)``: bytes are what the keys hash."""
    assert prefixlib.derive_keys(_CP.layer_bytes) == dict(_CP.layer_keys)
    assert prefixlib.derive_keys(_CP.layers) == dict(_CP.layer_keys)


def test_derive_keys_verify() -> None:
    """Without ``verify`` non-canonical text gets keys no canonicalize gives; with it, an error
    at the first byte that differs."""
    layers = {"base": "b\n", "project": "a  \nb\n"}
    unverified = prefixlib.derive_keys(layers)
    assert unverified["project"] != prefixlib.canonicalize(**layers).layer_keys["project"]
    with pytest.raises(prefixlib.InputError, match=r"^project:1:2: not canonical"):
        prefixlib.derive_keys(layers, verify=True)
    with pytest.raises(prefixlib.InputError, match=r"^tools:1:11: not canonical"):
        prefixlib.derive_keys({"tools": '[{"name":"b"},{"name":"a"}]'}, verify=True)
    cp = prefixlib.canonicalize(
        base="Today's date is 2026-11-24\n", project="x (unordered):\n- b\n- a\n", tools="[]"
    )
    assert prefixlib.derive_keys(cp.layer_bytes, verify=True) == dict(cp.layer_keys)


# --- restore() has all four layers (item 4) ----------------------------------------------


def test_restore_returns_all_four_layers() -> None:
    cp = prefixlib.canonicalize(
        base="Today's date is 2026-11-24\r\n",
        project="Escape {{DATE_1}} stays\n",
        tools='[{"name": "b"}, {"name": "a"}]',
    )
    restored = cp.restore()
    assert list(restored) == list(prefixlib.LAYERS)
    assert restored["base"] == "Today's date is 2026-11-24\n"
    assert restored["project"] == "Escape {{DATE_1}} stays\n"
    assert restored["tools"] == cp.layers["tools"] == '[{"name":"a"},{"name":"b"}]'
    assert restored["developer"] == ""


def test_placeholder_look_alikes_round_trip() -> None:
    """Input that looks like a placeholder is escaped, never taken for one (SPEC.md 5)."""
    text = "Today's date is 2026-11-24\nLiteral {{DATE_1}} and {{!DATE_1}} and [[ROOT_1]]\n"
    cp = prefixlib.canonicalize(project=text, memo=False)
    assert cp.restore()["project"] == text
    other = prefixlib.canonicalize(project=text.replace("{{DATE_1}}", "2026-11-24"), memo=False)
    assert other.key != cp.key


def test_restore_keeps_placeholder_syntax_in_tools() -> None:
    """A tool's own text is never taken for a placeholder of the text layers: the restored
    tools layer is the tools as given (SPEC.md 5.8)."""
    tools = [{"name": "t", "description": "Use {{DATE_1}} and {{!DATE_1}} as written"}]
    cp = prefixlib.canonicalize(base="Today's date is 2026-11-24\n", tools=tools, memo=False)
    assert cp.bindings == {"{{DATE_1}}": "2026-11-24"}
    assert json.loads(cp.restore()["tools"]) == tools


# --- check --fix never loses what the user had (README: Bad input) ----------------------


@pytest.fixture
def messy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A prompt file --fix would rewrite (CRLF, trailing spaces), mode 0640."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "AGENTS.md"
    path.write_bytes(b"Alpha  \r\nbeta\r\n")
    path.chmod(0o640)
    return path


@pytest.mark.parametrize(
    ("function", "error"),
    [
        ("fsync", OSError(28, "No space left on device")),
        ("replace", OSError(30, "Read-only file system")),
        ("fdopen", PermissionError(13, "Permission denied")),
    ],
)
def test_fix_on_a_full_disk_or_read_only_folder(
    messy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    function: str,
    error: OSError,
) -> None:
    def failing(*args: object, **kwargs: object) -> object:
        raise error

    monkeypatch.setattr(os, function, failing)
    assert main(["check", "--fix", "--no-config", str(messy)]) == 2
    monkeypatch.undo()
    err = capsys.readouterr().err.splitlines()[0]
    assert err == f"error: {messy}: cannot write: {error.strerror}; the file is unchanged"
    assert messy.read_bytes() == b"Alpha  \r\nbeta\r\n"
    assert messy.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in messy.parent.iterdir()] == ["AGENTS.md"]  # no temporary file left


def test_fix_of_a_file_changed_meanwhile(
    messy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor saves the file while --fix works on it: the editor's text stays."""
    import prefixlib.cli.check as check

    real = check.check_text

    def slow(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        messy.write_bytes(b"saved by the editor meanwhile\n")
        return result

    monkeypatch.setattr(check, "check_text", slow)
    assert main(["check", "--fix", "--no-config", str(messy)]) == 2
    err = capsys.readouterr().err.splitlines()[0]
    assert err == f"error: {messy}: changed on disk while it was being fixed; not rewritten"
    assert messy.read_bytes() == b"saved by the editor meanwhile\n"


def test_fix_keeps_the_mode(messy: Path) -> None:
    assert main(["check", "--fix", "--no-config", str(messy)]) in (0, 1)
    assert messy.read_bytes() == b"Alpha\nbeta\n"
    assert messy.stat().st_mode & 0o777 == 0o640


def test_check_a_folder_with_a_symlink_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "AGENTS.md").write_text("Alpha\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self").symlink_to(tmp_path / "self")
    assert main(["check", "--no-config", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err
