"""Fuzz target: the command line's file path, ``prefixlib hash`` on a file of the fuzzer's bytes.

Run it (see fuzz/README.md)::

    pip install -e '.[fuzz]'
    python fuzz/run.py --targets cli --seconds 300

The input's first byte picks the layer the file is read into (or the tools file); the
rest is the file.  :func:`check` runs ``prefixlib hash --json`` in this process and fails
unless it exits 0 with the key ``canonicalize`` gives for the same bytes, or exits 2 with
exactly one line ``error: PATH...`` on stderr and nothing on stdout: a traceback or exit
code 123 is a bug.  Then ``check --fix`` on a prompt file must exit 0, 1 or 2; an error
(its line first, naming the file) leaves the file as it was; a fix keeps the file's mode
and its key, and a second fix changes nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
import tempfile
import unittest.mock
from pathlib import Path

try:
    import atheris  # a fuzzing dependency only: pip install -e '.[fuzz]'
except ImportError:
    atheris = None

#: Under atheris, only prefixlib's own code is instrumented (all of pydantic took minutes).
_FUZZING = atheris is not None and __name__ == "__main__"
with atheris.instrument_imports(include=["prefixlib"]) if _FUZZING else contextlib.nullcontext():
    import prefixlib
    from prefixlib.cli import main as cli

_DIR = Path(tempfile.mkdtemp(prefix="prefixlib-fuzz-cli-"))
_FILE = _DIR / "prompt.md"
_CHOICES = (("--layer", "project"), ("--layer", "base"), ("--tools",))
#: ``check --fix`` is on the cli branch; without it the target checks ``hash`` only.
_HAS_CHECK = importlib.util.find_spec("prefixlib.cli.check") is not None


def _no_fsync(fd: int) -> None:
    """``os.fsync`` while fuzzing: durability is not what the target tests, and a sync per
    rewrite made it several times slower."""


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run the command line in this process: exit status, stdout, stderr."""
    out, err = _stream(), _stream()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        unittest.mock.patch("os.fsync", _no_fsync),
    ):
        try:
            status = cli(argv)
        except SystemExit as e:  # argparse
            status = e.code if isinstance(e.code, int) else 2
    return status, _text(out), _text(err)


def _stream() -> io.TextIOWrapper:
    """A text stream with a ``buffer``, as ``sys.stdout`` has (the CLI writes bytes there)."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\n")


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    data: bytes = stream.buffer.getvalue()  # type: ignore[attr-defined]
    return data.decode("utf-8")


def check(data: bytes) -> None:
    """Hash a file holding ``data`` and check the outcome (SPEC.md 2-6, README: Bad input)."""
    choice = _CHOICES[data[0] % len(_CHOICES)] if data else _CHOICES[0]
    body = data[1:]
    _FILE.write_bytes(body)
    if choice == ("--tools",):
        argv = ["hash", "--no-config", "--json", "--tools", str(_FILE)]
    else:
        argv = ["hash", "--no-config", "--json", *choice, str(_FILE)]
    key = hash_file(argv, choice, body)
    if choice != ("--tools",) and _HAS_CHECK:
        fix(choice[1], body, key)


def hash_file(argv: list[str], choice: tuple[str, ...], body: bytes) -> str | None:
    """Run ``hash`` and check its outcome; the key, or None for an input error."""
    status, out, err = run(argv)
    if status == 2:
        one_error(out, err)
        return None
    assert status == 0, f"exit {status}: {err!r}"
    assert err == "", f"stderr on success: {err!r}"
    result = json.loads(out)
    key: str = result["key"] if choice == ("--tools",) else result[0]["key"]
    layer = "tools" if choice == ("--tools",) else choice[1]
    assert b"\x00" not in body
    assert key == prefixlib.cache_key(**{layer: body}, memo=False), "CLI and API keys differ"
    return key


def one_error(out: str, err: str) -> None:
    """Exit 2 means one line ``error: FILE...`` on stderr and no output."""
    assert out in ("", "[]\n"), f"output with an error: {out!r}"
    assert err.startswith(f"error: {_FILE}"), f"error does not name the file: {err!r}"
    assert err.count("\n") == 1, f"not one line: {err!r}"
    assert err.endswith("\n"), f"not one line: {err!r}"
    assert "Traceback" not in err


def fix(layer: str, body: bytes, key: str | None) -> None:
    """``check --fix`` on the file: exit 0, 1 or 2; an error leaves the file as it was; a fix
    keeps the file's mode and its key, and a second fix changes nothing."""
    _FILE.write_bytes(body)
    _FILE.chmod(0o640)
    argv = ["check", "--fix", "--no-config", "--layer", layer, str(_FILE)]
    status, _, err = run(argv)
    assert status in (0, 1, 2), f"check --fix exit {status}: {err!r}"
    if status == 2:  # the error's one line, then check's summary line
        assert err.startswith(f"error: {_FILE}"), f"error does not name the file: {err!r}"
        assert "Traceback" not in err
        assert _FILE.read_bytes() == body, "an error changed the file"
        return
    assert _FILE.stat().st_mode & 0o777 == 0o640, "the fix changed the file's mode"
    fixed = _FILE.read_bytes()
    if key is not None:
        assert prefixlib.cache_key(**{layer: fixed}, memo=False) == key, "the fix changed the key"
    status, _, err = run(argv)
    assert status in (0, 1), f"second check --fix exit {status}: {err!r}"
    assert _FILE.read_bytes() == fixed, "a second fix changed the file"


def seeds(shared: Path) -> list[bytes]:
    """Seeds from ../shared: corpus files as prompts, captured tools as tools files."""
    inputs = []
    corpus = sorted(p for p in (shared / "corpus").rglob("*") if p.is_file())
    for index, path in enumerate(corpus):
        inputs.append(bytes([index % 2]) + path.read_bytes())
    for path in sorted((shared / "captures").glob("*.json")):
        tools = json.loads(path.read_bytes()).get("tools") or []
        inputs.append(b"\x02" + json.dumps(tools, indent=1).encode("utf-8"))
    return inputs


def main() -> None:
    """Run under atheris (libFuzzer)."""
    if atheris is None:
        sys.exit("atheris is not installed: pip install -e '.[fuzz]', or run fuzz/run.py")
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
