"""The trainer: G, D, EMA of G, n_dis D steps per G step, on HuggingFace accelerate.

One run is a pure function of (config, seed), whatever the number of processes: every random draw (real batch
indices, latents, labels, augmentation parameters, latent perturbations) is made for the *global* batch from the
run's own generators, identically on every process, and each process takes its slice. So a run on two processes
with batch B/2 each follows the run on one process with batch B (up to float summation order), and a resumed run
follows the uninterrupted one.

Paired seeds (common random numbers). Each purpose draws from its own stream seeded by (run seed, purpose): "data"
(which training images, and their mirroring), "latent" (z and labels), "augment" (DiffAugment parameters, views),
"ref" (reference images), "perturb" (FakeCLR's latent noise), "diag" (the diagnostics' fixed images and latents),
and the weights' initialisation. So seed s of two configurations that differ only in their objective or their D
sees the same batches, latents and augmentations step by step, as far as their shapes agree (batch, z dimension,
data subset); evaluations draw their samples from a fixed seed, the same for every run. Pages therefore compare
configurations seed by seed (:func:`gancl.tables.judge`). StyleGAN2's noise inputs come from the global RNG, seeded
per run and process, and are shared too as long as both configurations make the same draws.

What a run writes (rank 0), in its folder:
  ``config.json``, ``history.jsonl`` (one row per log interval, columns in :mod:`gancl.train.history`),
  ``checkpoint/`` (``accelerator.save_state`` + ``gancl_state.pt``, replaced atomically), ``final.pt`` (weights),
  ``result.json`` (summary, written last: its presence marks a finished run).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import dataclasses
import json
import os
import shutil
import signal
import sys
import time
import warnings
from pathlib import Path
from typing import Optional

import torch
from tqdm import tqdm

from gancl import losses
from gancl.data import apply_augment, get_dataset, linear_strength, sample_augment, to_float
from gancl.distributed import gather
from gancl.progress import progress_interval
from gancl.metrics.training import (
    SampleMetricsOverTime, authenticity_accuracy, layer_spectral_norms, logit_statistics_row,
)
from gancl.models import DOutput, build_discriminator, build_generator
from gancl.paths import atomic_torch_save, atomic_write
from gancl.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint  # noqa: F401 (re-exported)
from gancl.train.config import RunConfig
from gancl.train.history import History
from gancl.train.objective import DPhase, GPhase, Objective, build_queues, unused_outputs


class NonFiniteLossError(FloatingPointError):
    """A loss term became NaN or inf; the last good checkpoint is kept. ``step`` is the step it happened at."""

    def __init__(self, message: str, step: Optional[int] = None):
        super().__init__(message)
        self.step = step


class TrainingInterrupted(KeyboardInterrupt):
    """SIGTERM/SIGINT arrived; a checkpoint was written and the run can be resumed by asking for it again."""


def _stream(seed: int, name: str) -> torch.Generator:
    """An independent CPU generator per purpose, seeded from (run seed, purpose)."""
    offset = {"init": 0, "data": 1, "latent": 2, "augment": 3, "ref": 4, "perturb": 5, "diag": 6}[name]
    return torch.Generator().manual_seed(int(seed) * 1000 + offset)


def output_in(out: DOutput, dtype: torch.dtype) -> DOutput:
    """``out`` with every floating tensor (logits, embeddings, per-scale maps) in ``dtype``; differentiable, and
    free when they already are."""
    def cast(value):
        if isinstance(value, torch.Tensor):
            return value.to(dtype) if value.is_floating_point() else value
        if isinstance(value, dict):
            return {k: cast(v) for k, v in value.items()}
        return value

    return DOutput(**{f.name: cast(getattr(out, f.name)) for f in dataclasses.fields(out)})


def split_output(out: DOutput, sizes: list) -> list:
    """Cut one DOutput of a concatenated batch into one DOutput per segment (sizes along the batch dimension)."""
    parts = [dict() for _ in sizes]
    for f in dataclasses.fields(out):
        value = getattr(out, f.name)
        for i, chunk in enumerate(_split_value(value, sizes, f.name)):
            parts[i][f.name] = chunk
    return [DOutput(**p) for p in parts]


def _split_value(value, sizes, name):
    if value is None or name == "class_embeddings":  # the class table is shared, not per sample
        return [value] * len(sizes)
    if isinstance(value, dict):
        per_key = {k: v.split(sizes) for k, v in value.items()}
        return [{k: per_key[k][i] for k in value} for i in range(len(sizes))]
    return list(value.split(sizes))


class DropOutputs(torch.nn.Module):
    """D with the DOutput fields the objective never uses set to None.

    DDP with ``find_unused_parameters`` searches the graph from the forward's outputs: a returned tensor that feeds
    no loss would leave its parameters (e.g. ContraGAN's class proxies under NT-Xent) waiting for gradients forever.
    """

    def __init__(self, D: torch.nn.Module, fields: tuple):
        super().__init__()
        self.D, self.fields = D, fields

    def forward(self, *args, **kwargs) -> DOutput:
        out = self.D(*args, **kwargs)
        empty = {f.name: (None if f.default is not dataclasses.MISSING else {})
                 for f in dataclasses.fields(out) if f.name in self.fields}
        return dataclasses.replace(out, **empty)


class Trainer:
    """Train one run. Use :func:`gancl.train.train` for the cached entry point; this class is the machinery.

    Args:
        config: the run's configuration (validated here).
        seed: the run seed (model init and every random stream).
        run_dir: where the run's files go; a checkpoint there is resumed.
        device: "auto" (accelerate's choice: GPU when present), "cpu" or "cuda".
    """

    def __init__(self, config: RunConfig, seed: int, run_dir, device: str = "auto"):
        with warnings.catch_warnings():
            # accelerate imports tqdm.auto, which warns inside a notebook without ipywidgets; gancl's bars are plain
            warnings.filterwarnings("ignore", message="IProgress not found")
            from accelerate import Accelerator
            from accelerate.utils import DistributedDataParallelKwargs, set_seed

        # every derived setting a value from here on, precision and memory layout those of this device
        config = self.cfg = config.validate().resolved(device)
        self.seed = int(seed)
        self.run_dir = Path(run_dir)
        log_with = _tracker(config.tracker)
        # two D forwards (train-mode spectral norm updates) may precede one backward: no buffer broadcast in forward
        unused = unused_outputs(config.loss, config.model)
        ddp = DistributedDataParallelKwargs(broadcast_buffers=False, find_unused_parameters=bool(unused))
        _reset_accelerate_state()
        # bf16 autocast is gancl's own (_autocast), so a forward can leave it (R1); accelerate's mixed precision would
        # wrap every prepared model's forward in autocast for good. fp16 needs accelerate's gradient scaler.
        accelerate_precision = "fp16" if config.mixed_precision == "fp16" else "no"
        self.acc = Accelerator(cpu=(device == "cpu"), mixed_precision=accelerate_precision, kwargs_handlers=[ddp],
                               log_with=log_with, project_dir=str(self.run_dir))
        self.world, self.rank = self.acc.num_processes, self.acc.process_index
        if config.optim.batch_size % self.world:
            raise ValueError(f"batch_size {config.optim.batch_size} is not divisible by the {self.world} processes")
        self.local_batch = config.optim.batch_size // self.world
        self.device = self.acc.device

        d = config.data
        self.train_set = get_dataset(d.name, d.resolution, "train", d.count, d.data_dir, d.seed)
        self.val_set = get_dataset(d.name, d.resolution, "val", d.val_count, d.data_dir, d.seed)
        pool = self.train_set.source_size
        self.val_overlaps_train = pool is not None and len(self.train_set) + len(self.val_set) > pool
        if self.val_overlaps_train:
            warnings.warn(f"data set {d.name!r} holds {pool} images: the {len(self.val_set)} held-out images overlap "
                          f"the {len(self.train_set)} training images, so acc/val_real and FD are not on unseen data")
        self.num_classes = config.model.num_classes
        if self.num_classes and self.num_classes != self.train_set.num_classes:
            raise ValueError(f"model.num_classes={self.num_classes} but data set {d.name!r} has "
                             f"{self.train_set.num_classes} classes")

        self.dtype = getattr(torch, config.dtype)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            # initialised in float32 whatever the dtype, so a float64 run starts from the float32 run's weights
            G, D = build_generator(config.model).to(self.dtype), build_discriminator(config.model).to(self.dtype)
        # NHWC weights make the convolutions read NHWC (inputs are converted in sample_reals; G's outputs follow)
        self.memory_format = torch.channels_last if config.memory_format == "channels_last" else torch.contiguous_format
        G, D = G.to(memory_format=self.memory_format), D.to(memory_format=self.memory_format)
        # the global RNG feeds what gancl does not draw itself (StyleGAN2 noise inputs): seeded per process, and
        # saved/restored with the checkpoint by accelerate
        set_seed(self.seed, device_specific=True)
        self.G_ema = copy.deepcopy(G).eval().requires_grad_(False).to(self.device)
        self.D_momentum = None
        if config.loss.instance != "none":
            self.D_momentum = copy.deepcopy(D).requires_grad_(False).to(self.device)
        o = config.optim
        opt_g = torch.optim.Adam(G.parameters(), lr=o.lr_g, betas=tuple(o.betas))
        opt_d = torch.optim.Adam(D.parameters(), lr=o.lr_d, betas=tuple(o.betas))
        self.d_plain = D
        if unused:
            D = DropOutputs(D, unused)
        self.G, self.D, self.opt_g, self.opt_d = self.acc.prepare(G, D, opt_g, opt_d)
        self.g_plain = self.acc.unwrap_model(self.G)
        self.objective = Objective(config.loss, self.num_classes, build_queues(
            config.loss, config.model.instance_head_dim, config.optim.steps, self.seed, self.device, self.dtype))
        self.gens = {k: _stream(self.seed, k) for k in ("data", "latent", "augment", "ref", "perturb")}
        self.step = 0
        self.train_seconds = 0.0
        self.history = History(self.run_dir / "history.jsonl", enabled=self.acc.is_main_process)
        self._stop_signal = None
        self._sums: dict = {}  # loss sums since the last history row (kept in checkpoints: resumed rows are exact)
        self._last_logits: dict = {}
        self.metrics_over_time = SampleMetricsOverTime(config.data, config.eval.extractor, config.eval.fd_count,
                                                       self.device, config.eval.curves)

    # ---------------------------------------------------------------- sampling (global batch, local slice)
    def _local(self, x: torch.Tensor) -> torch.Tensor:
        return x[self.rank * self.local_batch:(self.rank + 1) * self.local_batch]

    def sample_reals(self, generator: torch.Generator):
        """A batch of training reals with replacement: images (b, 3, R, R) float on device, labels (b,).

        With ``data.mirror`` each image is x-flipped with probability 1/2 (a mirrored data set)."""
        n = self.cfg.optim.batch_size
        idx = self._local(torch.randint(len(self.train_set), (n,), generator=generator))
        images = to_float(self.train_set.images[idx]).to(self.dtype)
        if self.cfg.data.mirror:
            flip = self._local(torch.rand(n, generator=generator) < 0.5)
            images = torch.where(flip[:, None, None, None], images.flip(3), images)
        images = images.contiguous(memory_format=self.memory_format)
        return images.to(self.device, non_blocking=True), self.train_set.labels[idx].to(self.device)

    def sample_latents(self):
        """Latents (b, z_dim) and uniformly drawn class labels (b,) (zeros when unconditional)."""
        n = self.cfg.optim.batch_size
        z = torch.randn(n, self.g_plain.z_dim, generator=self.gens["latent"])
        y = torch.randint(max(self.num_classes, 1), (n,), generator=self.gens["latent"])
        return self._local(z).to(self.device, self.dtype), self._local(y).to(self.device)

    def augment(self, x: torch.Tensor, policy: Optional[str] = None, p: Optional[float] = None) -> torch.Tensor:
        """DiffAugment with parameters drawn for the global batch (the run's augmentation policy by default)."""
        c = self.cfg.loss
        policy = c.augment if policy is None else policy
        if not policy:
            return x
        if p is None:
            p = linear_strength(self.step, c.augment_ramp, c.augment_p) if c.augment_ramp else c.augment_p
        params = sample_augment(self.cfg.optim.batch_size, x.shape[-1], policy, p, self.gens["augment"])
        return apply_augment(x, params.slice(self.rank * self.local_batch, (self.rank + 1) * self.local_batch))

    def view(self, x: torch.Tensor) -> torch.Tensor:
        """A second view of images for contrastive/consistency terms: the run's augmentation then ``view_augment``."""
        return self.augment(self.augment(x), self.cfg.loss.view_augment, 1.0)

    def perturb(self, z: torch.Tensor) -> torch.Tensor:
        """FakeCLR latent perturbation of the local latents, its noise drawn for the global batch."""
        c = self.cfg.loss
        z_global = gather(z).cpu()  # the noise of a sample must not depend on the number of processes
        perturbed = losses.perturb_latent(z_global, c.perturb_l1, c.perturb_max_abs, self.gens["perturb"],
                                          fixed_radius=None if c.noise_related else c.perturb_radius)
        return self._local(perturbed).to(z.device)

    # ---------------------------------------------------------------- forwards
    def _discriminate(self, D, batches: dict, refs: Optional[torch.Tensor], full_precision: bool = False) -> dict:
        """One D forward over several named batches, name -> (images, labels), concatenated (D has no batch
        coupling); returns name -> DOutput in the run's dtype (float32: under autocast D's outputs come out in bf16,
        and the losses reduce them in float32). ``full_precision`` runs the forward without autocast (R1)."""
        x = torch.cat([images for images, _ in batches.values()])
        y = torch.cat([labels for _, labels in batches.values()])
        ref = None if refs is None else refs.repeat(len(batches), 1, 1, 1)
        with self._autocast(enabled=not full_precision):
            out = D(x, y if self.num_classes else None, ref=ref)
        out = output_in(out, self.dtype)
        return dict(zip(batches, split_output(out, [images.shape[0] for images, _ in batches.values()])))

    def _refs(self) -> Optional[torch.Tensor]:
        """Reference images for reference attention: a random real batch from its own stream."""
        if self.cfg.model.ref_attention_res is None:
            return None
        return self.sample_reals(self.gens["ref"])[0]

    # ---------------------------------------------------------------- phases
    def d_step(self) -> dict:
        """One D update: the forwards the objective asks for, its terms, the step (and the momentum D's update)."""
        obj = self.objective
        real, y_real = self.sample_reals(self.gens["data"])
        z, y_fake = self.sample_latents()
        with torch.no_grad(), self._autocast():
            fake = self.g_plain(z, y_fake if self.num_classes else None).to(self.dtype)
        batches = {"real": (self.augment(real), y_real), "fake": (self.augment(fake), y_fake)}
        r1 = obj.r1_due(self.step)
        if r1:  # R1 differentiates D's output on these reals with respect to them
            batches["real"] = (batches["real"][0].detach().requires_grad_(True), y_real)
        if obj.needs_view():
            batches["view"] = (self.view(real), y_real)
        # R1 differentiates D twice (its gradient with respect to the reals, then that gradient's norm): in bf16 the
        # penalty would carry bf16's 3 significant digits, so its (lazy, every r1_every steps) forward is float32
        out = self._discriminate(self.D, batches, self._refs(), full_precision=bool(r1))
        keys = {}
        source = {"real": (real, y_real), "fake": (fake, y_fake), "perturbed fake": (z, y_fake)}
        for name, equation in obj.instances.items():
            images, labels = source[equation.key_of]
            keys[name] = self._instance_key(images, labels, perturb=equation.key_of == "perturbed fake")
        queue_keys = None
        if obj.real_keys_due(self.step, self.cfg.optim.steps):
            queue_keys = self._with_real_keys(keys, real, y_real)
        phase = DPhase(real=out["real"], fake=out["fake"], y_real=y_real, y_fake=y_fake, step=self.step,
                       view=out.get("view"), real_images=batches["real"][0] if r1 else None, instance_keys=keys,
                       queue_keys=queue_keys)
        terms = obj.d_terms(phase)
        self._check_finite(terms, "D")
        self.opt_d.zero_grad(set_to_none=True)
        self.acc.backward(sum(terms.values()))
        self.opt_d.step()
        if self.D_momentum is not None:
            losses.momentum_update(self.D_momentum, self.d_plain, self.cfg.loss.instance_momentum)
        self._last_logits = {"real": out["real"], "fake": out["fake"]}
        return {f"D/{k}": v.detach() for k, v in terms.items()}

    def g_step(self) -> dict:
        """One G update through the (frozen) D, then the EMA of G."""
        obj = self.objective
        z, y_fake = self.sample_latents()
        self.d_plain.requires_grad_(False)
        try:
            with self._autocast():
                fake = self.G(z, y_fake if self.num_classes else None)
            batches = {"fake": (self.augment(fake), y_fake)}
            if obj.g_needs_view():
                batches["view"] = (self.view(fake), y_fake)
            refs = self._refs()
            # D is not updated here: call the unwrapped module so DDP expects no gradient sync for it
            out = self._discriminate(self.d_plain, batches, refs)
            real_out = None
            if self.cfg.loss.adv == "dual_contrastive":
                real, y_real = self.sample_reals(self.gens["data"])
                with torch.no_grad():
                    real_out = self._discriminate(self.d_plain, {"real": (self.augment(real), y_real)}, refs)["real"]
            key = self._instance_key(fake.detach(), y_fake, perturb=False) if obj.g_instance() else None
            pl_images, pl_ws = self._path_length_forward(z, y_fake) if obj.pl_due(self.step) else (None, None)
            terms = obj.g_terms(GPhase(fake=out["fake"], y_fake=y_fake, step=self.step, view=out.get("view"),
                                       real=real_out, instance_key=key, pl_images=pl_images, pl_ws=pl_ws))
            self._check_finite(terms, "G")
            self.opt_g.zero_grad(set_to_none=True)
            self.acc.backward(sum(terms.values()))
            self.opt_g.step()
        finally:
            self.d_plain.requires_grad_(True)
        self._update_ema()
        return {f"G/{k}": v.detach() for k, v in terms.items()}

    def _path_length_forward(self, z: torch.Tensor, y: torch.Tensor) -> tuple:
        """G's own forward for the path-length penalty, on the first b // ``pl_batch_shrink`` latents of this step
        (as NVlabs' ``Gpl`` phase): images (b', 3, R, R) and the per-layer ws (b', num_ws, w_dim) they came from.
        It runs without autocast: the penalty differentiates G twice (as R1 does D). Its gradient joins this G
        step's (the plain module: the step's one backward reaches the same parameters DDP synchronises)."""
        n = max(1, z.shape[0] // self.cfg.loss.pl_batch_shrink)
        G = self.g_plain
        ws = G.mapping(z[:n], y[:n] if self.num_classes else None).unsqueeze(1).repeat(1, G.num_ws, 1)
        return G.synthesis(ws), ws

    # ---------------------------------------------------------------- FakeCLR
    def _with_real_keys(self, keys: dict, real: torch.Tensor, y_real: torch.Tensor) -> dict:
        """FakeCLR supplement Table 10: this step's keys for the queue with the first ``loss.queue_real_share`` of
        the batch's rows replaced by the momentum D's keys of this step's reals (under the key augmentation)."""
        n = round(self.cfg.loss.queue_real_share * real.shape[0])
        if n == 0:
            return keys
        # keys of the whole batch (the augmentation is drawn per global batch), of which the first n are kept
        real_keys = self._instance_key(real, y_real, perturb=False)[:n]
        return {name: torch.cat([real_keys, k[n:]]) for name, k in keys.items()}

    @torch.no_grad()
    def _instance_key(self, images, labels, perturb: bool):
        """Momentum-D keys (b, d) under a second, full-strength augmentation T_k+ (FakeCLR Eq. 6-8): of ``images``,
        or (``perturb``) of the fakes of the perturbed latents z + eps, ``images`` then being the latents z."""
        with self._key_autocast():
            if perturb:
                with self._autocast():
                    images = self.g_plain(self.perturb(images), labels if self.num_classes else None).to(self.dtype)
            keys = self._discriminate(self.D_momentum, {"key": (self.view(images), labels)}, self._refs())
            return keys["key"].instance_proj.to(self.dtype)

    def _autocast(self, enabled: bool = True):
        """The run's autocast: bf16 around matrix products and convolutions when ``mixed_precision`` is "bf16"
        (parameters stay float32), accelerate's for "fp16", none for "no" or when not ``enabled``."""
        if not enabled or self.cfg.mixed_precision == "no":
            return contextlib.nullcontext()
        if self.cfg.mixed_precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return self.acc.autocast()

    def _key_autocast(self):
        """bf16 autocast around the key path when ``loss.instance_key_precision`` asks for it: keys are targets
        (no gradient), L2-normalised, and bf16 moves them by a cosine of ~1e-4, far below what the augmentation
        and the latent perturbation move them."""
        if self.cfg.loss.instance_key_precision == "bfloat16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    # ---------------------------------------------------------------- bookkeeping
    def ema_beta(self) -> float:
        """This step's EMA decay: 0 (copy) before ``ema_start``; ``ema_beta`` capped by the ramp-up, under which the
        half-life in images is at most ``ema_rampup`` x the images seen (StyleGAN2-ADA)."""
        o = self.cfg.optim
        if self.step < o.ema_start:
            return 0.0
        if not o.ema_rampup:
            return o.ema_beta
        half_life = o.ema_rampup * (self.step + 1) * o.batch_size
        return min(o.ema_beta, 0.5 ** (o.batch_size / half_life))

    @torch.no_grad()
    def _update_ema(self):
        beta = self.ema_beta()
        for pe, p in zip(self.G_ema.parameters(), self.g_plain.parameters()):
            pe.lerp_(p.detach(), 1.0 - beta)
        for be, b in zip(self.G_ema.buffers(), self.g_plain.buffers()):
            be.copy_(b)

    def _any_process(self, flag: bool) -> bool:
        """True on every process when ``flag`` is true on any: a decision to stop must be taken by all together,
        or the others would wait forever in the next collective."""
        if self.world == 1:
            return flag
        t = torch.tensor([float(flag)], device=self.device)
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return bool(t.item())

    def _check_finite(self, terms: dict, phase: str):
        bad = [name for name, value in terms.items() if not torch.isfinite(value.detach()).all()]
        if self._any_process(bool(bad)):
            last = self.run_dir / "checkpoint"
            where = f"the last good checkpoint is {last}" if last.exists() else "no checkpoint was written yet"
            what = (f"{phase} loss term {bad[0]!r} is {float(terms[bad[0]].detach())}" if bad
                    else f"a {phase} loss term is not finite on another process")
            raise NonFiniteLossError(
                f"{what} at step {self.step} of run {self.run_dir.name}; {where}. Lower the learning rate, raise the "
                "temperature or use mixed_precision='no'.", step=self.step)

    def diagnostics(self) -> dict:
        """Authenticity accuracies of D (on G_ema's fakes) and D's spectral norms, on fixed images and latents."""
        row = authenticity_accuracy(self.d_plain, self.G_ema, self.train_set, self.val_set, self.cfg.eval.diag_count,
                                    _stream(self.seed, "diag"), self.num_classes,
                                    self.cfg.model.ref_attention_res is not None, self.device, self.dtype)
        row.update({f"sn/{k}": v for k, v in layer_spectral_norms(self.d_plain).items()})
        return row

    # ---------------------------------------------------------------- checkpoints
    def _extra_state(self) -> dict:
        state = {
            "step": self.step,
            "train_seconds": self.train_seconds,
            "G_ema": self.G_ema.state_dict(),
            "generators": {k: g.get_state() for k, g in self.gens.items()},
            "loss_sums": {k: torch.tensor([total, n], dtype=torch.float64) for k, (total, n) in self._sums.items()},
        }
        if self.D_momentum is not None:
            state["D_momentum"] = self.D_momentum.state_dict()
        if self.objective.queues:
            state["queues"] = {name: q.state_dict() for name, q in self.objective.queues.items()}
        if self.cfg.loss.pl_weight > 0:
            state["pl_mean"] = self.objective.pl_mean
        return state

    def _restore(self, state: dict) -> None:
        self.G_ema.load_state_dict(state["G_ema"])
        for k, g in self.gens.items():
            g.set_state(state["generators"][k])
        if self.D_momentum is not None:
            self.D_momentum.load_state_dict(state["D_momentum"])
        queues = state.get("queues")
        if queues is None and "queue" in state:  # checkpoints written before an objective could have two queues
            queues = {next(iter(self.objective.queues)): state["queue"]}
        for name, q in self.objective.queues.items():
            q.load_state_dict(queues[name])
        if "pl_mean" in state:
            self.objective.pl_mean = state["pl_mean"]

    def save_checkpoint(self):
        save_checkpoint(self.acc, self.run_dir, self._extra_state() if self.acc.is_main_process else {})

    def load_checkpoint(self) -> bool:
        """Resume from the run folder's checkpoint; False when there is none."""
        state = load_checkpoint(self.acc, self.run_dir, self._restore)
        if state is None:
            return False
        self.step, self.train_seconds = int(state["step"]), float(state["train_seconds"])
        self._sums = {k: (float(v[0]), int(v[1])) for k, v in state["loss_sums"].items()}
        self.history.truncate_after(self.step)
        return True

    # ---------------------------------------------------------------- the loop
    @contextlib.contextmanager
    def _signals(self):
        """SIGTERM/SIGINT set a flag; the loop checkpoints at the end of the current step and stops."""
        import threading

        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {}

        def handler(signum, frame):
            self._stop_signal = signum

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handler)
        try:
            yield
        finally:
            for sig, h in previous.items():
                signal.signal(sig, h)

    def fit(self, until: Optional[int] = None) -> Optional[dict]:
        """Train to ``optim.steps`` from wherever the run stands and return the summary.

        ``until``: stop early at that step with a checkpoint and return None (train a run in pieces).
        """
        cfg, o, e = self.cfg, self.cfg.optim, self.cfg.eval
        stop = o.steps if until is None else min(until, o.steps)
        if self.step == 0:
            self.history.reset()
            if self.acc.is_main_process:
                (self.run_dir / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2, default=list))
        if e.fd_every and self.acc.is_main_process:
            self.metrics_over_time.reference()  # before the clock starts, and before other processes wait mid-run
        self.acc.wait_for_everyone()
        if self.acc.trackers == [] and self.acc.log_with:
            self.acc.init_trackers("gancl", config=_flat(cfg.identity()))
        bar = tqdm(total=o.steps, initial=self.step, desc=cfg.name, disable=not (cfg.progress and self.acc.is_main_process),
                   dynamic_ncols=True, leave=False, mininterval=progress_interval(sys.stderr))
        with self._signals():
            while self.step < stop:
                t0 = time.perf_counter()
                for _ in range(o.n_dis):
                    _accumulate(self._sums, self.d_step())
                _accumulate(self._sums, self.g_step())
                self.step += 1
                self.train_seconds += time.perf_counter() - t0
                bar.update(1)
                last = self.step == o.steps
                if self.step % e.log_every == 0 or last:
                    row = self._log_row(self._sums)
                    self._sums = {}
                    if e.diag_every and (self.step % e.diag_every == 0 or last):
                        row.update(self.diagnostics())
                    if e.fd_every and (self.step % e.fd_every == 0 or last) and self.acc.is_main_process:
                        row.update(self.metrics_over_time(self.G_ema))
                    self.history.append(row)
                    if self.acc.log_with:
                        self.acc.log({k: v for k, v in row.items() if isinstance(v, (int, float))}, step=self.step)
                    bar.set_postfix({k.split("/", 1)[1]: f"{v:.3f}" for k, v in row.items() if k.startswith("loss/")},
                                    refresh=False)
                if self._any_process(self._stop_signal is not None):
                    self.save_checkpoint()
                    bar.close()
                    name = signal.Signals(self._stop_signal or signal.SIGTERM).name
                    raise TrainingInterrupted(f"{name} at step {self.step}: checkpoint written to "
                                              f"{self.run_dir / 'checkpoint'}; ask for the run again to resume")
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0 and not last:
                    self.save_checkpoint()
        bar.close()
        if self.step < o.steps:
            self.save_checkpoint()
            return None
        if self.acc.log_with:
            self.acc.end_training()
        return self._finish()

    def _log_row(self, sums: dict) -> dict:
        """One history row; losses and logit statistics are averaged over processes (each saw its slice)."""
        row = {"step": self.step, "images_seen": self.step * self.cfg.optim.batch_size * self.cfg.optim.n_dis,
               "wall_time": round(self.train_seconds, 3)}
        values = {f"loss/{k}": v / n for k, (v, n) in sums.items()}
        values.update(logit_statistics_row(self._last_logits))
        if self.world > 1 and values:
            t = torch.tensor(list(values.values()), dtype=torch.float64, device=self.device)
            torch.distributed.all_reduce(t)
            values = dict(zip(values, (t / self.world).tolist()))
        row.update(values)
        return row

    def _finish(self) -> dict:
        o = self.cfg.optim
        summary = {
            "status": "finished",
            "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "run_id": self.cfg.run_id(self.seed),
            # the arithmetic the run computed in (not "precision": that name is the metric's in a page's table)
            "mixed_precision": self.cfg.mixed_precision,
            "memory_format": self.cfg.memory_format,
            "seed": self.seed,
            "steps": self.step,
            "images_seen": self.step * o.batch_size * o.n_dis,
            "wall_time": round(self.train_seconds, 3),
            "seconds_per_step": self.train_seconds / max(self.step, 1),
            "device": _device_name(self.device),
            "processes": self.world,
            "val_overlaps_train": self.val_overlaps_train,
            "g_params": sum(p.numel() for p in self.g_plain.parameters()),
            "d_params": sum(p.numel() for p in self.d_plain.parameters()),
        }
        if self.acc.is_main_process:
            weights = {"G": self.g_plain.state_dict(), "G_ema": self.G_ema.state_dict(), "D": self.d_plain.state_dict()}
            atomic_torch_save(weights, self.run_dir / "final.pt")
            atomic_write(self.run_dir / "result.json", json.dumps(summary, indent=2))
            shutil.rmtree(self.run_dir / "checkpoint", ignore_errors=True)  # the finished run needs only final.pt
        self.acc.wait_for_everyone()
        return summary


def _reset_accelerate_state():
    """Let one process train several runs with different settings (a book page runs many configs).

    accelerate keeps process-wide state and refuses a second Accelerator with another mixed precision or device; a
    run's settings are its own, so the state is cleared before each run. Under torch.distributed the process-level
    part (the process group) is kept.
    """
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=not torch.distributed.is_initialized())


def _accumulate(sums: dict, terms: dict):
    for k, v in terms.items():
        total, n = sums.get(k, (0.0, 0))
        sums[k] = (total + float(v), n + 1)


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v if isinstance(v, (int, float, str, bool)) else str(v)
    return out


def _tracker(choice: Optional[str]):
    """"auto": TensorBoard when it is installed, else none; any other name is passed to accelerate."""
    if choice in (None, "none", ""):
        return None
    if choice == "auto":
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            return None
        return "tensorboard"
    return choice


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{device.type} ({os.cpu_count()} cores, {torch.get_num_threads()} threads)"


