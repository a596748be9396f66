"""Time per training step of the full FakeCLR objective against its baseline, side by side in one run.

Baseline: the compact StyleGAN2 with DiffAugment on the ADA-linear schedule (preset ``fakeclr/baseline``). FakeCLR
(preset ``fakeclr/fakeclr``) adds the instance head, the momentum discriminator that encodes the keys (a second D
forward on perturbed fakes), the queue with forgetting factor and diversity-aware size, and the G-side term. Both
run through gancl's trainer (D and G steps, lazy R1, EMA), in alternating rounds, compared by their medians so
machine noise hits both alike. The FakeCLR preset runs its no-gradient key path (perturbed fakes, momentum D) in
bf16; the same objective with float32 keys is timed too, to show what that choice buys on this machine. The paper's
supplement Table 6 has FakeCLR at 1.73x its baseline (InsGen-based code, two A100s); the target here is <= 1.25x.

    python benchmarks/fakeclr.py [--scale small] [--steps 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics

import torch
from presets import time_preset  # benchmarks/ is on the path when a script in it runs

from gancl import experiments


def seconds_per_step(name: str, scale: str, steps: int, **overrides) -> float:
    """Seconds per training step of preset ``name`` (benchmarks/presets.py's timing: two warm-up steps first)."""
    return time_preset(name, scale, steps, **overrides)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="small", choices=experiments.SCALE_NAMES[:2])
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    base, full, fp32 = [], [], []
    for r in range(args.rounds):
        base.append(seconds_per_step("fakeclr/baseline", args.scale, args.steps))
        full.append(seconds_per_step("fakeclr/fakeclr", args.scale, args.steps))
        fp32.append(seconds_per_step("fakeclr/fakeclr", args.scale, args.steps,
                                     **{"loss.instance_key_precision": "float32"}))
        print(f"round {r + 1}: baseline {base[-1] * 1e3:.0f} ms/step, FakeCLR {full[-1] * 1e3:.0f} ms/step, "
              f"FakeCLR with float32 keys {fp32[-1] * 1e3:.0f} ms/step", flush=True)
    b, f, f32 = statistics.median(base), statistics.median(full), statistics.median(fp32)
    cfg = experiments.preset("fakeclr/fakeclr", args.scale)
    print(f"\n{args.scale}: {cfg.data.resolution} px, batch {cfg.optim.batch_size}, {args.steps} steps x {args.rounds} "
          f"rounds, {torch.get_num_threads()} threads")
    print(f"baseline (ADA-linear): {b * 1e3:.0f} ms/step (median)")
    print(f"FakeCLR (full)       : {f * 1e3:.0f} ms/step (median), keys in {cfg.loss.instance_key_precision}")
    print(f"FakeCLR, float32 keys: {f32 * 1e3:.0f} ms/step (median)")
    print(f"ratio FakeCLR/baseline: {f / b:.3f} (paper, supplement Table 6: 1.73; target <= 1.25)")
    print(f"ratio with float32 keys: {f32 / b:.3f}")


if __name__ == "__main__":
    main()
