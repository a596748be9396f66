"""MsConD (Lee, Kim & Lee, "Multi-scale Contrastive Learning for Complex Scene Generation"): per-scale contrastive loss.

MsConD has no public code, and its supplement only gives the discriminator (per-scale shared block, disc head and
projection head with C_p = 256 channels, supplement Table 1). The contrastive objective is described in the main
paper only. The function below is *the book's reading* of it, labelled as such wherever it is used: at every scale,
an InfoNCE between two augmented views of the same images, in NT-Xent form (ContraGAN Eq. 6), with the other images
of the global batch as negatives, computed on that scale's projection output average-pooled over space.
The temperature is not stated in the texts this book has; 0.1 is the book's choice.
"""

from __future__ import annotations

import torch

from ._checks import check_float_tensor
from .contragan import nt_xent


def _pooled(x: torch.Tensor, name: str) -> torch.Tensor:
    check_float_tensor(x, name)
    if x.dim() == 4:
        return x.mean(dim=(2, 3))
    if x.dim() == 2:
        return x
    raise ValueError(f"{name} must have shape (N, P, H, W) or, for a 1x1 scale, (N, P); got {tuple(x.shape)}")


def multiscale_contrastive(
    proj_a: dict[str, torch.Tensor],
    proj_b: dict[str, torch.Tensor],
    temperature: float = 0.1,
    *,
    return_per_scale: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Multi-scale contrastive loss of MsConD, as read by this book (see the module docstring).

    For every scale s: pool each view's projection output (N, P, H, W) -> (N, P) by a spatial mean, then
    :func:`gancl.losses.nt_xent` between the two views (gathered over processes under DDP). The result is the mean of
    the per-scale losses.

    Args:
        proj_a, proj_b: projection-head outputs of the two augmented views, keyed by scale name (e.g. ``"16"``,
            ``"8"``, ``"1"``); the same keys in both, each value (N, P, H, W), or (N, P) for a scale that is already
            a vector (the final linear branch). Row i of every tensor comes from image i.
        temperature: t > 0 of every per-scale NT-Xent.
        return_per_scale: also return a dict of the per-scale losses.

    Returns:
        Scalar mean over scales, or ``(mean, {scale: loss})`` when ``return_per_scale``.
    """
    if not isinstance(proj_a, dict) or not isinstance(proj_b, dict):
        raise ValueError("proj_a and proj_b must be dicts mapping a scale name to a projection output")
    if not proj_a:
        raise ValueError("proj_a is empty; pass at least one scale")
    if set(proj_a) != set(proj_b):
        raise ValueError(f"proj_a and proj_b must have the same scales, got {sorted(proj_a)} and {sorted(proj_b)}")
    per_scale = {}
    for scale in proj_a:
        a = _pooled(proj_a[scale], f"proj_a[{scale!r}]")
        b = _pooled(proj_b[scale], f"proj_b[{scale!r}]")
        if a.shape != b.shape:
            raise ValueError(
                f"proj_a[{scale!r}] and proj_b[{scale!r}] must have the same shape, "
                f"got {tuple(proj_a[scale].shape)} and {tuple(proj_b[scale].shape)}"
            )
        per_scale[scale] = nt_xent(a, b, temperature)
    mean = torch.stack(list(per_scale.values())).mean()
    return (mean, per_scale) if return_per_scale else mean
