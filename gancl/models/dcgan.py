"""SN-DCGAN generator and discriminator trunk, as used by ContraGAN (Kang & Park 2020, Sec. 4.3; the
"DCGAN" of Miyato et al. 2018 Table 3 / the authors' StudioGAN), generalised to 16-256 px."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig, powers_of_two, width
from .discriminator import Backbone
from .layers import GeneratorNorm, SumPool, factories, maybe_sn
from .staged import StagedGenerator


class _UpStage(nn.Module):
    """4x4 stride-2 transposed conv, (conditional) BN, ReLU."""

    def __init__(self, c_in: int, c_out: int, cond_dim: int, norm: str, sn: bool):
        super().__init__()
        self.up = maybe_sn(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), sn)
        self.norm = GeneratorNorm(c_out, cond_dim, norm, sn)

    def forward(self, x: torch.Tensor, c: Optional[torch.Tensor]) -> torch.Tensor:
        return F.relu(self.norm(self.up(x), c))


class DCGANGenerator(StagedGenerator):
    """SN-DCGAN generator. ``G(z, y=None)``: z (N, z_dim), y (N,) long -> images (N, 3, R, R) in [-1, 1].

    linear z -> 4x4 map (no norm or activation, as in Miyato et al. 2018 Table 3a), then one 4x4 stride-2
    transposed conv + BN-ReLU per doubling, a 3x3 conv to RGB and tanh. Widths ``min(g_channels * R / h,
    channel_cap)`` at height h (64 channels: 512-256-128-64 at 32 px, as in StudioGAN). Labels enter through
    conditional BN on a shared class embedding (``g_norm="bn"``; StudioGAN's DCGAN conditions BN on the label alone)
    or are concatenated to z (``g_norm="none"``). Optional self-attention after the stage at ``g_attention_res``;
    no spectral norm unless ``g_spectral_norm=True``.
    """

    def __init__(self, cfg: ModelConfig):
        sn = bool(cfg.g_spectral_norm)
        super().__init__(cfg, sn, with_z=False)
        ch = self.widths
        self.stages = nn.ModuleList(_UpStage(a, b, self.cond.cond_dim, cfg.g_norm, sn) for a, b in zip(ch, ch[1:]))
        self.to_rgb = factories(sn)[0](ch[-1], 3, 3)

    def to_image(self, x: torch.Tensor) -> torch.Tensor:
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
