"""SN-ResNet generator and discriminator trunk in the style of BigGAN (Brock et al. 2019, Appendix B, Fig. 15):
ResBlocks up/down, spectral norm in G and D, shared class embedding with conditional BN in G, sum pooling in D."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig, powers_of_two, width
from .discriminator import Backbone
from .layers import GeneratorNorm, SumPool, conv
from .staged import StagedGenerator


class GBlock(nn.Module):
    """BigGAN up-ResBlock: norm-ReLU-up2-conv3x3-norm-ReLU-conv3x3, plus shortcut up2-conv1x1.
    x (N, in, H, W), c (N, cond_dim) or None -> (N, out, 2H, 2W)."""

    def __init__(self, in_ch: int, out_ch: int, cond_dim: int, g_norm: str, sn: bool):
        super().__init__()
        self.norm1 = GeneratorNorm(in_ch, cond_dim, g_norm, sn)
        self.conv1 = conv(in_ch, out_ch, 3, sn=sn)
        self.norm2 = GeneratorNorm(out_ch, cond_dim, g_norm, sn)
        self.conv2 = conv(out_ch, out_ch, 3, sn=sn)
        self.shortcut = conv(in_ch, out_ch, 1, sn=sn)

    def forward(self, x: torch.Tensor, c: Optional[torch.Tensor]) -> torch.Tensor:
        h = F.interpolate(F.relu(self.norm1(x, c)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.norm2(self.conv1(h), c)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class ResNetGenerator(StagedGenerator):
    """SN-ResNet (BigGAN-style) generator. ``G(z, y=None)``: z (N, z_dim), y (N,) -> (N, 3, R, R) in [-1, 1].

    linear z -> 4x4 map, one :class:`GBlock` per doubling, then BN-ReLU-conv3x3-tanh. Widths
    ``min(g_channels * R / h, channel_cap)``. When conditional with ``g_norm="bn"``, every conditional BN takes
    ``[shared_embed(y), z]`` (BigGAN's shared embedding and skip-z, here with the whole z instead of chunks);
    with ``g_norm="none"`` the embedding is concatenated to z at the input. Spectral norm on all convs and linears
    unless ``g_spectral_norm=False``.
    """

    def __init__(self, cfg: ModelConfig):
        sn = cfg.g_spectral_norm is not False
        super().__init__(cfg, sn, with_z=True)
        ch = self.widths
        self.stages = nn.ModuleList(GBlock(a, b, self.cond.cond_dim, cfg.g_norm, sn) for a, b in zip(ch, ch[1:]))
        self.out_norm = GeneratorNorm(ch[-1], 0, cfg.g_norm, sn)
        self.to_rgb = conv(ch[-1], 3, 3, sn=sn)

    def to_image(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.to_rgb(F.relu(self.out_norm(x))))


class DBlock(nn.Module):
    """BigGAN down-ResBlock: [ReLU]-conv3x3-ReLU-conv3x3-[avgpool2], shortcut conv1x1-[avgpool2] (a plain
    identity when shapes match). ``first=True`` is SNGAN's "optimized" first block: no leading ReLU on the image and
    the shortcut pools before its conv. (N, in, H, W) -> (N, out, H/2 or H, ...)."""

    def __init__(self, in_ch: int, out_ch: int, conv_f, down: bool, first: bool = False):
        super().__init__()
        self.conv1 = conv_f(in_ch, out_ch, 3)
        self.conv2 = conv_f(out_ch, out_ch, 3)
        self.shortcut = conv_f(in_ch, out_ch, 1) if (in_ch != out_ch or down) else None
        self.down, self.first = down, first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.relu(self.conv1(x if self.first else F.relu(x))))
        if self.down:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.first:
            s = self.shortcut(F.avg_pool2d(s, 2))
        elif self.shortcut is not None:
            s = self.shortcut(s)
            if self.down:
                s = F.avg_pool2d(s, 2)
        return h + s


def resnet_backbone(cfg: ModelConfig, conv_f, linear_f) -> Backbone:
    """SN-ResNet (BigGAN-style) discriminator trunk: down-ResBlocks to 4x4 (heights R/2 ... 4, widths
    ``min(d_channels * R / (2h), channel_cap)``), one more ResBlock at 4x4, ReLU, global sum pooling."""
    heights = powers_of_two(cfg.resolution // 2)
    ch = [width(cfg.d_channels, cfg.resolution // (2 * h), cfg.d_cap) for h in heights]
    blocks = [DBlock(a, b, conv_f, down=True, first=(i == 0)) for i, (a, b) in enumerate(zip([3] + ch, ch))]
    top = DBlock(ch[-1], ch[-1], conv_f, down=False)
    pool = SumPool()
    epilogue = nn.Sequential(top, nn.ReLU(), pool)
    return Backbone(blocks, heights, ch, ["ResBlk"] * len(ch), epilogue, [("ResBlk", top), ("SumPool", pool)],
                    ch[-1])
