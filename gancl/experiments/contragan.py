"""ContraGAN (Kang & Park 2020): its presets (one table) and the specs of its pages (Tables 1-4, Figs. 3 and 4, and
the book's "does 2C draw the class it is asked for?").

paper scale: BigGAN backbone on CIFAR-10 32 px (G 256 and D 128 channels throughout), batch 64, hinge, Adam 2e-4
(0.5, 0.999), 5 D steps, t = 1.0, projection dim 512.
"""

from __future__ import annotations

from typing import Optional

from gancl.experiments.claims import claim
from gancl.experiments.registry import preset, register_table
from gancl.experiments.scales import base_config, page_overrides, scale
from gancl.experiments.scales import seeds as resolve_seeds
from gancl.experiments.spec import Evaluation, PageSpec, data_gate, metrics_evaluation, page
from gancl.train.config import RunConfig

#: ContraGAN's budget at `small`, read off the calibration page (``appendix/calibration``): a 32-channel SN-DCGAN at
#: 16 px, batch 64, 6000 steps. There 2C's mean over 3 seeds first passes the `shapes` gate (precision 0.52, recall
#: 0.35; 7-7.7 min a run on 2 CPU cores); at 32 px the same 6000 steps took 27.6 min and reached precision 0.29.
#: Table 4 trains this budget too (its batch-16 rows see a quarter of the images: the calibration ran batch 64);
#: Fig. 3 keeps its own step count (CONTRAGAN_FIG3) at this resolution.
#: Every `small` run records FD, precision, recall and class consistency every ``every`` steps, as the calibration
#: does: a page's run with seed 0-2 is then the calibration's own run (shared through the run cache), and the
#: "does 2C draw the class" page reads class consistency over training from Table 1's and Table 2's runs.
CONTRAGAN_SMALL = {"resolution": 16, "steps": 6000, "every": 250}
CONTRAGAN_CR_WEIGHT = 10.0  # consistency regularisation lambda (Zhang et al. 2020, as in the authors' library)

#: The presets: name -> D head, conditioning loss, further loss settings and dotted overrides. One backbone and
#: budget for all, as Table 1 compares them.
CONTRAGAN_PRESETS = {
    "contragan/uncond": dict(head="none", cond="none", overrides={"model.num_classes": 0}),
    "contragan/acgan": dict(head="acgan", cond="acgan"),
    "contragan/projgan": dict(head="proj", cond="proj"),
    "contragan/pnca": dict(head="contrastive", cond="pnca"),
    "contragan/ntxent": dict(head="contrastive", cond="ntxent"),
    "contragan/eq7": dict(head="contrastive", cond="eq7"),
    "contragan/2c": dict(head="contrastive", cond="2c"),
    "contragan/2c_aps": dict(head="contrastive", cond="2c", loss={"aps": True}),
    "contragan/2c_cr": dict(head="contrastive", cond="2c", loss={"cr_weight": CONTRAGAN_CR_WEIGHT}),
    # Table 4 starts from ProjGAN; its rows with 2C keep the projection term and add the 2C head
    "contragan/projgan_2c": dict(head="proj_contrastive", cond="2c"),
}


def _contragan(scale_name: str, head: str, cond: str, loss: Optional[dict] = None,
               overrides: Optional[dict] = None, resolution: Optional[int] = None) -> RunConfig:
    paper = scale_name == "paper"
    model = {"d_head": head}
    if paper:
        model.update(g_channels=256, d_channels=128, channel_cap=256, d_channel_cap=128)
    if scale_name == "small" and resolution is None:
        resolution = CONTRAGAN_SMALL["resolution"]
    c = base_config(scale_name, arch="resnet" if paper else "dcgan", dataset="cifar10" if paper else "shapes",
                    num_classes=10, resolution=resolution, **model)
    c = c.replace(**{"loss.cond": cond, "loss.temperature": 1.0, "loss.cond_weight": 1.0,
                     **{f"loss.{k}": v for k, v in (loss or {}).items()}})
    if paper:
        c = c.replace(**{"optim.n_dis": 5, "optim.batch_size": 64, "optim.steps": 100_000, "model.embed_dim": 512})
    elif scale_name == "small":
        c = c.replace(**{"optim.steps": CONTRAGAN_SMALL["steps"], "eval.diag_every": 100,
                         "eval.fd_every": CONTRAGAN_SMALL["every"]})
    return c.replace(**overrides) if overrides else c


register_table(CONTRAGAN_PRESETS, _contragan)

#: ContraGAN Table 1 rows (the paper's labels, as in paper_tables/contragan_t1.csv) and their presets.
CONTRAGAN_TABLE1 = {"Uncond. GAN": "contragan/uncond", "P-NCA": "contragan/pnca", "NT-Xent": "contragan/ntxent",
                    "Eq. 7": "contragan/eq7", "2C (ContraGAN)": "contragan/2c"}

#: ContraGAN Table 2: the three conditioning methods (the paper's labels) -> presets, and the backbones (the book's
#: label -> (architecture, the paper's column)). The paper's third backbone, BigGAN (the ResNet with shared class
#: embeddings and self-attention), is the `paper` scale's only.
CONTRAGAN_TABLE2_METHODS = {"ACGAN": "contragan/acgan", "ProjGAN": "contragan/projgan", "ContraGAN": "contragan/2c"}
CONTRAGAN_TABLE2_BACKBONES = {"SN-DCGAN": ("dcgan", "DCGAN"), "SN-ResNet": ("resnet", "ResGAN")}
#: The SN-ResNet's optimiser at `small`, where it takes one D step per G step: the two-time-scale rule (Heusel et al.
#: 2017; G 1e-4, D 4e-4, Adam betas (0, 0.999)), StudioGAN's recipe for its ResNets with one D step. With Table 1's
#: Adam (2e-4 both, betas (0.5, 0.999)) the 32-channel SN-ResNet never drew shapes in 6000 steps (ProjGAN, 3 seeds:
#: precision 0.21, recall 0.00, FD 37-75); with this rule the same run (seed 0) reached FD 6.6, precision 0.56,
#: recall 0.53 (2026-12-01). Without SN in G instead (SNGAN's choice): FD 28.8, precision 0.44, recall 0.15. The
#: SN-DCGAN keeps Table 1's optimiser (its calibrated budget); at `paper` scale both follow the paper (n_dis 5).
CONTRAGAN_RESNET_OPTIM = {"small": {"optim.lr_g": 1e-4, "optim.lr_d": 4e-4, "optim.betas": (0.0, 0.999)}}


def resnet_backbone(scale_name: str) -> dict:
    """The dotted overrides that put a ContraGAN preset on the SN-ResNet at ``scale_name``: the architecture and,
    where :data:`CONTRAGAN_RESNET_OPTIM` has one, that scale's optimiser."""
    return {"model.arch": "resnet", **CONTRAGAN_RESNET_OPTIM.get(scale(scale_name).name, {})}

#: ContraGAN Table 3, the rows this library builds: the book's label -> (preset, self-attention). SNResGAN is
#: ProjGAN on the SN-ResNet (Table 2's run); "BigGAN" adds self-attention in G and D (SAGAN's non-local block at the
#: middle feature height) to that ResNet, whose G already conditions its batch norms through BigGAN's shared class
#: embedding; ContraGAN is the same network with 2C in place of the projection. SAGAN's own row is not built: it
#: would differ from "BigGAN" only in its per-layer class embeddings, which this G does not have.
CONTRAGAN_TABLE3 = {"SNResGAN": ("contragan/projgan", False), "BigGAN": ("contragan/projgan", True),
                    "ContraGAN": ("contragan/2c", True)}

#: ContraGAN Table 4 rows: id -> (large batch, 2C, APS, CR), the paper's ids and order.
CONTRAGAN_TABLE4 = {"A": (False, False, False, False), "B": (False, False, False, True),
                    "C": (True, False, False, False), "D": (True, False, False, True),
                    "E": (False, True, False, False), "F": (False, True, True, False),
                    "G": (False, True, False, True), "H": (True, True, False, False),
                    "I": (True, True, False, True)}
#: Table 4's two batch sizes per scale: the paper's 256 and 1024, divided by 16 at `small` (the ratio kept) so that a
#: large-batch run costs what a Table 1 run does.
CONTRAGAN_TABLE4_BATCH = {"smoke": (8, 32), "small": (16, 64), "paper": (256, 1024)}
#: The pages whose claims the ContraGAN issue asks to judge on at least five paired seeds (Tables 1 and 4, Fig. 3);
#: Table 2, Fig. 4 and the 2C probe keep the scale's three.
CONTRAGAN_PAIRED_SEEDS = {"small": (0, 1, 2, 3, 4)}

#: ContraGAN Fig. 3 per scale: training images (few enough for D to memorise them), steps, and how often the
#: authenticity accuracies / spectral norms (diag_every) and FD (fd_every, on fd_count samples) are recorded.
#: `small` trains 10000 steps: at 1000 ProjGAN drew blobs (precision 0.05); a 6000-step probe on these 64 images
#: (ProjGAN, seed 0) reached precision 0.76, with D's gap past 0.5 by step 1000 and no collapse, but over five seeds
#: (2026-12-01) ProjGAN ended at precision 0.493 at 6000 steps, just under the gate, with its precision still rising
#: (0.30-0.76 at step 5500) and FD still falling. FD every 500 keeps 20 evaluations a run.
CONTRAGAN_FIG3 = {"smoke": {"count": 64, "steps": 60, "diag_every": 10, "fd_every": 20, "fd_count": 128},
                  "small": {"count": 64, "steps": 10_000, "diag_every": 50, "fd_every": 500, "fd_count": 1000},
                  "paper": {"count": None, "steps": 100_000, "diag_every": 1000, "fd_every": 2000, "fd_count": 10_000}}
CONTRAGAN_FIG3_RUNS = {"ProjGAN": "contragan/projgan", "ContraGAN": "contragan/2c"}
CONTRAGAN_FIG3_SEEDS = CONTRAGAN_PAIRED_SEEDS  # the paper's figure shows one run per method
#: The book's 2C probe ("does 2C draw the class it is asked for?", beyond the paper): 2C at these temperatures (the
#: paper's is 1.0) and with its class proxy counted this many times in Eq. 8 (loss.proxy_weight; the paper's is 1),
#: beside Table 1's and Table 2's runs (ACGAN, ProjGAN, P-NCA, Eq. 7, 2C). Eight: at batch 64 over 10 classes an
#: anchor has about six same-label samples in the numerator against one proxy term.
CONTRAGAN_CLASS_PROBE = {"temperatures": (0.5, 0.1), "proxy_weights": (8.0,)}
#: the probe's configurations shared with Tables 1 and 2: this page's label -> (table, that table's label)
CONTRAGAN_CLASS_SHARED = {"ACGAN": ("table2", "ACGAN (SN-DCGAN)"), "ProjGAN": ("table2", "ProjGAN (SN-DCGAN)"),
                          "P-NCA": ("table1", "P-NCA"), "Eq. 7": ("table1", "Eq. 7"),
                          "2C": ("table1", "2C (ContraGAN)")}

#: D overfits when its accuracy on training reals exceeds that on held-out reals by more than this (Fig. 3's reading)
STABILITY_ACC_GAP = 0.5
#: Fig. 3's gate keeps only the data set's precision threshold: the figure asks about D on a training set small enough
#: to memorise, where G learns to draw those images and nothing else. Recall, measured against held-out images, then
#: stays near 0 however well G draws (the probe above: precision 0.76, recall 0.00 on 64 images; 0.49 and 0.16 on 256).
STABILITY_GATE_MEASURES = ("precision",)


def contragan_table1(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                     steps: Optional[int] = None) -> dict:
    """ContraGAN Table 1: label -> RunConfig for the five conditioning objectives on one backbone and budget."""
    configs = {}
    for label, name in CONTRAGAN_TABLE1.items():
        num_classes = None if name != "contragan/uncond" else 0
        configs[label] = preset(name, scale_name, **page_overrides(dataset, data_dir, steps, num_classes))
    return configs


def contragan_table2(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                     steps: Optional[int] = None) -> dict:
    """ContraGAN Table 2: ACGAN, ProjGAN and ContraGAN on each backbone of :data:`CONTRAGAN_TABLE2_BACKBONES`, with
    Table 1's budget (at `paper` scale its widths and schedule, on either architecture). Returns
    "<method> (<backbone>)" (e.g. "ContraGAN (SN-ResNet)") -> RunConfig."""
    return {f"{method} ({backbone})": preset(name, scale_name, **page_overrides(dataset, data_dir, steps),
                                             **(resnet_backbone(scale_name) if arch == "resnet" else
                                                {"model.arch": arch}))
            for backbone, (arch, _) in CONTRAGAN_TABLE2_BACKBONES.items()
            for method, name in CONTRAGAN_TABLE2_METHODS.items()}


def contragan_table3(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                     steps: Optional[int] = None) -> dict:
    """ContraGAN Table 3 (:data:`CONTRAGAN_TABLE3`): label -> RunConfig on the SN-ResNet backbone with Table 1's
    budget; self-attention (SAGAN's block, :mod:`gancl.models.attention`) in G and D at the middle feature height of
    each (8 px at 16 px). At `paper` scale pass ``dataset="tiny_imagenet"`` and its ``data_dir`` (the paper's
    Tiny ImageNet column)."""
    configs = {}
    for label, (name, attention) in CONTRAGAN_TABLE3.items():
        c = preset(name, scale_name, **page_overrides(dataset, data_dir, steps), **resnet_backbone(scale_name))
        if attention:
            g_res, d_res = c.model.g_feature_resolutions(), c.model.d_feature_resolutions()
            c = c.replace(**{"model.g_attention": "sagan", "model.g_attention_res": g_res[len(g_res) // 2],
                             "model.d_attention_res": d_res[(len(d_res) - 1) // 2]})
        configs[label] = c
    return configs


def contragan_table4(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                     steps: Optional[int] = None) -> dict:
    """ContraGAN Table 4: row id (A-I) -> RunConfig (ProjGAN, + 2C, APS, CR at two batch sizes).

    Same backbone and number of steps in every row (Table 1's calibrated budget at `small`), as in the paper; the
    large batch therefore sees four times the images. At `paper` scale pass ``dataset="tiny_imagenet"`` and its
    ``data_dir`` (the paper's setting, 64 px).
    """
    small_batch, large_batch = CONTRAGAN_TABLE4_BATCH[scale(scale_name).name]
    configs = {}
    for row, (large, two_c, aps, cr) in CONTRAGAN_TABLE4.items():
        # the row's batch size wins over a data set's own (Tiny ImageNet brings batch 1024)
        overrides = {**page_overrides(dataset, data_dir, steps),
                     "optim.batch_size": large_batch if large else small_batch,
                     "loss.aps": aps, "loss.cr_weight": CONTRAGAN_CR_WEIGHT if cr else 0.0}
        configs[row] = preset("contragan/projgan_2c" if two_c else "contragan/projgan", scale_name, **overrides)
    return configs


def contragan_class_probe(scale_name: str, dataset: Optional[str] = None, data_dir: Optional[str] = None,
                          steps: Optional[int] = None) -> dict:
    """The 2C probe: label -> RunConfig. Table 1's and Table 2's SN-DCGAN runs (:data:`CONTRAGAN_CLASS_SHARED`, the
    same configurations, so the run cache shares them), then 2C at each of :data:`CONTRAGAN_CLASS_PROBE`'s
    temperatures ("2C, t = 0.5") and proxy weights ("2C, proxy x8")."""
    tables = {"table1": contragan_table1(scale_name, dataset, data_dir, steps),
              "table2": contragan_table2(scale_name, dataset, data_dir, steps)}
    configs = {label: tables[table][row] for label, (table, row) in CONTRAGAN_CLASS_SHARED.items()}
    two_c = configs["2C"]
    for t in CONTRAGAN_CLASS_PROBE["temperatures"]:
        configs[f"2C, t = {t:g}"] = two_c.replace(**{"loss.temperature": t})
    for w in CONTRAGAN_CLASS_PROBE["proxy_weights"]:
        configs[f"2C, proxy x{w:g}"] = two_c.replace(**{"loss.proxy_weight": w})
    return configs


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


@page("contragan/conditioning_losses")
def _conditioning_losses(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    t1 = "2C (ContraGAN)"
    claims = (
        claim("C1", [(t1, other) for other in ("Eq. 7", "NT-Xent", "P-NCA", "Uncond. GAN")]),
        claim("C2", [("Eq. 7", other) for other in ("NT-Xent", "P-NCA", "Uncond. GAN")]),
    )
    configs = contragan_table1(scale, dataset, data_dir, steps)
    return PageSpec("contragan/conditioning_losses", scale, configs,
                    resolve_seeds(scale, seeds, CONTRAGAN_PAIRED_SEEDS), (metrics_evaluation(scale),),
                    claims, gate=data_gate(t1, configs[t1].data.name))


@page("contragan/backbones")
def _backbones(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = contragan_table2(scale, dataset, data_dir, steps)
    # the paper's orderings per column, each backbone's claim behind its own ContraGAN runs' gate
    orderings = {"SN-DCGAN": [("ContraGAN", "ACGAN"), ("ContraGAN", "ProjGAN")],
                 "SN-ResNet": [("ContraGAN", "ACGAN"), ("ProjGAN", "ContraGAN")]}
    claims = tuple(claim(claim_id, [(f"{a} ({backbone})", f"{b} ({backbone})") for a, b in orderings[backbone]],
                         gate=data_gate(f"ContraGAN ({backbone})", configs[f"ContraGAN ({backbone})"].data.name))
                   for claim_id, backbone in (("C3a", "SN-DCGAN"), ("C3b", "SN-ResNet")))
    return PageSpec("contragan/backbones", scale, configs, resolve_seeds(scale, seeds), (metrics_evaluation(scale),),
                    claims, on_diverge="record")


@page("contragan/sota")
def _sota(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    """Table 3: ContraGAN against SNResGAN and a BigGAN-like ProjGAN on the SN-ResNet; claim C6."""
    configs = contragan_table3(scale, dataset, data_dir, steps)
    claims = (claim("C6", [("ContraGAN", "BigGAN"), ("ContraGAN", "SNResGAN")]),)
    return PageSpec("contragan/sota", scale, configs, resolve_seeds(scale, seeds), (metrics_evaluation(scale),),
                    claims, gate=data_gate("BigGAN", configs["BigGAN"].data.name), on_diverge="record")


@page("contragan/class_samples")
def _class_samples(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    """Figure 4 (no claim): the samples, per class, of Table 1's 2C runs, with per-class measures."""
    t1 = "2C (ContraGAN)"
    configs = {"ContraGAN": contragan_table1(scale, dataset, data_dir, steps)[t1]}
    return PageSpec("contragan/class_samples", scale, configs, resolve_seeds(scale, seeds),
                    (metrics_evaluation(scale),), gate=data_gate("ContraGAN", configs["ContraGAN"].data.name))


@page("contragan/class_fidelity")
def _class_fidelity(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    """The book's 2C probe (no claim of the paper): class consistency over training and at the end, intra-class FD,
    for the conditioning losses and 2C's settings; the page's comparisons are its own."""
    configs = contragan_class_probe(scale, dataset, data_dir, steps)
    return PageSpec("contragan/class_fidelity", scale, configs, resolve_seeds(scale, seeds),
                    (metrics_evaluation(scale),), gate=data_gate("2C", configs["2C"].data.name))


@page("contragan/ablation")
def _ablation(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    claims = (claim("C5", [("E", "A"), ("H", "C"), ("E", "F"), ("G", "E"), ("I", "H"), ("C", "A"), ("H", "E")]),)
    configs = contragan_table4(scale, dataset, data_dir, steps)
    return PageSpec("contragan/ablation", scale, configs, resolve_seeds(scale, seeds, CONTRAGAN_PAIRED_SEEDS),
                    (metrics_evaluation(scale),), claims,
                    gate=data_gate("A", configs["A"].data.name))


@page("contragan/stability")
def _stability(scale, seeds=None, dataset=None, data_dir=None, steps=None) -> PageSpec:
    configs = contragan_fig3(scale, dataset, data_dir, steps)
    logged = configs["ProjGAN"].eval
    # A delay shorter than the interval an event is logged at cannot be seen: that interval is the smallest effect
    # worth reporting. An event a run never reaches counts as the run's length (censored).
    claims = (claim("C4a", [("ContraGAN", "ProjGAN")], value="overfit_step", better="higher",
                    delta=float(logged.diag_every), censored="overfit_censored"),
              claim("C4b", [("ContraGAN", "ProjGAN")], value="collapse_step", better="higher",
                    delta=float(logged.fd_every), censored="collapse_censored"))
    return PageSpec("contragan/stability", scale, configs, resolve_seeds(scale, seeds, CONTRAGAN_FIG3_SEEDS),
                    (metrics_evaluation(scale), Evaluation.dynamics("overfitting", threshold=STABILITY_ACC_GAP)),
                    claims, gate=data_gate("ProjGAN", configs["ProjGAN"].data.name, STABILITY_GATE_MEASURES))
