"""The trainer: every preset trains, resume equals an uninterrupted run, NaN stop, SIGTERM checkpoint, corrupt
checkpoints, the run cache, the CLI, and two processes equal one."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gancl import experiments, losses
from roundoff import assert_close_reordered, fan_in_total
from gancl.train import (CheckpointError, NonFiniteLossError, RunConfig, Trainer, load_run, read_history, run_path,
                         train)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    # embedded data is shared across tests of this module (generation is the slow part); runs are per test
    monkeypatch.setenv("GANCL_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("GANCL_RUNS", str(tmp_path_factory.mktemp("runs")))


def tiny(name="contragan/2c", steps=4, **overrides) -> RunConfig:
    """A preset at smoke scale, shrunk further: 8 images a batch, a small data set, quiet."""
    base = {"optim.steps": steps, "optim.batch_size": 8, "data.count": 64, "data.val_count": 16,
            "eval.log_every": 2, "eval.diag_every": 2, "eval.diag_count": 8, "progress": False, "tracker": None,
            "checkpoint_every": 0}
    base.update(overrides)
    return experiments.preset(name, "smoke", **base)


def params(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


@pytest.mark.parametrize("name", experiments.names())
def test_every_preset_trains_and_logs_its_terms(name, tmp_path):
    config = tiny(name, steps=2).resolved()
    result = train(config, seed=0, device="cpu")
    h = result.history()
    assert list(h["step"]) == [2]
    assert "loss/D/adv" in h and "loss/G/adv" in h and "acc/val_real" in h
    two_queues = "+" in config.loss.instance  # the InsGen-like objective names its two terms
    expected = {"cond": config.loss.cond not in ("none", "proj"),
                "instance": config.loss.instance != "none" and not two_queues,
                "instance_real": two_queues, "instance_fake": two_queues,
                "ms_contrastive": config.loss.ms_contrastive_weight > 0, "cr": config.loss.cr_weight > 0,
                "r1": config.loss.r1_gamma > 0}
    for term, present in expected.items():
        assert (f"loss/D/{term}" in h) == present, (term, list(h.columns))
    assert all(torch.isfinite(torch.tensor(h[c].values, dtype=torch.float64)).all() for c in h if c.startswith("loss/"))
    assert result.summary["steps"] == 2 and result.summary["images_seen"] == 2 * 8 * config.optim.n_dis
    G = result.generator()
    z = torch.randn(2, G.z_dim)
    y = torch.zeros(2, dtype=torch.long) if config.model.num_classes else None
    assert G(z, y).shape == (2, 3, config.data.resolution, config.data.resolution)


def test_multiscale_history_has_one_logit_curve_per_output():
    h = train(tiny("msconD/msconD", steps=2, **{"model.multiscale_res": (8, 4)}), seed=0, device="cpu").history()
    scales = {c.split("/")[1] for c in h.columns if c.startswith("logits/")}
    assert scales == {"final", "8", "4"}


@pytest.mark.parametrize("name, overrides", [
    ("contragan/2c", {}), ("fakeclr/fakeclr", {}), ("msconD/msconD", {}),
    # the path-length penalty's running mean is state the checkpoint must carry
    ("fakeclr/baseline", {"loss.pl_every": 2}),  # its path-length weight is 2
    # curves over training: the resumed process builds the domain extractor again, and that must not draw from the
    # global RNG that StyleGAN2's noise inputs use (it did, and resumed calibration runs left the uninterrupted draw)
    ("dual/san", {"eval.fd_every": 2, "eval.fd_count": 32, "loss.r1_every": 2}),
])
def test_resume_equals_uninterrupted(name, overrides, tmp_path):
    config = tiny(name, steps=6, **overrides)
    whole = Trainer(config, 0, tmp_path / "whole", device="cpu")
    whole.fit()
    first = Trainer(config, 0, tmp_path / "pieces", device="cpu")
    assert first.fit(until=3) is None and (tmp_path / "pieces" / "checkpoint").is_dir()
    del first
    second = Trainer(config, 0, tmp_path / "pieces", device="cpu")
    assert second.load_checkpoint() and second.step == 3
    second.fit()
    # the same operations in the same order on the same data: equal to the last bit, no tolerance
    for a, b in [(whole.g_plain, second.g_plain), (whole.d_plain, second.d_plain), (whole.G_ema, second.G_ema)]:
        assert torch.equal(params(a), params(b))
    ha, hb = (read_history(tmp_path / d / "history.jsonl") for d in ("whole", "pieces"))
    assert list(ha["step"]) == list(hb["step"])
    assert list(ha["loss/D/adv"]) == list(hb["loss/D/adv"])


def test_nan_loss_stops_with_step_and_term_and_keeps_checkpoint(tmp_path, monkeypatch):
    config = tiny(steps=6, checkpoint_every=2)
    trainer = Trainer(config, 0, tmp_path / "run", device="cpu")
    real_hinge = losses.d_hinge

    def poisoned(real, fake):
        value = real_hinge(real, fake)
        return value * float("nan") if trainer.step == 3 else value

    monkeypatch.setattr(losses, "d_hinge", poisoned)
    with pytest.raises(NonFiniteLossError, match=r"D loss term 'adv' is nan at step 3.*last good checkpoint"):
        trainer.fit()
    state = torch.load(tmp_path / "run" / "checkpoint" / "gancl_state.pt", weights_only=True)
    assert state["step"] == 2


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    config = tiny(steps=4)
    Trainer(config, 0, tmp_path / "run", device="cpu").fit(until=2)
    (tmp_path / "run" / "checkpoint" / "gancl_state.pt").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match=r"(?s)cannot be read.*Delete that folder"):
        Trainer(config, 0, tmp_path / "run", device="cpu").load_checkpoint()


def test_run_cache_returns_finished_run_without_training(monkeypatch):
    config = tiny(steps=2)
    first = train(config, seed=1, device="cpu")
    assert load_run(config, 1) is not None and load_run(config, 2) is None

    def boom(*a, **k):
        raise AssertionError("a finished run must not be retrained")

    monkeypatch.setattr("gancl.train.trainer.Trainer.fit", boom)
    again = train(config, seed=1, device="cpu")
    assert again.run_dir == first.run_dir and again.summary == first.summary
    with pytest.raises(AssertionError, match="must not be retrained"):
        train(config, seed=1, device="cpu", force=True)


def test_run_id_ignores_presentation_and_tracks_results():
    config = tiny()
    assert config.run_id(0) == config.replace(progress=True, checkpoint_every=7).run_id(0)
    assert config.run_id(0) != config.run_id(1)
    assert config.run_id(0) != config.replace(**{"loss.temperature": 0.5}).run_id(0)
    assert RunConfig.from_dict(json.loads(json.dumps(config.to_dict()))).run_id(0) == config.run_id(0)
    # a setting added later is left out of the identity at its default (cached runs keep their names) ...
    assert "instance_key_precision" not in config.identity()["loss"]
    # ... and is part of it otherwise
    assert config.run_id(0) != config.replace(**{"loss.instance_key_precision": "bfloat16"}).run_id(0)


@pytest.mark.parametrize("overrides, match", [
    ({"loss.cond": "2c", "model.d_head": "proj"}, "needs model.d_head in"),
    ({"loss.adv": "wgan"}, "loss.adv 'wgan' is unknown"),
    ({"loss.instance": "fake"}, "needs model.instance_head_dim"),
    ({"model.resolution": 32}, "differs from data.resolution"),
    ({"loss.aps": True, "loss.cond": "eq7"}, "needs loss.cond='2c'"),
    ({"loss.instance_key_precision": "float16"}, "instance_key_precision 'float16' is unknown"),
    ({"loss.pl_weight": 2.0}, "needs model.arch='stylegan2'"),
    ({"loss.pl_decay": 0.0}, "loss.pl_decay in"),
])
def test_inconsistent_configs_are_rejected(overrides, match):
    with pytest.raises(ValueError, match=match):
        experiments.preset("contragan/2c", "smoke").replace(**overrides).validate()


def test_bf16_keys_point_where_float32_keys_do(tmp_path):
    # the bf16 key path is a speed choice, not another objective: the same latents, views and momentum D give keys
    # that agree with float32 ones to a cosine of ~1e-4, far inside what the latent perturbation moves them
    keys = {}
    for precision in ("float32", "bfloat16"):
        # in a float32 run (in a bf16 run the whole step, keys included, is bf16 already)
        config = tiny("fakeclr/fakeclr", mixed_precision="no", **{"loss.instance_key_precision": precision})
        trainer = Trainer(config, 0, tmp_path / precision, device="cpu")
        z, y = trainer.sample_latents()
        keys[precision] = trainer._instance_key(z, y, perturb=True)
        assert keys[precision].dtype == torch.float32
    cos = torch.nn.functional.cosine_similarity(keys["float32"], keys["bfloat16"])
    assert cos.min() > 0.995 and not torch.equal(keys["float32"], keys["bfloat16"])


def test_unknown_config_keys_are_named():
    with pytest.raises(ValueError, match="unknown field"):
        RunConfig.from_dict({"optim": {"stepz": 3}})
    with pytest.raises(ValueError, match="unknown config field in override 'optim.stepz'"):
        RunConfig().replace(**{"optim.stepz": 3})
    with pytest.raises(ValueError, match="unknown preset"):
        experiments.preset("contragan/nope", "smoke")
    with pytest.raises(ValueError, match="unknown scale"):
        experiments.preset("contragan/2c", "huge")


def _cli(*args, env_extra=None, **kw):
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "gancl.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _write_config(path, config):
    path.write_text(json.dumps(config.to_dict(), default=list))
    return str(path)


def test_cli_train_prints_the_run_folder(tmp_path):
    config = tiny(steps=2)
    proc = _cli("train", "--config", _write_config(tmp_path / "c.json", config), "--seed", "3", "--device", "cpu",
                "--runs", str(tmp_path / "runs"))
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    folder = Path(out.strip().splitlines()[-1])
    assert folder == run_path(config, 3, tmp_path / "runs") and (folder / "result.json").exists()


def test_sigterm_writes_checkpoint_and_run_resumes(tmp_path):
    config = tiny(steps=100_000, **{"eval.log_every": 1, "eval.diag_every": 0})
    runs = tmp_path / "runs"
    proc = _cli("train", "--config", _write_config(tmp_path / "c.json", config), "--device", "cpu",
                "--runs", str(runs))
    history = run_path(config, 0, runs) / "history.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (history.exists() and history.read_text().count("\n") >= 2):
        time.sleep(0.2)
    assert history.exists(), proc.communicate()[1]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0 and "SIGTERM at step" in err
    state = torch.load(run_path(config, 0, runs) / "checkpoint" / "gancl_state.pt", weights_only=True)
    assert state["step"] >= 2
    resumed = Trainer(config, 0, run_path(config, 0, runs), device="cpu")
    assert resumed.load_checkpoint() and resumed.step == state["step"]


def _torchrun_train(config, tmp_path, runs):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not installed")
    path = _write_config(tmp_path / "c.json", config)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    cmd = [torchrun, "--nproc_per_node", "2", "--master_port", str(29500 + os.getpid() % 1000), "-m", "gancl.cli",
           "train", "--config", path, "--device", "cpu", "--runs", str(runs)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = load_run(config, 0, runs)
    assert result.summary["processes"] == 2
    return result


@pytest.mark.distributed
@pytest.mark.parametrize("name", ["contragan/2c", "contragan/ntxent"])
def test_two_processes_equal_one_process(name, tmp_path):
    """k steps with per-process batch B/2 on two gloo processes give the parameters and logged losses of one process
    with batch B, up to the order of the reductions. NT-Xent leaves D's class proxies without gradient: DDP must be
    told to expect unused parameters.

    The runs are in float64 so that the comparison checks the algorithm (batch slicing, gathered negatives, random
    streams), not float32 rounding: in float32, Adam's first steps (update ~ lr * sign(g)) turn a rounding-level
    change of a near-zero gradient into a 2 lr change of that parameter, so two correct runs can differ by ~1e-4
    after a few steps on one CPU and not on another. The tolerance is Higham's gamma_n in float64 with n the
    reductions of every update (G and D fan-ins plus the batch, per D and G step), relative to the values' scale
    (tests/roundoff.py); a float32 run of the same settings must fall outside it, so the check can fail."""
    # G without batch norm: BN statistics are per process under DDP (as in BigGAN's code without SyncBN)
    config = tiny(name, steps=3, dtype="float64", **{"model.g_norm": "none", "optim.n_dis": 2})
    two = _torchrun_train(config, tmp_path, tmp_path / "two")
    one = train(config, seed=0, device="cpu", root=tmp_path / "one")
    G, D = one.generator(ema=False), one.discriminator()
    updates = config.optim.steps * (config.optim.n_dis + 1)
    n = updates * (fan_in_total(G, D) + config.optim.batch_size)
    assert_close_reordered(params(two.generator(ema=False)), params(G), n, "G parameters")
    assert_close_reordered(params(two.discriminator()), params(D), n, "D parameters")
    h2, h1 = two.history(), one.history()
    for column in ("loss/D/cond", "loss/D/adv", "loss/G/adv"):  # logged values are averaged over processes
        assert_close_reordered(torch.tensor(h2[column].values), torch.tensor(h1[column].values), n, column)
    single = train(config.replace(dtype="float32"), seed=0, device="cpu", root=tmp_path / "float32")
    with pytest.raises(AssertionError, match="exceeds the rounding bound"):
        assert_close_reordered(params(single.discriminator()).double(), params(D), n, "float32 D against float64 D")


@pytest.mark.distributed
@pytest.mark.parametrize("name", ["msconD/multiscale", "fakeclr/fakeclr", "dual/san_refattn_contrastive"])
def test_stylegan2_presets_train_on_two_processes(name, tmp_path):
    """Unused branch heads, the FakeCLR queue and momentum D, reference attention and lazy R1 under DDP.
    (StyleGAN2's noise inputs come from each process's own RNG, so these runs are not compared with one process.)"""
    config = tiny(name, steps=3, **{"loss.r1_every": 2, "loss.pl_weight": 2.0, "loss.pl_every": 2})
    h = _torchrun_train(config, tmp_path, tmp_path / "two").history()
    assert "loss/D/r1" in h and torch.isfinite(torch.tensor(h["loss/D/adv"].values)).all()
    assert torch.isfinite(torch.tensor(h["loss/G/pl"].dropna().values)).all()  # path length through the plain G


@pytest.mark.parametrize("name", ["contragan/2c", "fakeclr/fakeclr"])
def test_bf16_mixed_precision_trains_on_cpu(name):
    result = train(tiny(name, steps=2, mixed_precision="bf16"), seed=0, device="cpu")
    h = result.history()
    assert torch.isfinite(torch.tensor(h["loss/D/adv"].values)).all()
    assert all(p.dtype == torch.float32 for p in result.generator().parameters())  # weights stay float32


def test_tracker_auto_uses_tensorboard_only_when_installed(monkeypatch):
    from gancl.train.trainer import _tracker

    monkeypatch.setitem(sys.modules, "tensorboard", None)  # import fails
    assert _tracker("auto") is None
    monkeypatch.setitem(sys.modules, "tensorboard", type(sys)("tensorboard"))
    assert _tracker("auto") == "tensorboard"
    assert _tracker(None) is None and _tracker("wandb") == "wandb"


def test_sample_metrics_over_time_are_written_to_the_history_and_end_on_the_final_evaluation():
    """FD, precision, recall and (conditional G) class consistency every fd_every steps; measured on the samples and
    held-out images of the "metrics" evaluation, so the last point of each curve is the value a page's table shows."""
    from gancl.metrics import best_step

    config = tiny(steps=4, **{"eval.fd_every": 2, "eval.fd_count": 64})
    result = train(config, seed=0, device="cpu")
    h = result.history()
    curves = ["eval/fd", "eval/precision", "eval/recall", "eval/class_consistency"]
    assert list(h["step"]) == [2, 4] and h[curves].notna().all().all() and (h["eval/fd"] > 0).all()
    assert h[curves[1:]].apply(lambda v: v.between(0, 1)).all().all()
    step, value = best_step(h, "eval/fd")
    assert step in (2, 4) and value == h["eval/fd"].min()
    final = result.evaluate("domain", n=64)
    for column in curves:
        assert h[column].iloc[-1] == pytest.approx(final[column.split("/")[1]], rel=1e-6, abs=1e-9), column


def test_an_unconditional_run_records_no_class_consistency_curve():
    h = train(tiny("contragan/uncond", steps=2, **{"eval.fd_every": 2, "eval.fd_count": 32}), seed=0,
              device="cpu").history()
    assert {"eval/fd", "eval/precision", "eval/recall"} <= set(h.columns)
    assert "eval/class_consistency" not in h.columns


def test_ema_ramps_up_then_holds_its_decay(tmp_path):
    trainer = Trainer(tiny(steps=2), 0, tmp_path / "run", device="cpu")
    betas = []
    for step in (0, 10, 100, 100_000):
        trainer.step = step
        betas.append(trainer.ema_beta())
    assert betas == sorted(betas) and betas[0] < 0.2 and betas[-1] == trainer.cfg.optim.ema_beta
    trainer.cfg.optim.ema_rampup = 0.0
    assert trainer.ema_beta() == trainer.cfg.optim.ema_beta


def test_cli_errors_are_one_line_messages(tmp_path):
    proc = _cli("train", "--preset", "contragan/nope")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "unknown preset 'contragan/nope'" in err and "Traceback" not in err
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({"optim": {"stepz": 1}}))
    proc = _cli("train", "--config", str(bad))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "unknown field(s) ['stepz']" in err


def test_a_diverged_run_is_cached_and_train_grid_can_record_it(monkeypatch):
    from gancl.train import diverged_run, train_grid

    configs = {"ok": tiny(steps=2), "bad": tiny(steps=3, **{"optim.lr_d": 0.5})}
    real_fit, fits = Trainer.fit, []

    def fit(self, until=None):
        fits.append(self.cfg.optim.lr_d)
        if self.cfg.optim.lr_d == 0.5:
            raise NonFiniteLossError("D loss term 'adv' is nan at step 2", step=2)
        return real_fit(self, until)

    monkeypatch.setattr(Trainer, "fit", fit)
    with pytest.raises(NonFiniteLossError):
        train_grid(configs, seeds=[0], device="cpu", evaluate=False, progress=False)
    assert diverged_run(configs["bad"], 0)["step"] == 2 and diverged_run(configs["ok"], 0) is None
    table, runs = train_grid(configs, seeds=[0], device="cpu", evaluate=False, progress=False, on_diverge="record")
    assert table["diverged"].tolist() == [False, True] and table["diverged_at"].tolist()[1] == 2
    assert table.loc[1, "run_id"] == configs["bad"].run_id(0) and set(runs) == {("ok", 0)}
    assert fits.count(0.5) == 1  # the failure was cached, not trained again
    with pytest.raises(NonFiniteLossError, match="cached"):
        train(configs["bad"], 0, device="cpu")
    with pytest.raises(NonFiniteLossError):
        train(configs["bad"], 0, device="cpu", force=True)
    assert fits.count(0.5) == 2
    with pytest.raises(ValueError, match="on_diverge"):
        train_grid(configs, seeds=[0], on_diverge="skip")


def test_train_grid_trains_each_config_and_seed_once_and_caches_evaluations(monkeypatch):
    from gancl.train import train_grid

    configs = {"2C": tiny("contragan/2c", steps=2), "P-NCA": tiny("contragan/pnca", steps=2)}
    table, runs = train_grid(configs, seeds=[0, 1], device="cpu", n_eval=64, progress=False)
    assert list(zip(table["config"], table["seed"])) == [("2C", 0), ("2C", 1), ("P-NCA", 0), ("P-NCA", 1)]
    assert table["fd"].notna().all() and (table["extractor"] == "domain").all()
    assert table["class_consistency"].between(0, 1).all() and (table["n_fake"] == 64).all()
    assert {"device", "wall_time", "steps", "images_seen", "seconds_per_step"} <= set(table.columns)
    G, D = runs[("2C", 0)].generator(), runs[("2C", 0)].discriminator()
    assert table.loc[0, "g_params"] == sum(p.numel() for p in G.parameters())
    assert table.loc[0, "d_params"] == sum(p.numel() for p in D.parameters())
    assert (runs[("2C", 1)].run_dir / "eval-domain-val-64.json").exists()
    calls = []
    monkeypatch.setattr("gancl.metrics.evaluate_objects", lambda G, *a, **k: calls.append(k["n"]) or {"object_fd": 1.5})
    assert runs[("2C", 0)].evaluate_objects(n=8) == {"object_fd": 1.5} and calls == [8]
    assert (runs[("2C", 0)].run_dir / "eval-objects-val-8.json").exists()
    ppl = runs[("2C", 0)].evaluate_ppl("z", n=16)
    assert ppl["distance"] in ("lpips", "features:domain") and ppl["ppl"] > 0 and ppl["ppl_std"] >= 0 and ppl["n_samples"] == 16
    assert (runs[("2C", 0)].run_dir / "ppl-z-full-16.json").exists()
    monkeypatch.setattr("gancl.metrics.perceptual_path_length", lambda *a, **k: 1 / 0)
    assert runs[("2C", 0)].evaluate_ppl("z", n=16) == ppl  # cached, not measured again
    rows = runs[("2C", 0)].evaluate_per_class(n=64)
    assert [r["class"] for r in rows] == list(range(G.num_classes))
    assert all(sum(r["drawn"]) == pytest.approx(1) for r in rows)  # where each label's samples land, as shares
    assert [r["drawn"][r["class"]] for r in rows] == pytest.approx([r["class_consistency"] for r in rows])
    cached = runs[("2C", 0)].run_dir / "per-class-domain-val-64.json"
    cached.write_text(json.dumps([{k: v for k, v in r.items() if k != "drawn"} for r in rows]))
    assert runs[("2C", 0)].evaluate_per_class(n=64) == rows  # a record cached before "drawn" existed is re-measured
    assert table["largest_share"].between(0, 1).all() and table["labels_elsewhere"].between(0, G.num_classes).all()
    metrics = runs[("2C", 0)].run_dir / "eval-domain-val-64.json"
    record = json.loads(metrics.read_text())
    assert "class_confusion" not in record  # one row of a table: scalars only
    metrics.write_text(json.dumps({k: v for k, v in record.items() if k not in ("largest_share", "labels_elsewhere")}))
    assert runs[("2C", 0)].evaluate("domain", n=64) == record  # cached before the landing measures: re-measured

    def boom(*a, **k):
        raise AssertionError("cached runs and evaluations must be reused")

    monkeypatch.setattr("gancl.train.trainer.Trainer.fit", boom)
    monkeypatch.setattr("gancl.metrics.evaluate_generator", boom)
    monkeypatch.setattr("gancl.metrics.evaluate_objects", boom)
    assert runs[("2C", 0)].evaluate_objects(n=8) == {"object_fd": 1.5}
    again, _ = train_grid(configs, seeds=[0, 1], device="cpu", n_eval=64, progress=False)
    assert again["fd"].tolist() == table["fd"].tolist()


def test_dtype_setting_is_checked_and_float64_runs_keep_float64_weights(tmp_path):
    with pytest.raises(ValueError, match="dtype 'float16' is unknown"):
        tiny(dtype="float16")
    with pytest.raises(ValueError, match="needs mixed_precision='no'"):
        tiny(dtype="float64", mixed_precision="bf16")
    config = tiny(steps=1)
    assert "dtype" not in config.identity()  # the default leaves every cached run's id as it was
    wide = config.replace(dtype="float64")
    assert wide.identity()["dtype"] == "float64" and wide.run_id(0) != config.run_id(0)
    result = train(wide, seed=0, device="cpu", root=tmp_path)
    assert {p.dtype for m in (result.generator(), result.discriminator()) for p in m.parameters()} == {torch.float64}
    G = result.generator()
    assert G(torch.randn(2, G.z_dim, dtype=torch.float64), torch.zeros(2, dtype=torch.long)).dtype == torch.float64


def test_train_grid_runs_a_page_spec_with_its_seeds_and_every_evaluation(monkeypatch):
    from gancl.experiments import Claim, Evaluation, PageSpec
    from gancl.train import train_grid

    configs = {"a": tiny(steps=1), "b": tiny(steps=1, **{"optim.lr_d": 1e-4})}
    spec = PageSpec("test/page", "smoke", configs, [0], (Evaluation("metrics", 32), Evaluation("ppl", 8, space="z"),
                                                          Evaluation("ppl", 8, space="w")),
                    (Claim("T1", "a beats b", (("a", "b"),)),), config_seeds={"b": [0, 1]})
    monkeypatch.setattr("gancl.metrics.perceptual_path_length",
                        lambda G, num_samples, space, **k: type("R", (), dict(
                            value={"z": 2.0, "w": 1.0}[space], std=0.5, distance="features:domain", epsilon=1e-4,
                            n_samples=num_samples, n_kept=num_samples, seed=0))())
    table, runs = train_grid(spec, device="cpu", progress=False)
    assert list(zip(table["config"], table["seed"])) == [("a", 0), ("b", 0), ("b", 1)] == list(runs)
    noise = table.attrs["evaluation_noise"]  # 5 sample seeds of the first configuration's generator
    assert noise["fd"] > 0 and {"precision", "recall", "kid_mean"} <= set(noise) and "sample_seed" not in noise
    assert len(list(runs[("a", 0)].run_dir.glob("eval-domain-val-32*.json"))) == 5
    judged = spec.judge(table, "T1")  # its smallest effect worth reporting: twice the FD noise
    assert judged.delta == pytest.approx(2 * noise["fd"])
    assert table["fd"].notna().all() and (table["n_fake"] == 32).all()
    # the measurements survive beside the compute: "precision" is the metric, the arithmetic has its own columns
    assert table["precision"].between(0, 1).all() and set(table["mixed_precision"]) <= {"no", "bf16", "fp16"}
    assert table["ppl_z"].tolist() == [2.0] * 3 and table["ppl_w"].tolist() == [1.0] * 3
    assert (table["ppl_distance"] == "features:domain").all()
    with pytest.raises(ValueError, match="the spec carries its seeds"):
        train_grid(spec, [0], device="cpu")
    with pytest.raises(ValueError, match="needs its seeds"):
        train_grid(configs, device="cpu")


def test_train_grid_checks_evaluations_before_training_anything(monkeypatch):
    from gancl.experiments import Evaluation, PageSpec
    from gancl.train import train_grid

    monkeypatch.setattr(Trainer, "fit", lambda *a, **k: pytest.fail("trained before the check"))
    spec = PageSpec("test/page", "smoke", {"shapes": tiny(steps=1)}, [0], (Evaluation("objects", 8),))
    with pytest.raises(ValueError, match="object boxes"):
        train_grid(spec, device="cpu", progress=False)
    whole = PageSpec("test/page", "smoke", {"all": tiny(steps=1, **{"data.count": None})}, [0],
                     (Evaluation("memorisation", 8),))
    with pytest.raises(ValueError, match="memorisation compares samples with a training subset"):
        train_grid(whole, device="cpu", progress=False)


_HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "a+")
fcntl.lockf(handle, fcntl.LOCK_EX)
handle.write("pid test-holder"); handle.flush()
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold_lock(folder, seconds):
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(folder / ".lock"), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_run_being_trained_elsewhere_is_waited_for_not_trained_twice(tmp_path, monkeypatch, capsys):
    import gancl.train.run as run_module

    monkeypatch.setattr(run_module, "LOCK_POLL_SECONDS", 0.1)
    config = tiny(steps=1)
    holder = _hold_lock(run_path(config, 0, tmp_path), seconds=1.5)
    start = time.time()
    result = train(config, 0, device="cpu", root=tmp_path)
    waited = time.time() - start
    holder.wait()
    assert "is being trained by pid test-holder; waiting" in capsys.readouterr().err
    assert waited >= 1.0 and result.summary["steps"] == 1


def test_a_crashed_holders_lock_is_not_stale(tmp_path, capsys):
    config = tiny(steps=1)
    holder = _hold_lock(run_path(config, 0, tmp_path), seconds=60)
    holder.kill()  # a crash: the OS drops its lock with it
    holder.wait()
    result = train(config, 0, device="cpu", root=tmp_path)
    assert "waiting" not in capsys.readouterr().err and result.summary["steps"] == 1


@pytest.mark.parametrize("name, switch, term", [
    ("contragan/eq7", {"loss.eq7_exclude_same_label": True}, "loss/D/cond"),
    ("contragan/pnca", {"loss.pnca_authors_denominator": True}, "loss/D/cond"),
    ("fakeclr/fakeclr", {"loss.perturb_max_abs": 0.001}, "loss/D/instance"),
])
def test_every_paper_variant_switch_is_reachable_from_a_config(name, switch, term, tmp_path):
    """The variants the losses offer (the other printing of ContraGAN's Eq. 7, the authors' P-NCA, a clamped FakeCLR
    perturbation) change the run when set in the config, not only when the loss function is called by hand."""
    plain = train(tiny(name, steps=1, **{"eval.log_every": 1}), seed=0, device="cpu", root=tmp_path)
    varied = train(tiny(name, steps=1, **{"eval.log_every": 1, **switch}), seed=0, device="cpu", root=tmp_path)
    assert plain.run_dir != varied.run_dir
    assert plain.history()[term].iloc[0] != varied.history()[term].iloc[0]


def test_the_objective_owns_r1_and_the_instance_term_and_its_queue():
    """D's phase in, every D term out: R1 only when the phase carries the reals it differentiates, FakeCLR's
    Eq. 8 query from the fakes, and the step's keys pushed into the objective's queue after the loss."""
    from gancl.models import DOutput
    from gancl.train.objective import DPhase, GPhase, Objective, build_queues

    cfg = tiny("fakeclr/fakeclr").resolved()
    queues = build_queues(cfg.loss, 4, cfg.optim.steps, seed=0, device="cpu", dtype=torch.float32)
    objective = Objective(cfg.loss, 0, queues)
    queue = queues["perturbation"]
    assert list(objective.instances) == ["perturbation"] and objective.g_queue is queue
    equation = objective.instances["perturbation"]
    assert equation.key_of == "perturbed fake" and equation.query == "fake"
    images = torch.randn(3, 3, 8, 8, requires_grad=True)
    logits = images.flatten(1).sum(1)

    def out(scale=1.0):
        return DOutput(logits=logits * scale, features=torch.randn(3, 2), instance_proj=torch.randn(3, 4))

    y = torch.zeros(3, dtype=torch.long)
    assert int((queue.stamps == 0).sum()) == 0  # filled with random keys stamped -1 before training
    keys = {"perturbation": torch.randn(3, 4)}
    terms = objective.d_terms(DPhase(out(), out(-1), y, y, step=0, instance_keys=keys))
    assert list(terms) == ["adv", "instance"] and int((queue.stamps == 0).sum()) == 3  # this step's keys
    terms = objective.d_terms(DPhase(out(), out(-1), y, y, step=0, real_images=images, instance_keys=keys))
    assert list(terms) == ["adv", "r1", "instance"] and terms["r1"] > 0
    g_terms = objective.g_terms(GPhase(out(-1), y, step=0, instance_key=torch.randn(3, 4)))
    assert list(g_terms) == ["adv", "instance"]
    with pytest.raises(ValueError, match="needs a queue of negatives for"):
        Objective(cfg.loss, 0, None)


def test_the_insgen_like_objective_discriminates_real_and_fake_instances_with_a_queue_each(tmp_path):
    """loss.instance="real+fake" (FakeCLR's InsGen row): Instance-real and Instance-fake on D, each with its own
    queue (the real queue fills with real keys only), G's Instance-fake term on the fake queue; trains, checkpoints
    both queues and resumes exactly; older single-queue checkpoints still load."""
    from gancl.models import DOutput
    from gancl.train.objective import DPhase, Objective, build_queues

    cfg = tiny("fakeclr/insgen").resolved()
    queues = build_queues(cfg.loss, 4, cfg.optim.steps, seed=0, device="cpu", dtype=torch.float32)
    objective = Objective(cfg.loss, 0, queues)
    assert list(queues) == ["real", "fake"] and objective.g_queue is queues["fake"] and objective.g_instance()
    assert not torch.equal(queues["real"].keys, queues["fake"].keys)  # their own random initial keys
    out = DOutput(logits=torch.randn(3), features=torch.randn(3, 2), instance_proj=torch.randn(3, 4))
    real_keys, fake_keys = torch.randn(3, 4), torch.randn(3, 4)
    y = torch.zeros(3, dtype=torch.long)
    terms = objective.d_terms(DPhase(out, out, y, y, step=0, instance_keys={"real": real_keys, "fake": fake_keys}))
    assert list(terms) == ["adv", "instance_real", "instance_fake"]
    for name, keys in (("real", real_keys), ("fake", fake_keys)):  # each queue got its own keys, newest last
        torch.testing.assert_close(queues[name].keys[-3:], torch.nn.functional.normalize(keys, dim=1))
        assert int((queues[name].stamps == 0).sum()) == 3

    config = tiny("fakeclr/insgen", steps=6)
    h = train(config, seed=0, device="cpu", root=tmp_path / "cached").history()
    assert {"loss/D/instance_real", "loss/D/instance_fake", "loss/G/instance"} <= set(h.columns)
    whole = Trainer(config, 0, tmp_path / "whole", device="cpu")
    whole.fit()
    first = Trainer(config, 0, tmp_path / "pieces", device="cpu")
    first.fit(until=3)
    second = Trainer(config, 0, tmp_path / "pieces", device="cpu")
    assert second.load_checkpoint()
    second.fit()
    assert torch.equal(params(whole.d_plain), params(second.d_plain))
    for name in ("real", "fake"):
        assert torch.equal(whole.objective.queues[name].keys, second.objective.queues[name].keys)
    # a checkpoint from before an objective could hold two queues kept the one queue under "queue"
    old = Trainer(tiny("fakeclr/fakeclr"), 0, tmp_path / "old", device="cpu")
    old.objective.queues["perturbation"].push(torch.randn(8, old.cfg.model.instance_head_dim), step=0)
    state = old._extra_state()
    state["queue"] = state.pop("queues")["perturbation"]
    fresh = Trainer(tiny("fakeclr/fakeclr"), 1, tmp_path / "fresh", device="cpu")  # another seed: other keys
    fresh._restore(state)
    for field in ("keys", "stamps"):
        assert torch.equal(getattr(fresh.objective.queues["perturbation"], field),
                           getattr(old.objective.queues["perturbation"], field))


def test_a_conditional_runs_generator_and_losses_see_the_same_label_for_each_fake(tmp_path):
    """The label order agrees between G and the conditioning losses: every fake is drawn for the label its D and G
    terms are computed with (the domain classifier's side: tests/test_metrics_eval.py)."""
    trainer = Trainer(tiny("contragan/2c", steps=2), 0, tmp_path / "run", device="cpu")
    asked, judged = [], []
    trainer.g_plain.register_forward_pre_hook(lambda module, args: asked.append(args[1].clone()))
    d_terms, g_terms = trainer.objective.d_terms, trainer.objective.g_terms
    trainer.objective.d_terms = lambda phase: judged.append(phase.y_fake.clone()) or d_terms(phase)
    trainer.objective.g_terms = lambda phase: judged.append(phase.y_fake.clone()) or g_terms(phase)
    trainer.fit()
    assert len(asked) == len(judged) == 2 * (trainer.cfg.optim.n_dis + 1)
    assert all(torch.equal(a, b) for a, b in zip(asked, judged))
    assert len(torch.cat(asked).unique()) > 1


def test_the_path_length_penalty_is_a_lazy_g_term_with_its_own_running_mean(tmp_path):
    """StyleGAN2's path-length regulariser: G's term "pl" every pl_every steps (weight x interval), measured on
    batch // pl_batch_shrink latents, its running mean kept by the objective; off by default (old run ids kept)."""
    from gancl.train.objective import GPhase, Objective

    plain = tiny("dual/stylegan2", steps=4, **{"eval.log_every": 1})  # a StyleGAN2 preset without it
    config = plain.replace(**{"loss.pl_weight": 2.0, "loss.pl_every": 2})
    assert not any(k.startswith("pl_") for k in plain.identity()["loss"])  # cached runs keep their ids
    assert config.run_id(0) != plain.run_id(0)
    trainer = Trainer(config, 0, tmp_path / "run", device="cpu")
    assert [trainer.objective.pl_due(step) for step in range(4)] == [True, False, True, False]
    z, y = trainer.sample_latents()
    images, ws = trainer._path_length_forward(z, y)
    assert images.shape[0] == ws.shape[0] == config.optim.batch_size // config.loss.pl_batch_shrink
    assert ws.shape[1:] == (trainer.g_plain.num_ws, trainer.g_plain.w_dim)
    objective = Objective(config.resolved().loss, 0)
    out = trainer._discriminate(trainer.d_plain, {"fake": (trainer.g_plain(z), y)}, None)["fake"]
    terms = objective.g_terms(GPhase(out, y, step=0, pl_images=images, pl_ws=ws))
    assert list(terms) == ["adv", "pl"] and float(objective.pl_mean) > 0
    terms["pl"].backward()  # through the path lengths' own gradient, to G's weights
    assert trainer.g_plain.synthesis.convs[0].conv.weight.grad.abs().sum() > 0
    h = train(config, seed=0, device="cpu", root=tmp_path).history()
    assert h["loss/G/pl"].notna().sum() == 2 and (h["loss/G/pl"].dropna() > 0).all()  # steps 0 and 2 of 4
    assert "loss/G/pl" not in train(plain, seed=0, device="cpu", root=tmp_path).history()


def test_interpolation_evaluation_is_cached_with_its_images(tmp_path, monkeypatch):
    run = train(tiny("fakeclr/baseline", steps=1), seed=0, device="cpu", root=tmp_path)
    settings = dict(inverted=2, invert_steps=2, frames=3, threshold=0.15, random_paths=2)
    record = run.evaluate_interpolation(**settings)
    assert set(record) == {"step_mean_inverted", "step_max_inverted", "step_mean_random", "step_max_random",
                           "jumps_random", "inversion_mse"}
    assert 0 <= record["step_mean_inverted"] <= record["step_max_inverted"] and record["inversion_mse"] > 0
    monkeypatch.setattr("gancl.metrics.invert", lambda *a, **k: pytest.fail("measured again"))
    assert run.evaluate_interpolation(**settings) == record
    images = run.interpolation_images(**settings)
    res = run.config.data.resolution
    assert images["targets"].shape == images["reconstructions"].shape == (2, 3, res, res)
    assert images["random_frames"].shape == (3, 3, res, res) and images["inverted_steps"].shape == (2,)


def test_seed_s_of_two_configurations_sees_the_same_batches(tmp_path):
    """Common random numbers: the objective and D head differ, the streams of seed 0 do not."""
    a = Trainer(tiny("contragan/2c"), 0, tmp_path / "a", device="cpu")
    b = Trainer(tiny("contragan/pnca"), 0, tmp_path / "b", device="cpu")
    other = Trainer(tiny("contragan/2c"), 1, tmp_path / "c", device="cpu")
    for _ in range(3):  # several steps' worth of draws, in the order a D step makes them
        (xa, ya), (xb, yb), (xo, _) = (t.sample_reals(t.gens["data"]) for t in (a, b, other))
        assert torch.equal(xa, xb) and torch.equal(ya, yb) and not torch.equal(xa, xo)
        (za, la), (zb, lb) = a.sample_latents(), b.sample_latents()
        assert torch.equal(za, zb) and torch.equal(la, lb)
        assert torch.equal(a.view(xa), b.view(xb))  # augmentation parameters


@pytest.mark.parametrize("name, curve, columns", [
    ("msconD/stylegan2", "objects", ("eval/recognised_ratio", "eval/object_fd")),
    ("fakeclr/baseline", "memorisation", ("eval/memorised_share",)),
])
def test_further_curves_are_measured_as_the_pages_final_evaluations(name, curve, columns):
    """eval.curves adds a data set's gate measure to the curves; its last point is the run's final evaluation."""
    config = tiny(name, steps=2, **{"eval.fd_every": 2, "eval.fd_count": 32, "eval.curves": (curve,)})
    result = train(config, seed=0, device="cpu")
    last = result.history().iloc[-1]
    final = (result.evaluate_objects(32) if curve == "objects" else result.evaluate_memorisation(32))
    for column in columns:
        key = column.split("/")[1]
        assert last[column] == pytest.approx(final[key], nan_ok=True), column
    with pytest.raises(ValueError, match="eval.curves"):
        config.replace(**{"eval.curves": ("pixels",)}).validate()
    with pytest.raises(ValueError, match="eval.fd_every"):
        config.replace(**{"eval.fd_every": 0}).validate()


def test_time_side_by_side_alternates_configurations_and_records_the_compute():
    """Supplement Table 6's measurement: every configuration once per round, in the same order each round (so drift
    hits them alike), seconds per step and per thousand images D sees, and a compute record per measurement."""
    from gancl.train.timing import seconds_per_step, time_side_by_side

    configs = {"baseline": tiny("fakeclr/baseline"), "FakeCLR": tiny("fakeclr/fakeclr", **{"optim.n_dis": 2})}
    order = []
    timed = time_side_by_side(configs, steps=1, rounds=[3, 7], warmup=1, device="cpu",
                              progress=lambda row: order.append((row["seed"], row["config"])))
    assert order == [(3, "baseline"), (3, "FakeCLR"), (7, "baseline"), (7, "FakeCLR")]
    assert list(timed["seed"]) == [3, 3, 7, 7] and (timed["seconds_per_step"] > 0).all()
    fakeclr = timed[timed["config"] == "FakeCLR"].iloc[0]
    assert fakeclr["sec_per_kimg"] == pytest.approx(1e3 * fakeclr["seconds_per_step"] / (8 * 2))
    assert (fakeclr["steps"], fakeclr["images_seen"]) == (2, 2 * 8 * 2)  # warm-up included in the record
    assert fakeclr["wall_time"] >= fakeclr["seconds_per_step"] and fakeclr["device"].startswith("cpu")
    with pytest.raises(ValueError, match="steps must be >= 1"):
        seconds_per_step(configs["baseline"], steps=0)


def test_real_keys_enter_the_fake_queue_as_table_10_configures(tmp_path):
    """FakeCLR supplement Table 10: from ``queue_real_from`` of the run on, the first ``queue_real_share`` of each
    push into the fake queue are keys of this step's reals; the loss still uses the fakes' own keys."""
    from gancl.models import DOutput
    from gancl.train.objective import DPhase

    config = tiny("fakeclr/instance_perturbation", steps=4,
                  **{"loss.queue_real_share": 0.5, "loss.queue_real_from": 0.5})
    trainer = Trainer(config, 0, tmp_path / "run", device="cpu")
    obj = trainer.objective
    assert [obj.real_keys_due(step, 4) for step in range(4)] == [False, False, True, True]  # from half-way
    real, y = trainer.sample_reals(trainer.gens["data"])
    fake_keys = {"perturbation": torch.randn(8, config.model.instance_head_dim)}
    mixed = trainer._with_real_keys(fake_keys, real, y)["perturbation"]
    assert torch.equal(mixed[4:], fake_keys["perturbation"][4:]) and not torch.equal(mixed[:4], fake_keys[
        "perturbation"][:4])
    out = DOutput(logits=torch.randn(8), features=torch.randn(8, 2), instance_proj=torch.randn(8, mixed.shape[1]))
    obj.d_terms(DPhase(out, out, y, y, step=2, instance_keys=fake_keys, queue_keys={"perturbation": mixed}))
    kept = min(8, len(obj.queues["perturbation"].keys))  # the tiny subset's queue holds fewer than a batch
    torch.testing.assert_close(obj.queues["perturbation"].keys[-kept:],
                               torch.nn.functional.normalize(mixed, dim=1)[-kept:])
    h = train(config, seed=0, device="cpu", root=tmp_path).history()
    assert torch.isfinite(torch.tensor(h["loss/D/instance"].values)).all()
    with pytest.raises(ValueError, match="needs loss.instance 'fake' or 'perturbation'"):
        tiny("fakeclr/baseline", **{"loss.queue_real_share": 0.5}).validate()


def test_proxy_weight_reaches_2c_and_is_refused_where_there_is_no_proxy(tmp_path):
    """``loss.proxy_weight`` (the book's 2C probe): the objective's conditioning term is Eq. 8 with the proxy
    counted w times; runs at the default keep their cached names; other conditioning losses refuse it."""
    from gancl.models import DOutput
    from gancl.train.objective import Objective

    base = tiny("contragan/2c")
    assert tiny("contragan/2c", **{"loss.proxy_weight": 1.0}).run_id(0) == base.run_id(0)
    assert tiny("contragan/2c", **{"loss.proxy_weight": 4.0}).run_id(0) != base.run_id(0)
    embed, proxy = torch.randn(8, 16), torch.randn(8, 16)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    out = DOutput(logits=torch.randn(8), features=torch.randn(8, 2), embed=embed, proxy=proxy)
    for w in (1.0, 4.0):
        cfg = tiny("contragan/2c", **{"loss.proxy_weight": w})
        got = Objective(cfg.loss, cfg.model.num_classes).conditioning(out, y, None)
        torch.testing.assert_close(got, losses.contrastive_2c(embed, proxy, y, cfg.loss.temperature, proxy_weight=w))
    trained = train(tiny("contragan/2c", **{"loss.proxy_weight": 4.0}), seed=0, device="cpu", root=tmp_path)
    assert torch.isfinite(torch.tensor(trained.history()["loss/D/cond"].values)).all()
    for name, extra in (("contragan/eq7", {}), ("contragan/2c", {"loss.aps": True})):
        with pytest.raises(ValueError, match="proxy_weight"):
            tiny(name, **{"loss.proxy_weight": 2.0, **extra}).validate()
    with pytest.raises(ValueError, match="proxy_weight must be > 0"):
        tiny("contragan/2c", **{"loss.proxy_weight": 0.0}).validate()


def test_measured_curves_keep_the_measured_steps_of_every_run():
    """``measured_curves``: one row per (config, seed, measured step), ``eval/`` stripped; loss-only rows dropped;
    a run that measured nothing adds no row."""
    import pandas as pd

    from gancl.train import measured_curves

    class Fake:
        def __init__(self, rows):
            self.rows = rows

        def history(self):
            return pd.DataFrame(self.rows)

    measured = [{"step": 1, "images_seen": 8, "wall_time": 0.1, "loss/D/adv": 1.0},
                {"step": 2, "images_seen": 16, "wall_time": 0.2, "loss/D/adv": 0.9, "eval/fd": 30.0,
                 "eval/class_consistency": 0.2},
                {"step": 4, "images_seen": 32, "wall_time": 0.4, "loss/D/adv": 0.8, "eval/fd": 20.0,
                 "eval/class_consistency": 0.5}]
    runs = {("2C", 0): Fake(measured), ("2C", 1): Fake(measured[:2]),
            ("plain", 0): Fake([{"step": 1, "images_seen": 8, "wall_time": 0.1, "loss/D/adv": 1.0}])}
    curves = measured_curves(runs)
    assert list(zip(curves["config"], curves["seed"], curves["step"])) == [("2C", 0, 2), ("2C", 0, 4), ("2C", 1, 2)]
    assert list(curves["class_consistency"]) == [0.2, 0.5, 0.2] and list(curves["fd"]) == [30.0, 20.0, 30.0]
    assert measured_curves({("plain", 0): runs[("plain", 0)]}).empty


def test_the_training_bar_refreshes_rarely_when_written_to_a_file():
    """A bar written to a log file or pipe keeps every refresh: 30 s apart there, tqdm's default on a terminal (the
    trainer's and the domain classifier's bars)."""
    import io

    from gancl.progress import progress_interval

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    closed = io.StringIO()
    closed.close()  # isatty() on a closed stream raises ValueError
    assert progress_interval(io.StringIO()) == 30.0
    assert progress_interval(Terminal()) == 0.1
    assert progress_interval(closed) == 30.0
    assert progress_interval(None) == 30.0


def test_set_overrides_read_json_values_and_keep_bare_strings():
    """``gancl train --set`` (and benchmarks/profile_step.py) read KEY=VALUE as JSON, else as a bare string."""
    from gancl.train.command import parse_overrides

    assert parse_overrides(["optim.steps=200", "loss.cond=2c", " eval.curves=[\"memorisation\"]",
                            "model.d_spectral_norm=true", "data.data_dir=a=b"]) == {
        "optim.steps": 200, "loss.cond": "2c", "eval.curves": ["memorisation"], "model.d_spectral_norm": True,
        "data.data_dir": "a=b"}
    with pytest.raises(SystemExit, match="expects KEY=VALUE, got 'steps'"):
        parse_overrides(["steps"])
