"""The ``domain`` feature extractor: a small CNN classifier gancl trains on the embedded data itself.

Inception weights cannot be downloaded everywhere, so FD/KID/PR on the embedded data sets use the penultimate
features of a classifier trained here, deterministically from a :class:`DomainConfig`, and cached on disk under
``gancl.paths.cache_dir("domain")``. Its predictions also give the class consistency of conditional samples.

Tasks:

- ``shapes`` (and any single-label data set): 10-way softmax classification of the image's class; features are the
  global-average-pooled last conv block (128-d).
- ``scenes``: multi-label presence: one sigmoid per class, "is an object of this class anywhere in the scene"
  (trained with binary cross-entropy on the per-image object lists). Presence describes a whole scene, which is what
  FD on generated scenes compares; a crop classifier would describe single objects and need boxes that generated
  images do not have. Features are the global-max-pooled last conv block, since presence means "fires anywhere".

Resolution: one classifier per training resolution ``min(R, 32)``. Inputs at other sizes are resized to it (area
averaging when shrinking, which matches how the embedded data are rendered: at 2x, box-filtered down; bilinear when
enlarging). FD values from classifiers at different resolutions are different metrics; the ``cache_id`` says which.

The cached file (``torch.save`` of plain tensors and built-in types; loaded with ``weights_only=True``) holds the
weights, the config and the held-out accuracy measured on the ``val`` split.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from dataclasses import asdict, dataclass, replace
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm import tqdm

from gancl.data import embedded, to_float
from gancl.metrics.extractors import FeatureExtractor, check_images, quantize
from gancl.paths import atomic_torch_save, cache_dir
from gancl.progress import progress_interval

#: Bump when training or the architecture changes, so stale cached classifiers are never loaded.
VERSION = 1
#: The classifier's input resolution is min(data resolution, this).
MAX_TRAIN_RESOLUTION = 32


@dataclass(frozen=True)
class DomainConfig:
    """Everything that determines a domain classifier (the cache key is a hash of all fields).

    Attributes:
        dataset: data set name for :func:`gancl.data.get_dataset`.
        resolution: the classifier's input resolution (data are loaded at this size).
        task: "single" (softmax over ``labels``) or "multilabel" (sigmoid presence per class from the object lists).
        seed: initialisation and shuffling seed.
        data_seed: the data set's own seed (the embedded data's generation seed).
        count: training images (a prefix of the train split).
        val_count: held-out images (val split) for the reported accuracy.
        epochs, batch_size, lr: Adam with a one-cycle learning-rate schedule peaking at ``lr``.
        channels: output channels of the conv blocks (conv3x3, batch norm, ReLU).
        pools: the first ``pools`` blocks end with a 2x2 max pool.
        global_pool: "avg" or "max" pooling of the last block into the feature vector.
        noise: training images get Gaussian pixel noise of a std drawn per image from U(0, ``noise``) (images in
            [-1, 1]), so that the features stop reacting to perturbations a viewer cannot see. Without it, real
            images with noise of std 0.05 score precision 0.38 against the held-out split in the 16 px shapes
            features (0.90 without): a generator's faint per-pixel noise reads as off the data
            (``benchmarks/domain_noise.py``). Left out of the cache key at 0.
    """

    dataset: str = "shapes"
    resolution: int = 32
    task: str = "single"
    seed: int = 0
    data_seed: int = 0
    count: int = 10_000
    val_count: int = 2_000
    epochs: int = 3
    batch_size: int = 64
    lr: float = 3e-3
    channels: tuple = (32, 64, 128)
    pools: int = 3
    global_pool: str = "avg"
    noise: float = 0.0

    def __post_init__(self):
        if self.noise < 0:
            raise ValueError(f"noise must be >= 0, got {self.noise}")
        if self.task not in ("single", "multilabel"):
            raise ValueError(f"task must be 'single' or 'multilabel', got {self.task!r}")
        if self.global_pool not in ("avg", "max"):
            raise ValueError(f"global_pool must be 'avg' or 'max', got {self.global_pool!r}")
        if not 0 <= self.pools <= len(self.channels):
            raise ValueError(f"pools must be in 0..{len(self.channels)} (one per conv block), got {self.pools}")
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))

    def key(self) -> str:
        """File-name-safe cache key: data set, resolution, seed and a hash of every field."""
        fields = asdict(self)
        if not self.noise:  # added later: classifiers trained without it keep their cache files
            fields.pop("noise")
        blob = json.dumps({"version": VERSION, **fields}, sort_keys=True)
        digest = hashlib.sha256(blob.encode()).hexdigest()[:12]
        return f"{self.dataset}-r{self.resolution}-s{self.seed}-{digest}"


def default_config(dataset: str = "shapes", resolution: int = 32, seed: int = 0, **overrides) -> DomainConfig:
    """The default classifier for ``dataset`` images at ``resolution`` (trained at ``min(resolution, 32)``).

    Multi-object data ("scenes", "scenes_plain") gets a multi-label presence classifier with a finer last feature map
    (two pools, an extra block) and global max pooling, because its objects are only a few pixels wide.
    """
    base = DomainConfig(dataset=dataset, resolution=min(int(resolution), MAX_TRAIN_RESOLUTION), seed=seed)
    if dataset in embedded.LAYOUTS and embedded.layout(dataset).multi:
        base = replace(base, task="multilabel", channels=(32, 64, 128, 128), pools=2, global_pool="max", epochs=6,
                       lr=5e-3)
    return replace(base, **overrides)


class DomainClassifier(nn.Module):
    """Conv blocks -> global pool (the features) -> linear classifier.

    ``features(x)``: x (B, 3, R, R) float in [-1, 1] -> (B, channels[-1]); ``forward(x)`` -> logits (B, num_outputs).
    """

    def __init__(self, num_outputs: int, channels=(32, 64, 128), pools: int = 3, global_pool: str = "avg"):
        super().__init__()
        blocks, c_in = [], 3
        for i, c in enumerate(channels):
            blocks += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            if i < pools:
                blocks.append(nn.MaxPool2d(2))
            c_in = c
        self.trunk = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveMaxPool2d(1) if global_pool == "max" else nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(c_in, num_outputs)
        self.feature_dim = c_in

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.trunk(x)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _targets(dataset, task: str) -> torch.Tensor:
    """Training targets: class indices (N,) for "single", presence (N, C) float for "multilabel"."""
    if task == "single":
        return dataset.labels.long()
    if getattr(dataset, "obj_class", None) is None:
        raise ValueError(f"task='multilabel' needs per-object labels, which data set {dataset.name!r} does not have")
    obj = dataset.obj_class
    present = F.one_hot(obj.clamp_min(0), dataset.num_classes) * (obj >= 0)[..., None]
    return present.amax(1).float()


def _loss(logits: torch.Tensor, target: torch.Tensor, task: str) -> torch.Tensor:
    if task == "single":
        return F.cross_entropy(logits, target)
    return F.binary_cross_entropy_with_logits(logits, target)


@torch.no_grad()
def held_out_accuracy(net: DomainClassifier, images: torch.Tensor, target: torch.Tensor, task: str,
                      batch_size: int = 500) -> dict:
    """Accuracy on held-out uint8 images.

    "single": ``{"accuracy"}`` = top-1 accuracy. "multilabel": ``{"accuracy"}`` = per-(image, class) presence
    accuracy, plus ``{"exact_match"}`` = share of images whose whole presence vector is right.
    """
    net.eval()
    logits = torch.cat([net(to_float(images[i:i + batch_size])) for i in range(0, len(images), batch_size)])
    if task == "single":
        return {"accuracy": float((logits.argmax(1) == target).double().mean())}
    right = (logits > 0) == (target > 0.5)
    return {"accuracy": float(right.double().mean()), "exact_match": float(right.all(1).double().mean())}


def train_domain_classifier(config: DomainConfig, data_dir: Optional[str] = None, device="cpu",
                            progress: bool = True) -> dict:
    """Train a classifier from scratch; deterministic given ``config`` (and the machine's float arithmetic).

    Global RNG state is left untouched (initialisation runs inside a forked RNG, shuffling uses a private generator).

    Returns:
        ``{"state_dict", "config" (dict), "num_outputs", "metrics" (held-out, see :func:`held_out_accuracy`),
        "train_seconds", "version"}``, the object that is cached on disk.
    """
    from gancl.data import get_dataset

    train = get_dataset(config.dataset, config.resolution, "train", config.count, data_dir, config.data_seed)
    val = get_dataset(config.dataset, config.resolution, "val", config.val_count, data_dir, config.data_seed)
    y_train, y_val = _targets(train, config.task), _targets(val, config.task)
    device = torch.device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        net = DomainClassifier(train.num_classes, config.channels, config.pools, config.global_pool).to(device)
    gen = torch.Generator().manual_seed(config.seed)
    steps_per_epoch = len(train) // config.batch_size
    if steps_per_epoch < 1:
        raise ValueError(f"count={config.count} is smaller than batch_size={config.batch_size}; nothing to train on")
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch)
    start = time.perf_counter()
    bar = tqdm(total=config.epochs * steps_per_epoch, desc=f"domain classifier ({config.dataset})",
               disable=not progress, leave=False, mininterval=progress_interval(sys.stderr))
    for _ in range(config.epochs):
        net.train()
        order = torch.randperm(len(train), generator=gen)
        for step in range(steps_per_epoch):
            idx = order[step * config.batch_size:(step + 1) * config.batch_size]
            x = to_float(train.images[idx])
            if config.noise:
                std = torch.rand(len(x), 1, 1, 1, generator=gen) * config.noise
                x = x + std * torch.randn(x.shape, generator=gen)
            x = x.to(device)
            loss = _loss(net(x), y_train[idx].to(device), config.task)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.update(1)
    bar.close()
    seconds = time.perf_counter() - start
    net.cpu()
    metrics = held_out_accuracy(net, val.images, y_val, config.task)
    return {"state_dict": net.state_dict(), "config": asdict(config), "num_outputs": train.num_classes,
            "metrics": metrics, "train_seconds": seconds, "version": VERSION}


def load_or_train(config: DomainConfig, data_dir: Optional[str] = None, device="cpu", progress: bool = True,
                  force: bool = False) -> dict:
    """The cached classifier for ``config`` (see :func:`train_domain_classifier`), training and caching it if needed."""
    path = cache_dir("domain") / f"{config.key()}.pt"
    if path.exists() and not force:
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, EOFError, pickle.UnpicklingError):
            pass  # a truncated or corrupt cache file is retrained and replaced below
    record = train_domain_classifier(config, data_dir, device, progress)
    atomic_torch_save(record, path)
    return record


class DomainExtractor(FeatureExtractor):
    """Features (and class predictions) from a trained :class:`DomainClassifier`.

    Attributes:
        config: the :class:`DomainConfig` it was trained from.
        metrics: its held-out metrics (``accuracy``; ``exact_match`` for multilabel).
        net: the classifier (eval mode, frozen).
    """

    name = "domain"

    def __init__(self, record: dict, device="cpu", batch_size: int = 256):
        cfg = dict(record["config"])
        cfg["channels"] = tuple(cfg["channels"])
        self.config = DomainConfig(**cfg)
        self.metrics = dict(record["metrics"])
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.net = DomainClassifier(record["num_outputs"], self.config.channels, self.config.pools,
                                    self.config.global_pool)
        self.net.load_state_dict(record["state_dict"])
        self.net.to(self.device).eval().requires_grad_(False)
        self.dim = self.net.feature_dim
        self.num_classes = record["num_outputs"]
        self.train_seconds = record["train_seconds"]
        self.cache_id = f"domain-{self.config.key()}"

    def describe(self) -> dict:
        return {**super().describe(), "extractor_accuracy": self.metrics.get("accuracy")}

    def _resize(self, x: torch.Tensor) -> torch.Tensor:
        r = self.config.resolution
        if x.shape[-2:] == (r, r):
            return x
        if x.shape[-1] > r:
            return F.interpolate(x, size=(r, r), mode="area")
        return F.interpolate(x, size=(r, r), mode="bilinear", align_corners=False)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Differentiable penultimate features of float images in [-1, 1] (any size; resized) -> (B, dim)."""
        return self.net.features(self._resize(images.to(self.device, torch.float32)))

    @torch.no_grad()
    def logits(self, images: torch.Tensor, batch_size: Optional[int] = None) -> torch.Tensor:
        """Class logits (N, num_classes) on the CPU; images are rounded to uint8 first, as in ``__call__``."""
        images = check_images(images)
        bs = batch_size or self.batch_size
        out = [self.net(self._resize(to_float(quantize(images[i:i + bs]).to(self.device)))).float().cpu()
               for i in range(0, images.shape[0], bs)]
        return torch.cat(out)

    def _decide(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.argmax(1) if self.config.task == "single" else logits > 0

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """"single": predicted class (N,) long; "multilabel": predicted presence (N, num_classes) bool."""
        return self._decide(self.logits(images))

    @torch.no_grad()
    def predict_from_features(self, feats: torch.Tensor) -> torch.Tensor:
        """:meth:`predict` from features this extractor already computed (N, dim): the head is all that is left."""
        return self._decide(self.net.head(feats.to(self.device, torch.float32)).cpu())


def domain_extractor(dataset: str = "shapes", resolution: int = 32, seed: int = 0, device="cpu",
                     config: Optional[DomainConfig] = None, data_dir: Optional[str] = None, batch_size: int = 256,
                     progress: bool = True, force: bool = False) -> DomainExtractor:
    """The domain extractor for ``dataset`` images at ``resolution``: loaded from the cache or trained (then cached).

    Args:
        dataset, resolution, seed: pick :func:`default_config` (ignored when ``config`` is given).
        config: an explicit :class:`DomainConfig` (e.g. a tiny training budget in tests).
        data_dir: for data sets read from disk.
        batch_size: images per forward pass when extracting.
        progress: progress bar while training.
        force: retrain even when a cached classifier exists.
    """
    config = config or default_config(dataset, resolution, seed)
    return DomainExtractor(load_or_train(config, data_dir, device, progress, force), device, batch_size)
