"""Paired before/after timing of a change: realtext.py's rows under two revisions of prefixlib.

Run from the repository root::

    python benchmarks/ab.py HEAD~1                    # the work tree against HEAD~1
    python benchmarks/ab.py HEAD~1 --rows "real 1 MB" --rounds 9 --mode cold

The old revision is exported with ``git archive`` to a temporary folder; each round runs one
short process per side (in turn, the order alternating), which times every row in its
``--mode`` and prints seconds per call.  A row's figure is the median over rounds of
after/before, each pair taken back to back, so load from neighbours mostly cancels; the
benchmarks' inputs are this work tree's for both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import _common as common  # benchmarks/, on sys.path as the running script's folder

#: What one side runs: time each row's call (median of samples of ~30 ms), print JSON.
CHILD = """
import json, sys
sys.path.insert(0, {benchmarks!r})
import _common as common, realtext
rows = {{r.name: r for r in realtext.inputs()}}
out = {{}}
for name in {rows!r}:
    item = rows[name]
    call = realtext.memo_call if {mode!r} == "memo" else realtext.cold_call
    (timing,) = common.time_interleaved([(call, item.arguments)], runs={samples})
    out[name] = timing.median
print(json.dumps(out))
"""
#: The child checks that it runs the tree it was given (``-c`` puts the cwd first on sys.path).
CHECK = """
import prefixlib, pathlib
assert pathlib.Path(prefixlib.__file__).parent.parent == pathlib.Path({tree!r}), prefixlib.__file__
"""


def side(tree: Path, rows: Sequence[str], mode: str, samples: int) -> dict[str, float]:
    """Seconds per call of each row, measured in a fresh process importing ``tree``'s code."""
    benchmarks = str(common.REPO / "benchmarks")
    code = CHECK.format(tree=str(tree)) + CHILD.format(
        benchmarks=benchmarks, rows=list(rows), mode=mode, samples=samples
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tree, check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Export the old revision, alternate the two sides, print after/before per row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the revision to compare the work tree with")
    parser.add_argument("--rows", nargs="+", default=["startup 48 KB", "real 64 KB", "real 1 MB"])
    parser.add_argument("--mode", choices=("cold", "memo"), default="cold")
    parser.add_argument("--rounds", type=int, default=7, help="pairs of runs (default 7)")
    parser.add_argument("--samples", type=int, default=3, help="samples per run (default 3)")
    args = parser.parse_args(argv)
    print(common.machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp)
        archive = subprocess.run(
            ["git", "-C", str(common.REPO), "archive", args.before, "prefixlib"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {"before": old, "after": common.REPO}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in args.rows}
        for round_ in range(args.rounds):
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            got = {name: side(trees[name], args.rows, args.mode, args.samples) for name in order}
            for row in args.rows:
                times[row].append((got["before"][row], got["after"][row]))
    table = []
    for row, pairs in times.items():
        ratio = statistics.median(after / before for before, after in pairs)
        table.append(
            (
                row,
                common.format_seconds(statistics.median(b for b, _ in pairs)),
                common.format_seconds(statistics.median(a for _, a in pairs)),
                f"{ratio:.2f}x",
            )
        )
    print(f"{args.mode}, {args.before} -> work tree, {args.rounds} paired rounds:")
    print(common.format_table(("row", "before", "after", "after/before"), table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
