"""The three scales, the base configuration every preset starts from, and the page parameters shared by every page.

- ``smoke``: CI and nbval. Tiny models at 16 px, a few dozen steps, one seed: a whole page in under a minute on two
  CPU cores. The numbers mean nothing, and pages say so.
- ``small``: one CPU machine or one GPU, minutes per run, 32 px embedded data, several seeds: big enough for a
  paper's direction of effect to show or not. The published book is built at this scale.
- ``paper``: each paper's data set, resolution, batch, steps and seeds. Needs the real data on disk and GPUs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gancl.models import ModelConfig
from gancl.train.config import DataConfig, EvalConfig, LossConfig, OptimConfig, RunConfig

from gancl.names import SCALE_NAMES


@dataclass(frozen=True)
class Scale:
    """The budget of one scale (used by every preset; a paper preset overrides what its paper fixes)."""

    name: str
    resolution: int
    g_channels: int
    d_channels: int
    z_dim: int
    batch_size: int
    steps: int
    seeds: tuple
    train_count: Optional[int]
    val_count: int
    log_every: int
    diag_every: int
    diag_count: int
    fd_count: int
    embed_dim: int


SCALES = {
    "smoke": Scale("smoke", resolution=16, g_channels=16, d_channels=16, z_dim=32, batch_size=32, steps=40,
                   seeds=(0,), train_count=2000, val_count=128, log_every=10, diag_every=20, diag_count=64,
                   fd_count=256, embed_dim=64),
    "small": Scale("small", resolution=32, g_channels=32, d_channels=32, z_dim=64, batch_size=64, steps=1500,
                   seeds=(0, 1, 2), train_count=20_000, val_count=512, log_every=50, diag_every=250, diag_count=256,
                   fd_count=2000, embed_dim=128),
    "paper": Scale("paper", resolution=32, g_channels=256, d_channels=128, z_dim=128, batch_size=64, steps=100_000,
                   seeds=(0, 1, 2, 3), train_count=None, val_count=10_000, log_every=500, diag_every=2000,
                   diag_count=1024, fd_count=10_000, embed_dim=512),
}


def scale(name: str) -> Scale:
    if name not in SCALES:
        raise ValueError(f"unknown scale {name!r}; choose one of {SCALE_NAMES}")
    return SCALES[name]


def check_seeds(chosen) -> None:
    """ValueError unless ``chosen`` is None, a positive count, or a non-empty list of distinct non-negative seeds
    (the one seed check: page parameters and :func:`seeds` both use it)."""
    if chosen is None:
        return
    if isinstance(chosen, int) and not isinstance(chosen, bool):
        if chosen <= 0:
            raise ValueError(f"seeds={chosen!r} must be a positive number of seeds, a list of seeds, or None")
        return
    if isinstance(chosen, (list, tuple)) and chosen and all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in chosen):
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"seeds={list(chosen)!r} repeats a seed; each run needs its own")
        return
    raise ValueError(f"seeds={chosen!r} must be a positive number of seeds, a non-empty list of non-negative seeds, "
                     "or None for the scale's default")


def seeds(scale_name: str, chosen=None, defaults: Optional[dict] = None) -> list:
    """The seeds a page runs: the scale's default (None), the first n (an int), or the given list.

    ``defaults`` (scale name -> seeds) replaces the scale's default for a page whose budget needs fewer seeds.
    """
    check_seeds(chosen)
    if chosen is None:
        return list((defaults or {}).get(scale(scale_name).name, scale(scale_name).seeds))
    if isinstance(chosen, int):
        return list(range(chosen))
    return [int(s) for s in chosen]


def base_config(scale_name: str, arch: str = "dcgan", dataset: str = "shapes", num_classes: int = 0,
                name: str = "run", resolution: Optional[int] = None, **model) -> RunConfig:
    """A plain GAN at a scale: hinge loss, Adam 2e-4 (0.5, 0.999), EMA of G; ``model`` overrides ModelConfig.
    ``resolution`` (data and model) defaults to the scale's."""
    s = scale(scale_name)
    res = resolution or s.resolution
    return RunConfig(
        name=name,
        data=DataConfig(name=dataset, resolution=res, count=s.train_count, val_count=s.val_count),
        model=ModelConfig(**{"arch": arch, "resolution": res, "z_dim": s.z_dim, "g_channels": s.g_channels,
                             "d_channels": s.d_channels, "num_classes": num_classes, "embed_dim": s.embed_dim,
                             **model}),
        loss=LossConfig(),
        optim=OptimConfig(steps=s.steps, batch_size=s.batch_size),
        eval=EvalConfig(log_every=s.log_every, diag_every=s.diag_every, diag_count=s.diag_count, fd_count=s.fd_count),
        progress=True,
    )


def data_overrides(dataset: str, data_dir: Optional[str], num_classes: Optional[int] = None) -> dict:
    """Dotted overrides that point a preset at another data set (a page's ``dataset``/``data_dir`` parameters).

    Tiny ImageNet brings its own setting in ContraGAN's paper: 64 px, 200 classes, projection dim 768, batch 1024.
    """
    out = {"data.name": dataset, "data.data_dir": data_dir}
    if dataset == "tiny_imagenet":
        out.update({"data.resolution": 64, "model.resolution": 64, "model.embed_dim": 768, "optim.batch_size": 1024})
        num_classes = 200 if num_classes is None else num_classes
    if num_classes is not None:
        out["model.num_classes"] = num_classes
    return out


def page_overrides(dataset: Optional[str], data_dir: Optional[str], steps: Optional[int],
                   num_classes: Optional[int] = None) -> dict:
    """Dotted overrides from a page's ``dataset``, ``data_dir`` and ``steps`` parameters (None keeps the preset's)."""
    out = {} if dataset is None else data_overrides(dataset, data_dir, num_classes)
    if steps is not None:
        out["optim.steps"] = steps
    return out
