"""Files per second of ``prefixlib check`` over the shared corpus (issue 10).

Run from the repository root::

    python benchmarks/check_files.py            # 9 paired rounds
    python benchmarks/check_files.py --quick    # 3 rounds

In one process, each round checks every Markdown file of ../shared/corpus through
``main(["check", ...])`` (the findings of every rule family, in one process as
pre-commit runs it) and, as its baseline in the same round, canonicalises the same
files (``canonicalize(project=..., memo=False)``, what ``prefixlib hash`` costs); the
figures are medians over rounds, the ratio the median of per-round ratios.  Then the
whole command is timed in a subprocess beside a bare ``python -c "import prefixlib"``,
so the cost of starting is told apart from the cost per file; and the files given
four times against once give the cost of one more file in a run.  Nothing here asserts on
time.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import subprocess
import sys
import time

import _common as common  # benchmarks/, on sys.path as the running script's folder

from prefixlib import canonicalize
from prefixlib.cli import main


def _time(function: object) -> float:
    start = time.perf_counter()
    function()  # type: ignore[operator]
    return time.perf_counter() - start


def run() -> None:
    """Print the figures."""
    parser = common.argument_parser(__doc__ or "", quick="3 rounds instead of 9")
    args = parser.parse_args()
    corpus = common.find_corpus()
    if corpus is None:
        print("shared corpus not found: set PREFIXLIB_CORPUS")
        return
    files = [str(p) for p in common.corpus_files(corpus) if p.suffix == ".md"]
    texts = [open(f, "rb").read() for f in files]  # noqa: SIM115
    size = sum(len(t) for t in texts)
    rounds = 3 if args.quick else 9
    print(common.machine_line())
    print(f"{len(files)} Markdown files of {corpus}, {size / 1024:.0f} KB")

    def check() -> None:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(["check", "--no-config", "-q", *files])

    def check_four_times() -> None:  # the same files 4 times: the cost of one more file
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(["check", "--no-config", "-q", *files * 4])

    def hash_() -> None:
        for text in texts:
            canonicalize(project=text, memo=False)

    check()  # warm: imports, compiled patterns
    samples = [(_time(check), _time(hash_), _time(check_four_times)) for _ in range(rounds)]
    pairs = [(c, h) for c, h, _ in samples]
    marginal = statistics.median((four - c) / (3 * len(files)) for c, _, four in samples)
    checked = statistics.median(c for c, _ in pairs)
    hashed = statistics.median(h for _, h in pairs)
    ratio = statistics.median(c / h for c, h in pairs)
    print(f"check, in process:   {len(files) / checked:8.0f} files/s  ({checked * 1e3:.1f} ms)")
    print(f"canonicalize alone:  {len(files) / hashed:8.0f} files/s  ({hashed * 1e3:.1f} ms)")
    print(f"check / canonicalize: {ratio:.2f}x the time (median of {rounds} paired rounds)")
    print(
        f"one more file in the same run: {marginal * 1e3:.2f} ms ({1 / marginal:.0f} files/s; "
        "the files given 4 times against once)"
    )

    command = [sys.executable, "-m", "prefixlib", "check", "--no-config", "-q", *files]
    bare = [sys.executable, "-c", "import prefixlib.cli"]
    wall = []
    for _ in range(rounds):
        whole = _time(lambda: subprocess.run(command, capture_output=True, check=False))
        start = _time(lambda: subprocess.run(bare, capture_output=True, check=True))
        wall.append((whole, start))
    whole = statistics.median(w for w, _ in wall)
    start = statistics.median(s for _, s in wall)
    per_file = statistics.median((w - s) / len(files) for w, s in wall)
    print(
        f"prefixlib check, one process for all {len(files)} files: {whole * 1e3:.0f} ms, of which "
        f"starting (import prefixlib.cli) {start * 1e3:.0f} ms; then {per_file * 1e3:.2f} ms "
        f"per file ({1 / per_file:.0f} files/s)"
    )


if __name__ == "__main__":
    run()
