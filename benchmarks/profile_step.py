"""Where one training step's time goes: torch's profiler over a few steps of a preset, in one precision setting.

Prints the operators taking the most self time (what to optimise first) and the share of the step spent in the
matrix products and convolutions (the work the precision speeds up) against everything else (elementwise ops,
copies and casts, the optimizer, the EMA), which bounds what bf16 can gain: a step whose convolutions are 60% of
its float32 time gains at most 1 / (0.4 + 0.6 / s) from convolutions s times faster.

    python benchmarks/profile_step.py --preset contragan/2c [--scale small] [--precision bf16/channels_last]
                                      [--steps 8] [--rows 25] [--set model.arch=resnet]
"""

from __future__ import annotations

import argparse
import tempfile

import torch
from torch.profiler import ProfilerActivity, profile

from throughput import one_step, trainer_for  # benchmarks/ is on the path when a script in it runs

from gancl import experiments
from gancl.train.command import parse_overrides
from gancl.train.precision import fast_settings, parse_forced

#: operators whose time scales with the precision of matrix products (the rest is "other")
COMPUTE = ("conv", "mkldnn", "mm", "matmul", "linear", "addmm", "bmm", "baddbmm")


def compute_share(events) -> float:
    """Share of the total self CPU time spent in matrix products and convolutions (forward and backward)."""
    total = sum(e.self_cpu_time_total for e in events)
    compute = sum(e.self_cpu_time_total for e in events if any(k in e.key.lower() for k in COMPUTE))
    return compute / total if total else float("nan")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="contragan/2c")
    p.add_argument("--scale", default="small", choices=experiments.SCALE_NAMES[:2])
    p.add_argument("--precision", default="", help="<no|bf16>/<contiguous|channels_last>; default: this machine's "
                                                   "'auto'")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--rows", type=int, default=25)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a dotted config override")
    args = p.parse_args()
    if args.precision:
        precision = parse_forced(args.precision)
    else:
        auto = fast_settings("cpu")
        precision = (auto.mixed_precision, auto.memory_format)
    with tempfile.TemporaryDirectory() as folder:
        t = trainer_for(args.preset, args.scale, parse_overrides(args.set), precision, folder)
        for _ in range(3):  # warm-up, and past the first step's lazy regularisers
            one_step(t)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(args.steps):
                one_step(t)
    events = prof.key_averages()
    total_ms = sum(e.self_cpu_time_total for e in events) / 1e3 / args.steps
    print(f"{args.preset} at {args.scale}, {precision[0]}/{precision[1]}, {torch.get_num_threads()} threads: "
          f"{total_ms:.1f} ms of operator self time per step; matrix products and convolutions "
          f"{compute_share(events):.0%} of it\n")
    print(events.table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
