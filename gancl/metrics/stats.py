"""Real-image feature statistics, cached on disk per (data set, resolution, split, extractor, count).

Cache files live under ``gancl.paths.cache_dir("stats")`` as ``.npz`` (mean, covariance, labels and, when small
enough, the features themselves for KID and precision/recall). The extractor's ``cache_id`` pins its weights, so
stats from a retrained domain classifier are never mixed up with older ones; extractors without a ``cache_id``
(e.g. a random-init Inception) are never cached.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from gancl.metrics.extractors import FeatureExtractor, extractor_for
from gancl.metrics.frechet import feature_statistics
from gancl.paths import atomic_write, cache_dir

#: Features are stored with the statistics when they take at most this many bytes (float32).
MAX_STORED_FEATURE_BYTES = 512 * 2 ** 20


@dataclass
class RealStats:
    """Statistics of one real split under one extractor.

    Attributes:
        mu (D,), sigma (D, D): float64 mean and covariance of the features.
        feats: (N, D) float32 features, or None when they were too large to store.
        labels: (N,) int64 labels of the images (class-conditional metrics need them).
        dataset, resolution, split, count: which images (count = number of images used).
        extractor, extractor_id: the extractor's name and exact identity.
    """

    mu: np.ndarray = field(repr=False)
    sigma: np.ndarray = field(repr=False)
    feats: Optional[np.ndarray] = field(repr=False)
    labels: np.ndarray = field(repr=False)
    dataset: str
    resolution: int
    split: str
    count: int
    extractor: str
    extractor_id: Optional[str]


def _stats_path(dataset, resolution, split, count, data_seed, extractor: FeatureExtractor):
    return cache_dir("stats") / f"{dataset}-r{resolution}-{split}-n{count}-d{data_seed}-{extractor.cache_id}.npz"


def compute_real_stats(images: torch.Tensor, labels: torch.Tensor, extractor: FeatureExtractor, dataset: str,
                       resolution: int, split: str, keep_feats: bool = True, progress: bool = True) -> RealStats:
    """Extract features of ``images`` and fit the Gaussian; no caching."""
    feats = extractor(images, progress=None if progress else False).numpy()
    mu, sigma = feature_statistics(feats)
    return RealStats(mu, sigma, feats if keep_feats else None, labels.cpu().numpy().astype(np.int64), dataset,
                     resolution, split, len(feats), extractor.name, extractor.cache_id)


def real_stats(dataset: str, resolution: int, split: str = "val", extractor="domain", count: Optional[int] = None,
               device="cpu", data_dir: Optional[str] = None, data_seed: int = 0, force: bool = False,
               progress: bool = True) -> RealStats:
    """Feature statistics of the real ``split`` of ``dataset``, from the cache when present.

    Args:
        dataset, resolution, split, count, data_dir, data_seed: the images, via :func:`gancl.data.get_dataset`
            (``count=None``: the whole split).
        extractor: a :class:`FeatureExtractor` or a name for :func:`get_extractor`; "domain" builds the default
            classifier for this data set and resolution.
        force: recompute even when cached.
        progress: show a progress bar while extracting features.
    """
    from gancl.data import get_dataset

    extractor = extractor_for(extractor, dataset, resolution, data_dir, device)
    data = get_dataset(dataset, resolution, split, count, data_dir, data_seed)
    n = len(data)
    path = _stats_path(dataset, resolution, split, n, data_seed, extractor) if extractor.cache_id else None
    if path is not None and path.exists() and not force:
        try:
            with np.load(path) as z:
                feats = z["feats"] if "feats" in z.files else None
                return RealStats(z["mu"], z["sigma"], feats, z["labels"], dataset, resolution, split, n,
                                 extractor.name, extractor.cache_id)
        except (OSError, ValueError, EOFError, KeyError):
            pass  # unreadable cache: recompute and overwrite
    keep = n * extractor.dim * 4 <= MAX_STORED_FEATURE_BYTES
    stats = compute_real_stats(data.images, data.labels, extractor, dataset, resolution, split, keep, progress)
    if path is not None:
        arrays = {"mu": stats.mu, "sigma": stats.sigma, "labels": stats.labels}
        if stats.feats is not None:
            arrays["feats"] = stats.feats
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write(path, buf.getvalue())
    return stats
