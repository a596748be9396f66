"""Building blocks shared by the architectures: layer factories (spectral norm or equalised learning rate),
conditional batch norm, modulated convolution, pooling and minibatch standard deviation.

A *layer factory* is a callable ``conv(in_ch, out_ch, kernel, stride=1, padding=None, bias=True)`` or
``linear(in_f, out_f, bias=True)``; the architectures and attention modules take one so that the same block can be
built with spectral norm (SN-GANs), plain weights, or StyleGAN2's equalised learning rate.
"""

from __future__ import annotations

import functools
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

SQRT2 = math.sqrt(2.0)


def maybe_sn(module: nn.Module, enabled: bool) -> nn.Module:
    """Wrap ``module`` with spectral normalisation (Miyato et al. 2018) when ``enabled``."""
    return spectral_norm(module) if enabled else module


def conv(in_ch: int, out_ch: int, kernel: int, stride: int = 1, padding: Optional[int] = None, bias: bool = True,
         *, sn: bool) -> nn.Module:
    """``nn.Conv2d`` with 'same' padding by default, spectrally normalised when ``sn``."""
    padding = kernel // 2 if padding is None else padding
    return maybe_sn(nn.Conv2d(in_ch, out_ch, kernel, stride, padding, bias=bias), sn)


def linear(in_f: int, out_f: int, bias: bool = True, *, sn: bool) -> nn.Module:
    """``nn.Linear``, spectrally normalised when ``sn``."""
    return maybe_sn(nn.Linear(in_f, out_f, bias=bias), sn)


def embedding(num: int, dim: int, *, sn: bool) -> nn.Module:
    """``nn.Embedding`` (a class-embedding table), spectrally normalised when ``sn`` as in SN projection D."""
    return maybe_sn(nn.Embedding(num, dim), sn)


def factories(sn: bool):
    """``(conv, linear, embedding)`` factories with or without spectral norm."""
    return (functools.partial(conv, sn=sn), functools.partial(linear, sn=sn), functools.partial(embedding, sn=sn))


def check_z(z: torch.Tensor, z_dim: int) -> None:
    """Generators' input check: z must be (N, z_dim)."""
    if z.dim() != 2 or z.shape[1] != z_dim:
        raise ValueError(f"G expects z of shape (N, {z_dim}); got {tuple(z.shape)}")


class EqualLinear(nn.Module):
    """Linear layer with equalised learning rate (Karras et al. 2018, ProGAN Sec. 4.1; StyleGAN2 mapping).

    Weights are stored as N(0, 1) / lr_mul and scaled at run time by lr_mul / sqrt(fan_in), so Adam's step size is
    the same for every layer; ``lr_mul=0.01`` slows the mapping network as StyleGAN does. x (N, in) -> (N, out).
    """

    def __init__(self, in_f: int, out_f: int, bias: bool = True, bias_init: float = 0.0, lr_mul: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_f, in_f) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_f,), float(bias_init))) if bias else None
        self.weight_gain = lr_mul / math.sqrt(in_f)
        self.lr_mul = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = None if self.bias is None else self.bias * self.lr_mul
        return F.linear(x, self.weight * self.weight_gain, bias)


class EqualConv2d(nn.Module):
    """Conv2d with equalised learning rate (see :class:`EqualLinear`). x (N, in, H, W) -> (N, out, H', W')."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, padding: Optional[int] = None,
                 bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None
        self.weight_gain = 1.0 / math.sqrt(in_ch * kernel * kernel)
        self.stride = stride
        self.padding = kernel // 2 if padding is None else padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.weight_gain, self.bias, self.stride, self.padding)


class ScaledLeakyReLU(nn.Module):
    """Leaky ReLU times a gain; StyleGAN2 multiplies by sqrt(2) to keep the activation variance of He init."""

    def __init__(self, slope: float = 0.2, gain: float = 1.0):
        super().__init__()
        self.slope, self.gain = slope, gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(x, self.slope)
        return x * self.gain if self.gain != 1.0 else x


class SumPool(nn.Module):
    """Global sum pooling (SNGAN/BigGAN discriminators). (N, C, H, W) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.sum(dim=(2, 3))


class GeneratorNorm(nn.Module):
    """The normalisation of a dcgan/resnet G stage.

    ``mode="bn"`` and ``cond_dim > 0``: BigGAN (Brock et al. 2019) conditional BN, i.e. BN without affine, then
    per-sample gain ``1 + W_g c`` and bias ``W_b c`` from the condition vector c (N, cond_dim).
    ``mode="bn"`` and ``cond_dim == 0``: ordinary affine BN. ``mode="none"``: identity. x (N, C, H, W).
    """

    def __init__(self, channels: int, cond_dim: int, mode: str, sn: bool):
        super().__init__()
        self.mode = mode
        self.conditional = mode == "bn" and cond_dim > 0
        if mode == "bn":
            self.bn = nn.BatchNorm2d(channels, affine=not self.conditional)
        if self.conditional:
            self.gain = linear(cond_dim, channels, bias=False, sn=sn)
            self.bias = linear(cond_dim, channels, bias=False, sn=sn)

    def forward(self, x: torch.Tensor, c: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.mode == "none":
            return x
        x = self.bn(x)
        if self.conditional:
            x = x * (1.0 + self.gain(c))[:, :, None, None] + self.bias(c)[:, :, None, None]
        return x


class GeneratorConditioning(nn.Module):
    """How a dcgan/resnet G sees the label y.

    With ``g_norm="bn"`` a shared class embedding (BigGAN's "shared embedding") feeds every conditional BN; the
    condition vector is ``embed(y)`` or, for the ResNet G (``with_z=True``), ``[embed(y), z]`` (BigGAN's
    hierarchical z, simplified to the whole z). With ``g_norm="none"`` the embedding is concatenated to z at the
    input instead. Unconditional models ignore y.
    """

    def __init__(self, z_dim: int, num_classes: int, shared_dim: int, g_norm: str, with_z: bool):
        super().__init__()
        self.num_classes = num_classes
        self.embed = nn.Embedding(num_classes, shared_dim) if num_classes else None
        self.concat = bool(num_classes) and g_norm == "none"
        self.with_z = with_z
        self.in_dim = z_dim + (shared_dim if self.concat else 0)
        self.cond_dim = 0 if not num_classes or self.concat else shared_dim + (z_dim if with_z else 0)

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor]):
        """Return ``(input vector (N, in_dim), condition (N, cond_dim) or None)``."""
        if self.embed is None:
            return z, None
        if y is None:
            raise ValueError(f"this generator is conditional (num_classes={self.num_classes}); pass labels y of "
                             "shape (N,)")
        e = self.embed(y)
        if self.concat:
            return torch.cat([z, e], dim=1), None
        return z, (torch.cat([e, z], dim=1) if self.with_z else e)


class ModulatedConv2d(nn.Module):
    """StyleGAN2 (Karras et al. 2020, Sec. 2.2, Eq. 1-3) weight modulation and demodulation.

    The style s = A(w) (N, in) scales the input channels; demodulation divides every output channel by the norm of
    its modulated weights, which is mathematically the same as modulating the weights themselves but lets a plain
    (non-grouped) convolution do the work, faster on CPU. ``up=True`` first upsamples 2x bilinearly (StyleGAN2
    uses a transposed conv with an FIR filter). x (N, in, H, W), w (N, w_dim) -> (N, out, H', W').
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int, w_dim: int, demodulate: bool = True, up: bool = False):
        super().__init__()
        self.affine = EqualLinear(w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel))
        self.weight_gain = 1.0 / math.sqrt(in_ch * kernel * kernel)
        self.demodulate, self.up, self.padding = demodulate, up, kernel // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        s = self.affine(w)
        # modulate, then upsample: both act on each channel linearly, so the order does not change the result (up to
        # rounding), and scaling the small map touches a quarter of the pixels (a profile of G's forward found the
        # full-size product after the upsampling ~15% of its time)
        x = x * s[:, :, None, None]
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        weight = self.weight * self.weight_gain
        x = F.conv2d(x, weight, padding=self.padding)
        if self.demodulate:
            d = (s.square() @ weight.square().sum(dim=(2, 3)).t() + 1e-8).rsqrt()
            x = x * d[:, :, None, None]
        return x


class MinibatchStd(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018, ProGAN Sec. 3; StyleGAN2 D epilogue).

    Appends one channel holding the mean standard deviation over groups of ``group`` samples. It couples the samples
    of a batch, so it is off unless asked for. (N, C, H, W) -> (N, C + 1, H, W); N must be divisible by the group.
    """

    def __init__(self, group: int):
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = min(self.group, n)
        if n % g:
            raise ValueError(f"minibatch-std: batch size {n} is not divisible by mbstd_group={self.group}")
        y = x.reshape(g, -1, c, h, w)
        y = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))
        y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
        return torch.cat([x, y], dim=1)
