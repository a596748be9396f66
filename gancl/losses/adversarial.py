"""Adversarial and auxiliary-classifier losses.

These are per-sample means, so under DDP every process averages over its own slice and DDP's gradient averaging gives
the gradient of the global mean (for equal slice sizes): no gather is needed here.

Logits may have any shape: (N,), (N, 1), or per-location maps such as (N, H, W) from a multi-scale or patch
discriminator; every loss takes the mean over all elements. Real and fake logits may have different shapes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

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
