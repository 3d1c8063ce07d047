"""Keys depend on nothing but the input (SPEC.md 6): not on hash seeds, locale, time zone,
working directory, or whether prefixlib runs from the source tree or an installed wheel.

Each case runs the command line in a fresh interpreter under one environment, on every
golden vector (tests/vectors/v1.json) written to files, with the vector's policy file,
roots, namespace and secret file, and compares each printed key with the golden one.
One process per environment keeps the matrix at a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

VECTORS: list[dict[str, Any]] = json.loads(
    (REPO / "tests" / "vectors" / "v1.json").read_text(encoding="utf-8")
)["vectors"]

#: Runs ``prefixlib.cli.main`` on each argument list of stdin's JSON, printing name -> key.
DRIVER = """
import contextlib, io, json, locale, sys
try:  # the whole locale, as a host application that calls setlocale has it
    active = locale.setlocale(locale.LC_ALL, "")
except locale.Error:
    active = "unavailable"
import prefixlib
from prefixlib.cli import main
keys = {}
for name, argv in json.load(sys.stdin).items():
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # the CLI writes to stdout.buffer
    with contextlib.redirect_stdout(out):
        status = main(argv)
    out.flush()
    text = out.buffer.getvalue().decode("utf-8")
    keys[name] = json.loads(text)["key"] if status == 0 else f"exit {status}"
print(json.dumps({"file": prefixlib.__file__, "keys": keys, "locale": active}))
"""


def _toml(policy: dict[str, Any]) -> str:
    """A policy as TOML (JSON strings and arrays are TOML; objects become inline tables)."""
    lines = []
    for field, value in policy.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            tables = [
                "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in item.items()) + "}"
                for item in value
            ]
            lines.append(f"{field} = [{', '.join(tables)}]")
        else:
            lines.append(f"{field} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _commands(folder: Path) -> dict[str, list[str]]:
    """Every vector's layers written as files, and its ``prefixlib hash`` arguments."""
    commands = {}
    for index, vector in enumerate(VECTORS):
        case, where = vector["input"], folder / f"v{index}"
        where.mkdir()
        argv = ["hash", "--json"]
        for layer in ("base", "developer", "project", "tools"):
            value = case.get(layer)
            if value is None:
                value = ""
            if not isinstance(value, str):
                value = json.dumps(value)
            if layer == "tools" and not value:
                continue
            (where / layer).write_bytes(value.encode("utf-8"))
            argv += [f"--{layer}", str(where / layer)]
        for name, path in (case.get("roots") or {}).items():
            argv += ["--root", f"{name}={path}"]
        if "namespace" in case:
            argv += ["--namespace", case["namespace"]]
        if "secret_hex" in case:
            (where / "secret").write_text(case["secret_hex"] + "\n")
            argv += ["--secret-file", str(where / "secret")]
        if "policy" in case:
            (where / "policy.toml").write_text(_toml(case["policy"]), encoding="utf-8")
            argv += ["--config", str(where / "policy.toml")]
        else:
            argv.append("--no-config")
        commands[vector["name"]] = argv
    return commands


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    folder = tmp_path_factory.mktemp("determinism")
    # a working directory with a policy of its own: no vector may pick it up
    hostile = folder / "cwd"
    hostile.mkdir()
    (hostile / ".prefixlib.toml").write_text('ids = "keep"\ntools = "keep"\n')
    return folder, _commands(folder)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prefixlib's wheel, built from this tree and unpacked as an installer would."""
    try:
        import hatchling  # noqa: F401  # the build backend, in the 'test' extra
    except ImportError:
        pytest.skip("hatchling is not installed (pip install -e '.[test]'): no wheel to build")
    out = tmp_path_factory.mktemp("wheel")
    build = ["wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out)]
    subprocess.run(
        [sys.executable, "-m", "pip", *build, str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("prefixlib-*.whl")
    site = out / "site"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(site)
    return site


@pytest.fixture(scope="module")
def turkish(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment that makes tr_TR.UTF-8 available: nothing where the system has it,
    else ``LOCPATH`` naming one compiled here from the system's locale sources (no root)."""
    found = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    if "tr_tr.utf8" in found.stdout.lower().replace("-", "").split():
        return {}
    source = Path("/usr/share/i18n/locales/tr_TR")
    if shutil.which("localedef") is None or not source.is_file():
        pytest.skip("locale tr_TR.UTF-8 is not installed, nor localedef and its sources to make it")
    folder = tmp_path_factory.mktemp("locales")
    subprocess.run(
        ["localedef", "-i", "tr_TR", "-f", "UTF-8", str(folder / "tr_TR.UTF-8")],
        check=True,
        capture_output=True,
    )
    return {"LOCPATH": str(folder)}


#: Each dimension takes several values across the cases; a case varies several at once, so the
#: matrix is six fresh interpreters (plus the wheel and the console script).
ENVIRONMENTS: dict[str, dict[str, str]] = {
    "hashseed-0-locale-C": {"PYTHONHASHSEED": "0", "LANG": "C", "LC_ALL": "C"},
    "hashseed-12345-C.UTF-8-kiritimati": {
        "PYTHONHASHSEED": "12345",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "Pacific/Kiritimati",
    },
    "hashseed-random-tr_TR.UTF-8": {
        "PYTHONHASHSEED": "random",
        "LANG": "tr_TR.UTF-8",
        "LC_ALL": "tr_TR.UTF-8",
    },
    "tz-st-johns-cwd-root": {"TZ": "America/St_Johns", "cwd": "/"},
    "cwd-with-own-policy": {"cwd": "hostile", "TZ": "UTC"},
    "no-utf8-mode": {"PYTHONUTF8": "0", "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "utf-8"},
}


def _run(
    commands: dict[str, list[str]], env: dict[str, str], cwd: Path, path: str | None = None
) -> dict[str, Any]:
    """Run the driver in a fresh interpreter with ``env`` over the base environment."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHON"))}
    environ.pop("TZ", None)
    environ.update(env)
    if path is not None:
        environ["PYTHONPATH"] = path
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        cwd=cwd,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _expected() -> dict[str, str]:
    return {vector["name"]: vector["key"] for vector in VECTORS}


@pytest.mark.parametrize("name", list(ENVIRONMENTS))
def test_keys_are_the_same_in_every_environment(
    inputs: tuple[Path, dict[str, list[str]]], request: pytest.FixtureRequest, name: str
) -> None:
    folder, commands = inputs
    env = dict(ENVIRONMENTS[name])
    if env.get("LC_ALL", "").startswith("tr_TR"):
        env.update(request.getfixturevalue("turkish"))
    cwd = env.pop("cwd", str(folder))
    cwd_path = folder / "cwd" if cwd == "hostile" else Path(cwd)
    result = _run(commands, env, cwd_path)
    if "LC_ALL" in env:
        assert result["locale"].replace("-", "").lower() == env["LC_ALL"].replace("-", "").lower()
    assert result["keys"] == _expected()


def test_installed_wheel_gives_the_same_keys(
    inputs: tuple[Path, dict[str, list[str]]], wheel: Path
) -> None:
    _, commands = inputs
    result = _run(commands, {"PYTHONHASHSEED": "7"}, Path("/"), path=str(wheel))
    assert Path(result["file"]).is_relative_to(wheel), result["file"]
    assert result["keys"] == _expected()


def test_console_script_matches(inputs: tuple[Path, dict[str, list[str]]]) -> None:
    """The installed ``prefixlib`` command, not only ``main()``, on one vector per layer kind."""
    folder, commands = inputs
    script = Path(sys.executable).with_name("prefixlib")
    if not script.exists():
        pytest.skip(f"no prefixlib console script beside {sys.executable} (pip install -e .)")
    for name in ("every layer", "policy", "namespace and secret"):
        done = subprocess.run(
            [str(script), *commands[name]],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder / "cwd",
            env={**os.environ, "PYTHONHASHSEED": "99", "TZ": "Asia/Kathmandu"},
        )
        assert json.loads(done.stdout)["key"] == _expected()[name]
