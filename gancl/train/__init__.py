"""Training: the run config, the accelerate-based trainer and the cached ``train(config, seed)`` entry point."""

from gancl.train.config import DataConfig, EvalConfig, LossConfig, OptimConfig, RunConfig
from gancl.train.history import measured_curves, read_history
from gancl.train.run import RunResult, diverged_run, load_run, run_path, train, train_grid
from gancl.train.trainer import CheckpointError, NonFiniteLossError, Trainer, TrainingInterrupted

__all__ = [
    "DataConfig", "EvalConfig", "LossConfig", "OptimConfig", "RunConfig", "RunResult", "Trainer", "train",
    "train_grid", "measured_curves", "load_run", "diverged_run", "run_path", "read_history", "CheckpointError", "NonFiniteLossError", "TrainingInterrupted",
]
