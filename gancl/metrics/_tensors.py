"""Input checks shared by the metric functions: numpy or torch in, float64 torch out."""

from __future__ import annotations

import numpy as np
import torch


def as_float64(x, name: str, ndim: int | None = None) -> torch.Tensor:
    """A float64 tensor view of ``x`` (numpy array, torch tensor or nested list), on ``x``'s device if a tensor.

    Raises ValueError naming ``name`` when ``x`` has the wrong number of dimensions or non-finite values.
    """
    t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    t = t.to(torch.float64)
    if ndim is not None and t.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} holds NaN or infinite values; check the features or statistics it came from")
    return t


def as_features(x, name: str, min_rows: int = 1) -> torch.Tensor:
    """Check a feature matrix (N, D) with at least ``min_rows`` rows and return it as float64."""
    t = as_float64(x, name, ndim=2)
    if t.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows (samples), got {t.shape[0]}")
    return t


def same_width(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise ValueError when two feature matrices have different feature dimensions."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{name_a} and {name_b} must have the same feature dimension, got {a.shape[1]} and "
                         f"{b.shape[1]}; were they computed with the same extractor?")


def module_device(module: torch.nn.Module, device=None) -> torch.device:
    """``device`` if given, else the device of the module's first parameter (CPU for a module without any)."""
    if device is not None:
        return torch.device(device)
    first = next(module.parameters(), None)
    return first.device if first is not None else torch.device("cpu")
