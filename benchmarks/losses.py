"""Cost of the 2C loss against one training step, side by side in one run.

Times the forward + backward of ``contrastive_2c`` at N=256, d=512 and one 32 px training step of the trainer
(ContraGAN preset at `small` scale: SN-DCGAN with the contrastive head and 2C, batch 64), alternating the two in
rounds and comparing medians. Target: 2C at most 2% of a step.

    python benchmarks/losses.py [--rounds 5] [--n 256] [--dim 512]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch

from gancl import experiments, losses
from gancl.train import Trainer


def time_2c(n: int, dim: int, repeats: int = 20) -> float:
    gen = torch.Generator().manual_seed(0)
    embed = torch.randn(n, dim, generator=gen, requires_grad=True)
    proxy = torch.randn(n, dim, generator=gen, requires_grad=True)
    labels = torch.randint(10, (n,), generator=gen)
    losses.contrastive_2c(embed, proxy, labels).backward()  # warm-up
    t = time.perf_counter()
    for _ in range(repeats):
        losses.contrastive_2c(embed, proxy, labels, temperature=1.0).backward()
    return (time.perf_counter() - t) / repeats


def time_step(steps: int) -> float:
    cfg = experiments.preset("contragan/2c", "small", **{
        "optim.steps": steps + 1, "data.count": 5000, "eval.log_every": 10_000, "eval.diag_every": 0,
        "progress": False, "tracker": None, "checkpoint_every": 0})
    with tempfile.TemporaryDirectory() as d:
        trainer = Trainer(cfg, 0, d, device="cpu")
        trainer.d_step(), trainer.g_step()  # warm-up
        t = time.perf_counter()
        for _ in range(steps):
            trainer.d_step()
            trainer.g_step()
        return (time.perf_counter() - t) / steps


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--dim", type=int, default=512)
    args = p.parse_args()
    loss_t, step_t = [], []
    for r in range(args.rounds):
        loss_t.append(time_2c(args.n, args.dim))
        step_t.append(time_step(args.steps))
        print(f"round {r + 1}: 2C {loss_t[-1] * 1e3:.2f} ms, step {step_t[-1] * 1e3:.1f} ms", flush=True)
    a, b = statistics.median(loss_t), statistics.median(step_t)
    print(f"\n2C forward+backward (N={args.n}, d={args.dim}): {a * 1e3:.2f} ms (median)")
    print(f"one 32 px training step (batch 64)        : {b * 1e3:.1f} ms (median)")
    print(f"2C as a fraction of a step                : {100 * a / b:.2f}% (target <= 2%)")


if __name__ == "__main__":
    main()
