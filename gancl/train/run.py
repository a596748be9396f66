"""The cached entry point: ``train(config, seed)`` returns a finished run, training only what is missing.

A run lives in ``<runs root>/<run id>/`` where the run id hashes the config's identity and the seed
(:meth:`RunConfig.run_id`). A finished run (``result.json`` present) is returned as it is unless ``force=True``;
an interrupted one resumes from its checkpoint; otherwise it starts fresh.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch

from gancl.models import build_discriminator, build_generator
from gancl.paths import runs_dir
from gancl.train.config import RunConfig
from gancl.train.history import read_history


@dataclass
class RunResult:
    """A finished run: its folder, config, seed and summary (steps, wall time, device, seconds per step, ...)."""

    run_dir: Path
    config: RunConfig
    seed: int
    summary: dict

    def history(self):
        """pandas DataFrame of the run history (see :mod:`gancl.train.history` for the columns)."""
        return read_history(self.run_dir / "history.jsonl")

    def _weights(self) -> dict:
        return torch.load(self.run_dir / "final.pt", map_location="cpu", weights_only=True)

    def generator(self, ema: bool = True) -> torch.nn.Module:
        """The trained generator (the EMA copy by default) in eval mode on CPU."""
        G = build_generator(self.config.model)
        G.load_state_dict(self._weights()["G_ema" if ema else "G"])
        return G.eval().requires_grad_(False)

    def discriminator(self) -> torch.nn.Module:
        D = build_discriminator(self.config.model)
        D.load_state_dict(self._weights()["D"])
        return D.eval().requires_grad_(False)

    @property
    def compute(self) -> dict:
        """What the run cost, for a page's compute table."""
        keys = ("device", "processes", "steps", "images_seen", "wall_time", "seconds_per_step")
        return {"run": self.config.name, "seed": self.seed, **{k: self.summary.get(k) for k in keys}}


def run_path(config: RunConfig, seed: int, root=None) -> Path:
    return Path(root or runs_dir()) / config.run_id(seed)


def load_run(config: RunConfig, seed: int, root=None) -> Optional[RunResult]:
    """The finished run of (config, seed) if the cache holds one, else None."""
    path = run_path(config, seed, root)
    result = path / "result.json"
    if not result.exists():
        return None
    return RunResult(path, config, int(seed), json.loads(result.read_text()))


def train(config: RunConfig, seed: int = 0, force: bool = False, device: str = "auto", root=None) -> RunResult:
    """Train (config, seed) unless the run cache already holds it finished; resumes an interrupted run.

    Args:
        config: the run configuration. seed: the run seed.
        force: retrain from scratch even if a finished run or checkpoint exists.
        device: "auto", "cpu" or "cuda". root: the runs folder (default :func:`gancl.paths.runs_dir`).
    Launch under ``torchrun``/``accelerate launch`` for several processes: every process calls this.
    """
    from gancl.train.trainer import Trainer

    config.validate()
    path = run_path(config, seed, root)
    if not force:
        done = load_run(config, seed, root)
        if done is not None:
            return done
    elif path.exists():
        from accelerate import PartialState

        if PartialState().is_main_process:
            shutil.rmtree(path)
        PartialState().wait_for_everyone()
    path.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(config, seed, path, device=device)
    trainer.load_checkpoint()
    summary = trainer.fit()
    return RunResult(path, config, int(seed), summary)
