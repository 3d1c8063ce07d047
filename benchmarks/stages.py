"""Where the time of one cold ``canonicalize`` call goes, stage by stage (SPEC.md 2).

Run from the repository root::

    python benchmarks/stages.py                 # the 4 KB input of throughput.py
    python benchmarks/stages.py --size 65536 --runs 9
    python benchmarks/stages.py --input "real 1 MB"   # a row of realtext.py (real text)

Each stage runs on the output of the one before it, on the input throughput.py generates
(seed 1) or on a row of realtext.py (``--input``), with fresh objects where a stage takes
text: the text rules of the three text layers (``pipeline.text_stage``), the ordering rule
(``pipeline._ordered``), hoisting
(``rules.volatile.hoist``), the tools layer (``rules.tools.tools_layer``) and the key chain
(``key.LayerChain``).  The whole call is timed in the same runs; ``rest`` is what the call
spends outside the stages (checking arguments, building the result).  Shares are medians of
per-run ratios to the whole call, sampled in turn so that they compare samples taken under
the same load.  Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

import _common as common  # benchmarks/, on sys.path as the running script's folder
import realtext
import throughput

from prefixlib import pipeline
from prefixlib.key import LayerChain
from prefixlib.model import LayerName
from prefixlib.rules.tools import tools_layer
from prefixlib.rules.volatile import hoist

TEXT_LAYERS: tuple[LayerName, ...] = ("base", "developer", "project")


def stages(
    layers: dict[str, str], make_tools: Callable[[], Any]
) -> dict[str, tuple[Callable[[Any], object], Callable[[], Any]]]:
    """Each stage as (call, argument maker), the argument being the stage's real input."""
    policy = pipeline.DEFAULT_POLICY
    scanned = {name: pipeline.text_stage(layers[name], source=name) for name in TEXT_LAYERS}
    ordered = {name: pipeline._ordered(scanned[name], policy) for name in TEXT_LAYERS}
    texts = {name: layer.text for name, layer in ordered.items()}
    code = {name: layer.code for name, layer in ordered.items()}
    hoisted, _ = hoist(texts, code=code, policy=policy, roots=None)
    encoded: dict[LayerName, bytes] = {**hoisted, "tools": tools_layer(layers["tools"], sort=True)}

    def text(raw: dict[LayerName, str]) -> object:
        return [pipeline.text_stage(raw[n], source=n) for n in raw]

    def ordering(_: object) -> object:
        return [pipeline._ordered(scanned[n], policy) for n in TEXT_LAYERS]

    def keys(_: object) -> object:
        chain = LayerChain(policy_fingerprint=policy.fingerprint)
        return chain.keys(encoded.items())

    return {
        "text rules": (text, lambda: {n: throughput.fresh(layers[n]) for n in TEXT_LAYERS}),
        "ordering": (ordering, lambda: None),
        "hoisting": (lambda _: hoist(texts, code=code, policy=policy, roots=None), lambda: None),
        "tools": (lambda tools: tools_layer(tools, sort=True), make_tools),
        "keys": (keys, lambda: None),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Time each stage and the whole call in turn; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096, help="input bytes (default 4096)")
    parser.add_argument("--input", metavar="NAME", help="a row of realtext.py instead")
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (default 7)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(common.machine_line())
    if args.input:
        item = realtext.find_input(args.input)
        source = "realtext.py's row"
    else:
        label = f"{args.size} B"
        generated = throughput.generated_input(label, args.size, ascii_only=False, seed=1)
        item = realtext.Input(generated.name, generated.layers)
        source = "throughput.py's generator, seed 1"
    parts = stages(item.layers, lambda: item.arguments()["tools"])
    whole = (realtext.cold_call, item.arguments)
    timings = common.time_interleaved([whole, *parts.values()], runs=args.runs)
    total, *measured = timings
    rows = [
        (name, common.format_seconds(t.median), f"{common.paired_ratio(total, t):.0%}")
        for name, t in zip(parts, measured, strict=True)
    ]
    rest = total.median - sum(t.median for t in measured)
    rows.append(("rest", common.format_seconds(rest), f"{rest / total.median:.0%}"))
    rows.append(("whole call", common.format_seconds(total.median), "100%"))
    print(f"input: {item.name}, {common.format_size(len(item.data()))} ({source})")
    print(common.format_table(("stage", "time/call", "share"), rows))
    print(f"total time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
