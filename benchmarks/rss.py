"""Peak resident memory (RSS) of canonicalisation, as a multiple of the input's bytes.

Run from the repository root::

    python benchmarks/rss.py             # real 8 MB (API) and a 50 MB prompt (API and CLI)
    python benchmarks/rss.py --quick     # CI: real 8 MB and a 16 MB prompt

tracemalloc counts Python's allocations only; this measures the whole process.  Each figure
is one fresh process, its peak taken by ``os.wait4`` (``ru_maxrss``), against a baseline
process that imports the same modules and reads the same files into the same objects but
does not canonicalise.  ``excess`` is the difference, the memory canonicalisation itself
needs, shown as a multiple of the input's UTF-8 bytes (issue 15's target: < 4x at 8 MB;
issue 12's: < 4x for a 50 MB prompt through ``prefixlib hash --json``).  Inputs are
realtext.py's, written to a temporary folder.  Nothing here asserts on memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import _common as common  # benchmarks/, on sys.path as the running script's folder
import realtext

MIB = 1024 * 1024
TARGET = 4.0

#: The API arm: read the layer files, canonicalise once unless told to stop after reading.
API = """
import json, sys, prefixlib
paths = json.loads(sys.argv[1])
args = {{n: open(p, encoding="utf-8").read() for n, p in paths.items()}}
if {run}:
    prefixlib.canonicalize(**args, memo=False)
"""
#: The CLI's baseline: what ``prefixlib hash FILE`` imports and reads, without canonicalising.
CLI_BASELINE = """
import sys
from prefixlib.cli import main
from prefixlib.cli._common import read
read(sys.argv[1])
"""


#: Runs ``argv`` and prints its peak RSS.  Linux counts a new process's peak from the memory
#: of the process it was forked from, so a small launcher forks it, not this script.
LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_rss(argv: list[str]) -> int:
    """The peak resident set of one process running ``argv``, in bytes (Linux: KiB units)."""
    launcher = [sys.executable, "-S", "-c", LAUNCHER, *argv]
    done = subprocess.run(launcher, check=True, capture_output=True, text=True)
    code, kib = map(int, done.stdout.split())
    if code:
        raise SystemExit(f"error: {' '.join(argv[:4])} exited {code}")
    return kib * 1024


def write_layers(item: realtext.Input, folder: Path) -> dict[str, str]:
    """The input's layers as files (tools as JSON text); their paths by layer."""
    paths = {}
    for name in realtext.LAYER_NAMES:
        path = folder / f"{name}.{'json' if name == 'tools' else 'md'}"
        path.write_text(item.layers[name], encoding="utf-8")
        paths[name] = str(path)
    return paths


def prompt_file(size: int, folder: Path) -> Path:
    """One prompt file of about ``size`` bytes: the text layers of a real session, joined."""
    item = realtext.real_input("prompt", int(size / 0.8), realtext.Pools(realtext.SHARED))
    path = folder / f"prompt-{size // MIB}MB.md"
    text = "\n\n".join(item.layers[name] for name in realtext.LAYER_NAMES[:3])
    path.write_text(text, encoding="utf-8")
    return path


def row(name: str, size: int, peak: int, baseline: int) -> tuple[str, ...]:
    """One table row."""
    excess = peak - baseline
    multiple = excess / size
    return (
        name,
        common.format_size(size),
        common.format_size(peak),
        common.format_size(baseline),
        common.format_size(excess),
        f"{multiple:.2f}x",
        f"<{TARGET:g}x {'yes' if multiple < TARGET else 'NO'}",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Write the inputs, measure each arm against its baseline, print the table."""
    parser = common.argument_parser(__doc__, quick="a 16 MB prompt instead of 50 MB (CI)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(common.machine_line())
    if not (realtext.SHARED / "captures").is_dir():
        print(f"skipped: the shared captures and corpus are not at {realtext.SHARED}")
        return 0
    python = sys.executable
    rows, results = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        session = realtext.real_input("real 8 MB", 8 * MIB, realtext.Pools(realtext.SHARED))
        paths = json.dumps(write_layers(session, folder))
        size = len(session.data())
        prompt_size = (16 if args.quick else 50) * MIB
        prompt = prompt_file(prompt_size, folder)
        prompt_bytes = prompt.stat().st_size
        one = json.dumps({"project": str(prompt)})
        arms = [
            ("API, real 8 MB session", size, [python, "-c", API.format(run=True), paths],
             [python, "-c", API.format(run=False), paths]),
            (f"API, {prompt_size // MIB} MB prompt", prompt_bytes,
             [python, "-c", API.format(run=True), one], [python, "-c", API.format(run=False), one]),
            (f"hash --json, {prompt_size // MIB} MB prompt", prompt_bytes,
             [python, "-m", "prefixlib", "hash", "--json", "--no-config", str(prompt)],
             [python, "-c", CLI_BASELINE, str(prompt)]),
            (f"hash, {prompt_size // MIB} MB prompt", prompt_bytes,
             [python, "-m", "prefixlib", "hash", "--no-config", str(prompt)],
             [python, "-c", CLI_BASELINE, str(prompt)]),
        ]  # fmt: skip
        for name, input_size, measured, baseline in arms:
            peak, base = peak_rss(measured), peak_rss(baseline)
            rows.append(row(name, input_size, peak, base))
            results.append(
                {"arm": name, "bytes": input_size, "peak_rss": peak, "baseline_rss": base,
                 "excess_multiple": (peak - base) / input_size, "target": TARGET}
            )  # fmt: skip
    headers = ("arm", "input", "peak RSS", "baseline", "excess", "excess/input", "target")
    print(common.format_table(headers, rows))
    print(
        "peak RSS: ru_maxrss of one process; baseline: a process importing the same modules and\n"
        "reading the same files, not canonicalising; excess = peak - baseline."
    )
    print(f"total time: {time.perf_counter() - started:.1f} s")
    if args.json:
        common.write_json(args.json, {"benchmark": "rss", "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
