"""Time per step of gancl's trainer against a bare PyTorch loop doing the same work, side by side in one run.

Both train the same SN-DCGAN (32 px, 32 base channels, unconditional, hinge loss, batch 64, Adam, EMA of G) on the
same embedded images; the bare loop is what one would write by hand (sample, G forward, D forward on real+fake,
backward, step; then the G step and the EMA). The two are run in alternating rounds and compared by their medians,
so machine noise hits both alike. Target: trainer / bare <= 1.05.

    python benchmarks/trainer.py [--steps 20] [--rounds 5] [--resolution 32] [--batch 64]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time

import torch

from gancl import experiments, losses
from gancl.data import get_dataset, to_float
from gancl.models import build_discriminator, build_generator
from gancl.train import Trainer


def config(steps: int, resolution: int, batch: int):
    return experiments.preset("contragan/uncond", "small", **{
        "optim.steps": steps, "optim.batch_size": batch, "optim.n_dis": 1, "data.count": 5000, "data.val_count": 64,
        "data.resolution": resolution, "model.resolution": resolution, "model.g_channels": 32, "model.d_channels": 32,
        "eval.log_every": steps, "eval.diag_every": 0, "progress": False, "tracker": None, "checkpoint_every": 0})


def bare_loop(cfg, steps: int) -> float:
    """A hand-written loop with the trainer's work; returns seconds per step."""
    torch.manual_seed(0)
    G, D = build_generator(cfg.model), build_discriminator(cfg.model)
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    o = cfg.optim
    opt_g = torch.optim.Adam(G.parameters(), lr=o.lr_g, betas=o.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=o.lr_d, betas=o.betas)
    data = get_dataset(cfg.data.name, cfg.data.resolution, "train", cfg.data.count)
    gen = torch.Generator().manual_seed(0)
    t = time.perf_counter()
    for _ in range(steps):
        real = to_float(data.images[torch.randint(len(data), (o.batch_size,), generator=gen)])
        with torch.no_grad():
            fake = G(torch.randn(o.batch_size, G.z_dim, generator=gen))
        out = D(torch.cat([real, fake]))
        loss = losses.d_hinge(out.logits[: o.batch_size], out.logits[o.batch_size:])
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()
        D.requires_grad_(False)
        loss = losses.g_hinge(D(G(torch.randn(o.batch_size, G.z_dim, generator=gen))).logits)
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        D.requires_grad_(True)
        with torch.no_grad():
            for pe, p in zip(G_ema.parameters(), G.parameters()):
                pe.lerp_(p, 1.0 - o.ema_beta)
            for be, b in zip(G_ema.buffers(), G.buffers()):
                be.copy_(b)
    return (time.perf_counter() - t) / steps


def trainer_loop(cfg, steps: int) -> float:
    """gancl's trainer on the same work (fit() end to end, including its history and final weights)."""
    with tempfile.TemporaryDirectory() as d:
        trainer = Trainer(cfg, 0, d, device="cpu")
        t = time.perf_counter()
        trainer.fit()
        return (time.perf_counter() - t) / steps


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--batch", type=int, default=64)
    args = p.parse_args()
    cfg = config(args.steps, args.resolution, args.batch)
    get_dataset(cfg.data.name, cfg.data.resolution, "train", cfg.data.count)  # generate/cache outside the timing
    bare_loop(cfg, 2), trainer_loop(config(2, args.resolution, args.batch), 2)  # warm-up
    bare, ours = [], []
    for r in range(args.rounds):
        bare.append(bare_loop(cfg, args.steps))
        ours.append(trainer_loop(cfg, args.steps))
        print(f"round {r + 1}: bare {bare[-1] * 1e3:.1f} ms/step, trainer {ours[-1] * 1e3:.1f} ms/step", flush=True)
    b, t = statistics.median(bare), statistics.median(ours)
    print(f"\n{args.resolution} px, batch {args.batch}, {args.steps} steps x {args.rounds} rounds, "
          f"{torch.get_num_threads()} threads")
    print(f"bare PyTorch loop : {b * 1e3:.1f} ms/step (median)")
    print(f"gancl trainer     : {t * 1e3:.1f} ms/step (median)")
    print(f"ratio trainer/bare: {t / b:.3f} (target <= 1.05)")


if __name__ == "__main__":
    main()
