"""Training diagnostics from a run history: logit gaps, authenticity-accuracy gap, spectral norms, best step, collapse.

These mirror ContraGAN (Kang & Park 2020) Fig. 3 (discriminator accuracy on training vs. held-out real images, and
spectral norms of D's layers) and MsConD (Lee et al.) Fig. 2 (real/fake logit dynamics per discriminator scale).

History format (the trainer writes it; this is the one place the column names are defined)
-------------------------------------------------------------------------------------------
A list of dict rows or a pandas DataFrame, one row per logged step; a column missing from a row is NaN there.

=====================================  ==========================================================================
column                                 meaning
=====================================  ==========================================================================
``step``                               generator update count (int, required)
``images_seen``                        real images shown to D so far
``wall_time``                          seconds since the run started
``loss/<D|G>/<term>``                  each loss term, e.g. ``loss/D/adv``, ``loss/G/cond``, ``loss/D/instance``
``logits/<output>/<real|fake>/mean``   mean D logit on real / generated images of the batch, per D output;
``logits/<output>/<real|fake>/std``    ``<output>`` is ``final`` or a scale's height, e.g. ``16`` (MsConD)
``acc/train_real``                     share of training real images D calls real (logit > 0)
``acc/val_real``                       the same on held-out real images (never trained on)
``acc/fake``                           share of generated images D calls fake
``sn/<layer name>``                    largest singular value of that D layer's weight
``eval/<metric>``                      evaluation results on the steps they were computed, e.g. ``eval/fd``
=====================================  ==========================================================================

The older single-output form ``logits/<real|fake>/<mean|std>`` is read as output ``final``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

_LOGIT = re.compile(r"^logits/(?:(?P<out>[^/]+)/)?(?P<side>real|fake)/(?P<stat>mean|std)$")


def history_frame(history) -> pd.DataFrame:
    """The history as a DataFrame sorted by ``step`` (a copy); ValueError when there is no ``step`` column."""
    df = pd.DataFrame(history) if not isinstance(history, pd.DataFrame) else history.copy()
    if "step" not in df.columns:
        raise ValueError(f"the history needs a 'step' column; it has {sorted(df.columns)[:12]}")
    return df.sort_values("step", kind="stable").reset_index(drop=True)


def _logit_columns(df: pd.DataFrame) -> dict:
    """{(output, side, stat): column} for every logit statistic column."""
    found = {}
    for col in df.columns:
        m = _LOGIT.match(str(col))
        if m:
            found[(m.group("out") or "final", m.group("side"), m.group("stat"))] = col
    return found


def logit_outputs(history) -> list:
    """The D outputs that have logit statistics: "final" first, then scales by height."""
    outs = {key[0] for key in _logit_columns(history_frame(history))}
    return sorted(outs, key=lambda o: (o != "final", int(o) if o.isdigit() else 0, o))


def logit_statistics(history, output: str = "final") -> pd.DataFrame:
    """Real/fake logit mean and std of one D output over steps.

    Columns: step, real_mean, real_std, fake_mean, fake_std (NaN where the history lacks a statistic).
    """
    df = history_frame(history)
    cols = _logit_columns(df)
    out = pd.DataFrame({"step": df["step"]})
    for side in ("real", "fake"):
        for stat in ("mean", "std"):
            col = cols.get((output, side, stat))
            out[f"{side}_{stat}"] = df[col] if col is not None else np.nan
    if out[["real_mean", "fake_mean"]].isna().all().all():
        raise ValueError(f"no logit statistics for output {output!r}; outputs present: {logit_outputs(df)}")
    return out.dropna(subset=["real_mean", "fake_mean"], how="all").reset_index(drop=True)


def logit_gap(history, normalise: bool = False) -> pd.DataFrame:
    """Mean real logit minus mean fake logit, per D output (one column each) over steps (MsConD Fig. 2).

    ``normalise=True`` divides by the pooled standard deviation sqrt((std_real^2 + std_fake^2) / 2), which makes
    outputs with different logit scales comparable (needs the std columns).
    """
    df = history_frame(history)
    cols = _logit_columns(df)
    out = pd.DataFrame({"step": df["step"]})
    for o in logit_outputs(df):
        gap = df[cols[(o, "real", "mean")]] - df[cols[(o, "fake", "mean")]]
        if normalise:
            gap = gap / np.sqrt((df[cols[(o, "real", "std")]] ** 2 + df[cols[(o, "fake", "std")]] ** 2) / 2)
        out[o] = gap
    return out.dropna(how="all", subset=list(out.columns[1:])).reset_index(drop=True)


def logit_trends(history, tail: float = 0.5) -> pd.DataFrame:
    """How each D output's real and fake logits move apart over training (MsConD supplement Fig. 2), one row per
    output.

    Columns: ``output``; ``gap_start`` / ``gap_end``: mean real-minus-fake logit gap over the first / last
    ``tail`` share of the logged steps; ``gap_slope``: least-squares slope of the gap per 1000 images seen (per
    1000 steps when the history has no ``images_seen``); ``separation_start`` / ``separation_end``: the gap over
    the pooled std sqrt((std_real^2 + std_fake^2) / 2), mean over the first / last ``tail`` share, comparable across
    outputs with different logit scales (NaN without std columns): a raw gap also grows when every logit just
    grows in size, a separation only when the two distributions overlap less; ``fake_std_end`` /
    ``real_std_end``: mean logit std over the tail.
    """
    if not 0 < tail <= 1:
        raise ValueError(f"tail must be in (0, 1], got {tail}")
    df = history_frame(history)
    seen = "images_seen" in df.columns and df["images_seen"].notna().all()
    clock = (df["images_seen"] if seen else df["step"]).set_axis(df["step"]) / 1000
    rows = []
    for o in logit_outputs(df):
        stats = logit_statistics(df, o).dropna(subset=["real_mean", "fake_mean"]).reset_index(drop=True)
        if len(stats) < 2:
            raise ValueError(f"output {o!r} has fewer than two logged gaps: a trend needs at least two")
        gap = stats["real_mean"] - stats["fake_mean"]
        separation = gap / np.sqrt((stats["real_std"] ** 2 + stats["fake_std"] ** 2) / 2)
        k = max(1, int(round(tail * len(stats))))
        slope = np.polyfit(clock.loc[stats["step"]].to_numpy(float), gap.to_numpy(float), 1)[0]
        rows.append({"output": o, "gap_start": float(gap.iloc[:k].mean()), "gap_end": float(gap.iloc[-k:].mean()),
                     "gap_slope": float(slope), "separation_start": float(separation.iloc[:k].mean()),
                     "separation_end": float(separation.iloc[-k:].mean()),
                     "fake_std_end": float(stats["fake_std"].iloc[-k:].mean()),
                     "real_std_end": float(stats["real_std"].iloc[-k:].mean())})
    return pd.DataFrame(rows)


@dataclass
class AccuracyGap:
    """Training vs. held-out real accuracy of D (ContraGAN Fig. 3).

    Attributes:
        frame: columns step, train_real, val_real, gap (= train_real - val_real), after optional smoothing.
        threshold: the gap that counts as overfitting.
        first_step: first step whose gap exceeds the threshold, or None.
    """

    frame: pd.DataFrame
    threshold: float
    first_step: Optional[int]


def accuracy_gap(history, threshold: float = 0.1, window: int = 1) -> AccuracyGap:
    """Gap between D's accuracy on training and on held-out real images, and when it first exceeds ``threshold``.

    A discriminator that calls its training images real but held-out ones fake has memorised the training set;
    ContraGAN Fig. 3 tracks exactly this. ``window`` > 1 applies a trailing rolling mean before thresholding.
    """
    df = history_frame(history)
    missing = [c for c in ("acc/train_real", "acc/val_real") if c not in df.columns]
    if missing:
        raise ValueError(f"accuracy_gap needs columns {missing} in the history")
    out = df[["step", "acc/train_real", "acc/val_real"]].dropna().rename(
        columns={"acc/train_real": "train_real", "acc/val_real": "val_real"}).reset_index(drop=True)
    if window > 1:
        out[["train_real", "val_real"]] = out[["train_real", "val_real"]].rolling(window, min_periods=1).mean()
    out["gap"] = out["train_real"] - out["val_real"]
    over = out.loc[out["gap"] > threshold, "step"]
    return AccuracyGap(out, threshold, int(over.iloc[0]) if len(over) else None)


def spectral_norms(history) -> pd.DataFrame:
    """Spectral norms of D's layers over steps: column step plus one column per layer (``sn/`` prefix dropped)."""
    df = history_frame(history)
    cols = [c for c in df.columns if str(c).startswith("sn/")]
    if not cols:
        raise ValueError("the history has no 'sn/<layer>' columns")
    out = df[["step", *cols]].dropna(how="all", subset=cols)
    return out.rename(columns={c: c[3:] for c in cols}).reset_index(drop=True)


def _metric_series(history, metric: str) -> pd.DataFrame:
    df = history_frame(history)
    if metric not in df.columns:
        raise ValueError(f"the history has no {metric!r} column; evaluation columns: "
                         f"{[c for c in df.columns if str(c).startswith('eval/')]}")
    return df[["step", metric]].dropna().reset_index(drop=True)


def best_step(history, metric: str = "eval/fd", mode: str = "min") -> tuple[int, float]:
    """The step with the best value of ``metric`` ("min" for distances, "max" for e.g. recall): (step, value)."""
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    s = _metric_series(history, metric)
    if s.empty:
        raise ValueError(f"{metric!r} has no values in the history")
    i = s[metric].idxmin() if mode == "min" else s[metric].idxmax()
    return int(s.loc[i, "step"]), float(s.loc[i, metric])


@dataclass
class Collapse:
    """Whether and when training collapsed.

    Attributes:
        collapsed: True when the metric left and stayed out of reach of its best value (see :func:`detect_collapse`).
        step: the first evaluation step of the collapsed stretch, or None.
        best_step, best_value: the best evaluation before it.
    """

    collapsed: bool
    step: Optional[int]
    best_step: int
    best_value: float


def detect_collapse(history, metric: str = "eval/fd", factor: float = 2.0, patience: int = 2) -> Collapse:
    """Training collapse as a lasting blow-up of a distance after its best value (BigGAN-style collapse).

    Collapsed when, after the best (lowest) evaluation, ``patience`` consecutive evaluations all exceed
    ``factor`` x the best value; ``step`` is the first of them. A run whose last evaluations are too few to fill
    ``patience`` is not called collapsed.
    """
    if factor <= 1 or patience < 1:
        raise ValueError(f"factor must be > 1 and patience >= 1, got {factor} and {patience}")
    s = _metric_series(history, metric)
    b_step, b_value = best_step(s, metric, "min")
    after = s[s["step"] > b_step].reset_index(drop=True)
    bad = (after[metric] > factor * b_value).to_numpy()
    for i in range(len(bad) - patience + 1):
        if bad[i:i + patience].all():
            return Collapse(True, int(after.loc[i, "step"]), b_step, b_value)
    return Collapse(False, None, b_step, b_value)


def summarize(history, fd_metric: str = "eval/fd", acc_threshold: float = 0.1) -> dict:
    """One dict of the headline diagnostics that the history supports (others are left out).

    Keys: ``final_logit_gap/<output>``, ``acc_gap_final``, ``acc_gap_first_step``, ``best_fd_step``,
    ``best_fd``, ``collapsed``, ``collapse_step``, ``steps``, ``images_seen``.
    """
    df = history_frame(history)
    out = {"steps": int(df["step"].max())}
    if "images_seen" in df.columns and df["images_seen"].notna().any():
        out["images_seen"] = int(df["images_seen"].max())
    if _logit_columns(df):
        gaps = logit_gap(df)
        for o in gaps.columns[1:]:
            series = gaps[o].dropna()
            if len(series):
                out[f"final_logit_gap/{o}"] = float(series.iloc[-1])
    if {"acc/train_real", "acc/val_real"} <= set(df.columns):
        acc = accuracy_gap(df, acc_threshold)
        if len(acc.frame):
            out["acc_gap_final"] = float(acc.frame["gap"].iloc[-1])
            out["acc_gap_first_step"] = acc.first_step
    if fd_metric in df.columns and df[fd_metric].notna().any():
        c = detect_collapse(df, fd_metric)
        out.update(best_fd_step=c.best_step, best_fd=c.best_value, collapsed=c.collapsed, collapse_step=c.step)
    return out


def overfitting_record(history, threshold: float = 0.5) -> dict:
    """ContraGAN Fig. 3 as numbers a claim can compare across runs (one flat record per run).

    ``overfit_step``: the first logged step where D's accuracy on its training reals exceeds that on held-out reals
    by more than ``threshold`` (:func:`accuracy_gap`); a run in which that never happens gets its last logged step,
    so a delay is counted as at least the run's length (right-censored: ``overfit_censored`` says so; the comparison
    then understates a delay, it never invents one). ``collapse_step``: the first step of a collapse
    (:func:`detect_collapse` on ``eval/fd``), censored in the same way (``collapse_censored``); NaN without FD
    evaluations during training. ``final_acc_gap``: the gap at the last logged step.
    """
    df = history_frame(history)
    last = int(df["step"].max())
    gap = accuracy_gap(df, threshold)
    if gap.frame.empty:
        raise ValueError("the history has no step with both acc/train_real and acc/val_real")
    record = {"overfit_step": float(gap.first_step if gap.first_step is not None else last),
              "overfit_censored": gap.first_step is None, "final_acc_gap": float(gap.frame["gap"].iloc[-1]),
              "collapse_step": np.nan, "collapse_censored": np.nan}
    if "eval/fd" in df.columns and df["eval/fd"].notna().any():
        collapse = detect_collapse(df, "eval/fd")
        record.update(collapse_step=float(collapse.step if collapse.collapsed else last),
                      collapse_censored=not collapse.collapsed)
    return record


def logit_dynamics_record(history, tail: float = 0.5) -> dict:
    """MsConD supplement Fig. 2 as numbers a claim can compare across runs (one flat record per run), from
    :func:`logit_trends` over the last ``tail`` share of the logged steps.

    ``separation_end``: the largest real-fake separation (gap over the pooled std, in size) of any of D's outputs:
    how far apart D keeps real and fake logits where it keeps them furthest (the paper: multi-scale outputs keep
    them close). ``separation_growth``: the final output's separation at the end minus at the start (the paper:
    a single-output D's logits drift apart). ``finest_fake_std``: the std of the fake logits at D's finest scale
    branch (the paper: the contrastive term steadies it); NaN for a D without branches.
    """
    trends = logit_trends(history, tail).set_index("output")
    branches = [o for o in trends.index if o.isdigit()]
    finest = max(branches, key=int) if branches else None
    return {"separation_end": float(trends["separation_end"].abs().max()),
            "separation_growth": float(trends.at["final", "separation_end"] - trends.at["final", "separation_start"]),
            "finest_fake_std": float(trends.at[finest, "fake_std_end"]) if finest else np.nan}


#: The per-run records of training dynamics an Evaluation of kind "dynamics" can ask for, by name.
DYNAMICS = {"overfitting": overfitting_record, "logits": logit_dynamics_record}
