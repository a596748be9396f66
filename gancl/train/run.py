"""The cached entry point: ``train(config, seed)`` returns a finished run, training only what is missing.

A run lives in ``<runs root>/<run id>/`` where the run id hashes the config's identity and the seed
(:meth:`RunConfig.run_id`). A finished run (``result.json`` present) is returned as it is unless ``force=True``;
an interrupted one resumes from its checkpoint; otherwise it starts fresh. A run whose loss became non-finite
leaves ``diverged.json``, so asking for it again raises at once instead of retraining into the same failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch

from gancl.models import build_discriminator, build_generator
from gancl.paths import atomic_torch_save, atomic_write, runs_dir
from gancl.train.config import RunConfig
from gancl.train.history import read_history


@dataclass
class RunResult:
    """A finished run: its folder, config, seed and summary (steps, wall time, device, seconds per step, ...)."""

    run_dir: Path
    config: RunConfig
    seed: int
    summary: dict

    def history(self):
        """pandas DataFrame of the run history (see :mod:`gancl.train.history` for the columns)."""
        return read_history(self.run_dir / "history.jsonl")

    def _weights(self) -> dict:
        return torch.load(self.run_dir / "final.pt", map_location="cpu", weights_only=True)

    def generator(self, ema: bool = True) -> torch.nn.Module:
        """The trained generator (the EMA copy by default) in eval mode on CPU, in the run's dtype."""
        G = build_generator(self.config.model).to(getattr(torch, self.config.dtype))
        G.load_state_dict(self._weights()["G_ema" if ema else "G"])
        return G.eval().requires_grad_(False)

    def discriminator(self) -> torch.nn.Module:
        D = build_discriminator(self.config.model).to(getattr(torch, self.config.dtype))
        D.load_state_dict(self._weights()["D"])
        return D.eval().requires_grad_(False)

    def evaluate(self, extractor: str = "domain", n: int = 2000, split: str = "val", force: bool = False,
                 device=None, sample_seed: int = 0) -> dict:
        """Metrics of the EMA generator against the real ``split`` (FD, KID, precision/recall, density/coverage, and
        class consistency, intra-class FD and where each label's samples land when conditional: ``largest_share``,
        ``labels_elsewhere``, :func:`gancl.metrics.label_landing`), as a flat dict that records how they were
        measured.

        Cached in the run folder per (extractor, split, n, sample seed), so re-rendering a page never re-measures;
        ``force`` measures again. Samples use a fixed seed (``sample_seed``, 0 for every run): two runs are
        compared on the same latents; other sample seeds measure the evaluation's own noise.
        """
        from gancl.metrics import evaluate_generator

        def measure():
            d = self.config.data
            result = evaluate_generator(self.generator(), d.name, d.resolution, extractor, n=n, split=split,
                                        seed=sample_seed, data_dir=d.data_dir, device=device, progress=False)
            # one row of a results table: scalars only (per-class maps and the confusion matrix are
            # evaluate_per_class's)
            record = {k: v for k, v in result.as_dict().items() if not isinstance(v, (dict, list))}
            record["sample_seed"] = record.pop("seed")  # the latents' seed, not the run's
            return record

        # a conditional record cached before the landing measures existed is measured again (same samples)
        name = f"eval-{extractor}-{split}-{n}{f'-s{sample_seed}' if sample_seed else ''}.json"
        return self._cached(name, force, measure,
                            stale=lambda r: r.get("class_consistency") is not None and "largest_share" not in r)

    def evaluate_per_class(self, extractor: str = "domain", n: int = 2000, split: str = "val", force: bool = False,
                           device=None) -> list:
        """Per-class measures of a conditional EMA generator (ContraGAN Fig. 4): for each class, its class
        consistency (the share of the samples asked for it that the domain classifier puts in it), its intra-class
        FD (same-class real against generated features), and where its samples land (``drawn``: the share put in
        each class, a row of :func:`gancl.metrics.class_confusion`), on the samples of :meth:`evaluate` (same n,
        sample seed 0). Cached in the run folder. Returns rows {"class", "name", "class_consistency", "intra_fd",
        "drawn"}."""
        from gancl.data import get_dataset
        from gancl.metrics import evaluate_generator

        def measure():
            d = self.config.data
            if not self.config.model.num_classes:
                raise ValueError("per-class measures need a conditional generator (model.num_classes > 0)")
            result = evaluate_generator(self.generator(), d.name, d.resolution, extractor, n=n, split=split,
                                        data_dir=d.data_dir, device=device, progress=False)
            names = get_dataset(d.name, d.resolution, split, count=1, data_dir=d.data_dir).class_names or []
            consistency, fd = result.class_consistency_per_class or {}, result.intra_fd_per_class or {}
            confusion = result.class_confusion or []
            return [{"class": k, "name": names[k] if k < len(names) else str(k),
                     "class_consistency": consistency.get(k), "intra_fd": fd.get(k),
                     "drawn": [c / max(sum(confusion[k]), 1) for c in confusion[k]] if k < len(confusion) else None}
                    for k in range(self.config.model.num_classes)]

        # rows cached before "drawn" existed are measured again (same samples)
        return self._cached(f"per-class-{extractor}-{split}-{n}.json", force, measure,
                            stale=lambda rows: bool(rows) and "drawn" not in rows[0])

    def evaluate_objects(self, n: int = 2000, split: str = "val", force: bool = False, device=None) -> dict:
        """Object-level FD of the EMA generator on multi-object data (:func:`gancl.metrics.evaluate_objects`),
        cached in the run folder like :meth:`evaluate`."""
        from gancl.metrics import evaluate_objects
        from gancl.metrics.objects import recognised_rates

        d = self.config.data
        record = self._cached(f"eval-objects-{split}-{n}.json", force, lambda: evaluate_objects(
            self.generator(), d.name, d.resolution, n=n, split=split, data_dir=d.data_dir, device=device))
        if "recognised_ratio" not in record and "fake_agreement" in record:  # cached before the counts existed
            record.update(recognised_rates(record))
        return record

    def evaluate_ppl(self, space: str = "w", n: int = 2000, sampling: str = "full", force: bool = False,
                     device=None) -> dict:
        """Perceptual path length of the EMA generator in ``space`` (:func:`gancl.metrics.perceptual_path_length`):
        LPIPS when its weights are on disk, else the squared distance between domain-classifier features (the
        record's ``distance`` says which). Cached in the run folder per (space, sampling, n) like :meth:`evaluate`.

        Returns {"ppl": trimmed mean, "ppl_std": std of the kept per-path values, "distance", "space", "sampling",
        "epsilon", "n_samples", "n_kept", "sample_seed"}.
        """
        from gancl.metrics import domain_extractor, lpips_available, perceptual_path_length

        def measure():
            d = self.config.data
            fallback = None if lpips_available() else domain_extractor(d.name, d.resolution, data_dir=d.data_dir,
                                                                       progress=False)
            res = perceptual_path_length(self.generator(), num_samples=n, space=space, sampling=sampling,
                                         fallback=fallback, device=device, progress=False)
            return {"ppl": res.value, "ppl_std": res.std, "distance": res.distance, "space": space,
                    "sampling": sampling, "epsilon": res.epsilon, "n_samples": res.n_samples, "n_kept": res.n_kept,
                    "sample_seed": res.seed}

        return self._cached(f"ppl-{space}-{sampling}-{n}.json", force, measure)

    def evaluate_memorisation(self, n: int = 1000, space: str = "pixels", force: bool = False,
                              device=None) -> dict:
        """How much the EMA generator has memorised its training subset (:func:`gancl.metrics.memorisation`: the
        share of ``n`` samples nearer to a training image than to any held-out one), cached in the run folder."""
        from gancl.metrics import memorisation

        d = self.config.data
        if d.count is None:
            raise ValueError("memorisation compares a sample with the training subset: the run needs data.count")
        return self._cached(f"memorisation-{space}-{n}.json", force, lambda: memorisation(
            self.generator(), d.name, d.resolution, d.count, n=n, space=space, data_dir=d.data_dir,
            data_seed=d.seed, device=device))

    def nearest_training_images(self, n: int = 8, k: int = 3, space: str = "pixels", device=None) -> dict:
        """``n`` samples of the EMA generator beside their ``k`` nearest training images of the run's subset
        (:func:`gancl.metrics.nearest_training_images`, FakeCLR Fig. 9/10); seeded by the run's seed, not cached."""
        from gancl.metrics import nearest_training_images

        d = self.config.data
        if d.count is None:
            raise ValueError("nearest training images search the training subset: the run needs data.count")
        return nearest_training_images(self.generator(), d.name, d.resolution, d.count, n=n, k=k, space=space,
                                       data_dir=d.data_dir, data_seed=d.seed, seed=self.seed, device=device)

    def samples_by_category(self, per_class: int = 6, n: int = 512, truncation_psi: float = 1.0,
                            device=None) -> dict:
        """Generated scenes per object class with the recognised object's box (:func:`gancl.metrics.
        samples_by_category`, MsConD supplement Fig. 3), from ``n`` samples of the EMA generator; not cached."""
        from gancl.metrics import samples_by_category

        d = self.config.data
        return samples_by_category(self.generator(), d.name, d.resolution, per_class=per_class, n=n,
                                   truncation_psi=truncation_psi, seed=self.seed, device=device, data_dir=d.data_dir)

    def evaluate_interpolation(self, inverted: int = 8, invert_steps: int = 300, frames: int = 10,
                               threshold: float = 0.15, random_paths: int = 32, force: bool = False) -> dict:
        """FakeCLR Fig. 1 / Fig. 6 on the EMA generator: invert the first ``inverted`` training images of the run's
        subset (w, ``invert_steps`` Adam steps, pixel MSE), walk the paths between consecutive inverted pairs (lerp
        in w) and ``random_paths`` random paths (slerp in z), ``frames`` frames each, and measure the jumps between
        frames (mean |difference| in [0, 1] units; above ``threshold`` counts as a jump). The run seed seeds the
        inversion start and the random paths.

        Returns {"step_mean_inverted", "step_max_inverted", "step_mean_random", "step_max_random", "jumps_random",
        "inversion_mse"}, cached in the run folder; the images behind it (targets, reconstructions, the first path
        of each kind) are cached beside it for :meth:`interpolation_images`.
        """
        from gancl.data import get_dataset
        from gancl.metrics import interpolation_smoothness, invert

        name = _interpolation_stem(inverted, invert_steps, frames, threshold, random_paths)

        def measure():
            d = self.config.data
            targets = get_dataset(d.name, d.resolution, "train", d.count, d.data_dir, d.seed).images[:inverted]
            G = self.generator()
            inversion = invert(G, targets, space="w", steps=invert_steps, seed=self.seed, progress=False)
            starts, ends = inversion.latents[0::2], inversion.latents[1::2]
            along = interpolation_smoothness(G, starts, ends, steps=frames, space="w", threshold=threshold)
            random = interpolation_smoothness(G, n_pairs=random_paths, steps=frames, space="z", threshold=threshold,
                                              seed=self.seed)
            images = {"targets": targets, "reconstructions": inversion.reconstructions,
                      "inverted_frames": along.frames[0], "inverted_steps": torch.from_numpy(along.differences[0]),
                      "random_frames": random.frames[0], "random_steps": torch.from_numpy(random.differences[0])}
            atomic_torch_save(images, self.run_dir / f"{name}.pt")
            return {"step_mean_inverted": along.mean_difference, "step_max_inverted": float(along.differences.max()),
                    "step_mean_random": random.mean_difference, "step_max_random": float(random.differences.max()),
                    "jumps_random": random.flagged_share, "inversion_mse": inversion.mean_mse}

        # the record is only as good as the images beside it: measure again when they are missing
        return self._cached(f"{name}.json", force or not (self.run_dir / f"{name}.pt").exists(), measure)

    def interpolation_images(self, inverted: int = 8, invert_steps: int = 300, frames: int = 10,
                             threshold: float = 0.15, random_paths: int = 32) -> dict:
        """The images behind :meth:`evaluate_interpolation` with the same settings (measured first if needed):
        "targets" and "reconstructions" (n, 3, H, W), "inverted_frames" and "random_frames" (frames, 3, H, W) of the
        first path of each kind, and "inverted_steps" / "random_steps" (frames - 1,) their jumps."""
        settings = (inverted, invert_steps, frames, threshold, random_paths)
        self.evaluate_interpolation(*settings)
        return torch.load(self.run_dir / f"{_interpolation_stem(*settings)}.pt", map_location="cpu", weights_only=True)

    def _cached(self, name: str, force: bool, measure, stale=None) -> dict:
        """The record cached in the run folder as ``name``; ``measure()`` makes (and this writes, atomically) it
        when absent, ``force``d or ``stale(record)`` (a record written before a field was added), so re-rendering a
        page never measures again."""
        path = self.run_dir / name
        if path.exists() and not force:
            record = json.loads(path.read_text())
            if stale is None or not stale(record):
                return record
        record = measure()
        atomic_write(path, json.dumps(record, indent=2))
        return record

    @property
    def finished_at(self) -> str:
        """When the run finished (UTC, ISO 8601): from its summary, else the time its result was written."""
        import datetime

        stamp = self.summary.get("finished_at")
        if stamp is None:
            mtime = (self.run_dir / "result.json").stat().st_mtime
            stamp = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc).isoformat(timespec="seconds")
        return stamp

    @property
    def compute(self) -> dict:
        """What the run cost and when it ran, for a page's compute table."""
        keys = ("device", "mixed_precision", "memory_format", "processes", "steps", "images_seen", "wall_time",
                "seconds_per_step", "g_params", "d_params")
        return {"run": self.config.name, "seed": self.seed, **{k: self.summary.get(k) for k in keys},
                "finished_at": self.finished_at}


def _interpolation_stem(inverted, invert_steps, frames, threshold, random_paths) -> str:
    return f"interpolation-i{inverted}-s{invert_steps}-f{frames}-t{threshold:g}-r{random_paths}"


def run_path(config: RunConfig, seed: int, root=None, device: str = "auto") -> Path:
    """The folder of (config, seed) trained on ``device`` (its "auto" precision resolves per device)."""
    return Path(root or runs_dir()) / config.run_id(seed, device)


def load_run(config: RunConfig, seed: int, root=None, device: str = "auto") -> Optional[RunResult]:
    """The finished run of (config, seed) on ``device`` if the cache holds one, else None."""
    path = run_path(config, seed, root, device)
    result = path / "result.json"
    if not result.exists():
        return None
    return RunResult(path, config, int(seed), json.loads(result.read_text()))


def train(config: RunConfig, seed: int = 0, force: bool = False, device: str = "auto", root=None) -> RunResult:
    """Train (config, seed) unless the run cache already holds it finished; resumes an interrupted run.

    Args:
        config: the run configuration. seed: the run seed.
        force: retrain from scratch even if a finished run or checkpoint exists.
        device: "auto", "cpu" or "cuda". root: the runs folder (default :func:`gancl.paths.runs_dir`).
    Launch under ``torchrun``/``accelerate launch`` for several processes: every process calls this.
    """
    from gancl.train.trainer import Trainer

    from gancl.train.trainer import NonFiniteLossError

    # precision and layout "auto" become what is fast on this device here, so the run's folder, its trainer and its
    # RunResult all see the settings it computes in
    config = config.validate().resolved(device)
    path = run_path(config, seed, root)
    if not force:
        done = load_run(config, seed, root)
        if done is not None:
            return done
    with run_lock(path):
        if not force:  # another process may have finished (or failed) it while this one waited for the lock
            done = load_run(config, seed, root)
            if done is not None:
                return done
            failure = diverged_run(config, seed, root)
            if failure is not None:
                raise NonFiniteLossError(f"{failure['message']} (cached: this run diverged before; force=True "
                                         f"retrains it)", step=failure["step"])
        elif path.exists():
            from accelerate import PartialState

            if PartialState().is_main_process:
                for item in path.iterdir():  # everything but the lock this process holds
                    if item.name != LOCK_NAME:
                        shutil.rmtree(item) if item.is_dir() else item.unlink()
            PartialState().wait_for_everyone()
        path.mkdir(parents=True, exist_ok=True)
        trainer = Trainer(config, seed, path, device=device)
        trainer.load_checkpoint()
        try:
            summary = trainer.fit()
        except NonFiniteLossError as error:
            if trainer.acc.is_main_process:
                atomic_write(path / "diverged.json", json.dumps({"step": error.step, "message": str(error)}))
            raise
    return RunResult(path, config, int(seed), summary)


LOCK_NAME = ".lock"
LOCK_POLL_SECONDS = 5.0  # how often a waiting process tries the lock again


@contextlib.contextmanager
def run_lock(path: Path):
    """Hold the run folder's lock while training it, so that two processes (two page builds, two array jobs on a
    shared ``GANCL_RUNS``) never train one run at once: the second waits, saying who holds it, then finds the run
    finished. A POSIX record lock (``fcntl.lockf``, honoured over NFS) dies with its process, so a crashed holder
    leaves no stale lock: the next process takes over and resumes from the last checkpoint.

    Under ``torchrun``/``accelerate launch`` only the global rank 0 takes it (its peers follow it through the
    collectives); on systems without ``fcntl`` (Windows) there is no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    if int(os.environ.get("RANK", "0")) != 0:
        yield
        return
    path.mkdir(parents=True, exist_ok=True)
    lock = path / LOCK_NAME
    with open(lock, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            print(f"gancl: run {path.name} is being trained by {holder}; waiting for it", file=sys.stderr, flush=True)
            while True:
                try:
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    time.sleep(LOCK_POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since "
                     f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.lockf(handle, fcntl.LOCK_UN)


def diverged_run(config: RunConfig, seed: int, root=None, device: str = "auto") -> Optional[dict]:
    """``{"step", "message"}`` when (config, seed) stopped on a non-finite loss, else None."""
    path = run_path(config, seed, root, device) / "diverged.json"
    return json.loads(path.read_text()) if path.exists() else None


def train_grid(spec, seeds=None, force: bool = False, device: str = "auto", root=None, evaluate: bool = True,
               extractor: str = "domain", n_eval: int = 2000, progress: bool = True, on_diverge: Optional[str] = None):
    """Train every (configuration, seed) of a page spec that the run cache lacks, measure each run as the spec
    says, and return one row per run.

    This is a page's whole compute: finished runs are taken from the cache (an interrupted page build resumes), and
    each measurement is cached in its run's folder.

    Args:
        spec: a :class:`gancl.experiments.PageSpec` (``experiments.page_spec(page, scale, ...)``): its configs,
            seeds (``config_seeds`` per label), evaluations and ``on_diverge``. Or, for work outside the book, a
            dict name -> RunConfig with ``seeds`` and the standard metrics (``evaluate``, ``extractor``,
            ``n_eval``): :meth:`PageSpec.of`.
        force: retrain (and re-measure) even when cached.
        on_diverge: overrides the spec's. "raise" stops the grid at a run whose loss becomes non-finite
            (:class:`NonFiniteLossError`); "record" keeps going and gives that run a row with ``diverged`` True,
            ``diverged_at`` (its step) and no measurements, for pages whose paper reports divergence (the failure is
            cached like a finished run).

    Before any training, each evaluation checks that it can be made on every configuration (e.g. object-level FD
    needs a data set with object boxes).

    Returns:
        (table, runs): a pandas DataFrame with columns ``config``, ``seed``, ``run_id``, every evaluation's columns
        (``fd``, ``kid_mean``, ..., ``object_fd``, ``ppl_w``, ...) and the compute (``device``, ``wall_time``,
        ``steps``, ``images_seen``, ``seconds_per_step``), plus ``diverged``/``diverged_at`` when divergence is
        recorded; and a dict (name, seed) -> RunResult of the finished runs, for curves and samples.
    """
    from gancl.experiments.spec import PageSpec
    from gancl.train.trainer import NonFiniteLossError

    if not isinstance(spec, PageSpec):
        if seeds is None:
            raise ValueError("train_grid(configs, seeds): a dict of configurations needs its seeds")
        spec = PageSpec.of(spec, seeds, n_eval, extractor, evaluate, on_diverge or "raise")
    elif seeds is not None:
        raise ValueError("train_grid(spec): the spec carries its seeds; ask page_spec(..., seeds=...) for others")
    on_diverge = on_diverge or spec.on_diverge
    if on_diverge not in ("raise", "record"):
        raise ValueError(f"on_diverge={on_diverge!r}: use 'raise' or 'record'")
    for evaluation in spec.evaluations:
        for config in spec.configs.values():
            evaluation.check(config)
    import pandas as pd
    from tqdm.std import tqdm  # plain text: an executed notebook stores every refresh of a bar, so keep them few

    rows, runs = [], {}
    bar = tqdm(spec.runs(), desc="runs", disable=not progress, mininterval=30, leave=True)
    for name, seed in bar:
        bar.set_postfix_str(f"{name}, seed {seed}", refresh=False)
        config = spec.configs[name]
        # one bar for the grid; the runs' own step bars would fill a notebook with thousands of lines
        try:
            run = train(_quiet(config), seed, force=force, device=device, root=root)
        except NonFiniteLossError as error:
            if on_diverge == "raise":
                raise
            rows.append({"config": name, "seed": seed, "run_id": config.run_id(seed, device), "diverged": True,
                         "diverged_at": error.step})
            continue
        runs[(name, seed)] = run
        row = {"config": name, "seed": seed, "run_id": run.summary["run_id"]}
        if on_diverge == "record":
            row.update(diverged=False, diverged_at=None)
        for evaluation in spec.evaluations:
            row.update(evaluation.measure(run, force=force))
        compute = {k: v for k, v in run.compute.items() if k not in ("run", "seed")}
        clash = set(compute) & set(row)
        if clash:  # a compute field named like a measurement would overwrite it in the page's table
            raise RuntimeError(f"run compute fields {sorted(clash)} clash with measurement columns of the same name")
        row.update(compute)
        rows.append(row)
    table = pd.DataFrame(rows)
    if spec.noise_seeds and runs and any(e.kind == "metrics" for e in spec.evaluations):
        # measured on each gate's baseline (claims with their own gates, one per backbone, get their backbone's);
        # the page's is the first gate's, else the first configuration's
        labels = [gate.baseline for gate in spec.gates()] or [next(iter(spec.configs))]
        by_config = {}
        for label in labels:
            found = [run for (name, _), run in runs.items() if name == label] or list(runs.values())
            by_config[label] = evaluation_noise(found[0], spec.evaluation("metrics"), spec.noise_seeds, force=force)
        table.attrs["evaluation_noise"] = by_config[labels[0]]
        table.attrs["evaluation_noise_of"] = by_config
    return table, runs


def evaluation_noise(run: RunResult, evaluation, sample_seeds: int = 5, force: bool = False) -> dict:
    """The evaluation's own noise: the std (ddof=1) of each metric over ``sample_seeds`` re-evaluations of one
    finished generator with different sample seeds (0, 1, ...), beside which the seed-to-seed spread of a page is
    read; a claim's smallest effect worth reporting defaults to twice it. Each re-evaluation is cached."""
    import pandas as pd

    records = pd.DataFrame([run.evaluate(evaluation.extractor, evaluation.n, force=force, sample_seed=s)
                            for s in range(sample_seeds)])
    numeric = records.select_dtypes("number").drop(columns=["sample_seed", "n_real", "n_fake"], errors="ignore")
    return {k: float(v) for k, v in numeric.std(ddof=1).items() if pd.notna(v)}


def _quiet(config: RunConfig) -> RunConfig:
    import dataclasses

    return dataclasses.replace(config, progress=False)  # not part of the run's identity
