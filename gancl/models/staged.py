"""The skeleton shared by the SN-DCGAN and SN-ResNet generators: conditioning, a linear map from the latent to a 4x4
feature map, one stage per doubling of the height, optional self-attention after the stage at ``g_attention_res``,
and an RGB head."""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .attention import generator_attention
from .config import ModelConfig, powers_of_two, width
from .layers import GeneratorConditioning, check_z, factories, maybe_sn


class StagedGenerator(nn.Module):
    """Subclasses build ``self.stages`` (one module per doubling, called as ``stage(x, c)``) and implement
    :meth:`to_image`; ``G(z, y=None)``: z (N, z_dim), y (N,) long -> images (N, 3, R, R)."""

    def __init__(self, cfg: ModelConfig, sn: bool, with_z: bool):
        super().__init__()
        self.z_dim, self.num_classes, self.resolution = cfg.z_dim, cfg.num_classes, cfg.resolution
        self.heights = sorted(powers_of_two(cfg.resolution))
        self.widths = [width(cfg.g_channels, cfg.resolution // h, cfg.channel_cap) for h in self.heights]
        self.cond = GeneratorConditioning(cfg.z_dim, cfg.num_classes, cfg.g_shared_dim, cfg.g_norm, with_z=with_z)
        self.linear = maybe_sn(nn.Linear(self.cond.in_dim, self.widths[0] * 16), sn)
        self.attention_res = cfg.g_attention_res
        self.attention = None
        if cfg.g_attention is not None:
            c = self.widths[self.heights.index(cfg.g_attention_res)]
            self.attention = generator_attention(cfg.g_attention, c, factories(sn)[0], cfg.san_kernel)

    def feature_resolutions(self) -> list[int]:
        """Heights of the feature maps where self-attention can go."""
        return list(self.heights)

    def to_image(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        check_z(z, self.z_dim)
        inp, c = self.cond(z, y)
        x = self.linear(inp).view(z.shape[0], -1, 4, 4)
        for i, height in enumerate(self.heights):
            if i:
                x = self.stages[i - 1](x, c)
            if height == self.attention_res:
                x = self.attention(x)
        return self.to_image(x)
