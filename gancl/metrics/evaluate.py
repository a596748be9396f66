"""One call from a generator (or from features) to a labelled metric record.

:func:`evaluate_generator` samples a generator (batched, no grad, eval mode, fixed seed), extracts features, and
compares them with cached real statistics (:func:`gancl.metrics.stats.real_stats`). The :class:`EvalResult` records
which extractor, data set, split and sample counts were used, and :func:`metric_label` names each value the way
tables must print it: "FID" only for Inception features, "FD (domain)" for the domain classifier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Optional, Union

import numpy as np
import torch
from tqdm import tqdm

from gancl.metrics._tensors import module_device
from gancl.metrics.domain import DomainExtractor
from gancl.metrics.extractors import FeatureExtractor, extractor_for
from gancl.metrics.frechet import feature_statistics, frechet_distance
from gancl.metrics.kid import kernel_inception_distance
from gancl.metrics.prdc import density_coverage, precision_recall
from gancl.metrics.stats import RealStats, real_stats
from gancl.models import generate

_BASE_LABELS = {"fd": "FD", "kid": "KID", "intra_fd": "intra-FD", "precision": "Precision", "recall": "Recall",
                "density": "Density", "coverage": "Coverage", "class_consistency": "Class consistency"}
_INCEPTION_LABELS = {"fd": "FID", "kid": "KID", "intra_fd": "intra-FID"}


def metric_label(metric: str, extractor: str) -> str:
    """How a table names ``metric`` computed on ``extractor`` features.

    Inception: "FID", "KID", "intra-FID", "Precision", ...; any other extractor: "FD (domain)", "KID (domain)",
    "Precision (domain)", ... so an offline number is never mistaken for the paper's.
    """
    if metric not in _BASE_LABELS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {tuple(_BASE_LABELS)}")
    if extractor == "inception":
        return _INCEPTION_LABELS.get(metric, _BASE_LABELS[metric])
    return f"{_BASE_LABELS[metric]} ({extractor})"


@dataclass
class EvalResult:
    """Metrics of one set of generated images against one real split, and how they were measured.

    Attributes:
        extractor, extractor_id: the feature extractor's name and exact identity (weights / training config).
        dataset, resolution, split: the real images compared against.
        n_real, n_fake: sample counts; seed: the generator sampling seed.
        fd: Frechet distance. kid_mean, kid_std: KID over subsets. precision, recall (k=3), density, coverage (k=5).
        class_consistency: share of conditional samples the domain classifier assigns to their conditioning class
            (multi-label classifiers: whose class it predicts present); None when unconditional.
        intra_fd: mean over classes of the FD between same-class real and generated features; intra_fd_per_class
            maps class -> FD.
        extractor_accuracy: the domain classifier's held-out accuracy (None for Inception).
        Metrics that could not be computed (e.g. real features too large to store for KID) are None.
    """

    extractor: str
    extractor_id: Optional[str]
    dataset: Optional[str]
    resolution: Optional[int]
    split: Optional[str]
    n_real: int
    n_fake: int
    seed: Optional[int]
    fd: float
    kid_mean: Optional[float] = None
    kid_std: Optional[float] = None
    precision: Optional[float] = None
    recall: Optional[float] = None
    density: Optional[float] = None
    coverage: Optional[float] = None
    class_consistency: Optional[float] = None
    intra_fd: Optional[float] = None
    intra_fd_per_class: Optional[dict] = None
    extractor_accuracy: Optional[float] = None
    #: class -> the share of the samples asked for that class that the classifier puts in it
    class_consistency_per_class: Optional[dict] = None
    #: (C, C) counts, row = the class asked for, column = the class the single-label classifier puts the sample in
    #: (:func:`class_confusion`); None when unconditional or multi-label
    class_confusion: Optional[list] = None
    #: :func:`label_landing` of that matrix: the mean largest share of a label's samples in one class, and how many
    #: labels put at least half of their samples in one class other than their own
    largest_share: Optional[float] = None
    labels_elsewhere: Optional[int] = None

    def as_dict(self) -> dict:
        return asdict(self)

    def table_row(self) -> dict:
        """The computed metrics keyed by their table labels (see :func:`metric_label`), plus the sample counts."""
        values = {"fd": self.fd, "kid": self.kid_mean, "precision": self.precision, "recall": self.recall,
                  "density": self.density, "coverage": self.coverage, "class_consistency": self.class_consistency,
                  "intra_fd": self.intra_fd}
        row = {metric_label(k, self.extractor): v for k, v in values.items() if v is not None}
        row.update(n_real=self.n_real, n_fake=self.n_fake, split=self.split)
        return row


def class_consistency(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of samples whose predicted class is their conditioning label.

    ``predictions``: (N,) class indices (single-label classifier) or (N, C) bool presence (multi-label: a sample
    counts when its conditioning class is predicted present). ``labels``: (N,) long.
    """
    labels = torch.as_tensor(labels).long().cpu()
    predictions = torch.as_tensor(predictions).cpu()
    if predictions.ndim == 2:
        hit = predictions.gather(1, labels[:, None])[:, 0].bool()
    else:
        hit = predictions.long() == labels
    return float(hit.double().mean())


def class_consistency_per_class(predictions: torch.Tensor, labels: torch.Tensor) -> dict:
    """:func:`class_consistency` of the samples of each conditioning label: {class: share}."""
    labels = torch.as_tensor(labels).long().cpu()
    predictions = torch.as_tensor(predictions).cpu()
    return {int(c): class_consistency(predictions[labels == c], labels[labels == c]) for c in labels.unique()}


def class_confusion(predictions: torch.Tensor, labels: torch.Tensor, num_classes: Optional[int] = None) -> torch.Tensor:
    """Where the samples asked for each class land: (C, C) long counts, row = conditioning label, column = the
    single-label classifier's prediction. Class consistency is its trace over its sum; a row whose mass sits off the
    diagonal in one column is a label the generator draws consistently as another class (a permuted mapping,
    which class consistency alone cannot tell from drawing no class at all).

    ``predictions``, ``labels``: (N,) class indices; ``num_classes``: C (default: the largest index seen + 1).
    """
    labels = torch.as_tensor(labels).long().cpu()
    predictions = torch.as_tensor(predictions).long().cpu()
    if predictions.ndim != 1:
        raise ValueError(f"class_confusion needs one predicted class per sample (N,), got {tuple(predictions.shape)}")
    c = int(num_classes or max(int(labels.max()), int(predictions.max())) + 1)
    return torch.bincount(labels * c + predictions, minlength=c * c).view(c, c)


def label_landing(shares, majority: float = 0.5) -> dict:
    """Where each label's samples land, from a row-normalised :func:`class_confusion` ((C, C) shares, row = the
    class asked for): ``largest_share``, the share of a label's samples in the one class that gets most of them
    (whichever), averaged over labels (1: every label drawn as one class; low: spread over many), and ``elsewhere``,
    the (asked, drawn) pairs of labels that put at least ``majority`` of their samples in one class other than
    their own."""
    shares = torch.as_tensor(shares, dtype=torch.float64)
    largest, drawn = shares.max(dim=1)
    elsewhere = [(asked, int(d)) for asked, (d, m) in enumerate(zip(drawn, largest)) if d != asked and m >= majority]
    return {"largest_share": float(largest.mean()), "elsewhere": elsewhere}


def intra_class_fd(real_feats, real_labels, fake_feats, fake_labels, min_count: int = 2,
                   allow_empty: bool = False) -> tuple[float, dict]:
    """Mean over classes of the FD between real and generated features of that class; also the per-class values.

    Classes with fewer than ``min_count`` samples on either side are skipped (the per-class dict shows which ran).
    When no class is left it raises ValueError, or with ``allow_empty`` returns (NaN, {}) (object crops of a poor
    generator: which classes it draws is part of what is measured).
    """
    real_feats, fake_feats = np.asarray(real_feats), np.asarray(fake_feats)
    real_labels, fake_labels = np.asarray(real_labels), np.asarray(fake_labels)
    per_class = {}
    for c in np.unique(fake_labels):
        r, f = real_feats[real_labels == c], fake_feats[fake_labels == c]
        if len(r) >= min_count and len(f) >= min_count:
            per_class[int(c)] = frechet_distance(*feature_statistics(r), *feature_statistics(f))
    if not per_class:
        if allow_empty:
            return float("nan"), {}
        raise ValueError(f"no class has at least {min_count} real and {min_count} generated samples for intra-class FD")
    return float(np.mean(list(per_class.values()))), per_class


def balanced_labels(n: int, num_classes: int, generator: torch.Generator) -> torch.Tensor:
    """(n,) labels with every class as equally often as n allows, in a seeded random order."""
    return (torch.arange(n) % num_classes)[torch.randperm(n, generator=generator)]


@torch.no_grad()
def generated_batches(G, n: int, batch_size: int = 256, seed: int = 0, y_sampler: Optional[Callable] = None,
                      device=None, progress: bool = False, truncation_psi: float = 1.0):
    """Yield ``(images (B, 3, R, R) in [-1, 1] on G's device, labels (B,) long or None)`` for ``n`` samples of
    ``G(z, y)``, z ~ N(0, I), batched, without gradients, with G in eval mode (its mode restored after), seeded by
    ``seed`` through a private generator. Conditional generators (``G.num_classes > 0``) get
    ``y_sampler(n, generator)`` labels, by default :func:`balanced_labels`. The same seed gives the same samples to
    every metric that draws them here, noise inputs included (the global RNG is seeded inside and restored).
    ``truncation_psi`` != 1 samples with the truncation trick in W (:func:`gancl.models.generate`; StyleGAN2)."""
    num_classes = getattr(G, "num_classes", 0) or 0
    device = module_device(G, device)
    dtype = next((p.dtype for p in G.parameters()), torch.float32)  # a float64 run's G takes float64 latents (the same values, widened)
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, G.z_dim, generator=gen)
    labels = None
    if y_sampler is not None:
        labels = torch.as_tensor(y_sampler(n, gen)).long()
    elif num_classes > 0:
        labels = balanced_labels(n, num_classes, gen)
    was_training = G.training
    G.eval()
    # StyleGAN2's per-layer noise draws from the global RNG: seed it here (and restore it after) so the same seed
    # gives the same images, not only the same latents
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        try:
            for start in tqdm(range(0, n, batch_size), desc="sampling G", disable=not progress, leave=False):
                y = None if labels is None else labels[start:start + batch_size]
                images = generate(G, z[start:start + batch_size].to(device, dtype),
                                  None if y is None else y.to(device), truncation_psi)
                yield images.float(), y  # extractors run in float32, whatever G's dtype
        finally:
            G.train(was_training)


@torch.no_grad()
def generate_features(G, extractor: FeatureExtractor, n: int, batch_size: int = 256, seed: int = 0,
                      y_sampler: Optional[Callable] = None, device=None, classifier: Optional[DomainExtractor] = None,
                      progress: bool = True):
    """Features of ``n`` samples of ``G(z, y)`` (z ~ N(0, I)), with their labels and class predictions.

    The samples are those of :func:`generated_batches` (same arguments).

    Returns:
        ``(feats (n, dim) float32, labels (n,) long or None, predictions or None)``; predictions are
        ``classifier.predict`` of the same images (computed from the features when the classifier is the extractor).
    """
    feats, labels, predictions = [], [], []
    for images, y in generated_batches(G, n, batch_size, seed, y_sampler, device, progress):
        feats.append(extractor(images, progress=False))
        labels.append(y)
        if classifier is not None and classifier is not extractor:
            predictions.append(classifier.predict(images))
    feats = torch.cat(feats)
    labels = None if labels[0] is None else torch.cat(labels)
    if classifier is None:
        return feats, labels, None
    return feats, labels, (classifier.predict_from_features(feats) if classifier is extractor
                           else torch.cat(predictions))


def evaluate_features(real: Union[RealStats, np.ndarray, torch.Tensor], fake_feats,
                      extractor: Union[str, FeatureExtractor], fake_labels=None, real_labels=None,
                      dataset: Optional[str] = None, resolution: Optional[int] = None, split: Optional[str] = None,
                      seed: Optional[int] = None,
                      kid_subsets: int = 100, kid_subset_size: int = 1000, k_pr: int = 3, k_dc: int = 5,
                      intra_class: bool = True, predictions=None) -> EvalResult:
    """All distances between real and generated features as one :class:`EvalResult`.

    Args:
        real: :class:`RealStats` (its metadata fill ``dataset``/``resolution``/``split``/``real_labels``) or a
            real feature matrix (N_r, D).
        fake_feats: generated features (N_f, D), same extractor.
        extractor: the extractor (or its name) the features came from.
        fake_labels: conditioning labels of the generated samples (enables intra-class FD).
        predictions: the domain classifier's predictions on the generated samples (enables class consistency).
        kid_subsets, kid_subset_size, k_pr, k_dc: see :func:`kernel_inception_distance`, :func:`precision_recall`,
            :func:`density_coverage`.
        intra_class: compute intra-class FD when labels are available on both sides.
    """
    info = extractor.describe() if isinstance(extractor, FeatureExtractor) else {"extractor": extractor,
                                                                                  "extractor_id": None}
    fake = np.asarray(torch.as_tensor(fake_feats).double().cpu())
    if isinstance(real, RealStats):
        mu_r, sigma_r, real_feats = real.mu, real.sigma, real.feats
        dataset, resolution, split = real.dataset, real.resolution, real.split
        real_labels = real.labels if real_labels is None else real_labels
        n_real = real.count
    else:
        real_feats = np.asarray(torch.as_tensor(real).double().cpu())
        mu_r, sigma_r = feature_statistics(real_feats)
        n_real = len(real_feats)
    result = EvalResult(info["extractor"], info.get("extractor_id"), dataset, resolution, split, n_real, len(fake),
                        seed, frechet_distance(mu_r, sigma_r, *feature_statistics(fake)),
                        extractor_accuracy=info.get("extractor_accuracy"))
    if real_feats is not None:
        result.kid_mean, result.kid_std = kernel_inception_distance(real_feats, fake, kid_subsets, kid_subset_size,
                                                                    seed or 0)
        result.precision, result.recall = precision_recall(real_feats, fake, k_pr)
        result.density, result.coverage = density_coverage(real_feats, fake, k_dc)
        if intra_class and fake_labels is not None and real_labels is not None:
            result.intra_fd, result.intra_fd_per_class = intra_class_fd(real_feats, real_labels, fake, fake_labels)
    if predictions is not None and fake_labels is not None:
        result.class_consistency = class_consistency(predictions, fake_labels)
        result.class_consistency_per_class = class_consistency_per_class(predictions, fake_labels)
        if torch.as_tensor(predictions).ndim == 1:
            confusion = class_confusion(predictions, fake_labels)
            result.class_confusion = confusion.tolist()
            landing = label_landing(confusion / confusion.sum(dim=1, keepdim=True).clamp(min=1))
            result.largest_share, result.labels_elsewhere = landing["largest_share"], len(landing["elsewhere"])
    return result


def evaluate_real(dataset: str, resolution: int, extractor: Union[str, FeatureExtractor] = "domain",
                  n: int = 2000, split: str = "val", device="cpu", data_dir: Optional[str] = None,
                  progress: bool = False, **metric_kw) -> EvalResult:
    """What a generator that drew the data set's own images would score: ``n`` real training images measured
    against the real ``split`` exactly as :func:`evaluate_generator` measures ``n`` generated ones. The ceiling of
    precision and recall and the floor of FD for that extractor, resolution and sample size (a regime gate's
    thresholds read against it). Returns an :class:`EvalResult` whose ``seed`` is None (no latents)."""
    extractor = extractor_for(extractor, dataset, resolution, data_dir, device, progress)
    real = real_stats(dataset, resolution, split, extractor, None, device, data_dir, progress=progress)
    drawn = real_stats(dataset, resolution, "train", extractor, n, device, data_dir, progress=progress)
    if drawn.feats is None:
        raise ValueError(f"{n} training images' features are too large to keep; ask for fewer (n)")
    return evaluate_features(real, drawn.feats, extractor, **{"intra_class": False, **metric_kw})


def evaluate_generator(G, dataset: str, resolution: int, extractor: Union[str, FeatureExtractor] = "domain",
                       n: int = 10_000, split: str = "val", real_count: Optional[int] = None,
                       y_sampler: Optional[Callable] = None, batch_size: int = 256, seed: int = 0, device=None,
                       data_dir: Optional[str] = None, classifier: Optional[DomainExtractor] = None,
                       progress: bool = True, **metric_kw) -> EvalResult:
    """Sample ``G``, extract features and compare with the real ``split`` of ``dataset``: one :class:`EvalResult`.

    Args:
        G: ``G(z, y=None) -> (N, 3, R, R)`` in [-1, 1], with ``G.z_dim`` and ``G.num_classes`` (0: unconditional).
        dataset, resolution, split, real_count, data_dir: the real images (``real_count=None``: whole split);
            their statistics come from the on-disk cache when present.
        extractor: "domain" (default, offline), "inception" (needs local weights) or an extractor object.
        n: generated samples. seed: their seed. y_sampler: labels for conditional G (default balanced classes).
        classifier: domain classifier for class consistency; defaults to ``extractor`` when that is the domain
            extractor. Only used for conditional generators.
        metric_kw: passed to :func:`evaluate_features` (``kid_subsets``, ``kid_subset_size``, ``k_pr``, ``k_dc``,
            ``intra_class``).
    """
    device = module_device(G, device)
    extractor = extractor_for(extractor, dataset, resolution, data_dir, device, progress)
    real = real_stats(dataset, resolution, split, extractor, real_count, device, data_dir, progress=progress)
    conditional = (getattr(G, "num_classes", 0) or 0) > 0 or y_sampler is not None
    if classifier is None and isinstance(extractor, DomainExtractor):
        classifier = extractor
    fake_feats, labels, predictions = generate_features(G, extractor, n, batch_size, seed, y_sampler, device,
                                                        classifier if conditional else None, progress)
    return evaluate_features(real, fake_feats, extractor, fake_labels=labels, seed=seed, predictions=predictions,
                             **metric_kw)
