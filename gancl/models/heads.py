"""Discriminator heads on the pooled features h (N, F): conditioning heads of ACGAN, ProjGAN and ContraGAN, the
FakeCLR/InsGen instance projection head, and the momentum update of a key encoder."""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn


class ProjectionHead(nn.Module):
    """Projection discriminator (Miyato & Koyama 2018, Sec. 3): the class term ``<embed(y), h>`` (N,).

    The discriminator adds it to its unconditional logit ``psi(h)``. h (N, F), y (N,) -> (N,).
    """

    def __init__(self, feat_dim: int, num_classes: int, embedding):
        super().__init__()
        self.embed = embedding(num_classes, feat_dim)

    def forward(self, h: torch.Tensor, y: Optional[torch.Tensor]) -> torch.Tensor:
        if y is None:
            raise ValueError("d_head='proj' needs the labels: call D(x, y) with y of shape (N,)")
        return (self.embed(y) * h).sum(dim=1)


class ACGANHead(nn.Module):
    """ACGAN auxiliary classifier (Odena et al. 2017; ContraGAN Fig. 1a): class logits ``W h``. h (N, F) -> (N, C)."""

    def __init__(self, feat_dim: int, num_classes: int, linear):
        super().__init__()
        self.classifier = linear(feat_dim, num_classes)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.classifier(h)


class ContrastiveHead(nn.Module):
    """ContraGAN (Kang & Park 2020, Sec. 3.2, Eq. 6-8): image embedding l = h(S(x)) and class proxies e(y).

    The projection is linear (the paper's Sec. 4.3 finds a linear projection best; the authors' library uses one
    linear layer on the ReLU-ed, pooled features). Returns un-normalised ``embed`` (N, embed_dim), ``proxy``
    (N, embed_dim) or None when y is None, and the whole table ``class_embeddings`` (C, embed_dim).
    """

    def __init__(self, feat_dim: int, num_classes: int, embed_dim: int, linear, embedding):
        super().__init__()
        self.project = linear(feat_dim, embed_dim)
        self.proxies = embedding(num_classes, embed_dim)

    def forward(self, h: torch.Tensor, y: Optional[torch.Tensor]) -> dict:
        table = self.proxies.weight  # read once: under spectral norm every read runs a power iteration
        return {
            "embed": self.project(h),
            "proxy": None if y is None else table[y],
            "class_embeddings": table,
        }


class InstanceHead(nn.Module):
    """FakeCLR / InsGen instance-discrimination projection head phi^f (Li et al. 2022, Sec. 3.1, Eq. 6-8).

    MLP ``F -> hidden -> ReLU -> dim`` on D's pooled features, output not normalised (the loss does it; the authors'
    code uses 512 -> 512 -> ReLU -> 128). h (N, F) -> (N, dim).
    """

    def __init__(self, feat_dim: int, dim: int, hidden: int = 512):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(feat_dim, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.mlp(h)
