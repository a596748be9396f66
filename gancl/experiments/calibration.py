"""The calibration of the ``small`` scale (the book's appendix page ``appendix/calibration``).

Every page judges its claims only when its reference configuration has learned the data (its regime gate,
:data:`gancl.experiments.spec.DATA_GATES`). The budgets a page trains with (resolution, batch and steps) are read off
curves: the reference configuration of each page family, trained well past its page's budget at 16 and 32 px, with
the sample metrics the gate reads (FD, precision, recall and, when conditional, class consistency, in the domain
features on the held-out split; :class:`gancl.metrics.SampleMetricsOverTime`) recorded every few hundred steps. The
step where the mean over seeds first passes the gate, and where the curves flatten, set the page's budget.

A family's configuration is its page's own (the same preset, batch and data), with only the number of steps, the
resolution and the measuring interval changed: the curve of a seed is the run the page would train with that seed
(the learning-rate schedule does not depend on the number of steps; what does, like FakeCLR's augmentation ramp, is
named in :attr:`Family.note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import pandas as pd

from gancl.experiments.contragan import CONTRAGAN_SMALL
from gancl.experiments.dual import DUAL_BUDGET
from gancl.experiments.fakeclr import FAKECLR_FEW_SHOT, fakeclr_budget
from gancl.experiments.mscond import MSCOND_BUDGET
from gancl.experiments.registry import preset
from gancl.experiments.scales import scale as scale_of
from gancl.experiments.scales import seeds as resolve_seeds
from gancl.experiments.spec import DATA_GATES, MEMORISATION_GATE, Gate, PageSpec, page
from gancl.experiments.stylegan2 import stylegan2_budget
from gancl.train.config import RunConfig

#: The resolutions every family is calibrated at (a page family's budget names one of them).
CALIBRATION_RESOLUTIONS = {"smoke": (16,), "small": (16, 32), "paper": ()}
#: Seeds per resolution: three at 16 px; one at 32 px (a 32 px run costs about four times a 16 px one; a family whose
#: budget moves to 32 px gets its seeds there when its pages are re-run).
CALIBRATION_SEEDS = {"smoke": {16: (0,)}, "small": {16: (0, 1, 2), 32: (0,)}}
#: How far each calibration run trains (steps; a family may have its own, :attr:`Family.horizon`) and how often it
#: is measured, on how many samples, per scale.
CALIBRATION_HORIZON = {"smoke": {"steps": 40, "every": 20, "count": 256},
                       "small": {"steps": 6000, "every": 250, "count": 2000}}


@dataclass(frozen=True)
class Family:
    """One page family: ``build(scale, resolution)`` is its reference configuration (the configuration its pages'
    gate reads) at the page budget; ``budget(scale)`` the (resolution, steps) its pages train with now; ``pages``
    the pages whose budget it sets; ``gate`` the measures of its gate ((column, threshold), as
    :class:`gancl.experiments.Gate`), read on the curves as ``eval/<column>``."""

    label: str
    build: Callable[[str, Optional[int]], RunConfig]
    budget: Callable[[str], tuple]
    pages: tuple
    gate: tuple
    note: str = ""
    #: further measurements over time the gate needs (``eval.curves``: "objects", "memorisation")
    curves: tuple = ()
    #: where the family trains to another horizon than :data:`CALIBRATION_HORIZON`: {scale: {resolution: (steps,
    #: measured every so many steps)}}
    horizon: Optional[dict] = None


def _contragan_reference(name: str) -> Callable[[str, Optional[int]], RunConfig]:
    return lambda scale_name, resolution=None: preset(name, scale_name, resolution=resolution)


def _contragan_budget(scale_name: str) -> tuple:
    s = scale_of(scale_name)
    return (CONTRAGAN_SMALL["resolution"], CONTRAGAN_SMALL["steps"]) if s.name == "small" else (s.resolution, s.steps)


def _stylegan2_reference(name: str, budgets: dict, **overrides) -> Callable[[str, Optional[int]], RunConfig]:
    return lambda scale_name, resolution=None: preset(name, scale_name, resolution=resolution,
                                                      **stylegan2_budget(scale_name, budgets), **overrides)


def _fakeclr_reference(count: Optional[int]) -> Callable[[str, Optional[int]], RunConfig]:
    """FakeCLR's baseline on ``count`` images (None: the scale's few-shot subset) with the pages' budget for it."""
    def build(scale_name: str, resolution: Optional[int] = None) -> RunConfig:
        n = FAKECLR_FEW_SHOT[scale_of(scale_name).name] if count is None else count
        return preset("fakeclr/baseline", scale_name, resolution=resolution,
                      **{**fakeclr_budget(scale_name, n), "data.count": n})

    return build


def _fakeclr_budget(count: Optional[int]) -> Callable[[str], tuple]:
    """The (resolution, steps) the FakeCLR pages train on ``count`` images: read off the reference configuration,
    which carries the pages' budget (:func:`gancl.experiments.fakeclr.fakeclr_budget`)."""
    def budget(scale_name: str) -> tuple:
        c = _fakeclr_reference(count)(scale_name)
        return c.data.resolution, c.optim.steps

    return budget


def _stylegan2_budget(budgets: dict) -> Callable[[str], tuple]:
    def budget(scale_name: str) -> tuple:
        s = scale_of(scale_name)
        return s.resolution, budgets[s.name][1] if s.name in budgets else s.steps

    return budget


#: StyleGAN2 families train 24000 steps at 16 px (batch 16: 384k images, about 28 minutes on two CPU cores, measured
#: every 1000) and 2000 at 32 px (every 250). 16000 steps, the ~20 minutes a page's run was meant to cost, ended where
#: the StyleGAN2 + SAN family still rose (precision 0.17 at 4000, 0.31 at 9000, 0.41 at 16000; recall 0.36); probes
#: found its learning limited by the number of updates, not by images or data: batch 8 reached the same precision
#: at the same step (0.39 at 16000, 0.35-0.46 from 18000 to 24000), batch 64 less per image, and a plainer data set
#: (``benchmarks/data_difficulty.py``) no earlier. The longer horizon shows where the gate is passed, if at all: the
#: first 24000-step run (seed 0) ended at precision 0.44 and recall 0.46 after 28 minutes, short of it.
_STYLEGAN2_HORIZON = {"small": {16: (24000, 1000), 32: (2000, 250)}}
#: FakeCLR's few-shot baseline memorises its 20 images within about 8000 steps (one probe: pixel memorised share
#: 0.81 at 8000), so its family trains 12000 (and 2000 at 32 px, as the others).
_FEW_SHOT_HORIZON = {"small": {16: (12000, 1000), 32: (2000, 250)}}
#: The few-shot family's label names its subset size at `small` (the calibrated scale).
FAKECLR_FEW_SHOT_FAMILY = f"StyleGAN2, {FAKECLR_FEW_SHOT['small']} shapes (FakeCLR)"
_RAMP = ("At 16 px the pages train this horizon, so a page's baseline run with seed 0-2 is this run. FakeCLR's "
         "augmentation strength ramps over the first half of a run's steps: the 32 px runs, shorter, ramp sooner.")

#: The page families, in the order the page shows (and trains) them.
FAMILIES = (
    Family("SN-DCGAN, 2C (conditional)", _contragan_reference("contragan/2c"), _contragan_budget,
           ("contragan/conditioning_losses",), DATA_GATES["shapes"]),
    Family("SN-DCGAN, unconditional", _contragan_reference("contragan/uncond"), _contragan_budget,
           ("contragan/conditioning_losses",), DATA_GATES["shapes"]),
    Family(FAKECLR_FEW_SHOT_FAMILY, _fakeclr_reference(None), _fakeclr_budget(None),
           ("fakeclr/interpolation", "fakeclr/ppl", "fakeclr/ablations", "fakeclr/comparison", "fakeclr/kid_ppl",
            "fakeclr/nearest_neighbours", "fakeclr/queue_size"), MEMORISATION_GATE, note=_RAMP,
           curves=("memorisation",), horizon=_FEW_SHOT_HORIZON),
    Family("StyleGAN2, 1000 shapes (FakeCLR)", _fakeclr_reference(1000), _fakeclr_budget(1000),
           ("fakeclr/ablations", "fakeclr/components", "fakeclr/comparison", "fakeclr/kid_ppl", "fakeclr/path_length",
            "fakeclr/real_in_queue"), DATA_GATES["shapes"], note=_RAMP, horizon=_STYLEGAN2_HORIZON),
    Family("StyleGAN2 + SAN, 2000 shapes (Dual)", _stylegan2_reference("dual/san", DUAL_BUDGET),
           _stylegan2_budget(DUAL_BUDGET), ("dual_attention/resolution", "dual_attention/configurations"),
           DATA_GATES["shapes"], horizon=_STYLEGAN2_HORIZON),
    Family("StyleGAN2 + SAN, 10000 shapes (Dual)", _stylegan2_reference("dual/san", DUAL_BUDGET,
                                                                        **{"data.count": 10_000}),
           _stylegan2_budget(DUAL_BUDGET), ("dual_attention/data_size",), DATA_GATES["shapes"],
           horizon=_STYLEGAN2_HORIZON),
    Family("StyleGAN2, single D, scenes (MsConD)", _stylegan2_reference("msconD/stylegan2", MSCOND_BUDGET),
           _stylegan2_budget(MSCOND_BUDGET), ("msconD/logit_dynamics", "msconD/scales"), DATA_GATES["scenes"],
           curves=("objects",), horizon=_STYLEGAN2_HORIZON),
    Family("StyleGAN2, multi-scale D, scenes (MsConD)", _stylegan2_reference("msconD/multiscale", MSCOND_BUDGET),
           _stylegan2_budget(MSCOND_BUDGET), ("msconD/logit_dynamics", "msconD/scales"), DATA_GATES["scenes"],
           curves=("objects",), horizon=_STYLEGAN2_HORIZON),
    Family("StyleGAN2, MsConD, scenes", _stylegan2_reference("msconD/msconD", MSCOND_BUDGET),
           _stylegan2_budget(MSCOND_BUDGET), ("msconD/logit_dynamics", "msconD/scales"), DATA_GATES["scenes"],
           curves=("objects",), horizon=_STYLEGAN2_HORIZON),
)


#: The families a `smoke` page calibrates when none are named: one per kind of curve (class consistency, memorisation,
#: objects), so that CI exercises every path in under a minute.
SMOKE_FAMILIES = ("SN-DCGAN, 2C (conditional)", FAKECLR_FEW_SHOT_FAMILY,
                  "StyleGAN2, single D, scenes (MsConD)")


def family(label: str) -> Family:
    for f in FAMILIES:
        if f.label == label:
            return f
    raise KeyError(f"no calibration family {label!r}; the families are {[f.label for f in FAMILIES]}")


def default_families(scale_name: str, families: Optional[list] = None) -> list:
    """The labels of the families a page calibrates: ``families`` when given, else all of them (at `smoke`,
    :data:`SMOKE_FAMILIES`)."""
    if families is not None:
        return list(families)
    return list(SMOKE_FAMILIES) if scale_of(scale_name).name == "smoke" else [f.label for f in FAMILIES]


def calibration_label(family_label: str, resolution: int) -> str:
    return f"{family_label} @ {resolution} px"


def calibration_configs(scale_name: str, families: Optional[list] = None, steps: Optional[int] = None) -> dict:
    """``"<family> @ <R> px"`` -> RunConfig: each family's reference configuration at each calibration resolution,
    trained for the horizon (``steps`` overrides it) and measured every ``every`` steps on ``count`` samples."""
    horizon = CALIBRATION_HORIZON[scale_of(scale_name).name]
    chosen = [family(label) for label in default_families(scale_name, families)]
    configs = {}
    for f in chosen:
        for r in CALIBRATION_RESOLUTIONS[scale_of(scale_name).name]:
            length, every = (f.horizon or {}).get(scale_of(scale_name).name, {}).get(
                r, (horizon["steps"], horizon["every"]))
            c = f.build(scale_name, r)
            configs[calibration_label(f.label, r)] = c.replace(**{
                "optim.steps": steps or length, "eval.fd_every": every, "eval.fd_count": horizon["count"],
                "eval.log_every": min(c.eval.log_every, every), "eval.curves": f.curves})
    return configs


@page("appendix/calibration")
def _calibration(scale, seeds=None, dataset=None, data_dir=None, steps=None, families=None) -> PageSpec:
    if dataset not in (None, "shapes") or data_dir is not None:  # "shapes": every page's default parameter
        raise ValueError("the calibration page calibrates the embedded data sets its families name; it takes no "
                         f"other dataset or data_dir (got dataset={dataset!r}, data_dir={data_dir!r})")
    if not CALIBRATION_RESOLUTIONS[scale_of(scale).name]:
        raise ValueError(f"the calibration page calibrates the smoke and small scales; at {scale!r} each paper's "
                         "own budget applies")
    configs = calibration_configs(scale, families, steps)
    per_resolution = CALIBRATION_SEEDS[scale_of(scale).name]
    config_seeds = {label: list(per_resolution[c.data.resolution]) if seeds is None else resolve_seeds(scale, seeds)
                    for label, c in configs.items()}
    # no final evaluation: the last point of each curve is measured as a page's "metrics" evaluation is
    return PageSpec("appendix/calibration", scale, configs, resolve_seeds(scale, seeds), (),
                    config_seeds=config_seeds, noise_seeds=0)


def real_reference(spec: PageSpec, measures: tuple = ("fd", "precision", "recall")) -> dict:
    """What each calibration configuration's data set scores when its own training images are the samples
    (:func:`gancl.metrics.evaluate_real`: as many images as the curves' samples, against the same held-out split,
    in the same domain features): the floor of FD and the ceiling of precision and recall a gate is read against.
    Returns config label -> {measure: value}; one measurement per (data set, resolution), cached with the real
    statistics."""
    from gancl.metrics import evaluate_real

    measured, out = {}, {}
    for label, c in spec.configs.items():
        key = (c.data.name, c.data.resolution, c.data.data_dir, c.eval.fd_count)
        if key not in measured:
            result = evaluate_real(c.data.name, c.data.resolution, n=c.eval.fd_count, data_dir=c.data.data_dir)
            measured[key] = {m: float(getattr(result, m)) for m in measures}
        out[label] = measured[key]
    return out


def first_passing_step(curves: pd.DataFrame, gate: tuple) -> Optional[int]:
    """The first measured step at which the mean over seeds of every gate measure reaches its threshold (None when
    none does). ``curves``: one configuration's rows of :func:`curves`; ``gate``: (measure, threshold) pairs."""
    for step, measured in curves.assign(config="reference").groupby("step"):  # the page gate's own rule, per step
        if Gate("reference", gate).failure(measured) is None:
            return int(step)
    return None


def _mean_at(runs: pd.DataFrame, step: int, measures: list) -> dict:
    """The seeds' mean of ``measures`` at the last measured step at or before ``step`` (NaN before any)."""
    measured = runs[runs["step"] <= step]
    if measured.empty:
        return {m: float("nan") for m in measures}
    return measured[measured["step"] == measured["step"].max()][measures].mean().to_dict()


def summary(curves: pd.DataFrame, results: pd.DataFrame, scale_name: str,
            families: Optional[list] = None) -> pd.DataFrame:
    """One row per (family, resolution): seeds, the first step where the seeds' mean passes the family's gate (and
    the training minutes it takes, at the runs' measured seconds per step), the gate's measures at the pages'
    current budget and at the horizon, and each run's wall time.

    ``curves``: :func:`curves` of the runs; ``results``: :func:`gancl.train.train_grid`'s table of the same runs.
    """
    rows = []
    for f in [family(label) for label in default_families(scale_name, families)]:
        budget_resolution, budget_steps = f.budget(scale_name)
        measures = [m for m, _ in f.gate]
        for r in CALIBRATION_RESOLUTIONS[scale_of(scale_name).name]:
            label = calibration_label(f.label, r)
            runs, done = curves[curves["config"] == label], results[results["config"] == label]
            if runs.empty:
                continue
            passing = first_passing_step(runs, f.gate)
            seconds = float(done["seconds_per_step"].mean())
            row = {"family": f.label, "resolution": r, "seeds": int(runs["seed"].nunique()),
                   "gate": Gate(label, f.gate).condition(),
                   "first step passing": passing,
                   "minutes to pass": None if passing is None else passing * seconds / 60,
                   "budget now": f"{budget_steps} steps" if budget_resolution == r else "",
                   "seconds per step": seconds, "run wall minutes": float(done["wall_time"].mean()) / 60}
            at_budget = _mean_at(runs, budget_steps, measures) if budget_resolution == r else {}
            at_end = _mean_at(runs, int(runs["step"].max()), measures)
            for m in measures:
                row[f"{m} at budget"] = at_budget.get(m, float("nan"))
                row[f"{m} at {int(runs['step'].max())}"] = at_end[m]
            rows.append(row)
    return pd.DataFrame(rows)


def reading(table: pd.DataFrame) -> str:
    """The calibration in sentences, one per family, from :func:`summary`'s table: at which resolution and step the
    seeds' mean first passes the gate and what that costs, or that no run did within its horizon (with the gate
    measures where the horizon ended)."""
    sentences = []
    for label, rows in table.groupby("family", sort=False):
        parts = []
        for _, row in rows.iterrows():
            seeds = f"{row['seeds']} seed" + ("s" if row["seeds"] != 1 else "")
            if pd.notna(row["first step passing"]):
                parts.append(f"at {row['resolution']} px it passes at step {int(row['first step passing'])} "
                             f"(about {row['minutes to pass']:.0f} min of training; {seeds})")
            else:
                end = [c for c in row.index if " at " in c and not c.endswith(" at budget")]
                measured = ", ".join(f"{c.split(' at ')[0]} {row[c]:.2f}" for c in end if pd.notna(row[c]))
                horizon = end[0].split(" at ")[1] if end else "?"
                parts.append(f"at {row['resolution']} px it does not pass within {horizon} steps ({measured} at the "
                             f"end; {seeds})")
        gate = rows.iloc[0]["gate"]
        sentences.append(f"{label} (gate: {gate}): " + "; ".join(parts) + ".")
    return " ".join(sentences)
