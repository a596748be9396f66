"""Dual Contrastive Loss and Attention (Yu et al. 2021): presets and the specs of its pages (supplement Tables 1-7,
Figs. 1-9).

The presets are supplement Table 7's rows on a limited-size subset: StyleGAN2, + SAN self-attention in G (best at
32x32 of 128 px, i.e. a quarter of the resolution), + the dual contrastive loss, + reference attention in D (Eq. 8)
at its lowest resolution (8x8 of 128 px; the lowest feasible, 4x4, below 64 px).
paper scale: 128 px, 30k-image subsets (CelebA, AnimalFace, LSUN Bedroom/Church).
"""

from __future__ import annotations

from typing import Optional

from gancl.experiments.claims import claim
from gancl.experiments.registry import preset, register_table
from gancl.experiments.scales import base_config, page_overrides, scale
from gancl.experiments.scales import scale as scale_of
from gancl.experiments.scales import seeds as resolve_seeds
from gancl.experiments.spec import PageSpec, data_gate, page
from gancl.experiments.spec import metrics_evaluation as _metrics
from gancl.experiments.stylegan2 import stylegan2_budget, stylegan2_recipe
from gancl.train.config import RunConfig

#: The presets: name -> SAN self-attention in G, dual contrastive loss, reference attention in D.
DUAL_PRESETS = {
    "dual/stylegan2": dict(san=False, contrastive=False, reference=False),
    "dual/san": dict(san=True, contrastive=False, reference=False),
    "dual/san_contrastive": dict(san=True, contrastive=True, reference=False),
    "dual/san_refattn": dict(san=True, contrastive=False, reference=True),
    "dual/san_refattn_contrastive": dict(san=True, contrastive=True, reference=True),
}


def _dual(scale_name: str, san: bool, contrastive: bool, reference: bool,
          resolution: Optional[int] = None) -> RunConfig:
    paper = scale_name == "paper"
    res = resolution or (128 if paper else scale(scale_name).resolution)
    c = base_config(scale_name, arch="stylegan2", dataset="folder" if paper else "shapes",
                    g_attention="san" if san else None, g_attention_res=res // 4 if san else None,
                    ref_attention_res=max(4, res // 16) if reference else None)
    count = 30_000 if paper else (2000 if scale_name == "small" else 256)
    c = c.replace(**{"data.count": count, "data.resolution": res, "model.resolution": res})
    c = stylegan2_recipe(c)
    if contrastive:
        c = c.replace(**{"loss.adv": "dual_contrastive"})
    if not paper:
        c = c.replace(**{"loss.augment": "translation,cutout"})
    return c


register_table(DUAL_PRESETS, _dual)

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
    overrides.update(stylegan2_budget(scale_name, DUAL_BUDGET))
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


def san_resolutions(scale_name: str) -> tuple:
    """G feature heights where SAN self-attention can replace a convolution, lowest first: the supplement's rows
    8-128 at `paper` scale (its large data sets trained at their own resolutions, where the preset's 128 px G has
    them all), every G feature map of the compact StyleGAN2 below."""
    heights = preset("dual/san", scale_name).model.g_feature_resolutions()
    return tuple(h for h in heights if scale(scale_name).name != "paper" or h >= 8)


def dual_table2(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None) -> dict:
    """Dual supplement Table 2: SAN self-attention in G at each of :func:`san_resolutions` (the other settings of
    ``dual/san``, whose default is a quarter of the image side). Returns "SAN at <R>x<R>" -> RunConfig."""
    return {f"SAN at {r}x{r}": _dual_page("dual/san", scale_name, dataset, data_dir, steps,
                                          **{"model.g_attention_res": r})
            for r in san_resolutions(scale_name)}


def next_to(best: int, resolutions: tuple) -> list:
    """The orderings "FD worsens one resolution up or down from ``best``" as (better, worse) label pairs of
    :func:`dual_table2`: ``best`` against each of its neighbours that exists."""
    ordered = sorted(resolutions)
    i = ordered.index(best)
    label = "SAN at {0}x{0}".format
    return [(label(best), label(ordered[k])) for k in (i - 1, i + 1) if 0 <= k < len(ordered)]


@page("dual_attention/san_resolution")
def _san_resolution(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = dual_table2(scale, dataset, data_dir, steps)
    quarter = preset("dual/san", scale).model.g_attention_res  # the presets' choice, the supplement's 32 of 128
    resolutions = san_resolutions(scale)
    claims = (claim("D2", next_to(quarter, resolutions)),)
    return PageSpec("dual_attention/san_resolution", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale),),
                    claims, on_diverge="record", gate=_gate(f"SAN at {quarter}x{quarter}", configs))


@page("dual_attention/resolution")
def _resolution(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = dual_table6(scale, dataset, data_dir, steps)
    ours = [label for label in configs if label != "no ref. attention"]
    lowest_best = claim("D4", [(ours[0], other) for other in ours[1:]] + [(ours[0], "no ref. attention")])
    return PageSpec("dual_attention/resolution", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale),),
                    (lowest_best,), on_diverge="record", gate=_gate("no ref. attention", configs))


@page("dual_attention/configurations")
def _configurations(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = dual_table3(scale, dataset, data_dir, steps)
    return PageSpec("dual_attention/configurations", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale),),
                    (claim("D3", [("Eq. 8", "Eq. 1"), ("Eq. 8", "Eq. 2")]),), on_diverge="record", gate=_gate("Eq. 8", configs))


@page("dual_attention/data_size")
def _data_size(scale, seeds=None, dataset=None, data_dir=None, steps=None, sizes=None) -> PageSpec:
    configs = dual_table4(scale, dataset, data_dir, steps, sizes)
    baseline, ours = DUAL_T4_METHODS
    helps = claim("D5", [(label, label.replace(ours, baseline)) for label in configs if label.startswith(ours + " @")])
    largest = f"{baseline} @ {max(c.data.count for c in configs.values())}"  # the gate: the most data
    return PageSpec("dual_attention/data_size", scale, configs, resolve_seeds(scale, seeds, DUAL_T4_SEEDS),
                    (_metrics(scale),), (helps,), on_diverge="record", gate=_gate(largest, configs))


#: Dual supplement Table 1: label -> (backbone, loss, preset). Each backbone's binary loss is the one its paper trains
#: with (SNGAN: hinge; StyleGAN2: non-saturating); "dual contrastive" replaces it and nothing else. The SNGAN rows
#: are the book's unconditional SN-DCGAN (ContraGAN's "Uncond. GAN", whose runs they share), the StyleGAN2 rows
#: this paper's StyleGAN2 preset without attention, on the reference-attention pages' subset and budget.
DUAL_TABLE1 = {
    "SNGAN, binary": ("SNGAN", "Adv", "contragan/uncond"),
    "SNGAN, dual contrastive": ("SNGAN", "Contr", "contragan/uncond"),
    "StyleGAN2, binary": ("StyleGAN", "Adv", "dual/stylegan2"),
    "StyleGAN2, dual contrastive": ("StyleGAN", "Contr", "dual/stylegan2"),
}


def dual_table1(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None) -> dict:
    """Dual supplement Table 1: the binary loss against the dual contrastive loss on two backbones.
    Returns the labels of :data:`DUAL_TABLE1` -> RunConfig."""
    configs = {}
    for label, (backbone, loss, name) in DUAL_TABLE1.items():
        contrastive = {"loss.adv": "dual_contrastive"} if loss == "Contr" else {}
        if backbone == "SNGAN":
            configs[label] = preset(name, scale_name, **page_overrides(dataset, data_dir, steps, 0), **contrastive)
        else:
            configs[label] = _dual_page(name, scale_name, dataset, data_dir, steps, **contrastive)
    return configs


@page("dual_attention/contrastive_loss")
def _contrastive_loss(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = dual_table1(scale, dataset, data_dir, steps)
    # one claim per backbone, each behind its own baseline's gate: a backbone that has not learned the data at this
    # budget leaves the other's claim judged
    claims = tuple(claim(claim_id, [(f"{backbone}, dual contrastive", f"{backbone}, binary")],
                         gate=_gate(f"{backbone}, binary", configs))
                   for claim_id, backbone in (("D1a", "SNGAN"), ("D1b", "StyleGAN2")))
    return PageSpec("dual_attention/contrastive_loss", scale, configs, resolve_seeds(scale, seeds),
                    (_metrics(scale),), claims, on_diverge="record")


#: Dual supplement Table 7's rows (the paper's labels) -> presets: the baseline, + SAN self-attention in G, + the dual
#: contrastive loss, + reference attention in D, and both, on the reference-attention pages' limited subset.
DUAL_TABLE7 = {
    "StyleGAN2": "dual/stylegan2",
    "StyleGAN2 w/ self-attn-G": "dual/san",
    "StyleGAN2 w/ self-attn-G + Contr": "dual/san_contrastive",
    "StyleGAN2 w/ self-attn-G ref-attn-D": "dual/san_refattn",
    "StyleGAN2 w/ self-attn-G ref-attn-D + Contr": "dual/san_refattn_contrastive",
}


def dual_table7(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None) -> dict:
    """Dual supplement Table 7: the five configurations of :data:`DUAL_TABLE7` on the limited subset, reference
    attention (Eq. 8) at the lowest D resolution. Returns its labels -> RunConfig."""
    lowest = ref_attention_resolutions(scale_name)[0]
    return {label: _dual_page(name, scale_name, dataset, data_dir, steps,
                              **({"model.ref_attention_res": lowest} if "ref" in name else {}))
            for label, name in DUAL_TABLE7.items()}


@page("dual_attention/limited_data")
def _limited_data(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = dual_table7(scale, dataset, data_dir, steps)
    base, san, contr, ref, _ = DUAL_TABLE7
    # the supplement's findings (1) and (2): rows 1 < 2 < 3 (self-attention, then the loss) and row 4 < row 1
    improves = claim("D6", [(san, base), (contr, san), (ref, base)])
    return PageSpec("dual_attention/limited_data", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale),),
                    (improves,), on_diverge="record", gate=_gate(base, configs))


#: Dual supplement Table 5's StyleGAN2 rows (the paper's method and loss labels) -> the label of the page whose run
#: they are: Table 1's StyleGAN2 rows and Table 7's self-attention rows, so this page trains nothing of its own.
DUAL_TABLE5 = {("StyleGAN2", "Adv"): ("table1", "StyleGAN2, binary"),
               ("StyleGAN2 w/ attn", "Adv"): ("table7", "StyleGAN2 w/ self-attn-G"),
               ("StyleGAN2", "Contr"): ("table1", "StyleGAN2, dual contrastive"),
               ("StyleGAN2 w/ attn", "Contr"): ("table7", "StyleGAN2 w/ self-attn-G + Contr")}
#: Pairs of latents for PPL (w) per scale, as FakeCLR's PPL page measures it.
DUAL_PPL_SAMPLES = {"smoke": 16, "small": 2000, "paper": 50_000}


def dual_table5(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                steps: Optional[int] = None) -> dict:
    """Dual supplement Table 5's StyleGAN2 rows: "<method>, <loss>" (e.g. "StyleGAN2 w/ attn, Contr") -> the
    RunConfig of Table 1's or Table 7's run (:data:`DUAL_TABLE5`)."""
    tables = {"table1": dual_table1(scale_name, dataset, data_dir, steps),
              "table7": dual_table7(scale_name, dataset, data_dir, steps)}
    return {f"{method}, {loss}": tables[table][row] for (method, loss), (table, row) in DUAL_TABLE5.items()}


@page("dual_attention/metrics")
def _metrics_page(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    """Table 5 (no claim): the four StyleGAN2 rows measured by every metric of the library, PPL (w) included."""
    from gancl.experiments.spec import Evaluation

    configs = dual_table5(scale, dataset, data_dir, steps)
    ppl = Evaluation("ppl", DUAL_PPL_SAMPLES[scale_of(scale).name], space="w")
    return PageSpec("dual_attention/metrics", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale), ppl),
                    on_diverge="record", gate=_gate("StyleGAN2, Adv", configs))


#: Dual supplement Figs. 1-9 per scale: real images each generator reconstructs by inversion in W (Figs. 1-5: "the
#: same real query images"), the inversion's Adam steps, samples whose SAN attention maps are drawn (Figs. 6-9) and
#: the query points, as fractions of the attention grid's side (row, column).
DUAL_FIGURES = {"smoke": {"images": 4, "invert_steps": 10, "samples": 2},
                "small": {"images": 8, "invert_steps": 300, "samples": 4},
                "paper": {"images": 8, "invert_steps": 1000, "samples": 4}}
DUAL_QUERY_POINTS = ((0.25, 0.25), (0.5, 0.5), (0.75, 0.4))


@page("dual_attention/figures")
def _figures(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    """Figs. 1-9 (no claim): Table 7's runs (shared), the baseline and the best by FD reconstructing the same real
    images, and SAN's attention maps in G."""
    configs = dual_table7(scale, dataset, data_dir, steps)
    return PageSpec("dual_attention/figures", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale),),
                    on_diverge="record", gate=_gate("StyleGAN2", configs),
                    settings={**DUAL_FIGURES[scale_of(scale).name], "query_points": DUAL_QUERY_POINTS})


def _gate(baseline: str, configs: dict):
    """The data set's gate on ``baseline``: the reference configuration of a page must have learned the data."""
    return data_gate(baseline, configs[baseline].data.name)
