"""Kernel Inception Distance: the unbiased MMD^2 with a cubic polynomial kernel, averaged over random subsets.

Binkowski et al. 2018 ("Demystifying MMD GANs"), Sec. 4 / Eq. 3 (unbiased MMD^2 estimator) with the kernel
k(x, y) = (x.y / d + 1)^3. Called KID only with the Inception extractor; otherwise "KID (<extractor>)".
"""

from __future__ import annotations

import torch

from gancl.metrics._tensors import as_features, same_width

#: Subsets whose kernel matrices are built at once; bounds memory to about 3 * chunk * m^2 * 8 bytes.
_SUBSET_CHUNK = 8


def _polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Batched (x.y / d + 1)^3: x (S, m, d), y (S, m, d) -> (S, m, m)."""
    return (x @ y.transpose(1, 2) / x.shape[-1] + 1) ** 3


def unbiased_mmd2(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Unbiased MMD^2 (Binkowski et al. 2018, Eq. 3) per subset: x, y (S, m, d) -> (S,).

    The within-set sums leave out the diagonal (i != j) and divide by m (m - 1); the cross term keeps all m^2 pairs.
    """
    m = x.shape[1]
    k_xx, k_yy, k_xy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
    off_diag = lambda k: k.sum((1, 2)) - k.diagonal(dim1=1, dim2=2).sum(1)  # noqa: E731
    return (off_diag(k_xx) + off_diag(k_yy)) / (m * (m - 1)) - 2 * k_xy.sum((1, 2)) / (m * m)


def kernel_inception_distance(feats_a, feats_b, num_subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> tuple[float, float]:
    """Mean and standard deviation of the unbiased MMD^2 over random subsets (Binkowski et al. 2018, Eq. 3).

    Each subset draws m = min(subset_size, N_a, N_b) rows of each set without replacement. When ``subset_size`` is
    at least both set sizes, every subset is the whole of both sets, so the result is deterministic: the MMD^2 of
    the full sets and a standard deviation of 0. Computed in float64, vectorised over chunks of subsets.

    Args:
        feats_a: (N_a, D) features, numpy or torch.
        feats_b: (N_b, D) features.
        num_subsets: how many random subsets to average over.
        subset_size: rows per subset (capped at the smaller set size).
        seed: seeds the subset draws (a private ``torch.Generator``; global RNG state is untouched).

    Returns:
        ``(mean, std)`` as Python floats; std is the population standard deviation over subsets (ddof=0).
    """
    a, b = as_features(feats_a, "feats_a", min_rows=2), as_features(feats_b, "feats_b", min_rows=2)
    same_width(a, b, "feats_a", "feats_b")
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be at least 1, got {num_subsets}")
    if subset_size < 2:
        raise ValueError(f"subset_size must be at least 2 (the unbiased estimator needs pairs), got {subset_size}")
    b = b.to(a.device)
    n_a, n_b = a.shape[0], b.shape[0]
    m = min(subset_size, n_a, n_b)
    if m == n_a == n_b:
        return float(unbiased_mmd2(a[None], b[None])[0]), 0.0
    gen = torch.Generator().manual_seed(seed)
    values = []
    for start in range(0, num_subsets, _SUBSET_CHUNK):
        s = min(_SUBSET_CHUNK, num_subsets - start)
        # argsort of uniform noise: an independent without-replacement draw per subset, all at once
        idx_a = torch.rand(s, n_a, generator=gen).argsort(1)[:, :m].to(a.device)
        idx_b = torch.rand(s, n_b, generator=gen).argsort(1)[:, :m].to(a.device)
        values.append(unbiased_mmd2(a[idx_a], b[idx_b]))
    values = torch.cat(values)
    return float(values.mean()), float(values.std(correction=0))
