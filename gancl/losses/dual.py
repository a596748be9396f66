"""Dual contrastive loss (Yu et al., "Dual Contrastive Loss and Attention for GANs", ICCV 2021, main paper).

With scalar discriminator logits r_i = D(x_i) (real) and f_j = D(G(z_j)) (fake), D maximises

    mean_i log( e^{r_i} / (e^{r_i} + sum_j e^{f_j}) ) + mean_j log( e^{-f_j} / (e^{-f_j} + sum_i e^{-r_i}) ):

each real logit is the positive against all fake logits of the batch, and each negated fake logit is the positive
against all negated real logits. G maximises the same expression with the roles of real and fake swapped. Both losses
here are written to be *minimised* (the negated objectives).

A widely used third-party implementation swaps the arguments so that G minimises D's loss, which pushes fake logits
down; :func:`dual_contrastive_g` raises them (dL_G / df_j < 0), which the tests check.

The sums run over the whole batch, so under DDP the logits of all processes are gathered first
(:func:`gancl.distributed.gather_with_grad`) and every process returns the loss of the global batch.
"""

from __future__ import annotations

import torch

from ..distributed import gather_with_grad
from ._checks import check_logits


def _one_against_all(pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
    """mean_i -log( e^{pos_i} / (e^{pos_i} + sum_j e^{neg_j}) ) for pos (N,), neg (M,)."""
    neg_lse = torch.logsumexp(neg, dim=0).expand_as(pos)
    return (torch.logaddexp(pos, neg_lse) - pos).mean()


def _dual(pos_logits: torch.Tensor, neg_logits: torch.Tensor) -> torch.Tensor:
    return _one_against_all(pos_logits, neg_logits) + _one_against_all(-neg_logits, -pos_logits)


def dual_contrastive_d(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Dual contrastive loss for D (to minimise): the negated D objective above.

    Args:
        real_logits: (N,) or (N, 1) D logits of real images.
        fake_logits: (M,) or (M, 1) D logits of generated images; M may differ from N.

    Returns:
        Scalar loss of the (global) batch. Minimising it raises real logits and lowers fake logits.
    """
    real = gather_with_grad(check_logits(real_logits, "real_logits"))
    fake = gather_with_grad(check_logits(fake_logits, "fake_logits"))
    return _dual(real, fake)


def dual_contrastive_g(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Dual contrastive loss for G (to minimise): D's loss with the roles of real and fake swapped.

    -( mean_j log(e^{f_j} / (e^{f_j} + sum_i e^{r_i})) + mean_i log(e^{-r_i} / (e^{-r_i} + sum_j e^{-f_j})) ).

    Args:
        real_logits: (N,) or (N, 1) D logits of real images (the real images carry no gradient to G, but the loss
            depends on them).
        fake_logits: (M,) or (M, 1) D logits of generated images.

    Returns:
        Scalar loss of the (global) batch; its gradient with respect to every fake logit is negative.
    """
    real = gather_with_grad(check_logits(real_logits, "real_logits"))
    fake = gather_with_grad(check_logits(fake_logits, "fake_logits"))
    return _dual(fake, real)
