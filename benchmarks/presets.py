"""Time per training step of every preset at one scale, to plan a page's compute budget.

Prints, per preset, milliseconds per step (``n_dis`` D steps and one G step), G and D parameter counts, and the
minutes a run of the scale's default length would take, all measured in one run on this machine.

    python benchmarks/presets.py [--scale small] [--steps 5] [--filter contragan]
"""

from __future__ import annotations

import argparse

from gancl import experiments
from gancl.train.timing import seconds_per_step


def time_preset(name: str, scale: str, steps: int, **overrides) -> tuple:
    """(seconds per step, G and D parameters in millions, the preset's default steps) of preset ``name``."""
    from gancl.models import build_discriminator, build_generator

    cfg = experiments.preset(name, scale, **overrides)
    count = lambda m: sum(p.numel() for p in m.parameters()) / 1e6  # noqa: E731
    return (seconds_per_step(cfg, steps), count(build_generator(cfg.model)), count(build_discriminator(cfg.model)),
            cfg.optim.steps)


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
