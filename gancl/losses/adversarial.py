"""Adversarial and auxiliary-classifier losses, and StyleGAN2's two regularisers (R1 on D, path length on G).

These are per-sample means, so under DDP every process averages over its own slice and DDP's gradient averaging gives
the gradient of the global mean (for equal slice sizes): no gather is needed here.

Logits may have any shape: (N,), (N, 1), or per-location maps such as (N, H, W) from a multi-scale or patch
discriminator; every loss takes the mean over all elements. Real and fake logits may have different shapes.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F

from gancl.distributed import gather

from ._checks import check_float_tensor, check_labels


def _check_any_logits(x, name: str) -> None:
    check_float_tensor(x, name)
    if x.numel() == 0:
        raise ValueError(f"{name} is empty; pass at least one logit")


def d_hinge(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge loss for D (Lim & Ye 2017; used by ContraGAN): mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))).

    real_logits, fake_logits: any shape, e.g. (N,) or (N, H, W). Returns a scalar.
    """
    _check_any_logits(real_logits, "real_logits")
    _check_any_logits(fake_logits, "fake_logits")
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def g_hinge(fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge loss for G: -mean(D(G(z))). fake_logits: any shape. Returns a scalar."""
    _check_any_logits(fake_logits, "fake_logits")
    return -fake_logits.mean()


def d_nonsat(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Logistic loss for D (Goodfellow et al. 2014; StyleGAN2's form): mean(softplus(-D(x))) + mean(softplus(D(G(z)))).

    real_logits, fake_logits: any shape. Returns a scalar.
    """
    _check_any_logits(real_logits, "real_logits")
    _check_any_logits(fake_logits, "fake_logits")
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_nonsat(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating loss for G: mean(softplus(-D(G(z)))). fake_logits: any shape. Returns a scalar."""
    _check_any_logits(fake_logits, "fake_logits")
    return F.softplus(-fake_logits).mean()


def acgan_loss(class_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """ACGAN auxiliary classifier loss (Odena et al. 2017; ContraGAN Sec. 3.1, Fig. 1a): cross-entropy.

    class_logits: (N, C) unnormalised class scores; labels: (N,) integer in [0, C). Returns the mean over N.
    """
    check_float_tensor(class_logits, "class_logits")
    if class_logits.dim() != 2 or class_logits.shape[0] == 0 or class_logits.shape[1] < 2:
        raise ValueError(f"class_logits must have shape (N, C) with N >= 1 and C >= 2, got {tuple(class_logits.shape)}")
    check_labels(labels, class_logits.shape[0], "labels", num_classes=class_logits.shape[1])
    return F.cross_entropy(class_logits, labels.long())


def r1_penalty(real_logits: torch.Tensor, real_images: torch.Tensor) -> torch.Tensor:
    """R1 gradient penalty (Mescheder et al. 2018, Eq. 9), the D regulariser of StyleGAN2 on which the Dual-contrastive,
    MsConD and FakeCLR baselines are built: mean over images of ||grad_x sum D(x)||^2.

    The caller multiplies by gamma / 2 (and by the interval under lazy regularisation).

    Args:
        real_logits: D's outputs on ``real_images`` (any shape with the batch first; all elements are summed, so a
            multi-scale D's outputs may be added up first).
        real_images: (N, C, H, W) the inputs D saw, with ``requires_grad=True``.

    Returns:
        Scalar, differentiable (create_graph) so its gradient reaches D's parameters.
    """
    check_float_tensor(real_images, "real_images")
    if not real_images.requires_grad:
        raise ValueError("real_images must require grad (x.requires_grad_(True) before D's forward) for R1")
    (grad,) = torch.autograd.grad(real_logits.sum(), real_images, create_graph=True)
    return grad.square().flatten(1).sum(1).mean()


def path_lengths(images: torch.Tensor, ws: torch.Tensor, noise: Optional[torch.Tensor] = None,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """StyleGAN2's path lengths (Karras et al. 2020, Sec. 3.2, Eq. 4): ||J_w^T y|| per sample, with J_w the Jacobian of
    the image with respect to w and y a random image of unit expected squared norm per pixel position.

    As in NVlabs' ``StyleGAN2Loss`` (``Gpl`` phase): y ~ N(0, I) / sqrt(H W), the gradient of sum(images * y) taken
    with respect to the per-layer ws (N, num_ws, w_dim), its squared norm summed over w_dim, averaged over the
    layers, then the square root.

    Args:
        images: (N, C, H, W) the synthesis network's output for ``ws``.
        ws: (N, num_ws, w_dim) or (N, w_dim), part of the graph that produced ``images`` (it need not be a leaf).
        noise: optional y of the shape of ``images`` (drawn from ``generator`` when None).
    Returns:
        (N,) path lengths, differentiable (create_graph) so the penalty's gradient reaches G's parameters.
    """
    check_float_tensor(images, "images")
    if images.dim() != 4 or ws.shape[0] != images.shape[0]:
        raise ValueError(f"images must be (N, C, H, W) and ws (N, [num_ws,] w_dim) with the same N; got "
                         f"{tuple(images.shape)} and {tuple(ws.shape)}")
    if not ws.requires_grad:
        raise ValueError("ws must be part of the graph that produced images (ws.requires_grad) for path lengths")
    if noise is None:
        noise = torch.randn(images.shape, generator=generator, dtype=images.dtype, device=images.device)
    noise = noise / math.sqrt(images.shape[2] * images.shape[3])
    (grad,) = torch.autograd.grad((images * noise).sum(), ws, create_graph=True)
    grad = grad if grad.dim() == 3 else grad.unsqueeze(1)
    return grad.square().sum(2).mean(1).sqrt()


def path_length_penalty(lengths: torch.Tensor, mean: torch.Tensor, decay: float = 0.01) -> tuple:
    """StyleGAN2's path-length regulariser (Karras et al. 2020, Eq. 4; NVlabs' ``pl_decay``): (||J^T y|| - a)^2 with
    a the exponential moving average of the path lengths, updated with this batch before the penalty. As in NVlabs'
    code the updated a keeps the gradient of this batch's mean (a term of order ``decay``); the value kept for the
    next call is detached. Under DDP the mean's value is that of the global batch (gathered), so every process keeps
    the same a; its gradient is the local batch's, as NVlabs' per-process mean has.

    The caller multiplies by ``pl_weight`` and, under lazy regularisation, by the interval.

    Args:
        lengths: (N,) :func:`path_lengths`. mean: scalar tensor, the running mean a (0 before the first batch).
        decay: weight of this batch's mean in the update a <- a + decay (mean(lengths) - a).
    Returns:
        ``(penalty, new_mean)``: the scalar mean of (lengths - a_new)^2 over the batch (differentiable through
        ``lengths``, a_new included) and a_new detached, which the caller keeps for the next call.
    """
    check_float_tensor(lengths, "lengths")
    if not 0.0 < decay <= 1.0:
        raise ValueError(f"decay must be in (0, 1], got {decay}")
    local = lengths.mean()
    batch_mean = local + (gather(lengths.detach()).mean() - local.detach())  # global value, local gradient
    new_mean = mean.to(lengths).lerp(batch_mean, decay)
    return (lengths - new_mean).square().mean(), new_mean.detach()
