"""Training-step throughput of every model family the pages use, float32 against the default precision, side by side.

For each family (SN-DCGAN and SN-ResNet with ContraGAN's 2C head, the compact StyleGAN2 with its lazy R1, MsConD's
multi-scale contrastive D, FakeCLR's full step) it times one training step (``n_dis`` D steps and a G step, EMA
included) through gancl's trainer in each precision setting, in alternating rounds (each round times every setting
once, so machine noise hits all alike), and reports the fastest of the rounds (noise only adds time). FLOPs per
step are counted once with ``torch.utils.flop_counter`` (matrix products and convolutions, forward and backward),
so each time also gives GFLOP/s and its share of the machine's matmul peak, measured here in float32 and bf16.

Settings: ``float32`` (no autocast, contiguous), ``bf16+cl`` (bf16 autocast, channels_last) and ``default``
(``mixed_precision`` and ``memory_format`` "auto", as this machine resolves them, see gancl.train.precision; when it
resolves to one of the two others it is not timed twice). Targets of the throughput issue, on a CPU that computes
bf16 natively: default >= 1.8x float32 on the DCGAN and ResNet steps, >= 1.25x on the StyleGAN2 steps, DCGAN at
>= 60% of the matching peak (FakeCLR against its baseline: ``benchmarks/fakeclr.py``).

    python benchmarks/throughput.py [--scale small] [--rounds 3] [--steps 4] [--filter dcgan]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from torch.utils.flop_counter import FlopCounterMode
from presets import time_preset  # benchmarks/ is on the path when a script in it runs

from gancl import experiments
from gancl.train import Trainer
from gancl.train.precision import fast_settings

#: family -> (preset, overrides, target speed-up of the default over float32 on a bf16-native CPU)
#: The DCGAN/ResNet targets were set on the 32 px step (41.5 GFLOP); the calibrated `small` trains ContraGAN at 16 px,
#: where a step is 6x smaller, so both resolutions are timed.
PX32 = {"data.resolution": 32, "model.resolution": 32}
FAMILIES = {
    "SN-DCGAN (2C)": ("contragan/2c", {}, 1.8),
    "SN-DCGAN (2C) 32 px": ("contragan/2c", PX32, 1.8),
    "SN-ResNet (2C)": ("contragan/2c", {"model.arch": "resnet"}, 1.8),
    "SN-ResNet (2C) 32 px": ("contragan/2c", {"model.arch": "resnet", **PX32}, 1.8),
    "StyleGAN2 (lazy R1)": ("dual/stylegan2", {}, 1.25),
    "MsConD D": ("msconD/msconD", {}, 1.25),
    "FakeCLR (full step)": ("fakeclr/fakeclr", {}, 1.25),
}
SETTINGS = {"float32": ("no", "contiguous"), "bf16+cl": ("bf16", "channels_last")}
#: no evaluation while timing (a calibrated preset's curves need eval.fd_every, so both go)
NO_EVAL = {"eval.fd_every": 0, "eval.curves": ()}


def trainer_for(preset: str, scale: str, overrides: dict, precision: tuple, folder: str) -> Trainer:
    config = experiments.preset(preset, scale, **{
        "progress": False, "tracker": None, "eval.diag_every": 0, **NO_EVAL, "checkpoint_every": 0,
        "mixed_precision": precision[0], "memory_format": precision[1], **overrides})
    return Trainer(config, 0, folder, device="cpu")


def one_step(trainer: Trainer) -> None:
    for _ in range(trainer.cfg.optim.n_dis):
        trainer.d_step()
    trainer.g_step()
    trainer.step += 1


def seconds_per_step(preset, scale, overrides, precision, steps) -> float:
    """benchmarks/presets.py's timing (two warm-up steps, then ``steps``) in one precision setting."""
    return time_preset(preset, scale, steps, **{**NO_EVAL, "mixed_precision": precision[0],
                                                "memory_format": precision[1], **overrides})[0]


def flops_per_step(preset, scale, overrides) -> float:
    """FLOPs of one float32 step with no lazy regulariser due (the steps between R1's)."""
    with tempfile.TemporaryDirectory() as folder:
        trainer = trainer_for(preset, scale, overrides, SETTINGS["float32"], folder)
        one_step(trainer)
        counter = FlopCounterMode(display=False)
        # the per-module breakdown's tracker hooks every module's inputs and fails on the step's tensors that require
        # grad inside no_grad blocks; the total needs no breakdown
        counter.mod_tracker = _GlobalOnly()
        with counter:
            one_step(trainer)
        return counter.get_total_flops()


class _GlobalOnly:
    """Stands in for FlopCounterMode's module tracker: every count goes to "Global"."""

    parents = {"Global"}

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def matmul_peak(dtype: torch.dtype, n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of the fastest n x n x n matrix product in ``dtype`` that torch computes here, through either of its
    two CPU libraries: ``a @ b`` (MKL's GEMM for float32) and the same product as a 1x1 convolution (oneDNN, which
    computes every convolution of the models). They differ: on an AMD EPYC (Zen 5) MKL's float32 GEMM reached 215
    GFLOP/s and oneDNN's 1x1 convolution 337, and a peak read off ``a @ b`` alone put the StyleGAN2 step's
    convolutions at 113% of it."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    # (1, n, n, 1) input, (n, n, 1, 1) weight: out[0, i, j, 0] = sum_k w[i, k] x[0, k, j, 0], 2 n^3 FLOPs
    image, weight = b.reshape(1, n, n, 1), a.reshape(n, n, 1, 1)
    products = [lambda: a @ b, lambda: torch.nn.functional.conv2d(image, weight)]
    best = float("inf")
    for product in products:
        product()  # warm-up: kernel choice, allocation
        best = min(best, *(_timed(product) for _ in range(repeats)))
    return 2 * n ** 3 / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="small", choices=experiments.SCALE_NAMES[:2])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--filter", default="", help="only families whose name contains this (case-insensitive)")
    args = p.parse_args()

    default = fast_settings("cpu")
    settings = dict(SETTINGS)
    if (default.mixed_precision, default.memory_format) not in settings.values():
        settings["default"] = (default.mixed_precision, default.memory_format)
    chosen = next(name for name, value in settings.items()
                  if value == (default.mixed_precision, default.memory_format))
    peak = {"no": matmul_peak(torch.float32), "bf16": matmul_peak(torch.bfloat16)}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; matmul peak float32 {peak['no']:.0f} "
          f"GFLOP/s, bf16 {peak['bf16']:.0f} GFLOP/s ({peak['bf16'] / peak['no']:.2f}x)")
    print(f"'auto' resolves to {default.mixed_precision}/{default.memory_format} here ({default.source}): the "
          f"default is the '{chosen}' column\n")
    families = {k: v for k, v in FAMILIES.items() if args.filter.lower() in k.lower()}
    header = f"{'family':24s} {'GFLOP':>6s}" + "".join(f" {name + ' ms':>13s} {'%peak':>6s}" for name in settings)
    print(header + f" {'bf16+cl / fp32':>15s} {'default / fp32':>15s} {'target':>7s}")
    for family, (preset, overrides, target) in families.items():
        flops = flops_per_step(preset, args.scale, overrides)
        times = {name: [] for name in settings}
        for _ in range(args.rounds):
            for name, precision in settings.items():
                times[name].append(seconds_per_step(preset, args.scale, overrides, precision, args.steps))
        best = {name: min(t) for name, t in times.items()}
        row = f"{family:24s} {flops / 1e9:6.1f}"
        for name, precision in settings.items():
            share = flops / best[name] / 1e9 / peak[precision[0] if precision[0] in peak else "no"]
            row += f" {best[name] * 1e3:13.0f} {share:6.0%}"
        fast = best["float32"] / best["bf16+cl"]
        speedup = best["float32"] / best[chosen]
        print(row + f" {fast:14.2f}x {speedup:14.2f}x {target:6.2f}x", flush=True)
    print("\nspeed-up = float32 time / setting's time (higher is faster); %peak = GFLOP/s over the matmul peak of the "
          "setting's precision (the faster of MKL's GEMM and oneDNN's 1x1 convolution)")


if __name__ == "__main__":
    main()
