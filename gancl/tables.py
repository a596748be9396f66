"""The papers' published numbers (``paper_tables/``) beside the numbers this code produced.

``paper_tables/index.csv`` has one row per table or figure: ``id``, ``paper``, ``source`` (table/figure number),
``caption``, ``metric``, ``better`` (lower/higher), ``units``, ``file`` and ``notes``. A table that reports several
metrics lists them separated by ``;`` in ``metric``, ``better`` and ``units``, in the same order. Each ``file`` is a
tidy CSV: one row per published number, the columns that identify it (data set, method, ...), then ``metric``,
``value`` and, where the paper prints mean ± std, ``std``. Figures whose values are only plotted have an index row
with an empty ``file`` and say so in ``notes``.

A page turns one slice of a table into a Series (:func:`paper_values`), puts its own per-seed results beside it
(:func:`compare`) and shows the result (:meth:`Comparison.style`, :func:`format_compute`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

#: The verdicts of :func:`judge` (and so of :func:`compare`, :func:`verdict_of`)
VERDICT_REPRODUCED = "reproduced"
VERDICT_REVERSED = "reversed"
VERDICT_NO_EFFECT = "no effect at this scale"
VERDICT_INCONCLUSIVE = "inconclusive"
VERDICT_NOT_JUDGED = "not judged"
#: The outcomes of one claimed ordering
OUTCOMES = ("agrees", "reversed", "equivalent", "inconclusive")


def tables_dir() -> Path:
    """``$GANCL_PAPER_TABLES`` if set, else ``paper_tables/`` of the checkout gancl is imported from."""
    path = Path(os.environ.get("GANCL_PAPER_TABLES", Path(__file__).resolve().parents[1] / "paper_tables"))
    if not (path / "index.csv").is_file():
        raise FileNotFoundError(
            f"no paper tables at {path}: install gancl from a checkout of its repository (pip install -e .) "
            "or set GANCL_PAPER_TABLES to the repository's paper_tables folder"
        )
    return path


@dataclass(frozen=True)
class TableInfo:
    """One row of ``paper_tables/index.csv``; ``metrics``, ``better`` and ``units`` are aligned tuples."""

    id: str
    paper: str
    source: str
    caption: str
    metrics: tuple[str, ...]
    better: tuple[str, ...]
    units: tuple[str, ...]
    file: str
    notes: str

    def better_for(self, metric: str) -> str:
        """'lower' or 'higher' for ``metric``."""
        if metric not in self.metrics:
            raise ValueError(f"table {self.id!r} has no metric {metric!r}; it has {', '.join(self.metrics)}")
        return self.better[self.metrics.index(metric)]


def index() -> pd.DataFrame:
    """The index of all transcribed tables and figures."""
    return pd.read_csv(tables_dir() / "index.csv", dtype=str, keep_default_na=False)


def info(table_id: str) -> TableInfo:
    """The index entry of ``table_id``."""
    rows = index()
    match = rows[rows["id"] == table_id]
    if match.empty:
        raise ValueError(f"no paper table {table_id!r}; known: {', '.join(rows['id'])}")
    row = match.iloc[0]

    def split(field: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in row[field].split(";")) if row[field] else ()

    metrics = split("metric")
    return TableInfo(
        id=row["id"], paper=row["paper"], source=row["source"], caption=row["caption"], metrics=metrics,
        better=split("better") or ("",) * len(metrics), units=split("units") or ("",) * len(metrics),
        file=row["file"], notes=row["notes"],
    )


def load(table_id: str) -> pd.DataFrame:
    """The table as a DataFrame; ``df.attrs["info"]`` holds its :class:`TableInfo`.

    Figures that are only plotted have no values: asking for one raises ValueError quoting the index notes.
    """
    meta = info(table_id)
    if not meta.file:
        raise ValueError(f"{table_id} ({meta.paper} {meta.source}) has no transcribed values: {meta.notes}")
    frame = pd.read_csv(tables_dir() / meta.file, keep_default_na=False, na_values=[""])
    frame.attrs["info"] = meta
    return frame


def paper_values(table_id: str, metric: str | None = None, key: str | None = None, **filters: Any) -> pd.Series:
    """One slice of a paper table as a Series indexed by configuration (``key``), named after the metric.

    ``filters`` select rows by column value (``dataset="CIFAR10"``). ``key`` names the column that identifies the
    configurations; by default it is the only identifying column left that still varies. ``metric`` may be
    omitted when the table has one. The Series carries ``attrs["better"]``, which :func:`compare` uses.
    """
    frame = load(table_id)
    meta: TableInfo = frame.attrs["info"]
    if metric is None:
        if len(meta.metrics) != 1:
            raise ValueError(f"table {table_id!r} has several metrics ({', '.join(meta.metrics)}); pass metric=")
        metric = meta.metrics[0]
    better = meta.better_for(metric)
    frame = frame[frame["metric"] == metric]
    for column, wanted in filters.items():
        if column not in frame.columns:
            raise ValueError(f"table {table_id!r} has no column {column!r}; it has {', '.join(frame.columns)}")
        frame = frame[frame[column] == wanted]
    if frame.empty:
        raise ValueError(f"no {metric} values in {table_id!r} for {filters}")
    identifying = [c for c in frame.columns if c not in ("metric", "value", "std")]
    if key is None:
        varying = [c for c in identifying if frame[c].nunique() > 1]
        if len(varying) != 1:
            raise ValueError(f"pick the configuration column with key= (or filter the others) among "
                             f"{', '.join(varying or identifying)} of table {table_id!r}")
        key = varying[0]
    if frame[key].duplicated().any():
        raise ValueError(f"column {key!r} does not identify one row per configuration in {table_id!r} for "
                         f"{filters}; filter by more columns")
    series = frame.set_index(key)["value"].astype(float).rename(metric)
    series.attrs.update(better=better, table=table_id)
    return series


@dataclass
class Comparison:
    """Result of :func:`compare`.

    ``table`` has one row per configuration (paper value and rank, reproduced mean, std, number of seeds, rank),
    ``pairs`` one row per ordering of the paper that was checked (:func:`judge`'s columns), ``kendall_tau`` the rank
    agreement of paper values and reproduced means, ``verdict`` :func:`judge`'s, ``summary`` a one-line account.
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    kendall_tau: float
    verdict: str
    summary: str
    better: str
    metric: str

    def style(self, caption: str | None = None, precision: int = 3):
        """The table as a pandas Styler for a page (see :func:`style_comparison`)."""
        return style_comparison(self, caption=caption, precision=precision)


def _is_better(a: float, b: float, better: str) -> bool:
    return a < b if better == "lower" else a > b


def compare(
    paper: pd.Series | pd.DataFrame,
    reproduced: pd.DataFrame,
    *,
    better: str | None = None,
    key: str = "config",
    value: str = "value",
    seed: str = "seed",
    pairs: Iterable[tuple[Any, Any]] | None = None,
    delta: float | None = None,
    confidence: float = 0.90,
    not_judged_because: str | None = None,
) -> Comparison:
    """Put the paper's values beside per-seed reproduced values and judge whether the paper's ordering holds.

    ``paper``: a Series indexed by configuration (e.g. from :func:`paper_values`) or a DataFrame with columns
    ``key`` and ``value``. ``reproduced``: one row per run, with columns ``key``, ``seed`` and ``value``.
    ``better``: 'lower' or 'higher' (default: ``paper.attrs["better"]``). Configurations missing on either side are
    left out. Reproduced std is the sample standard deviation over seeds (ddof=1; undefined with one seed).

    The orderings checked are ``pairs`` -- (a, b) meaning the paper finds a better than b; every pair must be one
    the paper orders that way -- or by default every pair the paper orders strictly. They are judged by
    :func:`judge` (per-seed differences, ``confidence`` intervals, ``delta`` the smallest effect worth reporting).
    Kendall's tau-b (scipy) between paper values and reproduced means is reported beside it, not used by the rule.
    ``not_judged_because``: the reason the runs may not be judged (a regime gate they did not pass, see
    :meth:`gancl.experiments.PageSpec.compare`): the values are still shown, every ordering is "not judged".
    """
    from scipy.stats import kendalltau

    if isinstance(paper, pd.DataFrame):
        attrs = dict(paper.attrs)
        paper = paper.set_index(key)[value]
        paper.attrs.update(attrs)
    better = better or paper.attrs.get("better")
    if better not in ("lower", "higher"):
        raise ValueError(f"better={better!r}: say whether lower or higher values are better")
    missing = {key, seed, value} - set(reproduced.columns)
    if missing:
        raise ValueError(f"reproduced results need columns {key!r}, {seed!r} and {value!r}; missing {sorted(missing)}")
    stats = reproduced.groupby(key)[value].agg(["mean", "std", "count"])
    common = [c for c in paper.index if c in stats.index and not math.isnan(float(paper[c]))]
    if len(common) < 2:
        raise ValueError(f"compare needs at least two configurations present in both the paper and the reproduced "
                         f"results; paper has {list(paper.index)}, reproduced has {list(stats.index)}")
    ascending = better == "lower"
    table = pd.DataFrame({
        "paper": paper[common].astype(float),
        "reproduced_mean": stats.loc[common, "mean"],
        "reproduced_std": stats.loc[common, "std"],
        "seeds": stats.loc[common, "count"].astype(int),
    })
    table.index.name = key
    table.insert(1, "paper_rank", table["paper"].rank(ascending=ascending, method="min").astype(int))
    table["reproduced_rank"] = table["reproduced_mean"].rank(ascending=ascending, method="min").astype(int)
    table = table.sort_values(["paper_rank", "reproduced_rank"])

    if pairs is None:
        ordered = [(a, b) if _is_better(table.at[a, "paper"], table.at[b, "paper"], better) else (b, a)
                   for a, b in combinations(table.index, 2) if table.at[a, "paper"] != table.at[b, "paper"]]
    else:
        ordered = list(pairs)
        for a, b in ordered:
            if a not in table.index or b not in table.index:
                raise ValueError(f"pair ({a!r}, {b!r}) names a configuration missing from the comparison")
            if not _is_better(table.at[a, "paper"], table.at[b, "paper"], better):
                raise ValueError(f"the paper does not rank {a!r} ({table.at[a, 'paper']}) better than {b!r} "
                                 f"({table.at[b, 'paper']}) with {better} values better")
    if not ordered:
        raise ValueError("the paper orders none of the compared configurations (all its values are equal)")

    tau = float(kendalltau(table["paper"], table["reproduced_mean"]).statistic)
    if not_judged_because is not None:
        judged = not_judged(ordered, not_judged_because, confidence, delta)
        summary = (f"{judged.verdict}; {len(ordered)} orderings in the paper; Kendall tau {tau:.2f} over "
                   f"{len(table)} configurations")
        return Comparison(table=table, pairs=judged.pairs, kendall_tau=tau, verdict=judged.verdict, summary=summary,
                          better=better, metric=str(paper.name or value))
    judged = judge(reproduced, ordered, better, delta, confidence, key=key, seed=seed, value=value)
    pair_table = judged.pairs
    verdict = judged.verdict
    counts = pair_table["outcome"].value_counts()
    summary = (f"{verdict}: of {len(ordered)} orderings in the paper, {counts.get('agrees', 0)} agree and "
               f"{counts.get('reversed', 0)} are reversed ({judged.confidence:.0%} intervals of the per-seed "
               f"differences), {counts.get('equivalent', 0)} show no effect, {counts.get('inconclusive', 0)} are "
               f"inconclusive; Kendall tau {tau:.2f} over {len(table)} configurations")
    return Comparison(table=table, pairs=pair_table, kendall_tau=tau, verdict=verdict, summary=summary,
                      better=better, metric=str(paper.name or value))


@dataclass
class Judgement:
    """Result of :func:`judge`: ``pairs`` one row per claimed ordering (better_in_paper, worse_in_paper, n, paired,
    effect, ci_low, ci_high, mde, outcome), ``verdict`` over all of them, ``confidence`` and ``delta`` as used."""

    pairs: pd.DataFrame
    verdict: str
    confidence: float
    delta: float | None

    def sentences(self, fmt: str = "{:.3g}") -> list:
        """One sentence per pair for a page: the effect with its interval, and for an inconclusive pair the
        smallest effect the seeds could have detected."""
        out = []
        for r in self.pairs.itertuples():
            if r.outcome == "not judged":
                continue
            if math.isnan(r.ci_low):  # a side with one seed: a difference, but no interval
                out.append(f"{r.better_in_paper} vs {r.worse_in_paper}: effect {fmt.format(r.effect)} in the paper's "
                           f"direction ({r.outcome}: {r.n} seed{'s give' if r.n != 1 else ' gives'} no interval)")
                continue
            text = (f"{r.better_in_paper} vs {r.worse_in_paper}: effect {fmt.format(r.effect)} in the paper's "
                    f"direction, {self.confidence:.0%} interval [{fmt.format(r.ci_low)}, {fmt.format(r.ci_high)}] "
                    f"({r.outcome})")
            if r.outcome == "inconclusive":
                text += f"; an effect smaller than {fmt.format(r.mde)} could not be detected with {r.n} seeds"
            out.append(text)
        return out


def _difference_stats(a: pd.Series, b: pd.Series, sign: float) -> tuple:
    """(n, paired, effect, standard error, degrees of freedom) of the difference b - a (times ``sign``) between
    two configurations' per-seed values (Series indexed by seed): paired over the seeds both have when they share at
    least two, else Welch's unpaired form over all of each (NaN when either has fewer than two)."""
    import numpy as np

    a, b = a.dropna(), b.dropna()
    shared = a.index.intersection(b.index)
    if len(shared) >= 2:
        d = sign * (b[shared] - a[shared]).to_numpy(dtype=float)
        n = len(d)
        return n, True, float(d.mean()), float(d.std(ddof=1) / np.sqrt(n)), n - 1
    if len(a) < 2 or len(b) < 2:
        return min(len(a), len(b)), False, float(sign * (b.mean() - a.mean())), math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se > 0 else len(a) + len(b) - 2
    return min(len(a), len(b)), False, float(sign * (b.mean() - a.mean())), se, df


def judge(reproduced: pd.DataFrame, pairs: Iterable[tuple[Any, Any]], better: str, delta: float | None = None,
          confidence: float = 0.90, *, key: str = "config", seed: str = "seed", value: str = "value") -> Judgement:
    """The book's verdict rule: is each ordering a paper claims ("a is better than b") seen in the seeds?

    ``reproduced``: one row per run with columns ``key``, ``seed``, ``value``; ``pairs``: (a, b) meaning the paper
    finds a better than b; ``better``: "lower" or "higher". For each pair, the effect is the mean over seeds of the
    per-seed difference in the paper's direction (positive = as the paper says: b - a when lower is better), paired
    over the seeds both configurations have (seed s of every configuration shares its random streams: common random
    numbers), or Welch's unpaired difference of means when they share fewer than two. With its standard error se and
    degrees of freedom df (n - 1 paired, Welch-Satterthwaite unpaired):

    - the two-sided ``confidence`` t-interval: effect -/+ t(1 - (1 - confidence)/2, df) se;
    - the smallest detectable effect, mde = (t(1 - (1 - confidence)/2, df) + t(0.80, df)) se: the effect the seeds
      would detect with 80% power;
    - outcome "agrees" if the interval lies above 0, "reversed" if below 0, "equivalent" if ``delta`` is given and
      the interval lies inside (-delta, delta), else "inconclusive" (also when a side has fewer than two seeds).

    Verdict: "reversed" if any pair is reversed, "reproduced" if all agree, "no effect at this scale" if all are
    equivalent, else "inconclusive".
    """
    from scipy import stats

    if better not in ("lower", "higher"):
        raise ValueError(f"better={better!r}: say whether lower or higher values are better")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence}: a probability in (0, 1)")
    if delta is not None and delta <= 0:
        raise ValueError(f"delta={delta}: the smallest effect worth reporting is positive")
    missing = {key, seed, value} - set(reproduced.columns)
    if missing:
        raise ValueError(f"reproduced results need columns {key!r}, {seed!r} and {value!r}; missing {sorted(missing)}")
    per_seed = {name: group.set_index(seed)[value].astype(float) for name, group in reproduced.groupby(key)}
    sign = 1.0 if better == "lower" else -1.0
    rows = []
    for a, b in pairs:
        for c in (a, b):
            if c not in per_seed:
                raise ValueError(f"{c!r} is not among the reproduced configurations {sorted(per_seed)}")
        n, paired, effect, se, df = _difference_stats(per_seed[a], per_seed[b], sign)
        if math.isnan(se):
            low = high = mde = math.nan
        else:
            t = stats.t.ppf(1 - (1 - confidence) / 2, df)
            low, high = effect - t * se, effect + t * se
            mde = (t + stats.t.ppf(0.80, df)) * se
        if low > 0:
            outcome = "agrees"
        elif high < 0:
            outcome = "reversed"
        elif delta is not None and -delta < low and high < delta:
            outcome = "equivalent"
        else:
            outcome = "inconclusive"
        rows.append({"better_in_paper": a, "worse_in_paper": b, "n": n, "paired": paired, "effect": effect,
                     "ci_low": low, "ci_high": high, "mde": mde, "outcome": outcome})
    if not rows:
        raise ValueError("no orderings given")
    table = pd.DataFrame(rows)
    return Judgement(pairs=table, verdict=verdict_of(table["outcome"]), confidence=confidence, delta=delta)


def not_judged(pairs: Iterable[tuple[Any, Any]], reason: str, confidence: float = 0.90,
               delta: float | None = None) -> Judgement:
    """The judgement of claims behind a regime gate that the runs did not pass: every pair "not judged", the
    verdict "not judged: <reason>"."""
    table = pd.DataFrame([{"better_in_paper": a, "worse_in_paper": b, "n": 0, "paired": False, "effect": math.nan,
                           "ci_low": math.nan, "ci_high": math.nan, "mde": math.nan, "outcome": "not judged"}
                          for a, b in pairs])
    return Judgement(pairs=table, verdict=f"{VERDICT_NOT_JUDGED}: {reason}", confidence=confidence, delta=delta)


def verdict_of(outcomes: Iterable[str]) -> str:
    """The verdict of :func:`judge` from the outcomes of the orderings checked: "reversed" if any is reversed,
    "reproduced" if all agree, "no effect at this scale" if all are equivalent, else "inconclusive"; "not judged"
    when the orderings were not judged (:func:`not_judged`: a regime gate the runs did not pass)."""
    outcomes = list(outcomes)
    if not outcomes:
        raise ValueError("no orderings were checked")
    if "not judged" in outcomes:
        if set(outcomes) != {"not judged"}:
            raise ValueError("some orderings were judged and some not: judge all of a claim's orderings or none")
        return VERDICT_NOT_JUDGED
    unknown = set(outcomes) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"unknown outcomes {sorted(unknown)}; outcomes are {OUTCOMES}")
    if "reversed" in outcomes:
        return VERDICT_REVERSED
    if all(o == "agrees" for o in outcomes):
        return VERDICT_REPRODUCED
    if all(o == "equivalent" for o in outcomes):
        return VERDICT_NO_EFFECT
    return VERDICT_INCONCLUSIVE


def check_orderings(reproduced: pd.DataFrame, pairs: Iterable[tuple[Any, Any]], *, better: str = "lower",
                    key: str = "config", value: str = "value", seed: str = "seed", delta: float | None = None,
                    confidence: float = 0.90, not_judged_because: str | None = None) -> pd.DataFrame:
    """Check claimed orderings on per-seed results when the paper gives no comparable values (a claim in its
    text, or values measured in another setting): each pair (a, b) claims a better than b.

    Returns :func:`judge`'s pairs with the reproduced mean of both sides beside them (``better_claimed``,
    ``worse_claimed``, ``mean_better_claimed``, ``mean_worse_claimed``, ``effect``, ``ci_low``, ``ci_high``, ``mde``,
    ``outcome``); :func:`verdict_of` turns the outcomes into a verdict. With ``not_judged_because`` (a regime gate
    the runs did not pass) every outcome is "not judged".
    """
    pairs = list(pairs)
    if not_judged_because is not None:
        judged = not_judged(pairs, not_judged_because, confidence, delta).pairs
    else:
        judged = judge(reproduced, pairs, better, delta, confidence, key=key, seed=seed, value=value).pairs
    means = reproduced.groupby(key)[value].mean()
    judged.insert(2, "mean_better_claimed", [means[a] for a, _ in pairs])
    judged.insert(3, "mean_worse_claimed", [means[b] for _, b in pairs])
    return judged.rename(columns={"better_in_paper": "better_claimed", "worse_in_paper": "worse_claimed"})


def format_mean_std(mean: float, std: float, fmt: str = "{:.2f}") -> str:
    """"mean ± std" with ``fmt`` for both; the mean alone when std is NaN (one seed)."""
    return fmt.format(mean) if math.isnan(std) else f"{fmt.format(mean)} ± {fmt.format(std)}"


def mean_std(values: Iterable[float], fmt: str = "{:.2f}") -> str:
    """Per-seed values as "mean ± std" (sample std, ddof=1), NaN values (diverged runs) left out; "n/a" if none."""
    kept = pd.Series(list(values), dtype=float).dropna()
    return "n/a" if kept.empty else format_mean_std(kept.mean(), kept.std(), fmt)


def style_comparison(comparison: Comparison, caption: str | None = None, precision: int = 3):
    """A Styler for a page: paper value and rank beside reproduced mean ± std and rank; rank 1 in bold."""
    table = comparison.table
    shown = pd.DataFrame({
        f"paper {comparison.metric}": table["paper"].map(lambda v: f"{v:.{precision}f}"),
        "paper rank": table["paper_rank"],
        "reproduced (mean ± std)": [format_mean_std(m, s, f"{{:.{precision}f}}")
                                    for m, s in zip(table["reproduced_mean"], table["reproduced_std"])],
        "reproduced rank": table["reproduced_rank"],
        "seeds": table["seeds"],
    }, index=table.index)

    def bold_best(column: pd.Series) -> list[str]:
        ranks = table["paper_rank"] if column.name.startswith("paper") else table["reproduced_rank"]
        return ["font-weight: bold" if r == 1 else "" for r in ranks]

    styler = shown.style.apply(bold_best, subset=[shown.columns[0], shown.columns[2]])
    caption = caption or f"{comparison.metric} ({comparison.better} is better). {comparison.summary}."
    return styler.set_caption(caption)


COMPUTE_KEYS = ("device", "wall_time", "steps", "images_seen")


def compute_summary(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per training run from run records with keys ``device``, ``wall_time`` (seconds), ``steps`` and
    ``images_seen``, such as ``RunResult.compute`` of :mod:`gancl.train`.

    Other keys (``run``, ``seed``, ``processes``, ``cached``...) are kept as columns.
    """
    if not records:
        raise ValueError("no run records: a page lists the compute of the runs it used")
    for number, record in enumerate(records):
        missing = [k for k in COMPUTE_KEYS if k not in record]
        if missing:
            raise ValueError(f"run record {number} lacks {', '.join(missing)} (each needs {', '.join(COMPUTE_KEYS)})")
    return pd.DataFrame(list(records))


def _arithmetic(mixed_precision: str, memory_format) -> str:
    """'float32', 'bf16 autocast', ... with ', channels_last' when the run used it (a run's record, see
    :mod:`gancl.train.precision`)."""
    name = {"no": "float32"}.get(mixed_precision, f"{mixed_precision} autocast")
    return name + (" + channels_last" if memory_format == "channels_last" else "")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _span(values: pd.Series, fmt: str = "{:,.0f}") -> str:
    low, high = values.min(), values.max()
    return fmt.format(low) if low == high else f"{fmt.format(low)}-{fmt.format(high)}"


def format_compute(records: Sequence[dict[str, Any]]) -> str:
    """One line stating the compute behind a page: runs, devices (and the arithmetic the runs computed in, when
    they record it: float32, bf16 autocast, + channels_last), wall time, steps and images seen per run.

    Records with ``processes`` > 1 show as ``device xN``; records with ``cached: True`` were reused from the run
    cache, and their wall time is that of the original run.
    """
    frame = compute_summary(records)
    processes = frame["processes"] if "processes" in frame else pd.Series(1, index=frame.index)
    devices = ", ".join(sorted({f"{d} x{int(n)}" if n and n > 1 else str(d)
                                for d, n in zip(frame["device"], processes.fillna(1))}))
    cached = int(frame["cached"].eq(True).sum()) if "cached" in frame else 0
    reused = f" ({cached} reused from the run cache)" if cached else ""
    runs = f"{len(frame)} run" + ("s" if len(frame) != 1 else "")
    arithmetic = ""
    if "mixed_precision" in frame and frame["mixed_precision"].notna().any():
        layouts = frame["memory_format"] if "memory_format" in frame else pd.Series(None, index=frame.index)
        arithmetic = " in " + ", ".join(sorted({_arithmetic(p, m) for p, m in zip(frame["mixed_precision"], layouts)
                                                if isinstance(p, str)}))
    return (f"Compute: {runs}{reused} on {devices}{arithmetic}; wall time {_duration(frame['wall_time'].sum())} in "
            f"total ({_duration(frame['wall_time'].mean())} per run); {_span(frame['steps'])} steps and "
            f"{_span(frame['images_seen'])} images seen per run.")
