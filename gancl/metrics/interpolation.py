"""Latent interpolation smoothness and GAN inversion (FakeCLR, Li et al. 2022, Fig. 1 and Fig. 6).

FakeCLR shows latent discontinuity as interpolation paths whose consecutive frames jump: it prints the mean
pixel-wise difference between neighbouring frames (images in [0, 1]) and outlines those above a threshold (0.2 in
Fig. 1, 0.15 in Fig. 6). The endpoints are GAN inversions of real images (:func:`invert`) or random latents.

Paths: in z, "slerp" (great-circle interpolation of the raw vectors, White 2016, which keeps the norm of
equal-norm endpoints) or "lerp"; in w, "lerp". Frames come from ``G(z, y)`` for z paths on generators without a
mapping network, else ``G.synthesis(w, noise_mode="const")`` (after ``G.mapping`` for z paths).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch
from tqdm import tqdm

from gancl.data import to_float
from gancl.metrics._tensors import module_device
from gancl.metrics.extractors import FeatureExtractor, check_images


def path_points(start: torch.Tensor, end: torch.Tensor, steps: int, method: str = "lerp") -> torch.Tensor:
    """Latents along the paths from each row of ``start`` to ``end`` (N, D): (N, steps, D), endpoints included.

    "lerp": straight line; "slerp": sin((1 - t) W) / sin W * a + sin(t W) / sin W * b with W the angle between a
    and b (falls back to lerp where a and b are parallel).
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (the two endpoints), got {steps}")
    if method not in ("lerp", "slerp"):
        raise ValueError(f"method must be 'lerp' or 'slerp', got {method!r}")
    a, b = start.double(), end.double()
    t = torch.linspace(0, 1, steps, dtype=torch.float64, device=a.device).view(1, steps, *([1] * (a.ndim - 1)))
    a, b = a[:, None], b[:, None]
    linear = a + t * (b - a)
    if method == "lerp":
        return linear
    cos = ((a * b).flatten(2).sum(-1) / (a.flatten(2).norm(dim=-1) * b.flatten(2).norm(dim=-1))).clamp(-1, 1)
    omega = torch.acos(cos).view(*cos.shape, *([1] * (a.ndim - 2)))
    so = torch.sin(omega)
    safe = so.abs() > 1e-6
    so = torch.where(safe, so, torch.ones_like(so))
    spherical = torch.sin((1 - t) * omega) / so * a + torch.sin(t * omega) / so * b
    return torch.where(safe, spherical, linear)


def _has_mapping(G) -> bool:
    return hasattr(G, "mapping") and hasattr(G, "synthesis")


def _render(G, latents: torch.Tensor, space: str, y: Optional[torch.Tensor]) -> torch.Tensor:
    """Images of a batch of latents in ``space`` (differentiable; G's mode is the caller's business)."""
    if space == "w":
        return G.synthesis(latents, noise_mode="const")
    if _has_mapping(G):
        return G.synthesis(G.mapping(latents, y), noise_mode="const")
    return G(latents, y)


def frame_differences(frames: torch.Tensor) -> np.ndarray:
    """Mean absolute difference between consecutive frames, images rescaled to [0, 1]: (N, T, 3, H, W) -> (N, T-1)."""
    x = frames.double() / 2  # [-1, 1] -> unit range, so a black-to-white jump is 1
    return (x[:, 1:] - x[:, :-1]).abs().flatten(2).mean(-1).cpu().numpy()


@dataclass
class SmoothnessResult:
    """Frames and jumps along interpolation paths.

    Attributes:
        differences: (N, steps - 1) mean absolute pixel difference between consecutive frames ([0, 1] units).
        flags: (N, steps - 1) bool, differences above ``threshold``.
        threshold, space, method, steps: the settings.
        frames: (N, steps, 3, H, W) float images in [-1, 1] on the CPU.
    """

    differences: np.ndarray
    flags: np.ndarray
    threshold: float
    space: str
    method: str
    steps: int
    frames: torch.Tensor = field(repr=False)

    @property
    def mean_difference(self) -> float:
        return float(self.differences.mean())

    @property
    def flagged_share(self) -> float:
        """Share of consecutive-frame pairs above the threshold."""
        return float(self.flags.mean())

    @property
    def paths_with_jump(self) -> float:
        """Share of paths with at least one flagged step."""
        return float(self.flags.any(1).mean())


def random_endpoints(G, n: int, space: str, seed: int = 0, y: Optional[torch.Tensor] = None, device=None):
    """Two sets of n random latents in ``space``: z ~ N(0, I), or w = G.mapping(z, y). Returns (start, end)."""
    device = module_device(G, device)
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(2 * n, G.z_dim, generator=gen).to(device)
    if space == "w":
        y2 = None if y is None else torch.cat([y, y]).to(device)
        with torch.no_grad():
            z = G.mapping(z, y2)
    return z[:n], z[n:]


@torch.no_grad()
def interpolation_smoothness(G, start: Optional[torch.Tensor] = None, end: Optional[torch.Tensor] = None,
                             n_pairs: int = 8, steps: int = 10, space: str = "w", method: Optional[str] = None,
                             threshold: float = 0.15, y: Optional[torch.Tensor] = None, seed: int = 0,
                             device=None, batch_size: int = 64) -> SmoothnessResult:
    """Render interpolation paths and measure the jumps between consecutive frames (FakeCLR Fig. 1 / Fig. 6).

    Args:
        G: generator; put in eval mode for the call (its mode restored after).
        start, end: (N, D) latents in ``space`` (e.g. from :func:`invert`); default: ``n_pairs`` random ones.
        steps: frames per path, endpoints included.
        space: "z" or "w" (w needs ``G.mapping``/``G.synthesis``).
        method: "slerp" or "lerp"; default slerp in z, lerp in w.
        threshold: flag consecutive frames whose mean absolute difference ([0, 1] units) exceeds it (Fig. 6: 0.15).
        y: (N,) labels for conditional generators (one per path).
        seed: for the random endpoints.
    """
    if space not in ("z", "w"):
        raise ValueError(f"space must be 'z' or 'w', got {space!r}")
    if space == "w" and not _has_mapping(G):
        raise ValueError("space='w' needs a generator with G.mapping and G.synthesis; use space='z'")
    method = method or ("slerp" if space == "z" else "lerp")
    device = module_device(G, device)
    if (start is None) != (end is None):
        raise ValueError("pass both start and end latents, or neither (random endpoints)")
    if start is None:
        start, end = random_endpoints(G, n_pairs, space, seed, y, device)
    if start.shape != end.shape:
        raise ValueError(f"start and end must have the same shape, got {tuple(start.shape)} and {tuple(end.shape)}")
    points = path_points(start, end, steps, method).float()  # (N, T, D)
    n = points.shape[0]
    flat = points.flatten(0, 1).to(device)
    y_flat = None if y is None else y.to(device).repeat_interleave(steps)
    was_training = G.training
    G.eval()
    try:
        frames = torch.cat([_render(G, flat[i:i + batch_size], space,
                                    None if y_flat is None else y_flat[i:i + batch_size]).float().cpu()
                            for i in range(0, flat.shape[0], batch_size)])
    finally:
        G.train(was_training)
    frames = frames.view(n, steps, *frames.shape[1:])
    diffs = frame_differences(frames)
    return SmoothnessResult(diffs, diffs > threshold, threshold, space, method, steps, frames)


@dataclass
class InversionResult:
    """Latents that reconstruct target images.

    Attributes:
        latents: (N, D) optimised latents in ``space`` (CPU).
        reconstructions: (N, 3, H, W) float images in [-1, 1] (CPU).
        mse: (N,) pixel mean squared error of the reconstructions, images in [-1, 1].
        feature_distance: (N,) squared feature distance to the target when an extractor was used, else None.
        space, steps: the settings.
    """

    latents: torch.Tensor = field(repr=False)
    reconstructions: torch.Tensor = field(repr=False)
    mse: np.ndarray
    feature_distance: Optional[np.ndarray]
    space: str
    steps: int

    @property
    def mean_mse(self) -> float:
        return float(self.mse.mean())


def _start_latents(G, n: int, space: str, y, device, seed: int, avg_samples: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    if space == "z":
        return torch.randn(n, G.z_dim, generator=gen).to(device)
    # the mean w is where StyleGAN projection starts: the most typical image, equally far from every target
    z = torch.randn(avg_samples, G.z_dim, generator=gen).to(device)
    y_avg = None
    if y is not None:
        y_avg = y[torch.randint(len(y), (avg_samples,), generator=gen)].to(device)
    with torch.no_grad():
        w_avg = G.mapping(z, y_avg).mean(0, keepdim=True)
    return w_avg.repeat(n, *([1] * (w_avg.ndim - 1)))


def invert(G, images: torch.Tensor, space: str = "w", steps: int = 300, lr: float = 0.05,
           extractor: Optional[FeatureExtractor] = None, feature_weight: float = 1.0,
           y: Optional[torch.Tensor] = None, seed: int = 0, avg_samples: int = 1000, device=None,
           progress: bool = True) -> InversionResult:
    """GAN inversion by optimisation: find latents whose images reconstruct ``images``.

    Minimises, per image, the pixel MSE plus ``feature_weight`` x the squared distance between ``extractor.embed``
    features (when an extractor is given) with Adam on the latents only (cosine-decayed learning rate); G's weights
    are not touched (gradients are taken with respect to the latents alone). w starts at the mean of
    ``avg_samples`` mapped z; z starts at a seeded N(0, I) draw.

    Args:
        G: generator; eval mode during the call, mode restored after.
        images: (N, 3, H, W) targets, uint8 or float in [-1, 1], at G's resolution.
        space: "w" (needs ``G.mapping``) or "z".
        steps, lr: Adam iterations and learning rate.
        extractor, feature_weight: optional perceptual term.
        y: (N,) labels for conditional generators.
    """
    if space not in ("z", "w"):
        raise ValueError(f"space must be 'z' or 'w', got {space!r}")
    if space == "w" and not _has_mapping(G):
        raise ValueError("space='w' needs a generator with G.mapping and G.synthesis; use space='z'")
    images = check_images(images)
    device = module_device(G, device)
    target = (to_float(images) if images.dtype == torch.uint8 else images.float()).to(device)
    y = None if y is None else y.to(device)
    was_training = G.training
    G.eval()
    try:
        latent = _start_latents(G, len(target), space, y, device, seed, avg_samples).detach().requires_grad_(True)
        target_feats = None
        if extractor is not None:
            with torch.no_grad():
                target_feats = extractor.embed(target)
        opt = torch.optim.Adam([latent], lr=lr)
        # decaying the step size lets Adam settle instead of hovering at a distance of about lr from the optimum
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
        for _ in tqdm(range(steps), desc=f"inverting ({space})", disable=not progress, leave=False):
            recon = _render(G, latent, space, y)
            loss = (recon - target).square().flatten(1).mean(1).sum()
            if target_feats is not None:
                loss = loss + feature_weight * (extractor.embed(recon) - target_feats).square().sum(1).sum()
            (grad,) = torch.autograd.grad(loss, [latent])
            latent.grad = grad
            opt.step()
            sched.step()
        with torch.no_grad():
            recon = _render(G, latent, space, y)
            mse = (recon - target).square().flatten(1).mean(1).double().cpu().numpy()
            feat = None
            if target_feats is not None:
                feat = (extractor.embed(recon) - target_feats).square().sum(1).double().cpu().numpy()
    finally:
        G.train(was_training)
    return InversionResult(latent.detach().cpu(), recon.float().cpu(), mse, feat, space, steps)
