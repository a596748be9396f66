"""Time per training step, measured side by side: what a configuration costs on this machine, without a run.

A step is what the trainer's loop does between two G updates (``n_dis`` D steps, one G step, the EMA), timed on a
fresh :class:`~gancl.train.Trainer` after warm-up steps (the first carries lazy R1 and path length, the allocator and
caches settle). Configurations compared with each other are timed in alternating rounds, so that the machine's
drift (other processes, clock changes) hits them alike; a round is then a paired "seed" for the claim rule.
"""

from __future__ import annotations

import tempfile
import time
from typing import Callable, Optional

from gancl.train.config import RunConfig


def seconds_per_step(config: RunConfig, steps: int = 10, warmup: int = 2, device: str = "cpu",
                     seed: int = 0) -> float:
    """Mean wall-clock seconds of ``steps`` training steps of ``config`` after ``warmup`` steps, on a fresh trainer
    in a temporary folder (nothing is cached; evaluation and diagnostics are off)."""
    return _measure(config, steps, warmup, device, seed)["seconds_per_step"]


def _measure(config: RunConfig, steps: int, warmup: int, device: str, seed: int = 0) -> dict:
    from gancl.train.trainer import Trainer, _device_name

    if steps < 1 or warmup < 0:
        raise ValueError(f"steps must be >= 1 and warmup >= 0, got {steps} and {warmup}")
    begin = time.perf_counter()
    config = config.replace(**{"progress": False, "tracker": None, "eval.diag_every": 0, "eval.fd_every": 0,
                               "eval.curves": ()})
    with tempfile.TemporaryDirectory() as folder:
        trainer = Trainer(config, seed, folder, device=device)

        def step():
            for _ in range(config.optim.n_dis):
                trainer.d_step()
            trainer.g_step()
            trainer.step += 1

        for _ in range(warmup):
            step()
        _synchronize(trainer.device)
        start = time.perf_counter()
        for _ in range(steps):
            step()
        _synchronize(trainer.device)  # a GPU runs behind the host: wait for the last step's kernels
        end = time.perf_counter()
        images = (warmup + steps) * config.optim.batch_size * config.optim.n_dis
        # the fields of a run's compute record (gancl.tables.format_compute), for the page that shows the timing
        return {"seconds_per_step": (end - start) / steps, "wall_time": end - begin, "steps": warmup + steps,
                "images_seen": images, "device": _device_name(trainer.device), "processes": 1,
                "mixed_precision": trainer.cfg.mixed_precision, "memory_format": trainer.cfg.memory_format}


def _synchronize(device) -> None:
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def time_side_by_side(configs: dict, steps: int = 10, rounds=5, warmup: int = 2, device: str = "cpu",
                      progress: Optional[Callable] = None):
    """Seconds per step of every configuration (label -> RunConfig), in alternating rounds.

    Args:
        rounds: how many rounds, or the list of their ids (a page's seeds).
        progress: called with each row as it is measured.
    Returns:
        A DataFrame with one row per (configuration, round): ``config``, ``seed`` (the round: the pairing the claim
        rule uses), ``seconds_per_step``, ``ms_per_step``, ``sec_per_kimg`` (seconds per thousand real images D
        sees, the unit of FakeCLR's supplement Table 6), ``batch_size``, and the compute record of the measurement
        (``wall_time`` with trainer construction and warm-up, ``steps``, ``images_seen``, ``device``, ...).
    """
    import pandas as pd

    ids = list(range(rounds)) if isinstance(rounds, int) else list(rounds)
    rows = []
    for r in ids:
        for label, config in configs.items():
            measured = _measure(config.resolved(device), steps, warmup, device)
            images = config.optim.batch_size * config.optim.n_dis
            rows.append({"config": label, "seed": r, "ms_per_step": 1e3 * measured["seconds_per_step"],
                         "sec_per_kimg": 1e3 * measured["seconds_per_step"] / images,
                         "batch_size": config.optim.batch_size, **measured})
            if progress is not None:
                progress(rows[-1])
    return pd.DataFrame(rows)
