"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) with an adaptive-style strength schedule.

Augmentation is split in two steps so that a run is the same on one process or several: the trainer draws the random
parameters for the *global* batch from the run's generator (:func:`sample_augment`), each process applies its slice
(:func:`apply_augment`). Each op is applied to a sample with probability ``p``; with ``p = 1`` this is DiffAugment, and
``p`` ramped linearly over training is the "ADA-linear" baseline of the FakeCLR setting (:func:`linear_strength`).
Every op is differentiable in the images, so G's gradient flows through the augmentation of fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

OPS = ("flip", "color", "translation", "cutout")


def parse_policy(policy: str) -> tuple[str, ...]:
    """'color,translation,cutout' -> ('color', 'translation', 'cutout'); '' -> ()."""
    ops = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in ops if p not in OPS]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown} in policy {policy!r}; choose from {OPS}")
    return ops


@dataclass
class AugmentParams:
    """Random parameters for n images (all tensors (n,)); identity values where an op is not applied."""

    flip: torch.Tensor  # bool, horizontal flip
    brightness: torch.Tensor  # added, in [-0.5, 0.5)
    saturation: torch.Tensor  # factor in [0, 2)
    contrast: torch.Tensor  # factor in [0.5, 1.5)
    shift_x: torch.Tensor  # int pixels
    shift_y: torch.Tensor
    cut_x: torch.Tensor  # int centre of the cutout square; -R means no cutout
    cut_y: torch.Tensor

    def slice(self, start: int, stop: int) -> "AugmentParams":
        return AugmentParams(*(getattr(self, f)[start:stop] for f in self.__dataclass_fields__))


def sample_augment(n: int, resolution: int, policy: str, p: float = 1.0,
                   generator: Optional[torch.Generator] = None) -> AugmentParams:
    """Draw parameters for n images at ``resolution``; each op is kept per image with probability ``p``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"augmentation probability p must be in [0, 1], got {p}")
    ops = parse_policy(policy)
    g = generator

    def keep():
        return torch.rand(n, generator=g) < p

    def u(lo, hi):
        return lo + (hi - lo) * torch.rand(n, generator=g)

    zero, one = torch.zeros(n), torch.ones(n)
    flip = keep() & (torch.rand(n, generator=g) < 0.5) if "flip" in ops else torch.zeros(n, dtype=torch.bool)
    bright, sat, con = zero.clone(), one.clone(), one.clone()
    if "color" in ops:
        k = keep()
        bright = torch.where(k, u(-0.5, 0.5), zero)
        sat = torch.where(k, u(0.0, 2.0), one)
        con = torch.where(k, u(0.5, 1.5), one)
    sx = sy = torch.zeros(n, dtype=torch.long)
    if "translation" in ops:
        k = keep()
        s = int(resolution * 0.125 + 0.5)
        sx = torch.where(k, torch.randint(-s, s + 1, (n,), generator=g), 0)
        sy = torch.where(k, torch.randint(-s, s + 1, (n,), generator=g), 0)
    cx = cy = torch.full((n,), -resolution, dtype=torch.long)
    if "cutout" in ops:
        k = keep()
        size = int(resolution * 0.5 + 0.5)
        hi = resolution + (1 - size % 2)
        cx = torch.where(k, torch.randint(0, hi, (n,), generator=g), -resolution)
        cy = torch.where(k, torch.randint(0, hi, (n,), generator=g), -resolution)
    return AugmentParams(flip, bright, sat, con, sx, sy, cx, cy)


def apply_augment(x: torch.Tensor, params: AugmentParams) -> torch.Tensor:
    """Augment images x (N, 3, R, R) in [-1, 1] with params for N images; differentiable in x."""
    n, _, r, _ = x.shape
    if params.brightness.shape[0] != n:
        raise ValueError(f"augmentation parameters are for {params.brightness.shape[0]} images, batch has {n}")
    dev, view = x.device, (n, 1, 1, 1)
    if bool(params.flip.any()):
        x = torch.where(params.flip.to(dev).view(view), x.flip(3), x)
    # DiffAugment acts on images in [-1, 1] directly: brightness adds U(-0.5, 0.5), padding and cutout use 0 (grey)
    x = x + params.brightness.to(dev, x.dtype).view(view)
    mean_c = x.mean(1, keepdim=True)
    x = (x - mean_c) * params.saturation.to(dev, x.dtype).view(view) + mean_c
    mean = x.mean((1, 2, 3), keepdim=True)
    x = (x - mean) * params.contrast.to(dev, x.dtype).view(view) + mean
    if bool((params.shift_x != 0).any() or (params.shift_y != 0).any()):
        s = int(max(params.shift_x.abs().max(), params.shift_y.abs().max()))
        padded = torch.nn.functional.pad(x, (s, s, s, s))
        ar = torch.arange(r, device=dev)
        gy = (ar[None, :, None] - params.shift_y.to(dev)[:, None, None] + s).expand(n, r, r)
        gx = (ar[None, None, :] - params.shift_x.to(dev)[:, None, None] + s).expand(n, r, r)
        x = padded[torch.arange(n, device=dev)[:, None, None], :, gy, gx].permute(0, 3, 1, 2)
    if bool((params.cut_x >= 0).any()):
        half = int(r * 0.5 + 0.5) // 2
        ar = torch.arange(r, device=dev)
        inside_y = (ar[None, :] - params.cut_y.to(dev)[:, None]).abs() < half  # (N, R)
        inside_x = (ar[None, :] - params.cut_x.to(dev)[:, None]).abs() < half
        hole = (inside_y[:, :, None] & inside_x[:, None, :]).unsqueeze(1)
        x = x.masked_fill(hole, 0.0)
    return x


def linear_strength(step: int, ramp_steps: int, p_max: float = 1.0) -> float:
    """ADA-linear: augmentation probability rising linearly from 0 at step 0 to ``p_max`` at ``ramp_steps``."""
    if ramp_steps <= 0:
        return p_max
    return p_max * min(1.0, step / ramp_steps)
