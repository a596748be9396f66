"""MsConD (Lee, Kim & Lee): presets and the specs of its two pages (supplement Fig. 2, and Fig. 1 with Table 1).

A StyleGAN2-style single-output D against the multi-scale D, with and without the per-scale contrastive term, on
the multi-object scenes. Branches at heights 16 and 8 (supplement Table 1: the two backbone levels above the final
4x4 one, whose map feeds the final output) at every scale whose image is larger: 256 px scenes (Cityscapes-like) at
`paper`, 32 px at `small`; `smoke` (16 px) keeps the 8 only.
"""

from __future__ import annotations

from itertools import combinations
from typing import Optional

from gancl.experiments.claims import claim
from gancl.experiments.registry import preset, register_table
from gancl.experiments.scales import base_config, page_overrides, scale
from gancl.experiments.scales import seeds as resolve_seeds
from gancl.experiments.spec import Evaluation, PageSpec, data_gate, metrics_evaluation, page
from gancl.experiments.stylegan2 import stylegan2_budget, stylegan2_recipe
from gancl.train.config import RunConfig

MSCOND_BRANCHES = (16, 8)

#: The presets: name -> multi-scale D, per-scale contrastive term.
MSCOND_PRESETS = {
    "msconD/stylegan2": dict(multiscale=False, contrastive=False),
    "msconD/multiscale": dict(multiscale=True, contrastive=False),
    "msconD/msconD": dict(multiscale=True, contrastive=True),
}


def _msconD(scale_name: str, multiscale: bool, contrastive: bool, resolution: Optional[int] = None) -> RunConfig:
    paper = scale_name == "paper"
    res = resolution or (256 if paper else scale(scale_name).resolution)
    branches = tuple(h for h in MSCOND_BRANCHES if h < res)
    c = base_config(scale_name, arch="stylegan2", dataset="folder" if paper else "scenes",
                    multiscale_res=branches if multiscale else (), ms_proj_dim=256 if paper else 64)
    if paper:
        c = c.replace(**{"model.d_channels": 128, "model.channel_cap": 512})
    c = c.replace(**{"data.resolution": res, "model.resolution": res,
                     "loss.ms_contrastive_weight": 1.0 if contrastive else 0.0})
    return stylegan2_recipe(c)


register_table(MSCOND_PRESETS, _msconD)

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
    overrides.update(stylegan2_budget(scale_name, MSCOND_BUDGET))
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


@page("msconD/logit_dynamics")
def _logit_dynamics(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = msconD_fig2(scale, dataset, data_dir, steps)
    claims = (claim("M1a", [("MultiscaleD", "StyleGAN2"), ("MsConD", "StyleGAN2")], value="separation_end"),
              claim("M1b", [("MsConD", "MultiscaleD")], value="finest_fake_std"))
    metrics = metrics_evaluation(scale)
    # the object evaluation feeds the scenes gate (recognised objects per image); it is shared with the scales
    # page's runs through the run cache
    return PageSpec("msconD/logit_dynamics", scale, configs, resolve_seeds(scale, seeds, MSCOND_SEEDS),
                    (metrics, Evaluation("objects", metrics.n), Evaluation.dynamics("logits")), claims,
                    gate=data_gate("StyleGAN2", configs["StyleGAN2"].data.name))


@page("msconD/scales")
def _scales(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = msconD_scales(scale, dataset, data_dir, steps)
    ladder = [label for label in reversed(configs) if label.startswith("MultiscaleD")] + ["StyleGAN2 1"]
    contrastive = [(label, label.replace("MsConD", "MultiscaleD")) for label in configs if label.startswith("MsConD")]
    claims = (claim("M2a", combinations(ladder, 2), value="object_fd"),
              claim("M2b", contrastive, value="object_fd"))
    metrics = metrics_evaluation(scale)
    return PageSpec("msconD/scales", scale, configs, resolve_seeds(scale, seeds, MSCOND_SEEDS),
                    (metrics, Evaluation("objects", metrics.n)), claims,
                    gate=data_gate("StyleGAN2 1", configs["StyleGAN2 1"].data.name))


#: Supplement Fig. 3-6's sampling: the truncation trick in W with psi 0.7 (the paper follows StyleGAN and BigGAN
#: without printing its psi), scenes searched for recognised objects of each class, samples shown per class and
#: uncurated samples per discriminator.
MSCOND_SAMPLES = {"truncation_psi": 0.7, "searched": 512, "per_class": 6, "uncurated": 10}


@page("msconD/samples")
def _samples(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    """Figures only (no claim): Fig. 3's samples per object class and Fig. 4-6's uncurated samples, from the logit
    dynamics page's runs; the gate says whether the generators drawing them have learned the scenes."""
    configs = msconD_fig2(scale, dataset, data_dir, steps)
    metrics = metrics_evaluation(scale)
    return PageSpec("msconD/samples", scale, configs, resolve_seeds(scale, seeds, MSCOND_SEEDS),
                    (metrics, Evaluation("objects", metrics.n)), (), settings=dict(MSCOND_SAMPLES),
                    gate=data_gate("StyleGAN2", configs["StyleGAN2"].data.name))
