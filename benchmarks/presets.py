"""Time per training step of every preset at one scale, to plan a page's compute budget.

Prints, per preset, milliseconds per step (``n_dis`` D steps and one G step), G and D parameter counts, and the
minutes a run of the scale's default length would take, all measured in one run on this machine.

    python benchmarks/presets.py [--scale small] [--steps 5] [--filter contragan]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from gancl import experiments
from gancl.train import Trainer


def time_preset(name: str, scale: str, steps: int, **overrides) -> tuple:
    cfg = experiments.preset(name, scale, **{"progress": False, "tracker": None, "eval.diag_every": 0, **overrides})
    with tempfile.TemporaryDirectory() as d:
        trainer = Trainer(cfg, 0, d, device="cpu")

        def step():
            for _ in range(cfg.optim.n_dis):
                trainer.d_step()
            trainer.g_step()
            trainer.step += 1

        step(), step()  # warm-up (and the lazy-regularisation step 0)
        t = time.perf_counter()
        for _ in range(steps):
            step()
        per_step = (time.perf_counter() - t) / steps
        count = lambda m: sum(p.numel() for p in m.parameters()) / 1e6  # noqa: E731
        return per_step, count(trainer.g_plain), count(trainer.d_plain), cfg.optim.steps


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="small", choices=experiments.SCALE_NAMES)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--filter", default="", help="only presets whose name contains this")
    args = p.parse_args()
    print(f"{'preset':32s} {'ms/step':>8s} {'G (M)':>6s} {'D (M)':>6s} {'default run':>12s}")
    for name in experiments.names():
        if args.filter in name:
            per_step, g, d, steps = time_preset(name, args.scale, args.steps)
            print(f"{name:32s} {per_step * 1e3:8.0f} {g:6.2f} {d:6.2f} {per_step * steps / 60:9.1f} min", flush=True)


if __name__ == "__main__":
    main()
