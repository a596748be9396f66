"""Memorisation of a few-shot training set (FakeCLR Fig. 9/10; the regime of its Fig. 1/6 jumps).

A generator that has memorised its n training images draws samples that sit nearer to one of them than to any
real image it never saw. :func:`memorisation` measures the share of samples for which that holds: the nearest of the
n training images against the nearest of n held-out real images of the same data set, in pixels (the default) or in
the domain classifier's features. A generator whose samples are unrelated to the data, or that has learned the
distribution rather than the images, gives about one half; a memorising generator gives close to one.

Pixels, because a generator's copies are imperfect: on 100 images of 16 px ``shapes``, copies of the training images
score 0.99 in pixels but 0.43 in features once blurred by a 3x3 box filter, and 1.0 against 0.55 with pixel noise of
std 0.15 (``benchmarks/memorisation_space.py``). The classifier's features keep what names an object's class, so a
held-out image of the same class and colour sits as near as the training image that was copied.
"""

from __future__ import annotations

from typing import Optional

import torch

from gancl.data import get_dataset, to_float


def nearest_distance(queries: torch.Tensor, references: torch.Tensor) -> tuple:
    """Euclidean distance from each query (N, D) to its nearest reference (M, D), and that reference's index, in
    float64, over row chunks of the distance matrix (:mod:`gancl.metrics.prdc`'s blocks)."""
    distance, index = nearest_k(queries, references, 1)
    return distance[:, 0], index[:, 0]


def nearest_k(queries: torch.Tensor, references: torch.Tensor, k: int) -> tuple:
    """The ``k`` nearest references (M, D) of each query (N, D), nearest first: distances (N, k) float64 and
    indices (N, k), over row chunks of the distance matrix."""
    from gancl.metrics.prdc import _blocks

    if not 1 <= k <= references.shape[0]:
        raise ValueError(f"k must be in 1..{references.shape[0]} (the references), got {k}")
    queries, references = queries.double(), references.double()
    distance = torch.empty(queries.shape[0], k, dtype=torch.float64)
    index = torch.empty(queries.shape[0], k, dtype=torch.long)
    for rows, block in _blocks(queries, references):
        distance[rows], index[rows] = block.topk(k, dim=1, largest=False)
    return distance, index


def _embedding(space: str, dataset: str, resolution: int, data_dir: Optional[str]):
    """images (N, 3, R, R) uint8 or float -> (N, D): flattened pixels in [-1, 1], or the domain features."""
    if space not in ("features", "pixels"):
        raise ValueError(f"space={space!r}: use 'features' or 'pixels'")
    if space == "features":
        from gancl.metrics.domain import domain_extractor

        extractor = domain_extractor(dataset, resolution, data_dir=data_dir, progress=False)
        return lambda x: extractor(x, progress=False)
    return lambda x: (to_float(x) if x.dtype == torch.uint8 else x).flatten(1)


def nearest_training_images(G, dataset: str, resolution: int, count: int, n: int = 8, k: int = 3,
                            space: str = "pixels", data_dir: Optional[str] = None, data_seed: int = 0,
                            seed: int = 0, device=None) -> dict:
    """FakeCLR supplement Fig. 9/10 (after DiffAugment's nearest-neighbour test): ``n`` samples of ``G`` with their
    ``k`` nearest images among its ``count`` training images, in pixels or the domain features (``space``), and
    each sample's distance to the nearest of ``count`` held-out images of the same data set.

    Returns {"samples": (n, 3, R, R) float in [-1, 1], "neighbours": (n, k, 3, R, R) uint8, "distances": (n, k),
    "indices": (n, k) into the training subset, "val_distance": (n,), "space"}. A sample nearer to a training image
    than to any held-out one is what :func:`memorisation` counts.
    """
    from gancl.metrics.evaluate import generated_batches

    embed = _embedding(space, dataset, resolution, data_dir)
    train = get_dataset(dataset, resolution, "train", count, data_dir, data_seed).images
    val = get_dataset(dataset, resolution, "val", count, data_dir, data_seed).images
    samples = torch.cat([images.cpu() for images, _ in generated_batches(G, n, seed=seed, device=device)])
    queries = embed(samples)
    distances, indices = nearest_k(queries, embed(train), k)
    val_distance, _ = nearest_distance(queries, embed(val))
    return {"samples": samples, "neighbours": train[indices], "distances": distances, "indices": indices,
            "val_distance": val_distance, "space": space}


def memorisation(G, dataset: str, resolution: int, count: int, n: int = 1000, space: str = "pixels",
                 data_dir: Optional[str] = None, data_seed: int = 0, seed: int = 0, device=None) -> dict:
    """The share of ``n`` samples of ``G`` nearer to one of the ``count`` training images (the run's subset: the
    first ``count`` of the train split) than to any of ``count`` held-out real images.

    space: "pixels" (images in [-1, 1], flattened; see the module docstring) or "features" (the domain
        classifier's penultimate features).
    Returns {"memorised_share", "train_distance" (median distance of a sample to its nearest training image),
    "val_distance" (the same for held-out images), "space", "n", "count"}.
    """
    from gancl.metrics.evaluate import generated_batches

    embed = _embedding(space, dataset, resolution, data_dir)
    train = get_dataset(dataset, resolution, "train", count, data_dir, data_seed).images
    val = get_dataset(dataset, resolution, "val", count, data_dir, data_seed).images
    fakes = torch.cat([images.cpu() for images, _ in generated_batches(G, n, seed=seed, device=device)])
    queries = embed(fakes)
    to_train, _ = nearest_distance(queries, embed(train))
    to_val, _ = nearest_distance(queries, embed(val))
    return {"memorised_share": float((to_train < to_val).double().mean()),
            "train_distance": float(to_train.median()), "val_distance": float(to_val.median()),
            "space": space, "n": n, "count": count}
