"""FakeCLR (Li et al. 2022): presets and the specs of its pages (Figs. 1/6, 2, 5, 9/10; Tables 1, 2, 5; supplement
Tables 6, 7, 8, 10).

A StyleGAN2-style G on a few-shot subset (:data:`FAKECLR_FEW_SHOT`: 20 images at `small`, 100 elsewhere) with
DiffAugment on an ADA-linear schedule (full strength at half of the run) and StyleGAN2's path-length regulariser
(weight 2, as in all of FakeCLR's experiments) as the baseline; the contrastive variants add the projection head
(512-512-128), momentum D (0.999), queue (``loss.instance_queue="auto"``: 5% of the subset doubled by mirroring, the
authors' code, and at least their 100-shot queue of 10) and t = 0.2, with weights D 1.0 / G 0.1 (authors' code). The
key path (perturbed fakes, momentum D) runs in bf16: it carries no gradient (benchmarks/fakeclr.py).
paper scale: FFHQ-100 at 256 px, mirrored.
"""

from __future__ import annotations

from typing import Optional

from gancl.experiments.claims import claim
from gancl.experiments.registry import preset, register_table
from gancl.experiments.scales import base_config, page_overrides, scale
from gancl.experiments.scales import scale as scale_of
from gancl.experiments.scales import seeds as resolve_seeds
from gancl.experiments.spec import MEMORISATION_GATE, Evaluation, Gate, PageSpec, data_gate, page
from gancl.experiments.spec import memorisation_evaluation as _memorisation
from gancl.experiments.spec import metrics_evaluation as _metrics
from gancl.experiments.stylegan2 import stylegan2_recipe
from gancl.train.config import AUTO, RunConfig, fakeclr_queue_size

#: The presets: name -> instance discrimination mode and FakeCLR's techniques.
FAKECLR_PRESETS = {
    "fakeclr/baseline": dict(instance="none"),
    "fakeclr/instance_real": dict(instance="real"),
    "fakeclr/instance_fake": dict(instance="fake"),
    "fakeclr/instance_perturbation": dict(instance="perturbation", noise_related=False),
    # InsGen-like (Yang et al. 2021, FakeCLR's reference): Instance-real and Instance-fake together, a queue each
    "fakeclr/insgen": dict(instance="real+fake"),
    "fakeclr/fakeclr": dict(instance="perturbation", noise_related=True, diversity_queue=True,
                            forgetting_factor=True),
}


#: The few-shot subset per scale, the regime of FakeCLR's 100-shot sets: at `small` 20 images, because on 100
#: images of 16 px `shapes` the ADA-linear baseline had not memorised them after 24000 steps (pixel memorised share
#: 0.67, the gate 0.8), while on 20 the mean of three seeds passed 0.8 at 8000 steps (the calibration page,
#: `appendix/calibration`, holds the curves).
FAKECLR_FEW_SHOT = {"smoke": 100, "small": 20, "paper": 100}


def _few_shot(scale_name: str) -> int:
    return FAKECLR_FEW_SHOT[scale(scale_name).name]


def _fakeclr(scale_name: str, instance: str = "none", resolution: Optional[int] = None, **loss) -> RunConfig:
    paper = scale_name == "paper"
    budget = FAKECLR_BUDGET.get(scale_name, {})
    res = resolution or (256 if paper else budget.get("resolution") or scale(scale_name).resolution)
    c = base_config(scale_name, arch="stylegan2", dataset="folder" if paper else "shapes",
                    instance_head_dim=128 if instance != "none" else 0)
    c = stylegan2_recipe(c.replace(**{"data.count": _few_shot(scale_name), "data.resolution": res,
                                      "model.resolution": res, "data.mirror": paper}))
    # path-length regularisation with StyleGAN2's weight 2: FakeCLR's experiments all use it (supplement A.10, Table 8)
    return c.replace(**{"loss.augment": "color,translation,cutout", "loss.augment_ramp": 0.5, "loss.pl_weight": 2.0,
                        "loss.instance": instance, "loss.instance_queue": AUTO, "loss.queue_min": 2,
                        "loss.instance_key_precision": "bfloat16", **fakeclr_budget(scale_name, _few_shot(scale_name)),
                        **{f"loss.{k}": v for k, v in loss.items()}})


register_table(FAKECLR_PRESETS, _fakeclr)

#: FakeCLR supplement Fig. 7 (pure computation): the forgetting factor m over queues of N negatives filled 50 at a
#: time, for temperatures tau_m around the paper's 0.01 (its setting) and 0.001 (its best, Fig. 5c).
FAKECLR_FIG7 = {"batch": 50, "queue_sizes": (100, 500, 2000), "tau_m": (1.0, 0.1, 0.01, 0.001)}

#: The FakeCLR training pages' budget per scale: batch, image size and steps by subset (the few-shot subset, any
#: larger one), and how often a run is measured (FD, precision and recall every ``every`` steps; on the few-shot
#: subset also the memorised share: the calibration's curves, :mod:`gancl.experiments.calibration`). `small` is read
#: off the calibration page (`appendix/calibration`, 16 px, batch 16, three seeds): on 20 images the ADA-linear
#: baseline's mean memorised share first passes the gate (0.8) at step 8000 (0.801) and is 0.829 at 12000 (seeds
#: 0.846, 0.830, 0.812); on 1000 images it reached precision 0.51 and recall 0.43 at 24000 steps (seed 0; the
#: `shapes` gate is 0.5 / 0.3). The pages train the calibration's own horizons, so a page's baseline run with seed
#: 0-2 is the calibration's run (one cache entry). A few-shot baseline run takes about 15 minutes on two CPU cores, a
#: 1000-image run about 32. The paper trains far longer.
FAKECLR_BUDGET = {"smoke": {"batch": 16, "resolution": None, "few_shot": 20, "larger": 20, "every": 0},
                  "small": {"batch": 16, "resolution": 16, "few_shot": 12_000, "larger": 24_000, "every": 1000}}


def fakeclr_budget(scale_name: str, count: int) -> dict:
    """Dotted overrides of the FakeCLR pages' budget (:data:`FAKECLR_BUDGET`) for a subset of ``count`` images: the
    few-shot subset's steps and memorisation curve, or a larger subset's steps; {} at a scale it does not name."""
    name = scale(scale_name).name
    if name not in FAKECLR_BUDGET:
        return {}
    b = FAKECLR_BUDGET[name]
    few = int(count) == FAKECLR_FEW_SHOT[name]
    out = {"optim.batch_size": b["batch"], "optim.steps": b["few_shot" if few else "larger"]}
    if b["every"]:
        out.update({"eval.fd_every": b["every"], "eval.curves": ("memorisation",) if few else ()})
    return out


#: Seeds at `small`: five paired seeds for the pages of the paper's core claims on the few-shot subset (Figs. 1/6,
#: Table 2, Tables 1 and 5: the interpolation, PPL and ablation pages), three for the other pages, two at Table 1's
#: larger subset (a 1000-image run costs about twice a few-shot one).
FAKECLR_PAIRED_SEEDS = {"small": (0, 1, 2, 3, 4)}
FAKECLR_SEEDS = {"small": (0, 1, 2)}
FAKECLR_T1_SEEDS = {"small": (0, 1)}
#: Subset sizes: the paper's FFHQ-100/1K/2K/5K; below, the few-shot regime of the pages and a larger subset.
FAKECLR_SIZES = {"smoke": (100, 1000), "small": (FAKECLR_FEW_SHOT["small"], 1000), "paper": (100, 1000, 2000, 5000)}
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

#: Supplement Table 6's rows this library trains (the paper's labels; its StyleGAN2-ADA row, with adaptive
#: augmentation, is not implemented: the pages' baseline is the ADA-linear schedule) -> presets.
FAKECLR_T6 = {"StyleGAN2-ADA-Linear": "fakeclr/baseline", "Instance-real": "fakeclr/instance_real",
              "Instance-fake": "fakeclr/instance_fake", "InsGen": "fakeclr/insgen", "FakeCLR": "fakeclr/fakeclr"}
#: Table 6's timing per scale: steps timed per configuration and round after two warm-up steps, alternating rounds.
#: 16 timed steps (steps 2-17) hold one lazy R1 step (every 16) and four path-length steps (every 4): a run's share.
FAKECLR_T6_TIMING = {"smoke": {"steps": 2, "rounds": 2}, "small": {"steps": 16, "rounds": 5},
                     "paper": {"steps": 32, "rounds": 10}}

#: Supplement Table 8: path-length regularisation weights, the methods (the paper's labels; "FakeCLR†" is FakeCLR with
#: a fixed-size queue, the diversity-aware schedule off) and the subset, the paper's FFHQ-2K: the larger of the
#: scale's two sizes.
FAKECLR_T8_WEIGHTS = (2.0, 5.0, 10.0)
FAKECLR_T8 = {"InsGen": ("fakeclr/insgen", {}), "FakeCLR†": ("fakeclr/fakeclr", {"loss.diversity_queue": False})}

#: Supplement Table 10: real images' keys in the fake queue (the paper's labels -> overrides of the
#: Instance-perturbation preset): half of each push from the start (Config A) or from half-way (Config B).
FAKECLR_T10 = {"Instance-perturbation (baseline)": {},
               "Config A": {"loss.queue_real_share": 0.5, "loss.queue_real_from": 0.0},
               "Config B": {"loss.queue_real_share": 0.5, "loss.queue_real_from": 0.5}}

#: Fig. 1 / Fig. 6 settings: frames per path, the jump threshold of Fig. 6 (mean |difference| in [0, 1] units), random
#: paths per run, training images inverted per run (consecutive pairs are joined by a path), inversion steps.
FAKECLR_INTERPOLATION = {"frames": 10, "threshold": 0.15, "random_paths": 32, "inverted": 8,
                         "invert_steps": {"smoke": 20, "small": 300, "paper": 1000}}
#: PPL samples (endpoint pairs) per run and space: the StyleGAN2 reference draws 50k.
FAKECLR_PPL_SAMPLES = {"smoke": 64, "small": 2000, "paper": 50_000}


def _fakeclr_page(name: str, scale_name: str, dataset: Optional[str], data_dir: Optional[str],
                  steps: Optional[int], count: Optional[int] = None, **overrides) -> RunConfig:
    """A FakeCLR preset with the pages' shared budget (so runs that pages share hit one cache entry), on a subset of
    ``count`` images (default the few-shot subset); the queue and the ADA-linear ramp follow the count and the steps."""
    count = _few_shot(scale_name) if count is None else int(count)
    overrides = {**fakeclr_budget(scale_name, count), "data.count": count, **overrides}
    overrides.update(page_overrides(dataset, data_dir, steps))
    return preset(name, scale_name, **overrides)


def fakeclr_methods(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                    steps: Optional[int] = None) -> dict:
    """FakeCLR Table 2 and Fig. 1/6: the baseline, Instance-fake, Instance-perturbation and FakeCLR on the
    few-shot subset (label -> RunConfig, labels as in :data:`FAKECLR_METHODS`)."""
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


def _ppl(scale_name: str, space: str) -> Evaluation:
    return Evaluation("ppl", FAKECLR_PPL_SAMPLES[scale(scale_name).name], space=space)


#: The baseline whose memorisation gates the few-shot pages' claims.
FAKECLR_BASELINE = "StyleGAN2-ADA-Linear"


#: The methods FakeCLR's smoothness and PPL claims put ahead, and the ones they put behind.
_AHEAD, _BEHIND = ("FakeCLR", "Instance-perturbation"), ("StyleGAN2-ADA-Linear", "Instance-fake")


@page("fakeclr/interpolation")
def _interpolation(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    smoother = claim("F1", [(a, b) for a in _AHEAD for b in _BEHIND], value="step_mean_inverted")
    settings = dict(FAKECLR_INTERPOLATION, invert_steps=FAKECLR_INTERPOLATION["invert_steps"][scale])
    paths = Evaluation("interpolation", settings["inverted"], options=tuple(
        (k, settings[k]) for k in ("invert_steps", "frames", "threshold", "random_paths")))
    return PageSpec("fakeclr/interpolation", scale, fakeclr_methods(scale, dataset, data_dir, steps),
                    resolve_seeds(scale, seeds, FAKECLR_PAIRED_SEEDS), (_metrics(scale), _ppl(scale, "w"), paths,
                                                                 _memorisation(scale)), (smoother,),
                    on_diverge="record", settings=settings, gate=Gate(FAKECLR_BASELINE, MEMORISATION_GATE))


@page("fakeclr/ppl")
def _ppl_page(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    lowest = claim("F2", [("FakeCLR", other) for other in FAKECLR_METHODS if other != "FakeCLR"], value="ppl_w")
    return PageSpec("fakeclr/ppl", scale, fakeclr_methods(scale, dataset, data_dir, steps),
                    resolve_seeds(scale, seeds, FAKECLR_PAIRED_SEEDS),
                    (_metrics(scale), _ppl(scale, "z"), _ppl(scale, "w"), _memorisation(scale)), (lowest,),
                    on_diverge="record", gate=Gate(FAKECLR_BASELINE, MEMORISATION_GATE))


@page("fakeclr/ablations")
def _ablations(scale, seeds=None, dataset=None, data_dir=None, steps=None, sizes=None) -> PageSpec:
    t1 = fakeclr_table1(scale, dataset, data_dir, steps, sizes)
    t5 = fakeclr_table5(scale, dataset, data_dir, steps)
    first = min(c.data.count for c in t1.values())
    # the first size is the one the other FakeCLR pages train on, with their seeds; the others get Table 1's
    other_seeds = resolve_seeds(scale, seeds, FAKECLR_T1_SEEDS)
    config_seeds = {label: other_seeds for label, c in t1.items() if c.data.count != first}
    sizes_used = sorted({c.data.count for c in t1.values()})
    perturbation = "Instance-perturbation"
    claims = (
        claim("F3", [(f"{perturbation} @ {n}", f"{other} @ {n}") for n in sizes_used for other in FAKECLR_T1
                     if other != perturbation]),
        claim("F4", [(b, a) for a, b in zip(list(t5), list(t5)[1:])]),
    )
    return PageSpec("fakeclr/ablations", scale, {**t1, **t5}, resolve_seeds(scale, seeds, FAKECLR_PAIRED_SEEDS),
                    (_metrics(scale), _memorisation(scale)), claims, on_diverge="record", config_seeds=config_seeds,
                    settings={"table1": list(t1), "table5": list(t5), "sizes": sizes_used},
                    gate=Gate(f"{FAKECLR_BASELINE} @ {first}", MEMORISATION_GATE))


def _larger_subset(scale_name: str) -> int:
    """The subset of FakeCLR's 2K-image experiments (supplement Tables 8, 10): the paper's 2000 images at `paper`
    scale, else the larger of the scale's :data:`FAKECLR_SIZES`."""
    return 2000 if scale(scale_name).name == "paper" else FAKECLR_SIZES[scale(scale_name).name][-1]


def fakeclr_table8(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                   steps: Optional[int] = None) -> dict:
    """FakeCLR supplement Table 8: InsGen and FakeCLR† at each path-length weight of :data:`FAKECLR_T8_WEIGHTS` on
    the larger subset of :data:`FAKECLR_SIZES`. Returns "<method>, PL <weight>" (e.g. "InsGen, PL 5") -> RunConfig."""
    count = _larger_subset(scale_name)
    return {f"{method}, PL {weight:g}": _fakeclr_page(name, scale_name, dataset, data_dir, steps, count=count,
                                                      **{**extra, "loss.pl_weight": weight})
            for method, (name, extra) in FAKECLR_T8.items() for weight in FAKECLR_T8_WEIGHTS}


@page("fakeclr/path_length")
def _path_length(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = fakeclr_table8(scale, dataset, data_dir, steps)
    weights = [f"{w:g}" for w in FAKECLR_T8_WEIGHTS]
    better = claim("F6", [(f"FakeCLR†, PL {w}", f"InsGen, PL {w}") for w in weights])
    # the paper's PPL falls as the weight rises, for both methods
    smoother = claim("F7", [(f"{m}, PL {hi}", f"{m}, PL {lo}") for m in FAKECLR_T8
                            for lo, hi in zip(weights, weights[1:])], value="ppl_w")
    baseline = f"InsGen, PL {weights[0]}"
    return PageSpec("fakeclr/path_length", scale, configs, resolve_seeds(scale, seeds),
                    (_metrics(scale), _ppl(scale, "w")), (better, smoother), on_diverge="record",
                    gate=data_gate(baseline, configs[baseline].data.name))


#: Supplement Fig. 9/10's methods (the baseline and FakeCLR, the runs of the interpolation page) and what each row
#: shows: samples per run, and nearest training images per sample.
FAKECLR_NEIGHBOURS = {"methods": ("StyleGAN2-ADA-Linear", "FakeCLR"), "samples": 4, "k": 5}


@page("fakeclr/nearest_neighbours")
def _nearest_neighbours(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    methods = fakeclr_methods(scale, dataset, data_dir, steps)
    configs = {label: methods[label] for label in FAKECLR_NEIGHBOURS["methods"]}
    n = scale_of(scale).fd_count
    copies = claim("F8", [("FakeCLR", FAKECLR_BASELINE)], value="memorised_share")
    return PageSpec("fakeclr/nearest_neighbours", scale, configs, resolve_seeds(scale, seeds, FAKECLR_SEEDS),
                    (_metrics(scale), _memorisation(scale),
                     Evaluation("memorisation", n, options=(("space", "features"),))), (copies,),
                    on_diverge="record", settings=dict(FAKECLR_NEIGHBOURS),
                    gate=Gate(FAKECLR_BASELINE, MEMORISATION_GATE))


def fakeclr_table10(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                    steps: Optional[int] = None) -> dict:
    """FakeCLR supplement Table 10 on the larger subset of :data:`FAKECLR_SIZES` (the paper's FFHQ-2K): the
    labels of :data:`FAKECLR_T10` -> RunConfig."""
    count = _larger_subset(scale_name)
    return {label: _fakeclr_page("fakeclr/instance_perturbation", scale_name, dataset, data_dir, steps, count=count,
                                 **overrides) for label, overrides in FAKECLR_T10.items()}


@page("fakeclr/real_in_queue")
def _real_in_queue(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = fakeclr_table10(scale, dataset, data_dir, steps)
    baseline = next(iter(configs))
    worse = claim("F9", [(baseline, "Config A"), (baseline, "Config B")])
    return PageSpec("fakeclr/real_in_queue", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale),),
                    (worse,), on_diverge="record", gate=data_gate(baseline, configs[baseline].data.name))


#: Supplement Table 7's rows this library trains (the paper's labels; APA is not implemented) -> presets, each on
#: the few-shot subset (:data:`FAKECLR_FEW_SHOT`, the paper's Obama) and the larger one (the paper's FFHQ-2K). The
#: few-shot baseline and FakeCLR are Table 2's runs, the larger baseline Table 1's and InsGen* Table 8's at PL 2.
FAKECLR_T7 = {"ADA": "fakeclr/baseline", "InsGen*": "fakeclr/insgen", "FakeCLR": "fakeclr/fakeclr"}

def fakeclr_table7(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                   steps: Optional[int] = None) -> dict:
    """FakeCLR supplement Table 7: :data:`FAKECLR_T7`'s methods on the few-shot subset and on the larger one.
    Returns "<method> @ <count>" (e.g. "FakeCLR @ 100") -> RunConfig."""
    counts = (FAKECLR_SIZES[scale(scale_name).name][0], _larger_subset(scale_name))
    return {f"{label} @ {n}": _fakeclr_page(name, scale_name, dataset, data_dir, steps, count=n)
            for n in counts for label, name in FAKECLR_T7.items()}


@page("fakeclr/kid_ppl")
def _kid_ppl(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = fakeclr_table7(scale, dataset, data_dir, steps)
    few, larger = sorted({c.data.count for c in configs.values()})
    # one claim per subset, each behind its regime: the few-shot baseline must memorise, the larger one learn
    claims = (claim("F10a", [(f"FakeCLR @ {few}", f"{other} @ {few}") for other in ("ADA", "InsGen*")],
                    value="kid_mean", gate=Gate(f"ADA @ {few}", MEMORISATION_GATE)),
              claim("F10b", [(f"FakeCLR @ {larger}", f"{other} @ {larger}") for other in ("ADA", "InsGen*")],
                    value="kid_mean", gate=data_gate(f"ADA @ {larger}", configs[f"ADA @ {larger}"].data.name)))
    return PageSpec("fakeclr/kid_ppl", scale, configs, resolve_seeds(scale, seeds, FAKECLR_SEEDS),
                    (_metrics(scale), _ppl(scale, "w"), _memorisation(scale)), claims, on_diverge="record",
                    settings={"subsets": {"Obama": few, "FFHQ-2K": larger}})


#: Fig. 2: queue sizes as multiples of the few-shot pages' default (``fakeclr_queue_size``: 10 negatives),
#: for Instance-real and Instance-fake on the few-shot subset, the baseline beside.
FAKECLR_FIG2_QUEUE_FACTORS = (1, 4, 16)
#: Fig. 5 (on the larger subset: the paper's ablations are on FFHQ-2K): (a) fixed perturbation radii against the
#: noise-related one; (b) the diversity-aware queue's minimum size as a fraction of the subset's queue (the preset's
#: 2 of 100 is 0.02; 1.0 keeps the queue's size fixed); (c) the forgetting factor's temperatures tau_m.
FAKECLR_FIG5 = {"radii": (0.05, 0.1, 0.2), "queue_min_fractions": (0.02, 0.25, 1.0), "tau_m": (0.1, 0.01, 0.001)}


def fakeclr_fig2(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                 steps: Optional[int] = None) -> dict:
    """FakeCLR Fig. 2 on the few-shot subset: the baseline, then Instance-real and Instance-fake at each queue size of
    :data:`FAKECLR_FIG2_QUEUE_FACTORS`. Returns "StyleGAN2-ADA-Linear" and "<method>, queue <N>" -> RunConfig (the
    default size's rows are Table 1's runs)."""
    count = FAKECLR_SIZES[scale(scale_name).name][0]
    configs = {FAKECLR_BASELINE: _fakeclr_page("fakeclr/baseline", scale_name, dataset, data_dir, steps, count=count)}
    default = fakeclr_queue_size(count)
    for method, name in (("Instance-real", "fakeclr/instance_real"), ("Instance-fake", "fakeclr/instance_fake")):
        for factor in FAKECLR_FIG2_QUEUE_FACTORS:
            configs[f"{method}, queue {factor * default}"] = _fakeclr_page(
                name, scale_name, dataset, data_dir, steps, count=count,
                **{"loss.instance_queue": factor * default})
    return configs


def fakeclr_fig5(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                 steps: Optional[int] = None) -> dict:
    """FakeCLR Fig. 5 on the larger subset, as the paper's FFHQ-2K ablations (:data:`FAKECLR_FIG5`): label ->
    RunConfig for (a) Instance-perturbation with a fixed radius ("radius 0.1") and with the noise-related one
    ("noise-related"), (b) FakeCLR with the diversity-aware queue's minimum size ("queue min 2"), (c) the
    noise-related row with the forgetting factor at each temperature ("tau_m 0.01"); and the baseline, whose gate the
    page reads. Table 1's baseline, Table 10's Instance-perturbation and Table 7's FakeCLR are among them."""
    count = _larger_subset(scale_name)

    def run(name, **overrides):
        return _fakeclr_page(name, scale_name, dataset, data_dir, steps, count=count, **overrides)

    configs = {FAKECLR_BASELINE: run("fakeclr/baseline")}
    for radius in FAKECLR_FIG5["radii"]:
        configs[f"radius {radius:g}"] = run("fakeclr/instance_perturbation", **{"loss.perturb_radius": radius})
    configs["noise-related"] = run("fakeclr/instance_perturbation", **{"loss.noise_related": True})
    default = fakeclr_queue_size(count)
    for fraction in FAKECLR_FIG5["queue_min_fractions"]:
        least = max(2, round(fraction * default))
        configs[f"queue min {least}"] = run("fakeclr/fakeclr", **{"loss.queue_min": least})
    for tau in FAKECLR_FIG5["tau_m"]:
        configs[f"tau_m {tau:g}"] = run("fakeclr/instance_perturbation", **{
            "loss.noise_related": True, "loss.forgetting_factor": True, "loss.forgetting_tau": tau})
    return configs


@page("fakeclr/queue_size")
def _queue_size(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = fakeclr_fig2(scale, dataset, data_dir, steps)
    real = [label for label in configs if label.startswith("Instance-real")]
    drop = claim("F11", [(FAKECLR_BASELINE, label) for label in real])
    return PageSpec("fakeclr/queue_size", scale, configs, resolve_seeds(scale, seeds, FAKECLR_SEEDS),
                    (_metrics(scale), _memorisation(scale)), (drop,), on_diverge="record",
                    gate=Gate(FAKECLR_BASELINE, MEMORISATION_GATE))


@page("fakeclr/components")
def _components(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = fakeclr_fig5(scale, dataset, data_dir, steps)
    radii = [label for label in configs if label.startswith("radius ")]
    taus = [label for label in configs if label.startswith("tau_m ")]
    best_tau = f"tau_m {min(FAKECLR_FIG5['tau_m']):g}"
    claims = (claim("F12", [("noise-related", label) for label in radii]),
              claim("F13", [(best_tau, "noise-related")] + [(best_tau, label) for label in taus if label != best_tau]))
    return PageSpec("fakeclr/components", scale, configs, resolve_seeds(scale, seeds), (_metrics(scale),), claims,
                    on_diverge="record", gate=data_gate(FAKECLR_BASELINE, configs[FAKECLR_BASELINE].data.name))


#: FakeCLR Tables 3 and 4, the rows this library trains (the paper's labels) -> preset and overrides: StyleGAN2 without
#: augmentation, DiffAugment at full strength from the start ("DA", Table 4 only), the ADA-linear baseline, InsGen*
#: (the InsGen-like objective) and FakeCLR. ADA (adaptive), APA, GenCo, LeCam-GAN, DISP and the transfer-learning rows
#: (pre-trained on FFHQ-70K) are not implemented.
FAKECLR_COMPARISON = {"StyleGAN2": ("fakeclr/baseline", {"loss.augment": "", "loss.augment_ramp": 0}),
                      "DA": ("fakeclr/baseline", {"loss.augment_ramp": 0}),
                      "ADA-Linear": ("fakeclr/baseline", {}),
                      "InsGen*": ("fakeclr/insgen", {}),
                      "FakeCLR": ("fakeclr/fakeclr", {})}


def fakeclr_comparison(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                       steps: Optional[int] = None) -> dict:
    """FakeCLR Table 4 on the few-shot subset (every row of :data:`FAKECLR_COMPARISON`) and Table 3 on the larger one
    (all but DA). Returns "<row> @ <count>" -> RunConfig; ADA-Linear, InsGen* and FakeCLR are Table 1's and
    supplement Table 7's runs."""
    few, larger = FAKECLR_SIZES[scale(scale_name).name][0], _larger_subset(scale_name)
    return {f"{label} @ {n}": _fakeclr_page(name, scale_name, dataset, data_dir, steps, count=n, **extra)
            for n in (few, larger) for label, (name, extra) in FAKECLR_COMPARISON.items()
            if not (label == "DA" and n == larger)}


@page("fakeclr/comparison")
def _comparison(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = fakeclr_comparison(scale, dataset, data_dir, steps)
    few, larger = sorted({c.data.count for c in configs.values()})
    claims = (claim("F14a", [(f"FakeCLR @ {few}", f"{other} @ {few}") for other in FAKECLR_COMPARISON
                             if other != "FakeCLR"], gate=Gate(f"ADA-Linear @ {few}", MEMORISATION_GATE)),
              claim("F14b", [(f"FakeCLR @ {larger}", f"{other} @ {larger}") for other in FAKECLR_COMPARISON
                             if other not in ("FakeCLR", "DA")],
                    gate=data_gate(f"ADA-Linear @ {larger}", configs[f"ADA-Linear @ {larger}"].data.name)))
    return PageSpec("fakeclr/comparison", scale, configs, resolve_seeds(scale, seeds, FAKECLR_SEEDS),
                    (_metrics(scale), _memorisation(scale)), claims, on_diverge="record",
                    settings={"subsets": {"few-shot (Table 4)": few, "larger (Table 3)": larger}})


@page("fakeclr/cost")
def _cost(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    """Supplement Table 6: time per step, measured side by side (``gancl.train.timing``), not trained: the "seeds"
    are the timing rounds, paired by the claim rule. ``steps`` sets the timed steps per round. No gate: a step costs
    the same whether or not the generator has learned the data."""
    timing = dict(FAKECLR_T6_TIMING[scale_of(scale).name])
    if steps is not None:
        timing["steps"] = int(steps)
    rounds = list(range(timing["rounds"])) if seeds is None else resolve_seeds(scale, seeds)
    timing["rounds"] = len(rounds)
    configs = {label: _fakeclr_page(name, scale, dataset, data_dir, None) for label, name in FAKECLR_T6.items()}
    cheaper = claim("F5", [("FakeCLR", "InsGen")], value="seconds_per_step")
    return PageSpec("fakeclr/cost", scale, configs, rounds, (), (cheaper,), settings=timing, noise_seeds=0,
                    trains=False)
