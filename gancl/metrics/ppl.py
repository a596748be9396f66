"""Perceptual path length (Karras et al. 2019, StyleGAN, Sec. 3 / Eq. 3 and 4), with the StyleGAN2 reference settings.

For latent endpoints (z0, z1) and t, PPL averages ``d(G(lerp_or_slerp(t)), G(...(t + eps))) / eps^2``:

- space "z": slerp between normalised z (Eq. 3); space "w": lerp between mapped w0, w1 (Eq. 4);
- sampling "full": t ~ U(0, 1); "end": t = 0 (path endpoints only);
- eps = 1e-4; d = LPIPS (VGG16), which is already a squared distance (a sum of squared, normalised feature
  differences), hence the division by eps^2;
- the reported value is the mean of the per-sample values between the 1st and 99th percentiles, both ends inclusive
  (percentiles taken with numpy's "lower" / "higher" methods, as the reference does).

When the LPIPS weights are not on disk, the distance falls back to the squared Euclidean distance between the
features of another extractor (e.g. the domain classifier); :class:`PPLResult` names the distance used, so such a value
is never presented as the paper's PPL.

Generators: ``G.mapping(z, y)`` -> w and ``G.synthesis(w, noise_mode="const")`` when G has a mapping network
(StyleGAN2); otherwise space "z" only, with ``G(z, y)``. Normalised z lie on the unit sphere; a generator without a
mapping network (which would normalise z itself) expects z of norm about sqrt(z_dim), so there the slerped unit
vectors are scaled by sqrt(z_dim).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np
import torch
from tqdm import tqdm

from gancl.metrics._tensors import module_device
from gancl.metrics.extractors import FeatureExtractor, MissingWeightsError

#: torch-fidelity's LPIPS (VGG16) linear-layer weights and torchvision's VGG16 ImageNet weights, in the hub cache.
LPIPS_FILES = {
    "weights-vgg16-lpips.pth":
        "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-vgg16-lpips.pth",
    "vgg16-397923af.pth": "https://download.pytorch.org/models/vgg16-397923af.pth",
}

Distance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between the normalised rows of a and b (N, D) at t (N,) -> unit vectors (N, D)."""
    a = a / a.norm(dim=-1, keepdim=True)
    b = b / b.norm(dim=-1, keepdim=True)
    cos = (a * b).sum(-1, keepdim=True).clamp(-1.0, 1.0)
    angle = t[:, None] * torch.acos(cos)
    ortho = b - cos * a
    ortho = ortho / ortho.norm(dim=-1, keepdim=True)
    out = a * torch.cos(angle) + ortho * torch.sin(angle)
    return out / out.norm(dim=-1, keepdim=True)


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation a + t (b - a), t (N,) broadcast over the trailing dimensions of a, b (N, ...)."""
    return a + (b - a) * t.view(-1, *([1] * (a.ndim - 1)))


def pixel_distance(img0: torch.Tensor, img1: torch.Tensor) -> torch.Tensor:
    """Sum of squared pixel differences per image (images in [-1, 1]): (N, 3, H, W) x 2 -> (N,).

    Not a perceptual distance; for closed-form checks and as a last-resort baseline.
    """
    return (img0.double() - img1.double()).square().flatten(1).sum(1)


def feature_distance(extractor: FeatureExtractor) -> Distance:
    """Squared Euclidean distance between ``extractor.embed`` features of two image batches -> (N,)."""

    def distance(img0: torch.Tensor, img1: torch.Tensor) -> torch.Tensor:
        return (extractor.embed(img0).double() - extractor.embed(img1).double()).square().sum(1)

    distance.__name__ = f"features:{extractor.name}"
    return distance


def lpips_available(hub_dir: Optional[str] = None) -> bool:
    """Whether both LPIPS weight files are in the torch hub cache (so building LPIPS downloads nothing)."""
    ckpt = Path(hub_dir or torch.hub.get_dir()) / "checkpoints"
    return all((ckpt / name).is_file() for name in LPIPS_FILES)


def lpips_distance(device="cpu") -> Distance:
    """LPIPS (VGG16) distance of Zhang et al. 2018 between float images in [-1, 1] -> (N,), via torch-fidelity.

    Like the StyleGAN2 reference, images are scaled to [0, 255] (not rounded) and area-downsampled to 256 px when
    larger. Raises MissingWeightsError when a weight file is missing (nothing is ever downloaded).
    """
    if not lpips_available():
        ckpt = Path(torch.hub.get_dir()) / "checkpoints"
        where = "; ".join(f"{name} (from {url})" for name, url in LPIPS_FILES.items())
        raise MissingWeightsError(f"LPIPS needs these files in {ckpt}: {where}. gancl never downloads weights; copy "
                                  "them there from a connected machine, or pass another distance (e.g. "
                                  "distance=feature_distance(get_extractor('domain', ...))).")
    from torch_fidelity.sample_similarity_lpips import SampleSimilarityLPIPS

    net = SampleSimilarityLPIPS("lpips-vgg16").to(device).eval().requires_grad_(False)

    def distance(img0: torch.Tensor, img1: torch.Tensor) -> torch.Tensor:
        x0, x1 = ((img.to(device, torch.float32) + 1) * 127.5 for img in (img0, img1))
        if x0.shape[-1] > 256:
            x0, x1 = (torch.nn.functional.interpolate(x, size=(256, 256), mode="area") for x in (x0, x1))
        return net(x0, x1).double()

    distance.__name__ = "lpips"
    return distance


@dataclass
class PPLResult:
    """A PPL value and how it was measured.

    Attributes:
        value: the trimmed mean (see the module docstring).
        distance: "lpips", "features:<extractor>", "pixel" or a custom function's name; only "lpips" is the paper's PPL.
        space, sampling, epsilon: the settings used.
        n_samples: endpoint pairs drawn; n_kept: values between the 1st and 99th percentiles.
        seed: the sampling seed.
        distances: every per-sample value (before trimming), float64 numpy (N,).
    """

    value: float
    distance: str
    space: str
    sampling: str
    epsilon: float
    n_samples: int
    n_kept: int
    seed: int
    distances: np.ndarray = field(repr=False)

    @property
    def std(self) -> float:
        """Standard deviation of the per-path values the mean keeps (FakeCLR Table 2's "Std")."""
        return float(trimmed(self.distances).std())

    @property
    def label(self) -> str:
        """Table label: "PPL" for LPIPS, otherwise "PPL (<distance>)"."""
        return "PPL" if self.distance == "lpips" else f"PPL ({self.distance})"


def trimmed(values: np.ndarray, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    """The values v with P_low <= v <= P_high (numpy "lower"/"higher" percentiles, as the StyleGAN reference)."""
    lo = np.percentile(values, low, method="lower")
    hi = np.percentile(values, high, method="higher")
    return values[(values >= lo) & (values <= hi)]


def trimmed_mean(values: np.ndarray, low: float = 1.0, high: float = 99.0) -> tuple[float, int]:
    """Mean of :func:`trimmed` values; returns (mean, kept)."""
    kept = trimmed(values, low, high)
    return float(kept.mean()), int(kept.size)


def _resolve_distance(distance, fallback, device) -> tuple[Distance, str]:
    if distance == "auto":
        if lpips_available():
            return lpips_distance(device), "lpips"
        if fallback is None:
            raise MissingWeightsError(
                "PPL needs LPIPS weights, which are not in the torch hub cache, and no fallback extractor was "
                "given: pass fallback=get_extractor('domain', dataset=..., resolution=...) or distance='pixel'."
            )
        fn = feature_distance(fallback)
        return fn, fn.__name__
    if distance == "lpips":
        return lpips_distance(device), "lpips"
    if distance == "pixel":
        return pixel_distance, "pixel"
    if isinstance(distance, FeatureExtractor):
        fn = feature_distance(distance)
        return fn, fn.__name__
    if callable(distance):
        return distance, getattr(distance, "__name__", "custom")
    raise ValueError(f"distance must be 'auto', 'lpips', 'pixel', a FeatureExtractor or a callable, got {distance!r}")


def _labels(G, n: int, gen: torch.Generator, y_sampler) -> Optional[torch.Tensor]:
    num_classes = getattr(G, "num_classes", 0) or 0
    if y_sampler is not None:
        return y_sampler(n, gen)
    if num_classes > 0:
        return torch.randint(num_classes, (n,), generator=gen)
    return None


@torch.no_grad()
def perceptual_path_length(G, num_samples: int = 50_000, space: str = "w", sampling: str = "end",
                           epsilon: float = 1e-4, distance: Union[str, Distance, FeatureExtractor] = "auto",
                           fallback: Optional[FeatureExtractor] = None, batch_size: int = 64, seed: int = 0,
                           y_sampler: Optional[Callable] = None, device=None, progress: bool = True) -> PPLResult:
    """Perceptual path length of a generator (Karras et al. 2019, Eq. 3 for z, Eq. 4 for w).

    Args:
        G: generator (see the module docstring); put in eval mode for the call, its mode restored after.
        num_samples: endpoint pairs (50k in the StyleGAN2 reference).
        space: "z" (slerp on normalised z) or "w" (lerp after mapping; needs ``G.mapping``).
        sampling: "full" (t ~ U(0, 1)) or "end" (t = 0).
        epsilon: the finite-difference step.
        distance: "auto" (LPIPS if its weights are present, else ``fallback``'s features), "lpips", "pixel",
            a :class:`FeatureExtractor` (squared feature distance) or a callable ``d(img0, img1) -> (N,)``.
        fallback: the extractor "auto" falls back to.
        batch_size: pairs per generator call (the generator sees 2 x batch_size images).
        seed: seeds latents, t and labels (a private generator; global RNG state is untouched).
        y_sampler: ``y_sampler(n, generator) -> (n,) long`` labels for conditional G; default uniform over
            ``G.num_classes`` (both ends of a pair share the label).
        device: where G runs; default: the device of G's first parameter.
    """
    if space not in ("z", "w"):
        raise ValueError(f"space must be 'z' or 'w', got {space!r}")
    if sampling not in ("full", "end"):
        raise ValueError(f"sampling must be 'full' or 'end', got {sampling!r}")
    has_mapping = hasattr(G, "mapping") and hasattr(G, "synthesis")
    if space == "w" and not has_mapping:
        raise ValueError("space='w' needs a generator with G.mapping and G.synthesis (StyleGAN2-style); use space='z'")
    if num_samples < 1 or epsilon <= 0:
        raise ValueError(f"num_samples must be >= 1 and epsilon > 0, got {num_samples} and {epsilon}")
    device = module_device(G, device)
    dist_fn, dist_name = _resolve_distance(distance, fallback, device)
    gen = torch.Generator().manual_seed(seed)
    was_training = G.training
    G.eval()
    values = []
    try:
        for start in tqdm(range(0, num_samples, batch_size), desc="PPL", disable=not progress, leave=False):
            n = min(batch_size, num_samples - start)
            z = torch.randn(2 * n, G.z_dim, generator=gen, dtype=torch.float64)
            t = torch.rand(n, generator=gen, dtype=torch.float64) * (sampling == "full")
            y = _labels(G, n, gen, y_sampler)
            y2 = None if y is None else torch.cat([y, y]).to(device)
            if space == "z":
                # the two points of a pair are built in float64 so their 1e-4 offset survives rounding
                zt = torch.cat([slerp(z[:n], z[n:], t), slerp(z[:n], z[n:], t + epsilon)])
                if not has_mapping:
                    zt = zt * math.sqrt(G.z_dim)
                zt = zt.float().to(device)
                img = G.synthesis(G.mapping(zt, y2), noise_mode="const") if has_mapping else G(zt, y2)
            else:
                w = G.mapping(z.float().to(device), y2).double()
                wt = torch.cat([lerp(w[:n], w[n:], t.to(device)), lerp(w[:n], w[n:], t.to(device) + epsilon)])
                img = G.synthesis(wt.float(), noise_mode="const")
            values.append((dist_fn(img[:n], img[n:]) / epsilon ** 2).double().cpu())
    finally:
        G.train(was_training)
    values = torch.cat(values).numpy()
    value, kept = trimmed_mean(values)
    return PPLResult(value, dist_name, space, sampling, epsilon, num_samples, kept, seed, values)
