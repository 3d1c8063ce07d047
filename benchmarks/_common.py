"""Helpers shared by the benchmark scripts: the machine line, timing, tables, inputs.

Figures from this machine are noisy (2 shared cores), so every timing is the median of
several samples, and speeds are reported beside baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

#: The repository root (this file is ``<repo>/benchmarks/_common.py``).
REPO = Path(__file__).resolve().parent.parent

#: The small example session, the fallback where the shared corpus is absent.
EXAMPLES = REPO / "examples" / "session"

#: The realistic tools array both benchmarks use.
TOOLS_FILE = Path(__file__).resolve().parent / "tools.json"

#: Packages whose versions the machine line names, where installed.
PACKAGES = ("prefixlib", "blake3", "google-re2", "orjson", "toktok-rs", "tiktoken")


def find_corpus() -> Path | None:
    """The shared corpus: ``$PREFIXLIB_CORPUS`` or ``<repo>/../shared/corpus``; None if absent."""
    path = Path(os.environ.get("PREFIXLIB_CORPUS", REPO.parent / "shared" / "corpus"))
    return path if path.is_dir() else None


def corpus_files(corpus: Path) -> list[Path]:
    """Every file of the corpus, sorted by relative path."""
    return sorted(p for p in corpus.rglob("*") if p.is_file())


def load_tools() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The client's built-in tools (fixed order) and its MCP tools (order varies by session)."""
    data = json.loads(TOOLS_FILE.read_text(encoding="utf-8"))
    return data["builtin"], data["mcp"]


def cpu_model() -> str:
    """The CPU model named in /proc/cpuinfo, or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages in :data:`PACKAGES` (absent ones are left out)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def machine_info() -> dict[str, Any]:
    """CPU model, core count, Python version and package versions, for the JSON output."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "packages": package_versions(),
    }


def machine_line() -> str:
    """One line naming the machine and the software the figures were measured with."""
    info = machine_info()
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    return (
        f"machine: {info['cpu']}, {info['cores']} cores, "
        f"{info['implementation']} {info['python']}; {packages}"
    )


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the median over ``samples``, each the mean of ``calls`` calls."""

    median: float
    samples: tuple[float, ...]
    calls: int

    @property
    def spread(self) -> float:
        """(max - min) / median of the samples: how noisy this figure was."""
        return (max(self.samples) - min(self.samples)) / self.median if self.median else 0.0


#: One thing to time: a call and a function making a fresh argument for each call.
Subject = tuple[Callable[[Any], object], Callable[[], Any]]


def _calls_per_sample(subject: Subject, min_sample: float, max_calls: int) -> int:
    """Calls per sample so that a sample lasts about ``min_sample``, timed on the second of
    two calls: the first may pay one-time costs (compiling patterns), and timed alone would
    make samples of a call or two."""
    call, make_arg = subject
    call(make_arg())
    arg = make_arg()
    start = time.perf_counter()
    call(arg)
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, min(max_calls, math.ceil(min_sample / once)))


def _sample(subject: Subject, calls: int) -> float:
    """Seconds per call over one sample of ``calls`` calls, with the collector off.

    Each call's argument is made just before it, outside the timed region, so a fresh
    argument is as warm in the CPU caches as a baseline's bytes hashed call after call.
    (Arguments made all at once before the sample were cold by the time they were used:
    that cost BLAKE3 ~1.35x over fresh copies of 64 KB to 8 MB.)  The clock's own cost
    per call, :data:`CLOCK_COST`, is taken off.
    """
    call, make_arg = subject
    clock = time.perf_counter
    total = 0.0
    gc.collect()
    gc.disable()
    try:
        for _ in range(calls):
            arg = make_arg()
            start = clock()
            call(arg)
            total += clock() - start
        return max(total / calls - CLOCK_COST, 1e-9)
    finally:
        gc.enable()


def _clock_cost(calls: int = 20_000) -> float:
    """Seconds one timed call of nothing takes: the clock reads around it."""
    clock = time.perf_counter
    samples = []
    for _ in range(5):
        total = 0.0
        for _ in range(calls):
            start = clock()
            total += clock() - start
        samples.append(total / calls)
    return statistics.median(samples)


#: What :func:`_sample` takes off each call's time.
CLOCK_COST = _clock_cost()


def time_interleaved(
    subjects: Sequence[Subject],
    *,
    runs: int,
    min_sample: float = 0.03,
    max_calls: int = 20_000,
) -> list[Timing]:
    """Time several calls in turn, one sample of each per run, so their samples pair up.

    A noisy neighbour slows the samples of one run alike, so a ratio of paired samples
    (see :func:`paired_ratio`) is steadier than a ratio of medians taken apart.  Each
    argument is made just before its call, outside the timed region, so a call can be given
    fresh objects (as an orchestrator re-reading its files would).  Small calls are repeated
    within a sample until it lasts about ``min_sample`` seconds.  The garbage collector
    is off while a sample runs, as in :mod:`timeit`.
    """
    calls = [_calls_per_sample(subject, min_sample, max_calls) for subject in subjects]
    samples: list[list[float]] = [[] for _ in subjects]
    for _ in range(runs):
        for index, subject in enumerate(subjects):
            samples[index].append(_sample(subject, calls[index]))
    return [
        Timing(median=statistics.median(times), samples=tuple(times), calls=count)
        for times, count in zip(samples, calls, strict=True)
    ]


def argument_parser(doc: str, *, quick: str) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's first line, ``--quick`` and ``--json``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--json", metavar="PATH", help="write every figure to PATH as JSON")
    return parser


def paired_ratio(subject: Timing, baseline: Timing) -> float:
    """The subject's speed as a fraction of the baseline's: median of per-run ratios."""
    ratios = [b / s for s, b in zip(subject.samples, baseline.samples, strict=True)]
    return statistics.median(ratios)


def megabytes_per_second(size: int, seconds: float) -> float:
    """Throughput in MB/s, 1 MB being 10**6 bytes."""
    return size / 1e6 / seconds if seconds > 0 else math.inf


def format_seconds(seconds: float) -> str:
    """A duration with a readable unit: ``12.3 µs``, ``4.56 ms``, ``1.23 s``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def format_ratio(ratio: float) -> str:
    """A speed ratio: ``1/45`` below 1 (as the targets are written), ``1.3x`` from 1 up."""
    if ratio <= 0:
        return "0"
    if ratio >= 1:
        return f"{ratio:.2f}x"
    inverse = 1 / ratio
    return f"1/{inverse:.1f}" if inverse < 10 else f"1/{inverse:.0f}"


def format_size(size: int) -> str:
    """A byte count in binary units: ``4.0 KiB``, ``8.00 MiB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1024 / 1024:.2f} MiB"


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, left: int = 1) -> str:
    """A plain-text table; the first ``left`` columns are left-aligned, the rest right."""
    cells = [[str(h) for h in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def write_json(path: str | Path, data: object) -> None:
    """Write ``data`` as indented JSON (UTF-8, trailing newline) to ``path``."""
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    Path(path).write_text(text + "\n", encoding="utf-8")
