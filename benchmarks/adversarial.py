"""Linear time on adversarial text: each input at 1x, 2x, 4x and 8x, the time ratio per doubling.

Every built-in pattern runs on RE2 and a policy's own patterns too (SPEC.md 7.2), so no input
should cost more than linear time.  This feeds canonicalize the inputs that break
backtracking engines and quadratic scans: runs of one character (digits, ``/``, ``\\``,
``:``, ``-``, spaces), unclosed and back-to-back fences, a million nested list markers, a
million tiny lines, every label of SPEC.md A.6 back to back, placeholder look-alikes,
endless paths, and a policy pattern that is exponential on a backtracking engine.  Each
row prints the time at 1x, the ratio of each doubling to the size before it, and the
ratio per doubling over the whole range (the cube root of 8x/1x, which one slow sample
moves less): linear time is near 2.0; 4.0 would be quadratic.

    python benchmarks/adversarial.py            # 1x = 256 KiB, 8x = 2 MiB (a million "- ")
    python benchmarks/adversarial.py --quick    # 1x = 32 KiB, 3 runs
    python benchmarks/adversarial.py --size 12800000 --runs 1   # 8x = 100 MB
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

from _common import argument_parser, format_seconds, format_table, machine_line, write_json

import prefixlib

#: Labels of SPEC.md A.6, one of each form, to be put back to back.
LABELS = (
    "Today's date: 2026-11-24 ",
    "Current date and time: 2026-11-24T10:00:00Z ",
    "last updated on 2026-11-24 ",
    "date: 2026-11-24\n",
    "time zone: Europe/Paris ",
    "tz: UTC\n",
    "session id: 5f3a1c2e-9b1d-4c1e-8f00-1234567890ab ",
    "thread: 0193a3e2-7c4d-7b8a-9c1e-2f3a4b5c6d7e\n",
    "cwd: /home/alice/work/api ",
    "working directory: C:\\Users\\bob\\src\\api ",
    "workspace: /Users/carol/code/x\n",
    "tmpdir: /tmp/abc ",
    "home: /home/alice\n",
    "writable roots: /home/alice/a, /tmp, /var/folders/ab/cd/T ",
    "<env>\nDate: 2026-11-24\n</env>\n",
    "<current_date>2026-11-24</current_date>",
)

#: A policy whose pattern is exponential on a backtracking engine over runs of "x".
EVIL_POLICY = prefixlib.Policy(
    patterns=[{"name": "EVIL", "pattern": "(x+x+)+y", "context": "anywhere"}]
)

#: Seconds a sample lasts at least (calls are repeated within it).
MIN_SAMPLE = 0.02

#: name -> (prefix, repeated unit, suffix, options of the call)
INPUTS: dict[str, tuple[str, str, str, dict[str, object]]] = {
    "digits": ("Today's date is ", "1", "\n", {}),
    "slashes": ("cwd: ", "/", "\n", {}),
    "backslashes": ("cwd: C:", "\\", "\n", {}),
    "colons": ("time: ", ":", "\n", {}),
    "dashes": ("date: ", "-", "\n", {}),
    "spaces": ("x", " ", "x\n", {}),
    "spaces at line ends": ("", "x \t \n", "", {}),
    "unclosed fence": ("```python\n", "code  \n\n\n", "", {}),
    "fence lines": ("", "```\n", "", {}),
    "fence openers of growing length": ("", "````~~~~\n", "", {}),
    "nested list markers": ("Keep these (unordered):\n", "- ", "x\n", {}),
    "unordered list items": ("Keep these (unordered):\n", "- item b\n- item a\n", "", {}),
    "tiny lines": ("", "a\n", "", {}),
    "blank lines": ("a", "\n \n", "b", {}),
    "every label back to back": ("", "".join(LABELS), "", {}),
    "placeholder look-alikes": ("", "{{DATE_1}}{{!ROOT_1}}{{", "", {}),
    "endless home path": ("see /home/alice/", "dir/", "\n", {}),
    "endless windows path": ("cwd: C:\\Users\\bob\\", "dir\\", "\n", {}),
    "zero-width characters": ("", "a\u200b", "\n", {}),
    "combining marks (NFC)": ("", "e\u0301", "\n", {}),
    "policy pattern (x+x+)+y": ("", "x", "\n", {"policy": EVIL_POLICY}),
}


def make(name: str, size: int) -> str:
    """The input ``name`` with about ``size`` bytes of its repeated unit."""
    prefix, unit, suffix, _ = INPUTS[name]
    count = max(1, size // len(unit.encode("utf-8")))
    return prefix + unit * count + suffix


def time_sizes(name: str, size: int, runs: int) -> list[list[float]]:
    """Seconds per call at each of 1x, 2x, 4x and 8x, per run: the sizes in turn within a
    run, so a noisy neighbour slows a run's four samples alike.  A sample repeats a call
    until it lasts about 20 ms, so a time slice lost to another process weighs little.
    Two warm-up calls first (the first compiles patterns), the second timed to size the
    samples; the collector is off while a sample runs."""
    options = INPUTS[name][3]
    texts = [make(name, size * factor) for factor in (1, 2, 4, 8)]
    prefixlib.canonicalize(project=texts[0], memo=False, **options)  # type: ignore[arg-type]
    start = time.perf_counter()
    prefixlib.canonicalize(project=texts[0], memo=False, **options)  # type: ignore[arg-type]
    once = time.perf_counter() - start
    calls = [max(1, round(MIN_SAMPLE / (once * factor))) for factor in (1, 2, 4, 8)]
    samples = []
    for _ in range(runs):
        row = []
        for text, count in zip(texts, calls, strict=True):
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                for _ in range(count):
                    prefixlib.canonicalize(project=text, memo=False, **options)  # type: ignore[arg-type]
                row.append((time.perf_counter() - start) / count)
            finally:
                gc.enable()
        samples.append(row)
    return samples


def main() -> int:
    parser = argument_parser(__doc__ or "", quick="1x = 32 KiB, 3 runs (CI)")
    parser.add_argument("--size", type=int, help="bytes at 1x (default 262144; --quick 32768)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; --quick 3)")
    parser.add_argument("--only", help="run only inputs whose name contains this")
    args = parser.parse_args()
    size = args.size or (32 * 1024 if args.quick else 256 * 1024)
    runs = args.runs or (3 if args.quick else 5)
    print(machine_line())
    print(
        f"1x = {size:,} bytes of the repeated unit; runs: {runs}; each figure the median "
        "over runs (a ratio: of each run's own ratio, the four sizes timed in turn)"
    )
    rows, figures, worst = [], {}, 0.0
    started = time.perf_counter()
    for name in INPUTS:
        if args.only and args.only not in name:
            continue
        samples = time_sizes(name, size, runs)
        times = [statistics.median(run[i] for run in samples) for i in range(4)]
        # the median over runs of each run's own ratio (paired samples)
        ratios = [statistics.median(run[i + 1] / run[i] for run in samples) for i in range(3)]
        # over the whole range: one slow sample at 2x or 4x moves two ratios, not this one
        overall = statistics.median(run[3] / run[0] for run in samples) ** (1 / 3)
        worst = max(worst, overall)
        ms_per_mb = times[-1] / (size * 8 / 1e6) * 1e3
        rows.append(
            [
                name,
                format_seconds(times[0]),
                *(f"{r:.2f}" for r in ratios),
                f"{overall:.2f}",
                f"{ms_per_mb:.1f}",
            ]
        )
        figures[name] = {"seconds": times, "ratios": ratios, "per_doubling_1x_to_8x": overall}
    print()
    headers = ["input", "time at 1x", "2x/1x", "4x/2x", "8x/4x", "1x->8x", "ms/MB at 8x"]
    print(format_table(headers, rows))
    print()
    print(
        "ratio per doubling: 2.0 is linear time, 4.0 quadratic; 1x->8x is the cube root of the "
        f"8x/1x ratio. Largest 1x->8x: {worst:.2f} (target: near 2; above 3 is superlinear)."
    )
    print(f"total time: {time.perf_counter() - started:.1f} s")
    if args.json:
        write_json(args.json, {"machine": machine_line(), "size": size, "inputs": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
