"""Frechet distance between Gaussians fitted to two feature sets (the distance behind FID).

Heusel et al. 2017 ("GANs Trained by a Two Time-Scale Update Rule..."), Eq. 6, after Dowson & Landau 1982:
``d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))``. Called FID only with the Inception extractor; with any
other extractor the book writes "FD (<extractor>)".
"""

from __future__ import annotations

import numpy as np
import torch

from gancl.metrics._tensors import as_features, as_float64


def feature_statistics(feats) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and unbiased covariance (D, D) of a feature matrix (N, D), both float64 numpy arrays.

    Same estimator as ``numpy.cov(feats, rowvar=False)`` (divides by N - 1), the one the FID reference uses.
    """
    x = as_features(feats, "feats", min_rows=2)
    mu = x.mean(0)
    centred = x - mu
    sigma = centred.T @ centred / (x.shape[0] - 1)
    return mu.cpu().numpy(), sigma.cpu().numpy()


def _square_root_factor(sigma: torch.Tensor) -> torch.Tensor:
    """A matrix C with C C^T = sigma: the Cholesky factor when sigma is positive definite, else V diag(sqrt(l)).

    The eigen-decomposition branch clamps the slightly negative eigenvalues that rounding gives a rank-deficient
    covariance (fewer samples than dimensions) to 0.
    """
    chol, info = torch.linalg.cholesky_ex(sigma)
    if int(info) == 0:
        return chol
    evals, evecs = torch.linalg.eigh(sigma)
    return evecs * evals.clamp_min(0).sqrt()


def _trace_sqrt_product(sigma1: torch.Tensor, sigma2: torch.Tensor) -> torch.Tensor:
    """Tr((S1 S2)^(1/2)) for symmetric PSD S1, S2 without a general matrix square root.

    S1 S2 is similar to sqrt(S1) S2 sqrt(S1), which is symmetric PSD, so the trace is the sum of the square roots
    of that matrix's eigenvalues. Any factor C with C C^T = S1 equals sqrt(S1) Q for an orthogonal Q, so C^T S2 C =
    Q^T sqrt(S1) S2 sqrt(S1) Q has exactly those eigenvalues; a Cholesky factor is several times cheaper to get than
    sqrt(S1) itself (see :func:`_square_root_factor`). Eigenvalues that rounding makes slightly negative are
    clamped to 0.
    """
    c = _square_root_factor(sigma1)
    m = c.T @ sigma2 @ c
    m = (m + m.T) / 2  # restore the symmetry rounding broke, so eigvalsh sees a symmetric matrix
    return torch.linalg.eigvalsh(m).clamp_min(0).sqrt().sum()


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2), computed in float64.

    Heusel et al. 2017, Eq. 6. The trace term comes from the symmetric eigen-decomposition of sqrt(S1) S2 sqrt(S1)
    (up to an orthogonal change of basis; see :func:`_trace_sqrt_product`) instead of ``scipy.linalg.sqrtm``:
    several times faster at D = 2048 and never complex.

    Args:
        mu1, mu2: means, shape (D,); numpy arrays or torch tensors (any float dtype, any device).
        sigma1, sigma2: covariances, shape (D, D), symmetric positive semi-definite.

    Returns:
        The distance as a Python float (>= 0 up to rounding).
    """
    mu1, mu2 = as_float64(mu1, "mu1", ndim=1), as_float64(mu2, "mu2", ndim=1)
    sigma1, sigma2 = as_float64(sigma1, "sigma1", ndim=2), as_float64(sigma2, "sigma2", ndim=2)
    d = mu1.shape[0]
    for name, value, shape in (("mu2", mu2, (d,)), ("sigma1", sigma1, (d, d)), ("sigma2", sigma2, (d, d))):
        if tuple(value.shape) != shape:
            raise ValueError(f"{name} must have shape {shape} to match mu1 of shape {(d,)}, got {tuple(value.shape)}")
    device = mu1.device
    mu2, sigma1, sigma2 = mu2.to(device), sigma1.to(device), sigma2.to(device)
    mean_term = (mu1 - mu2).square().sum()
    cov_term = sigma1.trace() + sigma2.trace() - 2 * _trace_sqrt_product(sigma1, sigma2)
    return float(mean_term + cov_term)


def frechet_distance_from_features(feats_a, feats_b) -> float:
    """:func:`frechet_distance` between the Gaussians fitted to two feature matrices (N_a, D) and (N_b, D)."""
    return frechet_distance(*feature_statistics(feats_a), *feature_statistics(feats_b))
