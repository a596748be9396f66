"""What a discriminator returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from torch import Tensor


@dataclass
class DOutput:
    """Every output of one discriminator forward pass; heads that are off leave their field ``None`` / empty.

    ``embed``, ``proxy`` and ``instance_proj`` are *not* L2-normalised: the losses normalise them.
    """

    logits: Tensor  # (N,) adversarial logit; includes <embed(y), h> for d_head="proj"
    features: Tensor  # (N, F) pooled penultimate features h
    embed: Optional[Tensor] = None  # (N, embed_dim) ContraGAN image embedding         [d_head="contrastive"]
    proxy: Optional[Tensor] = None  # (N, embed_dim) class embedding of y               [d_head="contrastive", y given]
    class_embeddings: Optional[Tensor] = None  # (C, embed_dim) whole class-embedding table [d_head="contrastive"]
    class_logits: Optional[Tensor] = None  # (N, C) ACGAN classifier                    [d_head="acgan"]
    scale_logits: dict = field(default_factory=dict)  # MsConD: {height: (N, H, W)}, final output under key 1
    scale_proj: dict = field(default_factory=dict)  # MsConD: {height: (N, P, H, W)}, final under key 1
    instance_proj: Optional[Tensor] = None  # (N, instance_head_dim) FakeCLR/InsGen head output
