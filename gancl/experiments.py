"""Named experiments and the three scales: the one place where presets live.

A scale fixes the budget (resolution, widths, batch, steps, seeds, data size); a preset fixes the method (which
architecture, head and loss terms a paper's row uses). ``preset(name, scale)`` combines the two into a
:class:`~gancl.train.RunConfig`; pages vary one field at a time from there with ``config.replace(...)``.

- ``smoke``: CI and nbval. Tiny models at 16 px, a few dozen steps, one seed: a whole page in under a minute on two
  CPU cores. The numbers mean nothing, and pages say so.
- ``small``: one CPU machine or one GPU, minutes per run, 32 px embedded data, three seeds: big enough for a
  paper's direction of effect to show or not. The published book is built at this scale.
- ``paper``: each paper's data set, resolution, batch, steps and seeds. Needs the real data on disk and GPUs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Optional

from gancl.models import ModelConfig
from gancl.train.config import (AUTO, DataConfig, EvalConfig, LossConfig, OptimConfig, RunConfig,
                                fakeclr_queue_size)  # noqa: F401 (re-exported: experiments.fakeclr_queue_size)

SCALE_NAMES = ("smoke", "small", "paper")


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
                   seeds=(0,), train_count=2000, val_count=128, log_every=10, diag_every=20, diag_count=64, fd_count=256, embed_dim=64),
    "small": Scale("small", resolution=32, g_channels=32, d_channels=32, z_dim=64, batch_size=64, steps=1500,
                   seeds=(0, 1, 2), train_count=20_000, val_count=512, log_every=50, diag_every=250, diag_count=256, fd_count=2000,
                   embed_dim=128),
    "paper": Scale("paper", resolution=32, g_channels=256, d_channels=128, z_dim=128, batch_size=64, steps=100_000,
                   seeds=(0, 1, 2, 3), train_count=None, val_count=10_000, log_every=500, diag_every=2000, diag_count=1024,
                   fd_count=10_000, embed_dim=512),
}


def scale(name: str) -> Scale:
    if name not in SCALES:
        raise ValueError(f"unknown scale {name!r}; choose one of {SCALE_NAMES}")
    return SCALES[name]


def base_config(scale_name: str, arch: str = "dcgan", dataset: str = "shapes", num_classes: int = 0,
                name: str = "run", **model) -> RunConfig:
    """A plain GAN at a scale: hinge loss, Adam 2e-4 (0.5, 0.999), EMA of G; ``model`` overrides ModelConfig."""
    s = scale(scale_name)
    return RunConfig(
        name=name,
        data=DataConfig(name=dataset, resolution=s.resolution, count=s.train_count, val_count=s.val_count),
        model=ModelConfig(**{"arch": arch, "resolution": s.resolution, "z_dim": s.z_dim, "g_channels": s.g_channels,
                             "d_channels": s.d_channels, "num_classes": num_classes, "embed_dim": s.embed_dim,
                             **model}),
        loss=LossConfig(),
        optim=OptimConfig(steps=s.steps, batch_size=s.batch_size),
        eval=EvalConfig(log_every=s.log_every, diag_every=s.diag_every, diag_count=s.diag_count, fd_count=s.fd_count),
        progress=True,
    )


_PRESETS: dict = {}


def register(name: str):
    """Decorator: ``@register("paper/method")`` on a function (scale name) -> RunConfig."""

    def wrap(fn: Callable[[str], RunConfig]):
        if name in _PRESETS:
            raise ValueError(f"preset {name!r} is registered twice")
        _PRESETS[name] = fn
        return fn

    return wrap


def names() -> list:
    return sorted(_PRESETS)


def preset(name: str, scale_name: str = "small", **overrides) -> RunConfig:
    """The run config of preset ``name`` at ``scale_name``, with optional dotted overrides (``optim.steps=...``)."""
    if name not in _PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(names())}")
    config = _PRESETS[name](scale(scale_name).name)
    config = dataclasses.replace(config, name=name)
    return (config.replace(**overrides) if overrides else config).validate()


def seeds(scale_name: str, chosen=None, defaults: Optional[dict] = None) -> list:
    """The seeds a page runs: the scale's default (None), the first n (an int), or the given list.

    ``defaults`` (scale name -> seeds) replaces the scale's default for a page whose budget needs fewer seeds.
    """
    if chosen is None:
        return list((defaults or {}).get(scale(scale_name).name, scale(scale_name).seeds))
    if isinstance(chosen, int) and not isinstance(chosen, bool):
        if chosen < 1:
            raise ValueError(f"seeds must be a positive count or a list of seeds, got {chosen}")
        return list(range(chosen))
    return [int(s) for s in chosen]


# ---------------------------------------------------------------------------------------------------------------------
# ContraGAN (Kang & Park 2020): conditioning losses of Table 1 on one backbone and budget.
# paper scale: BigGAN backbone on CIFAR-10 32 px (G 256 and D 128 channels throughout), batch 64, hinge,
# Adam 2e-4 (0.5, 0.999), 5 D steps, t = 1.0, projection dim 512.

#: ContraGAN's budget at `small`: 500 steps of a 32-channel SN-DCGAN at batch 64 (about 2.5 min a run on 2 CPU cores),
#: so that Table 1's 5 configurations x 3 seeds fit in about 40 minutes.
CONTRAGAN_SMALL_STEPS = 500
CONTRAGAN_CR_WEIGHT = 10.0  # consistency regularisation lambda (Zhang et al. 2020, as in the authors' library)


def _contragan(scale_name: str, head: str, cond: str, **loss) -> RunConfig:
    paper = scale_name == "paper"
    model = {"d_head": head}
    if paper:
        model.update(g_channels=256, d_channels=128, channel_cap=256, d_channel_cap=128)
    c = base_config(scale_name, arch="resnet" if paper else "dcgan", dataset="cifar10" if paper else "shapes",
                    num_classes=10, **model)
    c = c.replace(**{"loss.cond": cond, "loss.temperature": 1.0, "loss.cond_weight": 1.0,
                     **{f"loss.{k}": v for k, v in loss.items()}})
    if paper:
        c = c.replace(**{"optim.n_dis": 5, "optim.batch_size": 64, "optim.steps": 100_000, "model.embed_dim": 512})
    elif scale_name == "small":
        c = c.replace(**{"optim.steps": CONTRAGAN_SMALL_STEPS, "eval.diag_every": 100})
    return c


for _name, _head, _cond in [("acgan", "acgan", "acgan"), ("projgan", "proj", "proj"),
                            ("pnca", "contrastive", "pnca"), ("ntxent", "contrastive", "ntxent"),
                            ("eq7", "contrastive", "eq7"), ("2c", "contrastive", "2c")]:
    register(f"contragan/{_name}")(lambda s, h=_head, c=_cond: _contragan(s, h, c))
register("contragan/2c_aps")(lambda s: _contragan(s, "contrastive", "2c", aps=True))
register("contragan/2c_cr")(lambda s: _contragan(s, "contrastive", "2c", cr_weight=CONTRAGAN_CR_WEIGHT))


@register("contragan/uncond")
def _unconditional_contragan(scale_name: str) -> RunConfig:
    return _contragan(scale_name, "none", "none").replace(**{"model.num_classes": 0})


#: ContraGAN Table 1 rows (the paper's labels, as in paper_tables/contragan_t1.csv) and their presets.
CONTRAGAN_TABLE1 = {"Uncond. GAN": "contragan/uncond", "P-NCA": "contragan/pnca", "NT-Xent": "contragan/ntxent",
                    "Eq. 7": "contragan/eq7", "2C (ContraGAN)": "contragan/2c"}


register("contragan/projgan_2c")(lambda s: _contragan(s, "proj_contrastive", "2c"))

#: ContraGAN Table 4 rows: id -> (large batch, 2C, APS, CR), the paper's ids and order. The ablation starts from
#: ProjGAN on BigGAN; the rows with 2C keep the projection term and add the 2C head (preset contragan/projgan_2c).
CONTRAGAN_TABLE4 = {"A": (False, False, False, False), "B": (False, False, False, True),
                    "C": (True, False, False, False), "D": (True, False, False, True),
                    "E": (False, True, False, False), "F": (False, True, True, False),
                    "G": (False, True, False, True), "H": (True, True, False, False),
                    "I": (True, True, False, True)}
#: Table 4's two batch sizes per scale: the paper's 256 and 1024, divided by 16 at `small` (the ratio kept) so that a
#: large-batch run costs what a Table 1 run does.
CONTRAGAN_TABLE4_BATCH = {"smoke": (8, 32), "small": (16, 64), "paper": (256, 1024)}


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


def contragan_table1(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                     steps: Optional[int] = None) -> dict:
    """ContraGAN Table 1: label -> RunConfig for the five conditioning objectives on one backbone and budget."""
    configs = {}
    for label, name in CONTRAGAN_TABLE1.items():
        num_classes = None if name != "contragan/uncond" else 0
        configs[label] = preset(name, scale_name, **page_overrides(dataset, data_dir, steps, num_classes))
    return configs


#: ContraGAN Table 4 at `small`: 350 steps a run, the scale's three seeds per row (9 rows; the paper reports one run
#: per row), about 25 minutes on two CPU cores.
CONTRAGAN_TABLE4_SMALL_STEPS = 350


def contragan_table4(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                     steps: Optional[int] = None) -> dict:
    """ContraGAN Table 4: row id (A-I) -> RunConfig (ProjGAN, + 2C, APS, CR at two batch sizes).

    Same backbone and number of steps in every row, as in the paper; the large batch therefore sees four times the
    images. At `paper` scale pass ``dataset="tiny_imagenet"`` and its ``data_dir`` (the paper's setting, 64 px).
    """
    small_batch, large_batch = CONTRAGAN_TABLE4_BATCH[scale(scale_name).name]
    configs = {}
    for row, (large, two_c, aps, cr) in CONTRAGAN_TABLE4.items():
        if steps is None and scale(scale_name).name == "small":
            steps = CONTRAGAN_TABLE4_SMALL_STEPS
        # the row's batch size wins over a data set's own (Tiny ImageNet brings batch 1024)
        overrides = {**page_overrides(dataset, data_dir, steps),
                     "optim.batch_size": large_batch if large else small_batch,
                     "loss.aps": aps, "loss.cr_weight": CONTRAGAN_CR_WEIGHT if cr else 0.0}
        configs[row] = preset("contragan/projgan_2c" if two_c else "contragan/projgan", scale_name, **overrides)
    return configs


#: ContraGAN Fig. 3 per scale: training images (few enough for D to memorise them), steps, and how often the
#: authenticity accuracies / spectral norms (diag_every) and FD (fd_every, on fd_count samples) are recorded.
CONTRAGAN_FIG3 = {"smoke": {"count": 64, "steps": 60, "diag_every": 10, "fd_every": 20, "fd_count": 128},
                  "small": {"count": 64, "steps": 1000, "diag_every": 50, "fd_every": 100, "fd_count": 1000},
                  "paper": {"count": None, "steps": 100_000, "diag_every": 1000, "fd_every": 2000, "fd_count": 10_000}}
CONTRAGAN_FIG3_RUNS = {"ProjGAN": "contragan/projgan", "ContraGAN": "contragan/2c"}
CONTRAGAN_FIG3_SEEDS = {"small": (0, 1)}  # the paper's figure shows one run per method; two here


def contragan_fig3(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                   steps: Optional[int] = None) -> dict:
    """ContraGAN Fig. 3: ProjGAN and ContraGAN on a training set small enough for D to overfit, with the
    authenticity accuracies, spectral norms and FD recorded as training goes (label -> RunConfig)."""
    f = CONTRAGAN_FIG3[scale(scale_name).name]
    overrides = {"data.count": f["count"], "optim.steps": f["steps"],
                 "eval.diag_every": f["diag_every"], "eval.log_every": f["diag_every"],
                 "eval.diag_count": f["count"] or scale(scale_name).diag_count,
                 "eval.fd_every": f["fd_every"], "eval.fd_count": f["fd_count"],
                 **page_overrides(dataset, data_dir, steps)}
    return {label: preset(name, scale_name, **overrides) for label, name in CONTRAGAN_FIG3_RUNS.items()}


# ---------------------------------------------------------------------------------------------------------------------
# The StyleGAN2 recipe shared by the three StyleGAN2-based papers: non-saturating loss, Adam 2.5e-3 (0, 0.99),
# equalised learning rate instead of spectral norm in D, lazy R1 every 16 steps with StyleGAN2-ADA's heuristic
# gamma (loss.r1_gamma="auto": 0.0002 * resolution^2 / batch, resolved after every override).

def _stylegan2_budget(scale_name: str, budgets: dict) -> dict:
    """Overrides for a page budget {scale: (batch, steps)} on the StyleGAN2 recipe (R1's gamma follows the batch by
    itself); {} at a scale the budget does not name (the preset's own)."""
    if scale(scale_name).name not in budgets:
        return {}
    batch, steps = budgets[scale(scale_name).name]
    return {"optim.batch_size": batch, "optim.steps": steps}


def _stylegan2_recipe(c: RunConfig) -> RunConfig:
    return c.replace(**{"model.d_spectral_norm": False, "loss.adv": "nonsat", "optim.lr_g": 0.0025,
                        "optim.lr_d": 0.0025, "optim.betas": (0.0, 0.99), "loss.r1_gamma": AUTO,
                        "loss.r1_every": 16})


# ---------------------------------------------------------------------------------------------------------------------
# Dual Contrastive Loss and Attention (Yu et al. 2021), supplement Table 7 rows on a limited-size subset: StyleGAN2,
# + SAN self-attention in G (best at 32x32 of 128 px, i.e. a quarter of the resolution), + the dual contrastive loss,
# + reference attention in D (Eq. 8) at its lowest resolution (8x8 of 128 px; the lowest feasible, 4x4, below 64 px).
# paper scale: 128 px, 30k-image subsets (CelebA, AnimalFace, LSUN Bedroom/Church).

def _dual(scale_name: str, san: bool, contrastive: bool, reference: bool) -> RunConfig:
    paper = scale_name == "paper"
    res = 128 if paper else scale(scale_name).resolution
    c = base_config(scale_name, arch="stylegan2", dataset="folder" if paper else "shapes",
                    g_attention="san" if san else None, g_attention_res=res // 4 if san else None,
                    ref_attention_res=max(4, res // 16) if reference else None)
    count = 30_000 if paper else (2000 if scale_name == "small" else 256)
    c = c.replace(**{"data.count": count, "data.resolution": res, "model.resolution": res})
    c = _stylegan2_recipe(c)
    if contrastive:
        c = c.replace(**{"loss.adv": "dual_contrastive"})
    if not paper:
        c = c.replace(**{"loss.augment": "translation,cutout"})
    return c


register("dual/stylegan2")(lambda s: _dual(s, False, False, False))
register("dual/san")(lambda s: _dual(s, True, False, False))
register("dual/san_contrastive")(lambda s: _dual(s, True, True, False))
register("dual/san_refattn")(lambda s: _dual(s, True, False, True))
register("dual/san_refattn_contrastive")(lambda s: _dual(s, True, True, True))

#: The reference-attention pages' budget, (batch, steps) per scale: at `small` 600 steps at batch 16 (9.6k images,
#: about 2.5 min a run on 2 CPU cores), so that Tables 6, 3 and 4 (30 runs) fit in 90 minutes.
DUAL_BUDGET = {"small": (16, 600)}
#: Table 4 at `small` trains two seeds per data size (the 2000-image runs are Table 6's).
DUAL_T4_SEEDS = {"small": (0, 1)}
#: Table 4's subset sizes: the paper's 1k-100k at 128 px; at the smaller scales a range around the default
#: subset (smoke 256, small 2000) of the embedded data.
DUAL_T4_SIZES = {"smoke": (32, 64, 128, 256), "small": (250, 1000, 2000, 10_000),
                 "paper": (1000, 5000, 10_000, 30_000, 50_000, 100_000)}
#: Labels of the two Table 4 methods, as in the paper's table.
DUAL_T4_METHODS = {"StyleGAN2": "dual/san", "StyleGAN2 + ref attn": "dual/san_refattn"}


def _dual_page(name: str, scale_name: str, dataset: Optional[str], data_dir: Optional[str], steps: Optional[int],
               **overrides) -> RunConfig:
    """A Dual-attention preset with the pages' shared budget, so runs that pages share hit one cache entry."""
    overrides.update(_stylegan2_budget(scale_name, DUAL_BUDGET))
    overrides.update(page_overrides(dataset, data_dir, steps))
    return preset(name, scale_name, **overrides)


def ref_attention_resolutions(scale_name: str) -> tuple:
    """D resolutions where reference attention replaces a block, lowest first: the paper's 8, 16, 32 at 128 px
    (it stopped at 32 because training diverged); below, every D feature map from 4x4 up to half the image side."""
    if scale(scale_name).name == "paper":
        return (8, 16, 32)
    res = preset("dual/san_refattn", scale_name).model.resolution
    return tuple(2 ** k for k in range(2, (res // 2).bit_length()))


def dual_table6(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None) -> dict:
    """Dual supplement Table 6: reference attention (Eq. 8) at each D resolution, plus the baseline without it
    (SAN self-attention G, adversarial loss). Returns "no ref. attention" and "<R>x<R>" -> RunConfig."""
    configs = {"no ref. attention": _dual_page("dual/san", scale_name, dataset, data_dir, steps)}
    for r in ref_attention_resolutions(scale_name):
        configs[f"{r}x{r}"] = _dual_page("dual/san_refattn", scale_name, dataset, data_dir, steps,
                                         **{"model.ref_attention_res": r})
    return configs


def dual_table3(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None) -> dict:
    """Dual supplement Table 3: which stream feeds key, query and value (Eq. 1, Eq. 2, main-paper Eq. 8), at the
    lowest reference-attention resolution. Returns "Eq. 1", "Eq. 2", "Eq. 8" -> RunConfig."""
    lowest = ref_attention_resolutions(scale_name)[0]
    return {f"Eq. {eq[2:]}": _dual_page("dual/san_refattn", scale_name, dataset, data_dir, steps,
                                        **{"model.ref_attention_res": lowest, "model.ref_attention_eq": eq})
            for eq in ("eq1", "eq2", "eq8")}


def dual_table4(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None, sizes: Optional[tuple] = None) -> dict:
    """Dual supplement Table 4 (main-paper Fig. 6): the baseline against baseline + reference attention (Eq. 8 at
    the lowest resolution) on subsets of ``sizes`` training images (default :data:`DUAL_T4_SIZES`).
    Returns "<method> @ <size>" (e.g. "StyleGAN2 + ref attn @ 1000") -> RunConfig, methods as in
    :data:`DUAL_T4_METHODS`; the size is also the config's ``data.count``."""
    sizes = DUAL_T4_SIZES[scale(scale_name).name] if sizes is None else tuple(sizes)
    lowest = ref_attention_resolutions(scale_name)[0]
    configs = {}
    for n in sizes:
        for method, name in DUAL_T4_METHODS.items():
            extra = {"model.ref_attention_res": lowest} if "ref" in method else {}
            configs[f"{method} @ {int(n)}"] = _dual_page(name, scale_name, dataset, data_dir, steps,
                                                   **{"data.count": int(n), **extra})
    return configs


# ---------------------------------------------------------------------------------------------------------------------
# MsConD (Lee, Kim & Lee): StyleGAN2-style single-output D against the multi-scale D, with and without the per-scale
# contrastive term, on the multi-object scenes. Branches at heights 16 and 8 (supplement Table 1: the two backbone
# levels above the final 4x4 one, whose map feeds the final output) at every scale whose image is larger: 256 px
# scenes (Cityscapes-like) at `paper`, 32 px at `small`; `smoke` (16 px) keeps the 8 only.
MSCOND_BRANCHES = (16, 8)


def _msconD(scale_name: str, multiscale: bool, contrastive: bool) -> RunConfig:
    paper = scale_name == "paper"
    res = 256 if paper else scale(scale_name).resolution
    branches = tuple(h for h in MSCOND_BRANCHES if h < res)
    c = base_config(scale_name, arch="stylegan2", dataset="folder" if paper else "scenes",
                    multiscale_res=branches if multiscale else (), ms_proj_dim=256 if paper else 64)
    if paper:
        c = c.replace(**{"model.d_channels": 128, "model.channel_cap": 512})
    c = c.replace(**{"data.resolution": res, "model.resolution": res,
                     "loss.ms_contrastive_weight": 1.0 if contrastive else 0.0})
    return _stylegan2_recipe(c)


#: MsConD page budget {scale: (batch, steps)}: at `small` 2000 steps of batch 16 (32k images), two seeds, logits logged
#: every 50 steps; the ten runs of the two pages took 71 minutes on two CPU cores. Batch 16 rather than 64: on
#: two cores a wall-clock budget buys 4x the updates, and at the same ~25k images it lowered a probe's FD from ~600 to
#: ~490 (the 64-batch runs of an earlier version of these pages drew blobs, not objects).
MSCOND_BUDGET = {"small": (16, 2000)}
MSCOND_SEEDS = {"small": (0, 1)}
#: Supplement Fig. 2: (a) single-output StyleGAN2 D, (b-d) MultiscaleD, (e-g) MsConD.
MSCOND_FIG2 = {"StyleGAN2": "msconD/stylegan2", "MultiscaleD": "msconD/multiscale", "MsConD": "msconD/msconD"}


def _msconD_page(name: str, scale_name: str, dataset: Optional[str], data_dir: Optional[str],
                 steps: Optional[int], **overrides) -> RunConfig:
    """A MsConD preset with the pages' shared budget, so runs that two pages share hit the same cache entry."""
    overrides.update(_stylegan2_budget(scale_name, MSCOND_BUDGET))
    if scale(scale_name).name in MSCOND_BUDGET:
        overrides["eval.log_every"] = 50
    overrides.update(page_overrides(dataset, data_dir, steps))
    return preset(name, scale_name, **overrides)


def msconD_fig2(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None) -> dict:
    """MsConD supplement Fig. 2: the three discriminators with one generator and budget (label -> RunConfig)."""
    return {label: _msconD_page(name, scale_name, dataset, data_dir, steps) for label, name in MSCOND_FIG2.items()}


def msconD_scales(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                  steps: Optional[int] = None) -> dict:
    """MsConD supplement Fig. 1: D outputs from the coarsest scale only ("1", the single-output D), then adding
    finer backbone scales ("1-8", then "1-16", as in the paper), without (MultiscaleD) and with (MsConD) the
    per-scale contrastive term. Returns "<method> <scales>" (e.g. "MsConD 1-16") -> RunConfig."""
    branches = sorted(preset("msconD/multiscale", scale_name).model.multiscale_res)
    configs = {"StyleGAN2 1": _msconD_page("msconD/stylegan2", scale_name, dataset, data_dir, steps)}
    for k in range(1, len(branches) + 1):
        used = tuple(sorted(branches[:k], reverse=True))
        for method, name in (("MultiscaleD", "msconD/multiscale"), ("MsConD", "msconD/msconD")):
            configs[f"{method} 1-{used[0]}"] = _msconD_page(name, scale_name, dataset, data_dir, steps,
                                                             **{"model.multiscale_res": used})
    return configs


register("msconD/stylegan2")(lambda s: _msconD(s, False, False))
register("msconD/multiscale")(lambda s: _msconD(s, True, False))
register("msconD/msconD")(lambda s: _msconD(s, True, True))


# ---------------------------------------------------------------------------------------------------------------------
# FakeCLR (Li et al. 2022): StyleGAN2-style G on a 100-image subset with DiffAugment on an ADA-linear schedule as the
# baseline; contrastive variants add the projection head (512-512-128), momentum D (0.999), queue and t = 0.2, with
# weights D 1.0 / G 0.1 (authors' code). Queue: 5% of the data set, doubled by mirroring (authors' code), at least 2.
# The key path (perturbed fakes, momentum D) runs in bf16: it carries no gradient (benchmarks/fakeclr.py).
# paper scale: FFHQ-100 at 256 px, mirrored.

def _fakeclr(scale_name: str, instance: str = "none", **loss) -> RunConfig:
    paper = scale_name == "paper"
    res = 256 if paper else scale(scale_name).resolution
    count = 100
    c = base_config(scale_name, arch="stylegan2", dataset="folder" if paper else "shapes",
                    instance_head_dim=128 if instance != "none" else 0)
    c = _stylegan2_recipe(c.replace(**{"data.count": count, "data.resolution": res, "model.resolution": res,
                                       "data.mirror": paper}))
    # ADA-linear: full augmentation strength at half of the run; the queue sized from the subset (data.count)
    c = c.replace(**{"loss.augment": "color,translation,cutout", "loss.augment_ramp": 0.5,
                     "loss.instance": instance, "loss.instance_queue": AUTO,
                     "loss.queue_min": 2, "loss.instance_key_precision": "bfloat16",
                     **{f"loss.{k}": v for k, v in loss.items()}})
    return c


#: FakeCLR supplement Fig. 7 (pure computation): the forgetting factor m over queues of N negatives filled 50 at a
#: time, for temperatures tau_m around the paper's 0.01 (its setting) and 0.001 (its best, Fig. 5c).
FAKECLR_FIG7 = {"batch": 50, "queue_sizes": (100, 500, 2000), "tau_m": (1.0, 0.1, 0.01, 0.001)}

#: The FakeCLR training pages' budget: (batch, steps) per scale; `small` is 600 steps at batch 16 (9.6k images,
#: ~96 epochs of a 100-image subset, about 2 min a run on 2 CPU cores) so that the 29 runs of the three pages fit in
#: 90 minutes. The paper trains FFHQ-100 with batch 64 for far longer.
FAKECLR_BUDGET = {"smoke": (16, 20), "small": (16, 600)}
#: Seeds: three at the subset size of the interpolation, PPL and component pages; two at Table 1's second size.
FAKECLR_SEEDS = {"small": (0, 1, 2)}
FAKECLR_T1_SEEDS = {"small": (0, 1)}
#: Subset sizes: the paper's FFHQ-100/1K/2K/5K; below, the 100-image regime of the pages and a 10x larger subset.
FAKECLR_SIZES = {"smoke": (100, 1000), "small": (100, 1000), "paper": (100, 1000, 2000, 5000)}
#: The paper's column for each subset size (Tables 1 and 5 report FFHQ subsets).
FAKECLR_PAPER_COLUMNS = {100: "FFHQ-100", 1000: "FFHQ-1K", 2000: "FFHQ-2K", 5000: "FFHQ-5K"}
#: Table 1's rows (the paper's labels) -> presets.
FAKECLR_T1 = {"StyleGAN2-ADA-Linear": "fakeclr/baseline", "Instance-real": "fakeclr/instance_real",
              "Instance-fake": "fakeclr/instance_fake", "Instance-perturbation": "fakeclr/instance_perturbation"}
#: Table 2 and Fig. 1/6's methods -> presets.
FAKECLR_METHODS = {"StyleGAN2-ADA-Linear": "fakeclr/baseline", "Instance-fake": "fakeclr/instance_fake",
                   "Instance-perturbation": "fakeclr/instance_perturbation", "FakeCLR": "fakeclr/fakeclr"}
#: Table 5's rows: the components added one by one to the ADA-linear baseline (label -> preset and overrides; the
#: last row is the full FakeCLR preset).
FAKECLR_T5 = {
    "StyleGAN2-ADA-Linear": ("fakeclr/baseline", {}),
    "+ Instance-perturbation": ("fakeclr/instance_perturbation", {}),
    "+ noise-related latent augmentation": ("fakeclr/instance_perturbation", {"loss.noise_related": True}),
    "+ forgetting factor": ("fakeclr/instance_perturbation",
                            {"loss.noise_related": True, "loss.forgetting_factor": True}),
    "+ diversity-aware queue": ("fakeclr/instance_perturbation", {"loss.noise_related": True,
                                "loss.forgetting_factor": True, "loss.diversity_queue": True}),
}


#: Fig. 1 / Fig. 6 settings: frames per path, the jump threshold of Fig. 6 (mean |difference| in [0, 1] units), random
#: paths per run, training images inverted per run (consecutive pairs are joined by a path), inversion steps.
FAKECLR_INTERPOLATION = {"frames": 10, "threshold": 0.15, "random_paths": 32, "inverted": 8,
                         "invert_steps": {"smoke": 20, "small": 300, "paper": 1000}}
#: PPL samples (endpoint pairs) per run and space: the StyleGAN2 reference draws 50k.
FAKECLR_PPL_SAMPLES = {"smoke": 64, "small": 2000, "paper": 50_000}


def _fakeclr_page(name: str, scale_name: str, dataset: Optional[str], data_dir: Optional[str],
                  steps: Optional[int], count: Optional[int] = None, **overrides) -> RunConfig:
    """A FakeCLR preset with the pages' shared budget (so runs that pages share hit one cache entry), on a subset of
    ``count`` images (default the preset's 100); the queue and the ADA-linear ramp follow the count and the steps."""
    overrides.update(_stylegan2_budget(scale_name, FAKECLR_BUDGET))
    overrides.update(page_overrides(dataset, data_dir, steps))
    if count is not None:
        overrides["data.count"] = int(count)
    return preset(name, scale_name, **overrides)


def fakeclr_methods(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                    steps: Optional[int] = None) -> dict:
    """FakeCLR Table 2 and Fig. 1/6: the baseline, Instance-fake, Instance-perturbation and FakeCLR on the
    100-image subset (label -> RunConfig, labels as in :data:`FAKECLR_METHODS`)."""
    return {label: _fakeclr_page(name, scale_name, dataset, data_dir, steps)
            for label, name in FAKECLR_METHODS.items()}


def fakeclr_table1(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                   steps: Optional[int] = None, sizes: Optional[tuple] = None) -> dict:
    """FakeCLR Table 1: the ADA-linear baseline against Instance-real, -fake and -perturbation on subsets of
    ``sizes`` images (default :data:`FAKECLR_SIZES`). Returns "<method> @ <size>" -> RunConfig."""
    sizes = FAKECLR_SIZES[scale(scale_name).name] if sizes is None else tuple(sizes)
    return {f"{label} @ {int(n)}": _fakeclr_page(name, scale_name, dataset, data_dir, steps, count=n)
            for n in sizes for label, name in FAKECLR_T1.items()}


def fakeclr_table5(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                   steps: Optional[int] = None, count: Optional[int] = None) -> dict:
    """FakeCLR Table 5: FakeCLR's components added one by one to the baseline on one subset (``count`` images,
    default the first of :data:`FAKECLR_SIZES`). Returns the labels of :data:`FAKECLR_T5` -> RunConfig."""
    count = FAKECLR_SIZES[scale(scale_name).name][0] if count is None else int(count)
    return {label: _fakeclr_page(name, scale_name, dataset, data_dir, steps, count=count, **extra)
            for label, (name, extra) in FAKECLR_T5.items()}


register("fakeclr/baseline")(lambda s: _fakeclr(s))
register("fakeclr/instance_real")(lambda s: _fakeclr(s, "real"))
register("fakeclr/instance_fake")(lambda s: _fakeclr(s, "fake"))
register("fakeclr/instance_perturbation")(lambda s: _fakeclr(s, "perturbation", noise_related=False))
register("fakeclr/fakeclr")(lambda s: _fakeclr(s, "perturbation", noise_related=True, diversity_queue=True,
                                               forgetting_factor=True))
