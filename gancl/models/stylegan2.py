"""A compact StyleGAN2 (Karras et al. 2020, config E: skip generator, residual discriminator) for W-space work:
mapping network, modulated/demodulated convs, per-layer noise, skip-to-RGB outputs, and the residual D trunk used by
the Dual Contrastive, MsConD and FakeCLR papers. Simplifications: bilinear up/down-sampling instead of FIR filters,
one w for all layers unless a per-layer (N, num_ws, w_dim) tensor is given, no style mixing, no R1 (a loss)."""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .attention import generator_attention
from .config import ModelConfig, powers_of_two, width
from .discriminator import Backbone
from .layers import (SQRT2, EqualConv2d, EqualLinear, MinibatchStd, ModulatedConv2d, ScaledLeakyReLU, check_z)

NOISE_MODES = ("random", "const", "none")


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale each row to unit mean square (StyleGAN's "pixel norm" of z). (N, D) -> (N, D)."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


class MappingNetwork(nn.Module):
    """StyleGAN mapping f: Z -> W (Karras et al. 2019, Sec. 2): normalised z (and, when conditional, a normalised
    class embedding concatenated as in StyleGAN2-ADA) through ``layers`` equalised-lr FC layers with lr multiplier
    0.01 and leaky ReLU. Tracks the running mean ``w_avg`` in training mode for the truncation trick.
    ``mapping(z, y=None, truncation_psi=1.0)``: z (N, z_dim), y (N,) -> w (N, w_dim)."""

    def __init__(self, z_dim: int, w_dim: int, num_classes: int, layers: int, lr_mul: float = 0.01,
                 w_avg_beta: float = 0.995):
        super().__init__()
        self.z_dim, self.num_classes, self.w_avg_beta = z_dim, num_classes, w_avg_beta
        self.embed = nn.Embedding(num_classes, w_dim) if num_classes else None
        dims = [z_dim + (w_dim if num_classes else 0)] + [w_dim] * layers
        net = []
        for a, b in zip(dims, dims[1:]):
            net += [EqualLinear(a, b, lr_mul=lr_mul), ScaledLeakyReLU(0.2, SQRT2)]
        self.net = nn.Sequential(*net)
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor] = None,
                truncation_psi: float = 1.0) -> torch.Tensor:
        check_z(z, self.z_dim)
        x = normalize_2nd_moment(z)
        if self.embed is not None:
            if y is None:
                raise ValueError(f"this generator is conditional (num_classes={self.num_classes}); pass labels y "
                                 "of shape (N,)")
            x = torch.cat([x, normalize_2nd_moment(self.embed(y))], dim=1)
        w = self.net(x)
        if self.training:
            with torch.no_grad():
                self.w_avg.copy_(w.detach().to(self.w_avg.dtype).mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if truncation_psi != 1.0:
            w = self.w_avg.lerp(w, truncation_psi)
        return w


class SynthesisLayer(nn.Module):
    """Modulated 3x3 conv, per-pixel noise with learned strength (init 0), bias, leaky ReLU x sqrt(2)
    (StyleGAN2 Fig. 2d). x (N, in, H, W), w (N, w_dim) -> (N, out, H', W'); H' = 2H when ``up``."""

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, resolution: int, up: bool):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, 3, w_dim, up=up)
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.bias = nn.Parameter(torch.zeros(out_ch))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str) -> torch.Tensor:
        x = self.conv(x, w)
        if noise_mode == "random":
            x = x + self.noise_strength * torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device,
                                                      dtype=x.dtype)
        elif noise_mode == "const":
            x = x + self.noise_strength * self.noise_const
        return F.leaky_relu(x + self.bias[:, None, None], 0.2) * SQRT2


class ToRGB(nn.Module):
    """Modulated 1x1 conv to RGB without demodulation, plus bias (StyleGAN2 skip architecture, Fig. 7b)."""

    def __init__(self, in_ch: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, 3, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(3))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias[:, None, None]


class SynthesisNetwork(nn.Module):
    """StyleGAN2 synthesis g: W -> images, skip architecture (Karras et al. 2020, Sec. 4.1, Fig. 7b).

    Learned 4x4 constant; one :class:`SynthesisLayer` at 4x4 and two per doubling (the first upsamples); after each
    resolution a :class:`ToRGB` whose output is added to the upsampled running image. Widths
    ``min(g_channels * R / h, channel_cap)``. Optional self-attention on the features at ``g_attention_res``.
    ``synthesis(w, noise_mode="random")``: w (N, w_dim) or (N, num_ws, w_dim) -> (N, 3, R, R), roughly in
    [-1, 1] (no tanh). ``noise_mode``: "random" (fresh noise), "const" (fixed per-layer buffers, deterministic, for
    interpolation and PPL) or "none".
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.w_dim, self.resolution = cfg.w_dim, cfg.resolution
        self.heights = sorted(powers_of_two(cfg.resolution))
        ch = [width(cfg.g_channels, cfg.resolution // h, cfg.channel_cap) for h in self.heights]
        self.const = nn.Parameter(torch.randn(ch[0], 4, 4))
        self.convs = nn.ModuleList([SynthesisLayer(ch[0], ch[0], cfg.w_dim, 4, up=False)])
        for a, b, h in zip(ch, ch[1:], self.heights[1:]):
            self.convs.append(SynthesisLayer(a, b, cfg.w_dim, h, up=True))
            self.convs.append(SynthesisLayer(b, b, cfg.w_dim, h, up=False))
        self.to_rgbs = nn.ModuleList(ToRGB(c, cfg.w_dim) for c in ch)
        self.num_ws = len(self.convs) + len(self.to_rgbs)
        self.attention_res = cfg.g_attention_res
        self.attention = None
        if cfg.g_attention is not None:
            c = ch[self.heights.index(cfg.g_attention_res)]
            self.attention = generator_attention(cfg.g_attention, c, EqualConv2d, cfg.san_kernel)

    def forward(self, w: torch.Tensor, noise_mode: str = "random") -> torch.Tensor:
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode={noise_mode!r} is unknown; choose one of {NOISE_MODES}")
        if w.dim() == 2 and w.shape[1] == self.w_dim:
            ws = [w] * self.num_ws
        elif w.dim() == 3 and tuple(w.shape[1:]) == (self.num_ws, self.w_dim):
            ws = list(w.unbind(dim=1))
        else:
            raise ValueError(f"synthesis expects w of shape (N, {self.w_dim}) or (N, {self.num_ws}, {self.w_dim}); "
                             f"got {tuple(w.shape)}")
        ws = iter(ws)
        x = self.const.unsqueeze(0).expand(w.shape[0], -1, -1, -1)
        layers = iter(self.convs)
        img = None
        for i, height in enumerate(self.heights):
            for _ in range(1 if i == 0 else 2):
                x = next(layers)(x, next(ws), noise_mode)
            if height == self.attention_res:
                x = self.attention(x)
            rgb = self.to_rgbs[i](x, next(ws))
            img = rgb if img is None else F.interpolate(img, scale_factor=2, mode="bilinear",
                                                        align_corners=False) + rgb
        return img


class StyleGAN2Generator(nn.Module):
    """Compact StyleGAN2 generator: ``G(z, y=None) = G.synthesis(G.mapping(z, y))``.

    ``G.mapping`` is a :class:`MappingNetwork`, ``G.synthesis`` a :class:`SynthesisNetwork`; attributes ``z_dim``,
    ``w_dim``, ``num_ws``, ``num_classes``, ``resolution``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.z_dim, self.w_dim, self.num_classes, self.resolution = (cfg.z_dim, cfg.w_dim, cfg.num_classes,
                                                                     cfg.resolution)
        self.mapping = MappingNetwork(cfg.z_dim, cfg.w_dim, cfg.num_classes, cfg.mapping_layers)
        self.synthesis = SynthesisNetwork(cfg)
        self.num_ws = self.synthesis.num_ws

    def feature_resolutions(self) -> list[int]:
        """Heights of the feature maps where self-attention can go."""
        return list(self.synthesis.heights)

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor] = None, truncation_psi: float = 1.0,
                noise_mode: str = "random") -> torch.Tensor:
        return self.synthesis(self.mapping(z, y, truncation_psi), noise_mode)


class DResBlock(nn.Module):
    """StyleGAN2 residual D block (Fig. 7c): conv3x3-act, down2, conv3x3-act; skip down2-conv1x1 (no bias); the sum
    scaled by 1/sqrt(2). Down-sampling is 2x2 average pooling. (N, in, H, W) -> (N, out, H/2, W/2)."""

    def __init__(self, in_ch: int, out_ch: int, conv_f, act):
        super().__init__()
        self.conv0, self.act0 = conv_f(in_ch, in_ch, 3), act()
        self.conv1, self.act1 = conv_f(in_ch, out_ch, 3), act()
        self.skip = conv_f(in_ch, out_ch, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.skip(F.avg_pool2d(x, 2))
        x = self.act1(self.conv1(F.avg_pool2d(self.act0(self.conv0(x)), 2)))
        return (s + x) * (1.0 / math.sqrt(2.0))


def stylegan2_backbone(cfg: ModelConfig, conv_f, linear_f) -> Backbone:
    """StyleGAN2 residual discriminator trunk (the MsConD backbone, supplement Table 1): FromRGB 1x1 conv at R,
    :class:`DResBlock` down to 4x4 (heights R ... 4, widths ``min(d_channels * R / h, channel_cap)``), then the
    epilogue [minibatch-std] - conv3x3 - flatten - linear to the 4x4 width. Leaky ReLU 0.2 (times sqrt(2) with
    equalised lr, i.e. ``d_spectral_norm=False``)."""
    gain = 1.0 if cfg.d_spectral_norm else SQRT2

    def act():
        return ScaledLeakyReLU(0.2, gain)

    heights = powers_of_two(cfg.resolution)
    ch = [width(cfg.d_channels, cfg.resolution // h, cfg.d_cap) for h in heights]
    blocks = [nn.Sequential(conv_f(3, ch[0], 1), act())]
    blocks += [DResBlock(a, b, conv_f, act) for a, b in zip(ch, ch[1:])]
    c4 = ch[-1]
    rows, parts = [], []
    if cfg.mbstd_group:
        mbstd = MinibatchStd(cfg.mbstd_group)
        rows.append(("MinibatchStd", mbstd))
        parts.append(mbstd)
    top = nn.Sequential(conv_f(c4 + (1 if cfg.mbstd_group else 0), c4, 3), act())
    flatten = nn.Flatten()
    fc = nn.Sequential(linear_f(c4 * 16, c4), act())
    rows += [("Conv 3x3", top), ("Flatten", flatten), ("Linear", fc)]
    epilogue = nn.Sequential(*parts, top, flatten, fc)
    return Backbone(blocks, heights, ch, ["FromRGB 1x1"] + ["ResBlk"] * (len(ch) - 1), epilogue, rows, c4)
