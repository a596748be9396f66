"""Run configuration: one dataclass tree that, with a seed, determines a training run completely.

Settings derived from others are written ``"auto"`` (R1 gamma from the batch and resolution, the FakeCLR queue from
the data count) or as a fraction of the run (the augmentation ramp) and resolved in one place,
:meth:`RunConfig.resolved`, after every override: a preset with ``optim.batch_size`` changed gets the gamma of the
new batch, so ``gancl train --preset ... --set ...`` rebuilds exactly the run a page trained.

A run is identified by :meth:`RunConfig.run_id`, a hash of every field that can change its results (data, model,
objective, optimisation, evaluation) plus the seed. Fields that only change how a run is watched or stored
(progress bar, checkpoint interval, tracker) are excluded, so changing them reuses the cached run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Optional, Union

from gancl.models import ModelConfig

def _added_later(default, omit_at=None):
    """A config field added after runs were cached: out of :meth:`RunConfig.identity` while at its default (or,
    for a derived setting, while it resolves to ``omit_at``, the behaviour every cached run had)."""
    return field(default=default, metadata={"added_later": True, "omit_at": default if omit_at is None else omit_at})


AUTO = "auto"
#: measurements a run can take over time besides FD, precision and recall (``eval.curves``)
CURVES = ("objects", "memorisation")


def r1_gamma_heuristic(resolution: int, batch_size: int) -> float:
    """StyleGAN2-ADA's R1 weight for a new setting: gamma = 0.0002 * resolution^2 / batch (Karras et al. 2020,
    ``train.py`` ``cfg_specs['auto']``), so the penalty per image stays comparable across batch sizes."""
    return 0.0002 * resolution * resolution / batch_size


#: The smallest queue: FakeCLR's for its smallest (100-shot) data sets, 5% of 100 images doubled by mirroring.
FAKECLR_MIN_QUEUE = 10


def fakeclr_queue_size(count: int) -> int:
    """The negative queue of FakeCLR's released code: 5% of the data set doubled by mirroring (its FFHQ setting;
    Li et al. 2022, Sec. 4.1 gives 5%), for the data sets of 100 images and more that the paper trains; below, the
    queue of its 100-shot sets (:data:`FAKECLR_MIN_QUEUE`), so the diversity-aware queue has room to shrink."""
    return max(FAKECLR_MIN_QUEUE, round(0.05 * count * 2))


ADV_LOSSES = ("hinge", "nonsat", "dual_contrastive")
#: Conditioning objectives: "proj" lives in D's head; the others add a loss term (ContraGAN Table 1 rows).
COND_LOSSES = ("none", "proj", "acgan", "pnca", "ntxent", "eq7", "2c")
#: FakeCLR Eq. 6-8, and "real+fake": both terms with a queue each, the InsGen-like objective of its Table 6
INSTANCE_MODES = ("none", "real", "fake", "perturbation", "real+fake")
KEY_PRECISIONS = ("float32", "bfloat16")
MIXED_PRECISION = ("no", "fp16", "bf16", "auto")
MEMORY_FORMATS = ("contiguous", "channels_last", "auto")
DTYPES = ("float32", "float64")


@dataclass
class DataConfig:
    """Which images D sees. ``count`` makes an n-shot subset; ``val_count`` held-out reals for diagnostics."""

    name: str = "shapes"
    resolution: int = 32
    count: Optional[int] = None
    data_dir: Optional[str] = None
    seed: int = 0
    val_count: int = 512
    #: x-flip the reals with probability 1/2 (the "mirrored" data sets of StyleGAN2-ADA / FakeCLR)
    mirror: bool = False


@dataclass
class LossConfig:
    """The objective, composed from the four papers' terms; each paper's settings read together below (the names
    stay flat: ``loss.<field>`` in overrides and run ids).

    Shared: ``adv`` (hinge, non-saturating, or Yu et al.'s dual contrastive loss), DiffAugment on every D input
    (``augment`` with probability ``augment_p``, ramped linearly over ``augment_ramp`` steps when > 0 -- FakeCLR's
    ADA-linear baseline; a float in (0, 1) is a fraction of ``optim.steps``), the second view of the contrastive
    terms (``view_augment``), and StyleGAN2's two regularisers: R1 on reals (``r1_gamma``, applied every ``r1_every``
    D steps with weight gamma/2 * r1_every: lazy regularisation) and path length on G (``pl_*``, off by default).
    """

    # ---- shared by every paper
    adv: str = "hinge"
    augment: str = ""
    augment_p: float = 1.0
    augment_ramp: Union[int, float] = 0
    #: the second view for NT-Xent, APS, CR, MsConD and FakeCLR keys (flip + translation as in the authors' code)
    view_augment: str = "flip,translation"
    #: "auto": :func:`r1_gamma_heuristic` of the resolution and the batch
    r1_gamma: Union[float, str] = 0.0
    r1_every: int = 1
    #: StyleGAN2's path-length regulariser on G (0: off; NVlabs' FFHQ setting is 2): every ``pl_every`` G steps, on
    #: the first batch // ``pl_batch_shrink`` latents, weight pl_weight * pl_every (lazy), its target the moving
    #: average of path lengths with rate ``pl_decay`` (:func:`gancl.losses.path_length_penalty`)
    pl_weight: float = _added_later(0.0)
    pl_every: int = _added_later(4)
    pl_batch_shrink: int = _added_later(2)
    pl_decay: float = _added_later(0.01)

    # ---- ContraGAN (Kang & Park 2020): the conditioning term of Table 1 (D minimises it on reals, G on fakes) and
    # Table 4's APS (an augmented view of the same image as the positive instead of the class proxy) and CR
    cond: str = "none"
    cond_weight: float = 1.0
    temperature: float = 1.0
    #: ContraGAN Eq. 7 as printed in the other version of the paper (denominator over y_k != y_i)
    eq7_exclude_same_label: bool = False
    #: P-NCA as in the authors' code: the denominator's class embeddings not normalised (losses.proxy_nca)
    pnca_authors_denominator: bool = _added_later(False)
    aps: bool = False
    cr_weight: float = 0.0
    #: 2C only: how many samples the class proxy counts as in Eq. 8 (losses.contrastive_2c; 1: the paper)
    proxy_weight: float = _added_later(1.0)

    # ---- MsConD (Lee, Kim & Lee): the per-scale contrastive term (the book's reading, see gancl.losses)
    ms_contrastive_weight: float = 0.0
    ms_temperature: float = 0.1

    # ---- FakeCLR (Li et al. 2022): instance discrimination (Eq. 6-8: "real", "fake", "perturbation"; "real+fake" is
    # InsGen-like) and its three techniques: noise-related latent augmentation, the diversity-aware queue, the
    # forgetting factor (Eq. 11)
    instance: str = "none"
    instance_weight_d: float = 1.0
    instance_weight_g: float = 0.1
    instance_temperature: float = 0.2
    instance_momentum: float = 0.999
    #: negatives in FakeCLR's queue; "auto": :func:`fakeclr_queue_size` of ``data.count``
    instance_queue: Union[int, str] = 256
    #: noise-related latent augmentation (eps ~ l1*|z|); False: fixed radius ``perturb_radius``
    noise_related: bool = True
    perturb_l1: float = 0.1
    perturb_radius: float = 0.1
    #: clamp |eps| per coordinate (None: no clamp; losses.perturb_latent)
    perturb_max_abs: Optional[float] = None
    diversity_queue: bool = False
    queue_min: int = 32
    #: supplement Table 10: the share of each step's keys pushed into the fake queue that are keys of real images
    #: (0: none; Config A/B: 0.5), from the step at ``queue_real_from`` of the run (a fraction of optim.steps: 0 from
    #: the start, Config A; 0.5 from half-way, Config B)
    queue_real_share: float = _added_later(0.0)
    queue_real_from: float = _added_later(0.0)
    forgetting_factor: bool = False
    forgetting_tau: float = 0.01
    #: with forgetting_factor: the released code's constant margin instead of Eq. 11 (see the Fig. 7 page)
    authors_constant_bias: bool = False
    #: precision of FakeCLR's no-gradient key path (the perturbed fakes and the momentum-D forward): "float32", or
    #: "bfloat16" (autocast; on CPUs with native bf16 it makes the keys ~2x cheaper, see benchmarks/fakeclr.py)
    instance_key_precision: str = _added_later("float32")


@dataclass
class OptimConfig:
    """Adam for G and D; ``steps`` counts G updates, each preceded by ``n_dis`` D updates on fresh batches.

    G_ema follows G with per-step decay ``ema_beta`` from step ``ema_start`` on, capped during ramp-up (see
    ``ema_rampup``)."""

    steps: int = 1000
    batch_size: int = 64
    n_dis: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.999)
    ema_beta: float = 0.999
    ema_start: int = 0
    #: StyleGAN2-ADA's EMA ramp-up: the EMA half-life is at most this fraction of the images seen, so a short run's
    #: G_ema is not dominated by the random initial weights (0 = constant ema_beta)
    ema_rampup: float = 0.05


@dataclass
class EvalConfig:
    """What the trainer measures as it goes (written to the run history)."""

    log_every: int = 50
    diag_every: int = 200
    diag_count: int = 256
    fd_every: int = 0
    fd_count: int = 1000
    extractor: str = "domain"
    #: further measurements taken with FD every ``fd_every`` steps on ``fd_count`` samples (the calibration page's
    #: gates): "objects" (``eval/recognised_ratio``, ``eval/object_fd``: multi-object scenes) and "memorisation"
    #: (``eval/memorised_share``: a training subset); see :class:`gancl.metrics.SampleMetricsOverTime`
    curves: tuple = _added_later(())


@dataclass
class RunConfig:
    name: str = "run"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    #: autocast of matrix products and convolutions: "no" (float32), "bf16", "fp16", or "auto": bf16 where the
    #: device computes it faster (measured on CPUs; see gancl.train.precision), float32 elsewhere
    mixed_precision: str = "auto"
    #: dtype of the parameters, optimizer state and float inputs: "float32", or "float64" for numerical checks (two
    #: runs that differ only in the order of their reductions, e.g. two processes against one, then agree to ~1e-13)
    dtype: str = _added_later("float32")
    #: layout of images and conv weights: "contiguous" (NCHW), "channels_last" (NHWC), or "auto" (the faster one on
    #: the device, see gancl.train.precision); resolved, it is part of the run's identity unless contiguous
    memory_format: str = _added_later("auto", omit_at="contiguous")
    # below: how the run is watched and stored; not part of its identity
    checkpoint_every: int = 500
    progress: bool = True
    tracker: Optional[str] = "auto"

    _NOT_IDENTITY = ("name", "checkpoint_every", "progress", "tracker")

    def resolved(self, device: Optional[str] = "auto") -> "RunConfig":
        """A copy with every derived setting computed from the others: ``loss.r1_gamma="auto"`` from the resolution
        and the batch, ``loss.instance_queue="auto"`` from ``data.count``, a fractional ``loss.augment_ramp`` from
        ``optim.steps``, and ``mixed_precision`` / ``memory_format`` "auto" from what is fast on ``device``
        (:func:`gancl.train.precision.fast_settings`; ``device=None`` leaves them "auto"). The one place these are
        derived; the trainer and :meth:`identity` use the result."""
        l, o = self.loss, self.optim
        changes = {}
        if device is not None and AUTO in (self.mixed_precision, self.memory_format):
            from gancl.train.precision import fast_settings

            fast = fast_settings(device, self.dtype)
            if self.mixed_precision == AUTO:
                changes["mixed_precision"] = fast.mixed_precision
            if self.memory_format == AUTO:
                changes["memory_format"] = fast.memory_format
        if l.r1_gamma == AUTO:
            changes["loss.r1_gamma"] = r1_gamma_heuristic(self.data.resolution, o.batch_size)
        if l.instance_queue == AUTO:
            if self.data.count is None:
                raise ValueError("loss.instance_queue='auto' sizes the queue from data.count, which is None (the whole "
                                 "data set): set data.count or give loss.instance_queue a number")
            changes["loss.instance_queue"] = fakeclr_queue_size(self.data.count)
        if isinstance(l.augment_ramp, float):
            if not 0 < l.augment_ramp < 1:
                raise ValueError(f"loss.augment_ramp={l.augment_ramp}: a float is a fraction of the run, in (0, 1); "
                                 "give whole steps as an int")
            changes["loss.augment_ramp"] = max(round(l.augment_ramp * o.steps), 1)
        return self.replace(**changes) if changes else self

    def validate(self) -> "RunConfig":
        """Raise ValueError naming the first inconsistent setting (derived ones included); returns self, with its
        ``"auto"`` settings kept (see :meth:`resolved`)."""
        for name, value in (("loss.r1_gamma", self.loss.r1_gamma), ("loss.instance_queue", self.loss.instance_queue)):
            if isinstance(value, str) and value != AUTO:
                raise ValueError(f"{name}={value!r}: give a number or 'auto'")
        self.resolved(device=None)._validate_resolved()  # the device's precision is not measured to validate
        return self

    def _validate_resolved(self) -> None:
        m, l, o = self.model, self.loss, self.optim
        if hasattr(m, "validate"):
            m.validate()
        if m.resolution != self.data.resolution:
            raise ValueError(f"model.resolution {m.resolution} differs from data.resolution {self.data.resolution}")
        checks = [
            (l.adv in ADV_LOSSES, f"loss.adv {l.adv!r} is unknown; choose one of {ADV_LOSSES}"),
            (l.cond in COND_LOSSES, f"loss.cond {l.cond!r} is unknown; choose one of {COND_LOSSES}"),
            (l.instance in INSTANCE_MODES, f"loss.instance {l.instance!r} is unknown; choose one of {INSTANCE_MODES}"),
            (l.instance_key_precision in KEY_PRECISIONS,
             f"loss.instance_key_precision {l.instance_key_precision!r} is unknown; choose one of {KEY_PRECISIONS}"),
            (self.mixed_precision in MIXED_PRECISION,
             f"mixed_precision {self.mixed_precision!r} is unknown; choose one of {MIXED_PRECISION}"),
            (self.dtype in DTYPES, f"dtype {self.dtype!r} is unknown; choose one of {DTYPES}"),
            (set(self.eval.curves) <= set(CURVES),
             f"eval.curves {self.eval.curves!r} names an unknown measurement; choose from {CURVES}"),
            (not self.eval.curves or self.eval.fd_every > 0, "eval.curves are measured every eval.fd_every steps: "
                                                             "set eval.fd_every"),
            (self.memory_format in MEMORY_FORMATS,
             f"memory_format {self.memory_format!r} is unknown; choose one of {MEMORY_FORMATS}"),
            (self.dtype == "float32" or self.mixed_precision in ("no", AUTO),
             f"dtype={self.dtype!r} computes in {self.dtype}: it needs mixed_precision='no'"),
            (o.steps > 0 and o.batch_size > 0 and o.n_dis > 0, "optim.steps, batch_size and n_dis must be positive"),
            (l.temperature > 0 and l.instance_temperature > 0 and l.ms_temperature > 0, "temperatures must be > 0"),
            (l.proxy_weight > 0, f"loss.proxy_weight must be > 0, got {l.proxy_weight}"),
            (l.proxy_weight == 1.0 or (l.cond == "2c" and not l.aps),
             f"loss.proxy_weight={l.proxy_weight} weighs the class proxy of 2C (Eq. 8); loss.cond={l.cond!r}"
             + (" with APS (no proxy)" if l.aps else "") + " has no such term: set loss.cond='2c' or leave it at 1"),
            (0.0 <= l.augment_p <= 1.0, f"loss.augment_p must be in [0, 1], got {l.augment_p}"),
            (l.r1_gamma >= 0 and l.r1_every >= 1, "loss.r1_gamma must be >= 0 and loss.r1_every >= 1"),
            (l.pl_weight >= 0 and l.pl_every >= 1 and l.pl_batch_shrink >= 1 and 0 < l.pl_decay <= 1,
             "loss.pl_weight must be >= 0, loss.pl_every and loss.pl_batch_shrink >= 1, loss.pl_decay in (0, 1]"),
            (0.0 <= l.queue_real_share <= 1.0 and 0.0 <= l.queue_real_from < 1.0,
             "loss.queue_real_share must be in [0, 1] and loss.queue_real_from (a fraction of the run) in [0, 1)"),
            (l.queue_real_share == 0 or l.instance in ("fake", "perturbation"),
             f"loss.queue_real_share puts real keys into the fake queue: it needs loss.instance 'fake' or "
             f"'perturbation', got {l.instance!r}"),
            (l.pl_weight == 0 or m.arch == "stylegan2",
             f"loss.pl_weight > 0 regularises the mapping from w to images: it needs model.arch='stylegan2', "
             f"got {m.arch!r}"),
            (l.pl_weight == 0 or o.batch_size >= l.pl_batch_shrink,
             f"loss.pl_batch_shrink={l.pl_batch_shrink} leaves no latent of a batch of {o.batch_size}"),
            (l.augment_ramp >= 0 and l.instance_queue >= 1, "loss.augment_ramp must be >= 0 and "
                                                           "loss.instance_queue >= 1"),
            (m.mbstd_group == 0, "model.mbstd_group > 0 is not supported by the trainer: it runs reals, fakes and "
                                 "their views through D as one batch, and minibatch statistics would mix them"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(msg)
        contrastive = ("contrastive", "proj_contrastive")
        needs_head = {"proj": ("proj",), "acgan": ("acgan",), "pnca": contrastive, "ntxent": contrastive,
                      "eq7": contrastive, "2c": contrastive}
        if l.cond in needs_head and m.d_head not in needs_head[l.cond]:
            raise ValueError(f"loss.cond={l.cond!r} needs model.d_head in {needs_head[l.cond]}, got {m.d_head!r}")
        if l.cond != "none" and m.num_classes < 1:
            raise ValueError(f"loss.cond={l.cond!r} is a conditioning objective: set model.num_classes")
        if l.aps and l.cond != "2c":
            raise ValueError("loss.aps replaces the proxy positive of 2C: it needs loss.cond='2c'")
        if l.instance != "none" and m.instance_head_dim <= 0:
            raise ValueError(f"loss.instance={l.instance!r} needs model.instance_head_dim > 0 (the projection head)")
        if l.ms_contrastive_weight > 0 and not m.multiscale_res:
            raise ValueError("loss.ms_contrastive_weight > 0 needs a multi-scale D: set model.multiscale_res")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def identity(self, device: str = "auto") -> dict:
        """The fields that can change a run's results, derived settings resolved (``"auto"`` and the value it
        stands for on ``device`` name the same run: a bf16 run and a float32 run are different runs); a field
        declared with :func:`_added_later` is left out while it holds its default, so adding a setting does not
        rename every cached run."""
        config = self.resolved(device)
        d = config.to_dict()
        for k in self._NOT_IDENTITY:
            d.pop(k, None)
        for f in dataclasses.fields(config):
            if f.metadata.get("added_later") and getattr(config, f.name) == f.metadata["omit_at"]:
                d.pop(f.name)
        for name in ("data", "model", "loss", "optim", "eval"):
            part = getattr(config, name)
            for f in dataclasses.fields(part):
                if f.metadata.get("added_later") and getattr(part, f.name) == f.metadata["omit_at"]:
                    d[name].pop(f.name)
        return d

    def run_id(self, seed: int, device: str = "auto") -> str:
        """A short stable hash of (identity, seed): the name of the run's folder in the run cache."""
        blob = json.dumps({"config": self.identity(device), "seed": int(seed)}, sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        """Build from nested dicts (e.g. a JSON/YAML file); unknown keys are an error naming them."""
        d = dict(d)
        parts = {"data": DataConfig, "model": ModelConfig, "loss": LossConfig, "optim": OptimConfig, "eval": EvalConfig}
        kwargs = {}
        for key, value in d.items():
            if key in parts:
                kwargs[key] = _build(parts[key], value or {}, key)
            elif key in {f.name for f in dataclasses.fields(cls)}:
                kwargs[key] = value
            else:
                raise ValueError(f"unknown config key {key!r}; known: {sorted(f.name for f in dataclasses.fields(cls))}")
        return cls(**kwargs)

    def replace(self, **overrides) -> "RunConfig":
        """A copy with dotted overrides, e.g. ``cfg.replace(**{"optim.steps": 10, "loss.cond": "2c"})``."""
        d = self.to_dict()
        for key, value in overrides.items():
            node, *path = key.split(".")
            target = d
            for part in [node, *path][:-1]:
                if part not in target or not isinstance(target[part], dict):
                    raise ValueError(f"unknown config section in override {key!r}")
                target = target[part]
            leaf = [node, *path][-1]
            if leaf not in target:
                raise ValueError(f"unknown config field in override {key!r}; known here: {sorted(target)}")
            target[leaf] = value
        return RunConfig.from_dict(d)


def _build(cls, values: dict, where: str):
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)} in config section {where!r}; known: {sorted(names)}")
    values = dict(values)
    for k, v in values.items():
        if isinstance(v, list):
            values[k] = tuple(v)  # JSON has no tuples; the dataclasses use them (betas, multiscale_res)
    return cls(**values)
