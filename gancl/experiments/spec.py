"""Page specs: everything a book page computes, declared in one object.

A page asks ``page_spec(page, scale, **page_parameters)`` for its :class:`PageSpec`, hands it to
:func:`gancl.train.train_grid` (which trains what is missing and measures every run as the spec says, caching each
measurement in the run folder), and then only compares, plots and writes. The spec holds:

- ``configs``: row label -> RunConfig, the configurations the page compares;
- ``seeds``: the seeds of every configuration (``config_seeds`` overrides them for some labels);
- ``evaluations``: the measurements each run gets (:class:`Evaluation`);
- ``claims``: the paper's claims the page tests (:class:`Claim`, ids as in the book's Results page);
- ``settings``: the page's other measurement settings (frames of an interpolation, inversion steps, ...).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable, Optional

from gancl.train.config import RunConfig

EVALUATION_KINDS = ("metrics", "objects", "ppl", "interpolation", "memorisation", "dynamics")
#: kinds that sample the generator and need a sample count ``n`` ("dynamics" reads the run's history)
SAMPLING_KINDS = ("metrics", "objects", "ppl", "interpolation", "memorisation")


@dataclass(frozen=True)
class Evaluation:
    """One measurement every run of a page gets, cached in the run's folder.

    kind: "metrics" (FD, KID, precision/recall, density/coverage; class consistency and intra-class FD when
        conditional: :meth:`RunResult.evaluate`), "objects" (object- and scene-level FD on multi-object data:
        :meth:`RunResult.evaluate_objects`), "ppl" (perceptual path length in ``space``:
        :meth:`RunResult.evaluate_ppl`), "interpolation" (inversions and path smoothness, FakeCLR Fig. 1/6:
        :meth:`RunResult.evaluate_interpolation`), "memorisation" (the share of samples nearer to a training
        image than to a held-out one: :meth:`RunResult.evaluate_memorisation`) or "dynamics" (numbers read from
        the run's training history, ``options`` naming one of :data:`gancl.metrics.DYNAMICS`: "overfitting"
        for ContraGAN Fig. 3, "logits" for MsConD supplement Fig. 2; see :meth:`dynamics`).
    n: samples (metrics, objects, memorisation), endpoint pairs (ppl) or inverted training images
        (interpolation); unused (0) for "dynamics".
    extractor: the feature extractor of "metrics" ("domain" offline, "inception" with weights on disk).
    space: "z" or "w" for "ppl".
    options: further settings as (name, value) pairs (interpolation: invert_steps, frames, threshold,
        random_paths; memorisation: space, "pixels" or "features", the latter's column ``memorised_share_features``).
    """

    kind: str
    n: int = 0
    extractor: str = "domain"
    space: str = "w"
    options: tuple = ()

    def __post_init__(self):
        if self.kind not in EVALUATION_KINDS:
            raise ValueError(f"evaluation kind {self.kind!r} is unknown; choose one of {EVALUATION_KINDS}")
        if self.kind in SAMPLING_KINDS and self.n < 1:
            raise ValueError(f"evaluation {self.kind!r} needs n >= 1, got {self.n}")
        if self.kind == "dynamics":
            from gancl.metrics import DYNAMICS

            measure = dict(self.options).get("measure")
            if measure not in DYNAMICS:
                raise ValueError(f"a dynamics evaluation names its measure, one of {sorted(DYNAMICS)}: "
                                 f"options=(('measure', name),); got {measure!r}")
        if self.kind == "ppl" and self.space not in ("z", "w"):
            raise ValueError(f"PPL space {self.space!r}: use 'z' or 'w'")

    @classmethod
    def dynamics(cls, measure: str, **settings) -> "Evaluation":
        """The training-dynamics record ``measure`` ("overfitting" or "logits", :data:`gancl.metrics.DYNAMICS`)
        with its ``settings`` (e.g. threshold=0.5), read from each run's history."""
        return cls("dynamics", options=(("measure", measure), *sorted(settings.items())))

    def check(self, config: RunConfig) -> None:
        """Refuse, before any training, a configuration this measurement cannot be made on."""
        if self.kind == "objects":
            from gancl.metrics import require_object_boxes

            require_object_boxes(config.data.name, config.data.resolution, config.data.data_dir)
        if self.kind == "memorisation" and config.data.count is None:
            raise ValueError(f"run {config.name!r} trains on the whole data set (data.count None): memorisation "
                             "compares samples with a training subset; set data.count")

    def measure(self, run, force: bool = False) -> dict:
        """The flat record of this measurement on a finished run (cached in its folder; ``force`` re-measures).
        PPL columns are named for their space (``ppl_w``, ``ppl_w_std``) so both spaces fit in one row."""
        if self.kind == "metrics":
            return run.evaluate(self.extractor, self.n, force=force)
        if self.kind == "objects":
            return run.evaluate_objects(self.n, force=force)
        if self.kind == "interpolation":
            return run.evaluate_interpolation(self.n, force=force, **dict(self.options))
        if self.kind == "memorisation":  # options: ("space", "features") for the domain features' share
            space = dict(self.options).get("space", "pixels")
            record = run.evaluate_memorisation(self.n, space=space, force=force)
            return {"memorised_share" + ("" if space == "pixels" else f"_{space}"): record["memorised_share"]}
        if self.kind == "dynamics":  # cheap, from the history: nothing to cache
            from gancl.metrics import DYNAMICS

            settings = dict(self.options)
            return DYNAMICS[settings.pop("measure")](run.history(), **settings)
        record = run.evaluate_ppl(self.space, self.n, force=force)
        return {f"ppl_{self.space}": record["ppl"], f"ppl_{self.space}_std": record["ppl_std"],
                "ppl_distance": record["distance"]}


@dataclass(frozen=True)
class Claim:
    """A claim of a paper that a page tests: configuration ``a`` scores better than ``b`` on ``value`` for every
    pair, lower or higher being better. ``id`` names it across the book (C1 for ContraGAN's first claim)."""

    id: str
    statement: str
    pairs: tuple
    value: str = "fd"
    better: str = "lower"
    #: the smallest effect worth reporting (None: twice the page's evaluation noise of ``value``)
    delta: Optional[float] = None
    #: for a value that is the step of an event (overfitting, collapse): the column saying a run never reached it
    #: and its value is only the run's length. When no run of the claim's pairs reached it, the claim is not
    #: judged: equal lengths would read as "no effect" where nothing was observed.
    censored: Optional[str] = None
    #: the claim's own regime gate, in place of the page's: a page comparing two backbones judges each backbone's
    #: claim only when that backbone's baseline has learned the data (None: the page's gate)
    gate: Optional["Gate"] = None

    def __post_init__(self):
        if self.better not in ("lower", "higher"):
            raise ValueError(f"claim {self.id}: better={self.better!r}, use 'lower' or 'higher'")
        if not self.pairs:
            raise ValueError(f"claim {self.id} names no pair")


@dataclass(frozen=True)
class Gate:
    """The regime gate of a page: its claims are judged only when the ``baseline`` configuration has learned the
    data, each measure's mean over seeds at least its threshold (``minimum``: (column, threshold) pairs). A page
    whose generators draw blobs cannot test what a paper says about generators that draw images."""

    baseline: str
    minimum: tuple

    def condition(self) -> str:
        """The thresholds in words: "precision >= 0.5, recall >= 0.3"."""
        return ", ".join(f"{measure} >= {threshold:g}" for measure, threshold in self.minimum)

    def means(self, results) -> dict:
        """Each gate measure's mean over the baseline's finished runs (NaN where none has it) and the number of
        runs: {"precision": 0.61, "recall": 0.42, "runs": 3}."""
        import math

        runs = results[results["config"] == self.baseline]
        out = {column: float(runs[column].dropna().mean()) if column in runs and runs[column].notna().any()
               else math.nan for column, _ in self.minimum}
        return {**out, "runs": len(runs)}

    def failure(self, results) -> Optional[str]:
        """None when ``results`` (one row per run) pass, else "<measure> <value> below <threshold>" for the first
        measure that does not (or says that the baseline has no finished run)."""
        runs = results[results["config"] == self.baseline]
        for column, threshold in self.minimum:
            values = runs[column].dropna() if column in runs else runs.iloc[0:0]
            if values.empty:
                return f"{self.baseline} has no finished run with {column}"
            if values.mean() < threshold:
                seeds = f"{len(values)} seed" + ("s" if len(values) != 1 else "")
                return f"{column} {values.mean():.3g} below {threshold:g} ({self.baseline}, mean of {seeds})"
        return None


#: The gate of FakeCLR's few-shot pages: the baseline has memorised its subset (its Fig. 1/6 jumps appear between
#: memorised images): most samples nearer, in pixels, to one of the training images than to any held-out image of the
#: data set (about one half for a generator that has not; blurred or noisy copies of the training images score 0.97
#: and more, copies shifted by a pixel 0.92: ``benchmarks/memorisation_space.py``).
MEMORISATION_GATE = (("memorised_share", 0.8),)

#: The gate of each embedded data set (issue: a page judges generators that have learned the data): on `shapes`
#: precision >= 0.5 and recall >= 0.3 in the domain features; on `scenes` at least half the real rate of recognised
#: objects per generated image (object evaluation's ``recognised_ratio``) and the same precision and recall in the
#: scenes' own domain features. Objects alone do not suffice: a 40-step generator at 16 px drawing coloured specks
#: scores recognised_ratio 0.94, and 32 px runs with FD ~500 passed it. Real images drawn as samples
#: (:func:`gancl.metrics.evaluate_real`, 2000 against the held-out split) score precision 0.90 / recall 0.88 on
#: shapes and 0.85 / 0.88 on scenes at 16 px (0.91 / 0.90 and 0.89 / 0.92 at 32 px): the thresholds sit well below.
DATA_GATES = {"shapes": (("precision", 0.5), ("recall", 0.3)),
              "scenes": (("recognised_ratio", 0.5), ("precision", 0.5), ("recall", 0.3))}
#: The easier variants (``gancl.data.embedded``) are judged like the data they simplify.
DATA_GATES.update({"shapes_plain": DATA_GATES["shapes"], "scenes_plain": DATA_GATES["scenes"]})


def data_gate(baseline: str, dataset: str, measures: Optional[tuple] = None) -> Optional[Gate]:
    """The gate of ``dataset`` on the ``baseline`` configuration, or None for a data set without one declared.
    ``measures`` keeps only those of its thresholds (a page whose question does not need the others says why)."""
    if dataset not in DATA_GATES:
        return None
    minimum = DATA_GATES[dataset]
    if measures is not None:
        unknown = set(measures) - {column for column, _ in minimum}
        if unknown:
            raise ValueError(f"the gate of {dataset!r} has no threshold on {sorted(unknown)}; it has "
                             f"{[column for column, _ in minimum]}")
        minimum = tuple((column, threshold) for column, threshold in minimum if column in measures)
    return Gate(baseline, minimum)


@dataclass
class PageSpec:
    """What one page trains and measures at one scale (see the module docstring)."""

    page: str
    scale: str
    configs: dict
    seeds: list
    evaluations: tuple
    claims: tuple = ()
    on_diverge: str = "raise"
    config_seeds: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    #: judge the claims only when the baseline has learned the data (None: no gate)
    gate: Optional[Gate] = None
    #: sample seeds with which train_grid re-evaluates a generator (each gate's baseline, else the first
    #: configuration) to measure the evaluation's own noise (0: not measured)
    noise_seeds: int = 5
    #: False for a page whose configurations are not trained (timed, say): its "runs" are not runs to cache
    trains: bool = True

    def __post_init__(self):
        unknown = set(self.config_seeds) - set(self.configs)
        if unknown:
            raise ValueError(f"config_seeds names configurations the spec does not have: {sorted(unknown)}")
        if self.gate is not None and self.gate.baseline not in self.configs:
            raise ValueError(f"the gate's baseline {self.gate.baseline!r} is not a configuration of the spec")
        for claim in self.claims:
            missing = {label for pair in claim.pairs for label in pair} - set(self.configs)
            if missing:
                raise ValueError(f"claim {claim.id} compares configurations the spec does not have: {sorted(missing)}")
            if claim.gate is not None and claim.gate.baseline not in self.configs:
                raise ValueError(f"claim {claim.id}'s gate's baseline {claim.gate.baseline!r} is not a configuration "
                                 "of the spec")

    def seeds_of(self, label: str) -> list:
        return list(self.config_seeds.get(label, self.seeds))

    def runs(self) -> list:
        """Every (label, seed) the page needs, in the order it trains them."""
        return [(label, int(seed)) for label in self.configs for seed in self.seeds_of(label)]

    def evaluation(self, kind: str, space: Optional[str] = None) -> Evaluation:
        """The spec's evaluation of ``kind`` (and PPL ``space``); KeyError when it has none."""
        for e in self.evaluations:
            if e.kind == kind and (space is None or e.space == space):
                return e
        raise KeyError(f"page {self.page!r} declares no {kind!r} evaluation" + (f" in {space}" if space else ""))

    @property
    def n_eval(self) -> int:
        """Samples of the "metrics" evaluation."""
        return self.evaluation("metrics").n

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(f"page {self.page!r} declares no claim {claim_id!r}; it has {[c.id for c in self.claims]}")

    def judge(self, results, claim_id: str, delta: Optional[float] = None, confidence: float = 0.90):
        """Judge claim ``claim_id`` on ``results`` (train_grid's table, or any frame with config, seed and the
        claim's value column) with :func:`gancl.tables.judge`, behind the spec's regime gate: below it, the verdict
        is "not judged: <measure> <value> below <threshold>" and no pair is judged. ``delta``, the smallest effect
        worth reporting, defaults to the claim's, else twice the evaluation noise of its value
        (``results.attrs["evaluation_noise"]``, measured by train_grid), else none."""
        from gancl import tables

        claim = self.claim(claim_id)
        if delta is None:
            noise = self.evaluation_noise(results, claim_id).get(claim.value)
            delta = claim.delta if claim.delta is not None else (2 * noise if noise else None)
        failure = self.gate_failure(results, claim_id)
        if failure is None and claim.censored is not None:
            involved = results[results["config"].isin({label for pair in claim.pairs for label in pair})]
            if len(involved) and involved[claim.censored].astype(bool).all():
                failure = f"no run reached the event within its budget ({claim.value} censored at the run's length)"
        if failure is not None:
            return tables.not_judged(claim.pairs, failure, confidence, delta)
        return tables.judge(results, claim.pairs, claim.better, delta, confidence, value=claim.value)

    def evaluation_noise(self, results, claim_id: Optional[str] = None) -> dict:
        """The evaluation noise behind claim ``claim_id`` (measure -> std over sample seeds), as train_grid stores it
        in ``results.attrs``: measured on the claim's own gate's baseline when it has one, else the page's."""
        own = self.claim(claim_id).gate if claim_id is not None else None
        if own is not None and own.baseline in results.attrs.get("evaluation_noise_of", {}):
            return results.attrs["evaluation_noise_of"][own.baseline]
        return results.attrs.get("evaluation_noise", {})

    def gate_of(self, claim_id: Optional[str] = None) -> Optional[Gate]:
        """The gate claim ``claim_id`` is judged behind (its own, else the page's); the page's for None."""
        own = self.claim(claim_id).gate if claim_id is not None else None
        return own if own is not None else self.gate

    def gates(self) -> list:
        """Every distinct gate of the page, the page's first, then the claims' own in their order."""
        out = [] if self.gate is None else [self.gate]
        for claim in self.claims:
            if claim.gate is not None and claim.gate not in out:
                out.append(claim.gate)
        return out

    def gate_failure(self, results, claim_id: Optional[str] = None) -> Optional[str]:
        """Why ``results`` (one row per run, with a ``config`` column) may not be judged: the failure of the gate
        of claim ``claim_id`` (:meth:`gate_of`; None: the page's) ("<measure> <value> below <threshold>"), or None
        when they pass it or there is no gate."""
        gate = self.gate_of(claim_id)
        return gate.failure(results) if gate is not None else None

    def compare(self, paper, reproduced, *, gate_on=None, claim_id: Optional[str] = None, **options):
        """:func:`gancl.tables.compare` (the paper's values beside the runs', and its orderings judged) behind the
        page's regime gate (``claim_id``: that claim's gate): when the gate's baseline in ``gate_on`` (default:
        ``reproduced``; pass the page's full results when ``reproduced`` is a subset or renamed) has not learned
        the data, the values are shown and every ordering is "not judged". A page judges only through its spec, so
        no verdict escapes the gate."""
        from gancl import tables

        failure = self.gate_failure(reproduced if gate_on is None else gate_on, claim_id)
        return tables.compare(paper, reproduced, not_judged_because=failure, **options)

    def check_orderings(self, reproduced, pairs, *, gate_on=None, claim_id: Optional[str] = None, **options):
        """:func:`gancl.tables.check_orderings` (orderings a paper claims without comparable values) behind the
        page's regime gate (``claim_id``: that claim's), as :meth:`compare`."""
        from gancl import tables

        failure = self.gate_failure(reproduced if gate_on is None else gate_on, claim_id)
        return tables.check_orderings(reproduced, pairs, not_judged_because=failure, **options)

    @classmethod
    def of(cls, configs: dict, seeds, n_eval: int = 2000, extractor: str = "domain", evaluate: bool = True,
           on_diverge: str = "raise") -> "PageSpec":
        """An ad-hoc spec (no page): these configurations and seeds, measured with the standard metrics."""
        evaluations = (Evaluation("metrics", n_eval, extractor),) if evaluate else ()
        return cls("adhoc", "custom", dict(configs), [int(s) for s in seeds], evaluations, on_diverge=on_diverge,
                   noise_seeds=0)


def metrics_evaluation(scale_name: str) -> Evaluation:
    """The standard measurement of a page's runs: FD, KID, precision/recall, ... on the scale's ``fd_count``
    samples (2000 at small)."""
    from gancl.experiments.scales import scale

    return Evaluation("metrics", scale(scale_name).fd_count)


def memorisation_evaluation(scale_name: str) -> Evaluation:
    """How much a run copies its training set (the share of samples nearer a training image than a held-out one,
    :meth:`RunResult.evaluate_memorisation`) on the scale's ``fd_count`` samples: what the few-shot pages gate on."""
    from gancl.experiments.scales import scale

    return Evaluation("memorisation", scale(scale_name).fd_count)


_PAGES: dict = {}


def page(name: str):
    """Decorator registering a page spec builder ``fn(scale, seeds=None, dataset=None, data_dir=None, steps=None,
    **page_specific) -> PageSpec`` under the page's name (``<paper folder>/<page file>``)."""

    def wrap(fn: Callable[..., PageSpec]):
        if name in _PAGES:
            raise ValueError(f"page spec {name!r} is registered twice")
        _PAGES[name] = fn
        return fn

    return wrap


def pages() -> list:
    """The names of every page with a spec."""
    return sorted(_PAGES)


def page_spec(page: str, scale: str, **parameters) -> PageSpec:
    """The spec of ``page`` (e.g. "contragan/conditioning_losses") at ``scale`` for the page's parameters (the
    notebook's ``seeds``, ``dataset``, ``data_dir``, ``steps`` and its own ones such as ``sizes``)."""
    from gancl.experiments.scales import scale as check_scale

    if page not in _PAGES:
        raise ValueError(f"no page spec {page!r}; known pages: {', '.join(pages())}")
    check_scale(scale)
    fn = _PAGES[page]
    accepted = set(inspect.signature(fn).parameters) - {"scale"}
    unknown = set(parameters) - accepted
    if unknown:
        raise ValueError(f"page {page!r} takes no parameter {sorted(unknown)}; it takes {sorted(accepted)}")
    return fn(scale, **parameters)
