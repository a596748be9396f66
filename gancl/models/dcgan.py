"""SN-DCGAN generator and discriminator trunk, as used by ContraGAN (Kang & Park 2020, Sec. 4.3; the
"DCGAN" of Miyato et al. 2018 Table 3 / the authors' StudioGAN), generalised to 16-256 px."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .attention import generator_attention
from .config import ModelConfig, powers_of_two, width
from .discriminator import Backbone
from .layers import GeneratorConditioning, GeneratorNorm, SumPool, check_z, factories, maybe_sn


class DCGANGenerator(nn.Module):
    """SN-DCGAN generator. ``G(z, y=None)``: z (N, z_dim), y (N,) long -> images (N, 3, R, R) in [-1, 1].

    linear z -> 4x4 map (no norm or activation, as in Miyato et al. 2018 Table 3a), then one 4x4 stride-2
    transposed conv + BN-ReLU per doubling, a 3x3 conv to RGB and tanh. Widths ``min(g_channels * R / h,
    channel_cap)`` at height h (64 channels: 512-256-128-64 at 32 px, as in StudioGAN). Labels enter through
    conditional BN on a shared class embedding (``g_norm="bn"``; StudioGAN's DCGAN conditions BN on the label alone)
    or are concatenated to z (``g_norm="none"``). Optional self-attention after the stage at ``g_attention_res``;
    no spectral norm unless ``g_spectral_norm=True``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.z_dim, self.num_classes, self.resolution = cfg.z_dim, cfg.num_classes, cfg.resolution
        sn = bool(cfg.g_spectral_norm)
        self.heights = sorted(powers_of_two(cfg.resolution))
        ch = [width(cfg.g_channels, cfg.resolution // h, cfg.channel_cap) for h in self.heights]
        self.cond = GeneratorConditioning(cfg.z_dim, cfg.num_classes, cfg.g_shared_dim, cfg.g_norm, with_z=False)
        self.linear = maybe_sn(nn.Linear(self.cond.in_dim, ch[0] * 16), sn)
        self.ups = nn.ModuleList(maybe_sn(nn.ConvTranspose2d(a, b, 4, 2, 1), sn) for a, b in zip(ch, ch[1:]))
        self.norms = nn.ModuleList(GeneratorNorm(c, self.cond.cond_dim, cfg.g_norm, sn) for c in ch[1:])
        conv_f = factories(sn)[0]
        self.to_rgb = conv_f(ch[-1], 3, 3)
        self.attention_res = cfg.g_attention_res
        self.attention = None
        if cfg.g_attention is not None:
            c = ch[self.heights.index(cfg.g_attention_res)]
            self.attention = generator_attention(cfg.g_attention, c, conv_f, cfg.san_kernel)

    def feature_resolutions(self) -> list[int]:
        """Heights of the feature maps where self-attention can go."""
        return list(self.heights)

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        check_z(z, self.z_dim)
        inp, c = self.cond(z, y)
        x = self.linear(inp).view(z.shape[0], -1, 4, 4)
        for i, height in enumerate(self.heights):
            if i:
                x = F.relu(self.norms[i - 1](self.ups[i - 1](x), c))
            if height == self.attention_res:
                x = self.attention(x)
        return torch.tanh(self.to_rgb(x))


def dcgan_backbone(cfg: ModelConfig, conv_f, linear_f) -> Backbone:
    """SN-DCGAN discriminator trunk (StudioGAN's DCGAN D without BN): per halving, 3x3 conv + 4x4 stride-2 conv,
    each followed by LeakyReLU(0.1); at 4x4 a 3x3 conv to twice the width, LeakyReLU, global sum pooling.
    Block outputs at heights R/2 ... 4 with ``min(d_channels * R / (2h), channel_cap)`` channels."""
    heights = powers_of_two(cfg.resolution // 2)
    ch = [width(cfg.d_channels, cfg.resolution // (2 * h), cfg.d_cap) for h in heights]
    blocks, prev = [], 3
    for c in ch:
        blocks.append(nn.Sequential(conv_f(prev, c, 3), nn.LeakyReLU(0.1),
                                    conv_f(c, c, 4, stride=2, padding=1), nn.LeakyReLU(0.1)))
        prev = c
    feat = width(2 * ch[-1], 1, cfg.d_cap)
    top = nn.Sequential(conv_f(prev, feat, 3), nn.LeakyReLU(0.1))
    pool = SumPool()
    epilogue = nn.Sequential(top, pool)
    return Backbone(blocks, heights, ch, ["Conv3x3+Conv4x4/2"] * len(ch), epilogue,
                    [("Conv 3x3", top), ("SumPool", pool)], feat)
