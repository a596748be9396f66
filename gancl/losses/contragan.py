"""ContraGAN (Kang & Park, NeurIPS 2020): the conditional contrastive loss and the losses it is compared with.

Notation of the paper: ``l(x_i)`` is the L2-normalised image embedding, ``e(y_i)`` the class embedding (proxy) of the
sample's label, ``t`` the temperature. Every function L2-normalises its inputs, so dot products are cosine similarities.

Distributed training: the batch-contrastive losses (Eq. 6, 7, 8 and APS) take their negatives from the batch, so under
DDP they first gather the embeddings of all processes (:func:`gancl.distributed.gather_with_grad`) and the labels
(:func:`gancl.distributed.gather`), and return the mean over all global anchors. Every process then holds the same
value, and the gradient reaching each process's slice, averaged by DDP, is the gradient of the global loss.
P-NCA and consistency regularisation are per-sample means and need no gather.

Numerics: all ratios of sums of exponentials are written as differences of ``logsumexp`` over masked similarity rows
(excluded entries are set to -inf), which stays finite at small temperatures.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..distributed import gather, gather_with_grad
from ._checks import (
    check_batch_has_negatives,
    check_embeddings,
    check_labels,
    check_same_shape,
    check_temperature,
)

_NEG_INF = float("-inf")


def _global_pairs(embed, proxy, labels, embed_name: str, proxy_name: str):
    """Validate (N, d) pairs plus labels, gather them over processes and L2-normalise."""
    check_embeddings(embed, embed_name)
    check_embeddings(proxy, proxy_name)
    check_same_shape(embed, proxy, embed_name, proxy_name)
    check_labels(labels, embed.shape[0])
    # Labels travel with the embeddings: NCCL can only gather tensors on the GPU.
    embed, proxy, labels = gather_with_grad(embed), gather_with_grad(proxy), gather(labels.to(embed.device))
    check_batch_has_negatives(embed.shape[0], embed_name)
    return F.normalize(embed, dim=1), F.normalize(proxy, dim=1), labels


def _masked_logsumexp(first: torch.Tensor, rows: torch.Tensor, drop: torch.Tensor) -> torch.Tensor:
    """log(exp(first_i) + sum_k exp(rows_ik) over k with drop_ik False), for every i. first (N,), rows/drop (N, M)."""
    return torch.logsumexp(torch.cat([first[:, None], rows.masked_fill(drop, _NEG_INF)], dim=1), dim=1)


def _conditional_contrastive(
    l, e, labels, temperature: float, same_label_in_numerator: bool, drop_same_label_negatives: bool,
    proxy_weight: float = 1.0,
):
    """Shared body of Eq. 7, Eq. 8 and APS on already gathered, normalised (N, d) tensors; the proxy's term enters
    numerator and denominator ``proxy_weight`` times (log w added to its logit)."""
    n = l.shape[0]
    positive = (l * e).sum(dim=1) / temperature + math.log(proxy_weight)
    sim = l @ l.T / temperature
    self_mask = torch.eye(n, dtype=torch.bool, device=l.device)
    same_label = labels[:, None] == labels[None, :]
    drop_in_denominator = self_mask | same_label if drop_same_label_negatives else self_mask
    log_den = _masked_logsumexp(positive, sim, drop_in_denominator)
    if same_label_in_numerator:
        log_num = _masked_logsumexp(positive, sim, ~same_label | self_mask)
    else:
        log_num = positive
    return (log_den - log_num).mean()


def contrastive_2c(
    embed: torch.Tensor, proxy: torch.Tensor, labels: torch.Tensor, temperature: float = 1.0,
    proxy_weight: float = 1.0,
) -> torch.Tensor:
    """Conditional contrastive (2C) loss, ContraGAN Eq. 8.

    For anchor i, the numerator holds the proxy term exp(l_i.e_i/t) plus exp(l_i.l_k/t) for every other sample k != i
    with the same label; the denominator holds the proxy term plus exp(l_i.l_k/t) for every k != i. Eq. 8 as printed
    has no k != i indicator in the numerator's sum; the anchor's self-similarity is excluded there as well, because it
    is a constant exp(1/t) that no training signal can move (the authors' code removes it too).

    Args:
        embed: (N, d) image embeddings l(x_i) (normalised inside).
        proxy: (N, d) class embedding e(y_i) of each sample's label (normalised inside).
        labels: (N,) integer labels.
        temperature: t > 0 (the paper's CIFAR-10 setting is 1.0).
        proxy_weight: w > 0, how many samples the proxy term counts as, in numerator and denominator alike:
            w exp(l_i.e_i/t) in place of exp(l_i.e_i/t) (1: Eq. 8). Not in the paper: with a batch of 64 over 10
            classes the numerator holds about six data-to-data terms against one data-to-class term, and w > 1
            gives the class embedding more of the pull (the book's "does 2C draw the class it is asked for?").

    Returns:
        Scalar: the mean of -log(numerator / denominator) over the (global) batch. Needs a global batch of >= 2.
    """
    t = check_temperature(temperature)
    if not proxy_weight > 0:
        raise ValueError(f"proxy_weight must be > 0, got {proxy_weight}")
    l, e, labels = _global_pairs(embed, proxy, labels, "embed", "proxy")
    return _conditional_contrastive(l, e, labels, t, same_label_in_numerator=True, drop_same_label_negatives=False,
                                    proxy_weight=proxy_weight)


def contrastive_eq7(
    embed: torch.Tensor,
    proxy: torch.Tensor,
    labels: torch.Tensor,
    temperature: float = 1.0,
    *,
    exclude_same_label: bool = False,
) -> torch.Tensor:
    """ContraGAN Eq. 7: the proxy is the only positive; the other samples of the batch are negatives.

    -log( exp(l_i.e_i/t) / (exp(l_i.e_i/t) + sum_{k != i} exp(l_i.l_k/t)) ), averaged over the (global) batch.
    By default the denominator runs over every k != i, as the paper's text describes (same-label samples are pushed
    away too, the flaw Eq. 8 fixes). ``exclude_same_label=True`` gives the other printed version of the paper, whose
    indicator is y_k != y_i (same-label samples are left out of the denominator); see the papers README.

    Args:
        embed, proxy: (N, d) image and class embeddings (normalised inside). labels: (N,) integer labels.
        temperature: t > 0.

    Returns:
        Scalar mean loss. Needs a global batch of >= 2.
    """
    t = check_temperature(temperature)
    l, e, labels = _global_pairs(embed, proxy, labels, "embed", "proxy")
    return _conditional_contrastive(
        l, e, labels, t, same_label_in_numerator=False, drop_same_label_negatives=exclude_same_label
    )


def contrastive_2c_aps(
    embed: torch.Tensor, aug_embed: torch.Tensor, labels: torch.Tensor, temperature: float = 1.0
) -> torch.Tensor:
    """2C loss with augmented positive samples (APS), ContraGAN Sec. 4.6 and Table 4 (row F, "2C + APS").

    Reading of the paper implemented here: the class embeddings of Eq. 8 are replaced by the embedding of an augmented
    view T(x_i) of the same image, and nothing else changes. For anchor i the numerator is exp(l_i.l(T(x_i))/t) plus
    exp(l_i.l_k/t) over other same-label samples k != i; the denominator is exp(l_i.l(T(x_i))/t) plus exp(l_i.l_k/t)
    over every k != i. The augmented views of the *other* images are not added as extra negatives (the paper names only
    the substitution of the positive); the class-embedding layer is then unused by this loss. The authors' current code
    has no APS, so this reading cannot be checked against it.

    Args:
        embed: (N, d) embeddings of the images l(x_i). aug_embed: (N, d) embeddings of their augmented views l(T(x_i)).
        labels: (N,) integer labels. temperature: t > 0.

    Returns:
        Scalar mean loss. Needs a global batch of >= 2.
    """
    t = check_temperature(temperature)
    l, a, labels = _global_pairs(embed, aug_embed, labels, "embed", "aug_embed")
    return _conditional_contrastive(l, a, labels, t, same_label_in_numerator=True, drop_same_label_negatives=False)


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """NT-Xent loss (Chen et al. 2020, SimCLR), ContraGAN Eq. 6.

    The 2N embeddings of two views are the anchors; the positive of each is the other view of the same image and the
    denominator runs over all 2N - 1 other embeddings. Similarity is cosine similarity divided by the temperature.

    Args:
        z1, z2: (N, d) embeddings of the two views; row i of each comes from the same image.
        temperature: t > 0.

    Returns:
        Scalar: the mean over the 2N (global) anchors. Needs a global batch of N >= 2 images.
    """
    t = check_temperature(temperature)
    check_embeddings(z1, "z1")
    check_embeddings(z2, "z2")
    check_same_shape(z1, z2, "z1", "z2")
    z1, z2 = gather_with_grad(z1), gather_with_grad(z2)
    n = z1.shape[0]
    check_batch_has_negatives(n, "z1")
    a = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    sim = (a @ a.T / t).masked_fill(torch.eye(2 * n, dtype=torch.bool, device=a.device), _NEG_INF)
    index = torch.arange(2 * n, device=a.device)
    positive = sim[index, (index + n) % (2 * n)]
    return (torch.logsumexp(sim, dim=1) - positive).mean()


def proxy_nca(
    embed: torch.Tensor,
    labels: torch.Tensor,
    class_embeddings: torch.Tensor,
    temperature: float = 1.0,
    *,
    authors_denominator: bool = False,
) -> torch.Tensor:
    """Proxy-NCA loss (Movshovitz-Attias et al. 2017), as compared with 2C in ContraGAN Table 1.

    -log( exp(cos(l_i, e_{y_i})/t) / sum_{c != y_i} exp(cos(l_i, e_c)/t) ), averaged over the batch. Only data-to-class
    relations enter, so it is a per-sample mean and needs no gather under DDP. The value can be negative.

    ``authors_denominator=True`` emulates the authors' code, where the denominator uses the raw dot product of the
    normalised embedding with the *un-normalised* class embeddings (the numerator stays a cosine). The authors used no
    temperature; t = 1.0 reproduces that.

    Args:
        embed: (N, d) image embeddings. labels: (N,) integers in [0, C).
        class_embeddings: (C, d) class embeddings (proxies), C >= 2. temperature: t > 0.

    Returns:
        Scalar mean loss.
    """
    t = check_temperature(temperature)
    check_embeddings(embed, "embed")
    check_embeddings(class_embeddings, "class_embeddings")
    if class_embeddings.shape[1] != embed.shape[1]:
        raise ValueError(
            f"class_embeddings must have the embedding dimension {embed.shape[1]} of embed, "
            f"got {tuple(class_embeddings.shape)}"
        )
    num_classes = class_embeddings.shape[0]
    if num_classes < 2:
        raise ValueError(
            f"class_embeddings must hold C >= 2 classes (the denominator runs over c != y_i), got C={num_classes}"
        )
    check_labels(labels, embed.shape[0], "labels", num_classes=num_classes)
    labels = labels.to(embed.device)
    l = F.normalize(embed, dim=1)
    e = F.normalize(class_embeddings, dim=1)
    to_classes = l @ (class_embeddings if authors_denominator else e).T / t
    own_class = torch.arange(num_classes, device=labels.device)[None, :] == labels[:, None]
    positive = (l * e[labels]).sum(dim=1) / t
    log_den = torch.logsumexp(to_classes.masked_fill(own_class, _NEG_INF), dim=1)
    return (log_den - positive).mean()


def consistency_reg(
    real_logits: torch.Tensor,
    aug_logits: torch.Tensor,
    real_embed: torch.Tensor | None = None,
    aug_embed: torch.Tensor | None = None,
) -> torch.Tensor:
    """Consistency regularisation (Zhang et al., ICLR 2020), the "CR" of ContraGAN Table 4.

    Mean squared difference between D's outputs on real images and on augmented versions of the same images:
    mean((D(x) - D(T(x)))^2) over all elements of the logits, plus the same term for the embeddings when both
    ``real_embed`` and ``aug_embed`` are given (ContraGAN's embedding for the 2C loss). Gradients flow into both
    branches, as in CR. The caller multiplies by the CR weight lambda.

    Args:
        real_logits, aug_logits: D logits of the same shape, e.g. (N,) or (N, 1).
        real_embed, aug_embed: optional (N, d) embeddings of the same shape; give both or neither.

    Returns:
        Scalar.
    """
    for x, name in ((real_logits, "real_logits"), (aug_logits, "aug_logits")):
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.numel() == 0:
            raise ValueError(f"{name} must be a non-empty floating-point tensor")
    check_same_shape(real_logits, aug_logits, "real_logits", "aug_logits")
    loss = F.mse_loss(real_logits, aug_logits)
    if (real_embed is None) != (aug_embed is None):
        raise ValueError("real_embed and aug_embed must be given together (or both left out)")
    if real_embed is not None:
        check_embeddings(real_embed, "real_embed")
        check_embeddings(aug_embed, "aug_embed")
        check_same_shape(real_embed, aug_embed, "real_embed", "aug_embed")
        loss = loss + F.mse_loss(real_embed, aug_embed)
    return loss
