"""Checkpoints of a run: accelerate's state (models, optimizers, RNG) plus gancl's own (``gancl_state.pt``: step,
clock, EMA of G, random streams, loss sums, momentum D, FakeCLR's queues, the path-length mean), written atomically and read with
``weights_only=True``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Optional

import torch

STATE_FILE = "gancl_state.pt"


class CheckpointError(RuntimeError):
    """A checkpoint exists but cannot be read."""


def save_checkpoint(acc, run_dir: Path, state: dict) -> None:
    """Write the checkpoint into a temporary folder, then swap it in: a crash never leaves half a checkpoint.
    Every process calls it (accelerate saves each one's RNG); the main process writes ``state``."""
    final, tmp, old = (Path(run_dir) / n for n in ("checkpoint", "checkpoint.tmp", "checkpoint.old"))
    if acc.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
    acc.wait_for_everyone()
    acc.save_state(str(tmp), safe_serialization=False)
    if acc.is_main_process:
        torch.save(state, tmp / STATE_FILE)
        if final.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    acc.wait_for_everyone()


def load_checkpoint(acc, run_dir: Path, restore) -> Optional[dict]:
    """Load ``run_dir/checkpoint`` (or ``checkpoint.old`` if a swap was cut short) into accelerate's objects, then
    call ``restore(state)`` with gancl's state; returns that state, or None when there is no checkpoint. Any
    unreadable piece raises :class:`CheckpointError` saying how to start over."""
    run_dir = Path(run_dir)
    folder = next((run_dir / n for n in ("checkpoint", "checkpoint.old") if (run_dir / n).is_dir()), None)
    if folder is None:
        return None
    try:
        acc.load_state(str(folder))
        # generator states must stay CPU byte tensors; model and queue tensors are moved as they are loaded
        state = torch.load(folder / STATE_FILE, map_location="cpu", weights_only=True)
        restore(state)
    except Exception as e:  # any unreadable piece means the same thing to the user
        raise CheckpointError(
            f"checkpoint {folder} cannot be read ({type(e).__name__}: {e}). Delete that folder to restart the run "
            "from scratch, or ask for the run with force=True.") from e
    return state
