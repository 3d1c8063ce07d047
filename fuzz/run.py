"""Run the fuzz targets for a while each; fail on a crash and keep the crashing input.

    python fuzz/run.py                       # every target, 20 s each (what .ci/run does)
    python fuzz/run.py --targets cli --seconds 600
    python fuzz/run.py --engine fallback     # without atheris: the same checks, random mutation

Each target (``fuzz/fuzz_<name>.py``) is seeded from ../shared (``$PREFIXLIB_SHARED``), run
under atheris (libFuzzer) in a process of its own with a fixed ``-seed``, and its figures
printed: executions, executions per second, new coverage.  A crash leaves its input in
``fuzz/crashes/`` (``--crashes``), the status is 1, and
``python fuzz/fuzz_<name>.py fuzz/crashes/<file>`` replays it.  Without atheris
(``--engine auto`` finds it missing) the fallback driver runs the same ``check`` on the seeds
and on seeded random mutations of them in this process.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
TARGETS = ("canonicalize", "adapters", "cli")
SHARED = Path(os.environ.get("PREFIXLIB_SHARED", HERE.parent.parent / "shared"))

#: Byte strings a mutation may insert: the shapes the rules look for and their edges.
TOKENS = (
    b"\x00", b"\r\n", b"\r", b"\n\n\n", b"\xef\xbb\xbf", b"\xe2\x80\x8b", b"\xff", b"\xed\xa0\x80",
    b"```", b"~~~", b"\n```python\n", b"- ", b"* ", b"1. ", b" (unordered):\n", b"in any order",
    b"<!-- prefixlib: unordered -->", b"Today's date is ", b"2026-11-24", b"T10:00:00Z",
    b"/home/alice/", b"/Users/bob/", b"C:\\Users\\carol\\", b"/tmp/", b"~/", b"cwd: ",
    b"<env>\n", b"</env>", b"<environment_context>", b"Session ID: ",
    b"5f3a1c2e-9b1d-4c1e-8f00-1234567890ab", b"{{DATE_1}}", b"{{!ROOT_1}}", b"[[ROOT_1]]",
    b"<<HOME_1>>", b'{"name": "a"}', b'"name"', b"[", b"]", b"{", b"}", b",", b":", b'"',
    b"\\u0000", b"\\ud800", b"1e400", b"NaN", b"9007199254740993", b"-0.0", b"\xcc\x81",
)  # fmt: skip


def load(name: str) -> ModuleType:
    """The target module ``fuzz/fuzz_<name>.py``."""
    path = HERE / f"fuzz_{name}.py"
    spec = importlib.util.spec_from_file_location(f"fuzz_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def available(name: str) -> str | None:
    """Why a target cannot run here, or None: the adapters target needs prefixlib.adapters."""
    if name == "adapters" and importlib.util.find_spec("prefixlib.adapters") is None:
        return "prefixlib.adapters is not in this tree yet"
    return None


def write_seeds(module: ModuleType, folder: Path) -> int:
    """The target's seeds from ../shared as files in ``folder``; how many."""
    if not SHARED.is_dir():
        print(f"  no seeds: {SHARED} not found (set PREFIXLIB_SHARED)")
        return 0
    seeds = module.seeds(SHARED)
    for data in seeds:
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    return len(seeds)


def run_atheris(name: str, seconds: float, crashes: Path) -> bool:
    """One target under libFuzzer in a child process; True if it ran without a crash."""
    with tempfile.TemporaryDirectory(prefix=f"prefixlib-fuzz-{name}-") as tmp:
        work, seeds = Path(tmp, "work"), Path(tmp, "seeds")
        work.mkdir()
        seeds.mkdir()
        write_seeds(load(name), seeds)
        command = [
            sys.executable,
            str(HERE / f"fuzz_{name}.py"),
            str(work),
            str(seeds),
            f"-max_total_time={int(seconds)}",
            "-seed=1",
            "-timeout=30",
            "-rss_limit_mb=2048",
            "-max_len=262144",  # the captured requests are 40-90 KB
            "-print_final_stats=1",
            f"-artifact_prefix={crashes}/{name}-",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    log = done.stdout + done.stderr
    runs = _stat(log, "number_of_executed_units")
    rate = _stat(log, "average_exec_per_sec")
    edges = (re.findall(r"cov: (\d+)", log) or ["?"])[-1]
    print(f"  atheris: {runs} executions, {rate} per second, {edges} edges, exit {done.returncode}")
    if done.returncode != 0:
        print(log[-6000:])
        return False
    return True


def _stat(log: str, name: str) -> str:
    found = re.search(rf"stat::{name}:\s*(\d+)", log)
    return found[1] if found else "?"


def run_fallback(name: str, seconds: float, crashes: Path) -> bool:
    """The same checks without atheris: the seeds, then seeded random mutations of them."""
    module = load(name)
    check: Callable[[bytes], None] = module.check
    corpus = module.seeds(SHARED) if SHARED.is_dir() else []
    corpus = corpus or [b"\x00Today's date is 2026-11-24\n"]
    rng = random.Random(1)
    runs, start = 0, time.perf_counter()
    for data in _inputs(corpus, rng):
        try:
            check(data)
        except Exception:
            path = crashes / f"{name}-crash-{hashlib.sha1(data).hexdigest()}"
            path.write_bytes(data)
            print(f"  CRASH after {runs} executions; input kept in {path}")
            raise
        runs += 1
        if time.perf_counter() - start > seconds:
            break
    elapsed = time.perf_counter() - start
    print(f"  fallback: {runs} executions, {runs / elapsed:.0f} per second")
    return True


def _inputs(corpus: list[bytes], rng: random.Random) -> object:
    yield from corpus
    while True:
        data = bytearray(rng.choice(corpus))
        for _ in range(rng.randint(1, 8)):
            _mutate(data, rng, corpus)
        yield bytes(data[:262144])


def _mutate(data: bytearray, rng: random.Random, corpus: list[bytes]) -> None:
    """One libFuzzer-like mutation in place."""
    at = rng.randint(0, len(data))
    kind = rng.randrange(6)
    if kind == 0:
        data[at:at] = rng.choice(TOKENS)
    elif kind == 1 and data:
        del data[at : at + rng.randint(1, 64)]
    elif kind == 2 and data:
        data[min(at, len(data) - 1)] = rng.randrange(256)
    elif kind == 3 and data:
        start = rng.randrange(len(data))
        data[at:at] = data[start : start + rng.randint(1, 256)] * rng.randint(1, 4)
    elif kind == 4:
        other = rng.choice(corpus)
        start = rng.randint(0, len(other))
        data[at:at] = other[start : start + rng.randint(1, 512)]
    elif data:
        data[0] = rng.randrange(256)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--seconds", type=float, default=20, help="per target (default 20)")
    parser.add_argument("--engine", choices=("auto", "atheris", "fallback"), default="auto")
    parser.add_argument("--crashes", type=Path, default=HERE / "crashes")
    args = parser.parse_args(argv)
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "fallback"
        if engine == "fallback":
            print("atheris is not installed (pip install -e '.[fuzz]'): the fallback driver runs")
    args.crashes.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in args.targets.split(","):
        print(f"fuzz_{name}: {args.seconds:.0f} s, seeds from {SHARED}")
        why = available(name)
        if why:
            print(f"  skipped: {why}")
            continue
        runner = run_atheris if engine == "atheris" else run_fallback
        try:
            ok = runner(name, args.seconds, args.crashes.resolve())
        except Exception as e:  # the fallback re-raises a check's failure
            print(f"  {type(e).__name__}: {e}")
            ok = False
        if not ok:
            failed.append(name)
    if failed:
        print(f"crashed: {', '.join(failed)}; inputs kept in {args.crashes}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
