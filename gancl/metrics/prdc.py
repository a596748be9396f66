"""k-nearest-neighbour manifold metrics: precision/recall and density/coverage.

Distances are Euclidean, computed in float64 with ``torch.cdist`` over row chunks, so two sets of 10k x 2048
features never need the full 10k x 10k matrix at once.
"""

from __future__ import annotations

import torch

from gancl.metrics._tensors import as_features, same_width

#: Rows per distance block; a block is chunk x N float64 values (80 MB at N = 10k).
_CHUNK = 1024


def _blocks(x: torch.Tensor, y: torch.Tensor):
    """Yield (row slice, distance block (chunk, len(y))) covering cdist(x, y) in row chunks."""
    for start in range(0, x.shape[0], _CHUNK):
        rows = slice(start, min(start + _CHUNK, x.shape[0]))
        yield rows, torch.cdist(x[rows], y)


def knn_radii(feats: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row of ``feats`` (N, D) to its k-th nearest neighbour in the same set, itself excluded: (N,).

    The point itself is removed by index (its own distance set to +inf), not by assuming it sorts first, so
    duplicates elsewhere in the set still count as neighbours at distance 0.
    """
    n = feats.shape[0]
    if not 1 <= k < n:
        raise ValueError(f"k must be in 1..{n - 1} for a set of {n} points (the point itself is excluded), got {k}")
    radii = torch.empty(n, dtype=feats.dtype, device=feats.device)
    for rows, d in _blocks(feats, feats):
        own = torch.arange(rows.start, rows.stop, device=feats.device)
        d[own - rows.start, own] = float("inf")
        radii[rows] = d.kthvalue(k, dim=1).values
    return radii


def precision_recall(real_feats, fake_feats, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019, Eq. 1-3).

    Each point's radius is the distance to its k-th nearest neighbour within its own set (itself excluded).
    Precision is the share of fake points inside (distance <= radius) the ball of at least one real point;
    recall is the share of real points inside the ball of at least one fake point. One pass over the
    fake-to-real distances serves both.

    Args:
        real_feats: (N_r, D) features of real images, numpy or torch.
        fake_feats: (N_f, D) features of generated images.
        k: neighbourhood size (3 in the paper).

    Returns:
        ``(precision, recall)`` as Python floats in [0, 1].
    """
    real = as_features(real_feats, "real_feats", min_rows=2)
    fake = as_features(fake_feats, "fake_feats", min_rows=2).to(real.device)
    same_width(real, fake, "real_feats", "fake_feats")
    r_real, r_fake = knn_radii(real, k), knn_radii(fake, k)
    fake_in_real = torch.zeros(fake.shape[0], dtype=torch.bool, device=real.device)
    real_in_fake = torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
    for rows, d in _blocks(fake, real):  # d[i, j] = |fake_i - real_j|
        fake_in_real[rows] = (d <= r_real[None]).any(1)
        real_in_fake |= (d <= r_fake[rows, None]).any(0)
    return float(fake_in_real.double().mean()), float(real_in_fake.double().mean())


def density_coverage(real_feats, fake_feats, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020, Eq. 3 and Eq. 4), with the strict ``<`` of the ``prdc`` package.

    density = (1 / (k N_f)) * sum over fakes of the number of real balls containing it (can exceed 1);
    coverage = share of real points whose own ball contains at least one fake point.
    Radii are k-th nearest-neighbour distances among the real points (itself excluded).

    Args:
        real_feats: (N_r, D) features of real images, numpy or torch.
        fake_feats: (N_f, D) features of generated images.
        k: neighbourhood size (5 in the paper).

    Returns:
        ``(density, coverage)`` as Python floats.
    """
    real = as_features(real_feats, "real_feats", min_rows=2)
    fake = as_features(fake_feats, "fake_feats", min_rows=1).to(real.device)
    same_width(real, fake, "real_feats", "fake_feats")
    radii = knn_radii(real, k)
    inside = torch.zeros((), dtype=torch.float64, device=real.device)
    nearest_fake = torch.full((real.shape[0],), float("inf"), dtype=real.dtype, device=real.device)
    for _, d in _blocks(fake, real):  # d[i, j] = |fake_i - real_j|
        inside += (d < radii[None]).sum()
        nearest_fake = torch.minimum(nearest_fake, d.min(0).values)
    density = inside / (k * fake.shape[0])
    coverage = (nearest_fake < radii).double().mean()
    return float(density), float(coverage)
