"""MsConD per-scale branch (Lee, Kim & Lee, Multi-scale Contrastive Learning for Complex Scene Generation,
supplement Sec. 1 and Table 1)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SharedBlock(nn.Module):
    """The branch's shared block: three 1x1 conv layers with residual connections and ReLU.

    The supplement gives only "3 1x1 convolutional layers with residual connections" and "ReLU for all layers";
    this module reads it as ``x <- x + relu(conv1x1(x))`` three times. (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(self, channels: int, conv, layers: int = 3):
        super().__init__()
        self.convs = nn.ModuleList(conv(channels, channels, 1) for _ in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c in self.convs:
            x = x + F.relu(c(x))
        return x


class ScaleBranch(nn.Module):
    """One MsConD branch on a backbone feature map (supplement Table 1, rows "branch").

    shared block -> disc head (one 1x1 conv to 1 channel, the per-location adversarial logit map) and projection
    head (1x1 Conv-ReLU-1x1 Conv to ``proj_dim`` channels, the representation for the per-scale contrastive loss).
    x (N, C, H, W) -> (logits (N, H, W), proj (N, proj_dim, H, W)).
    """

    def __init__(self, channels: int, proj_dim: int, conv):
        super().__init__()
        self.shared = SharedBlock(channels, conv)
        self.disc = conv(channels, 1, 1)
        self.proj = nn.Sequential(conv(channels, channels, 1), nn.ReLU(), conv(channels, proj_dim, 1))

    def forward(self, x: torch.Tensor):
        s = self.shared(x)
        return self.disc(s).squeeze(1), self.proj(s)
