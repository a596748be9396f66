"""Argument checks shared by the losses.

Every check looks at shapes and dtypes only, so it costs no device synchronisation; the one exception is the label
range check, which needs a single reduction and is only made where the number of classes is known.
"""

from __future__ import annotations

import math
from numbers import Real

import torch


def check_temperature(value, name: str = "temperature") -> float:
    """Return ``value`` as a float, raising ValueError unless it is a finite number > 0."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a scalar, got a tensor of shape {tuple(value.shape)}")
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}; pass e.g. {name}=1.0")
    return value


def check_float_tensor(x, name: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")


def check_embeddings(x, name: str) -> None:
    """``x`` must be a non-empty float tensor of shape (N, d)."""
    check_float_tensor(x, name)
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (N, d), got {tuple(x.shape)}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"{name} is empty (shape {tuple(x.shape)}); a loss needs at least one sample of dimension >= 1"
        )


def check_same_shape(a, b, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


def check_labels(labels, n: int, name: str = "labels", num_classes: int | None = None) -> None:
    """``labels`` must be an integer tensor of shape (n,), with values in [0, num_classes) when that is given."""
    if not isinstance(labels, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor of integer class indices, got {type(labels).__name__}")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise ValueError(f"{name} must hold integer class indices, got dtype {labels.dtype}; use labels.long()")
    if labels.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match the embeddings, got {tuple(labels.shape)}")
    if num_classes is not None and bool(((labels < 0) | (labels >= num_classes)).any()):
        raise ValueError(
            f"{name} must lie in [0, {num_classes}), got values from {int(labels.min())} to {int(labels.max())}"
        )


def check_logits(x, name: str) -> torch.Tensor:
    """Discriminator logits of shape (N,) or (N, 1), N >= 1; returns them flattened to (N,)."""
    check_float_tensor(x, name)
    if not (x.dim() == 1 or (x.dim() == 2 and x.shape[1] == 1)):
        raise ValueError(f"{name} must have shape (N,) or (N, 1), got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty; pass at least one logit")
    return x.reshape(-1)


def check_batch_has_negatives(n: int, name: str) -> None:
    """Batch-contrastive losses take their negatives from the (global) batch: one sample leaves none."""
    if n < 2:
        raise ValueError(
            f"{name} holds a global batch of {n} sample(s); a batch-contrastive loss needs at least 2 "
            "so that every anchor has a negative"
        )
