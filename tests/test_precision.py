"""Mixed precision and memory layout: what "auto" resolves to, that it names the run, and what stays float32."""

from __future__ import annotations

import json

import pytest
import torch

from gancl import experiments
from gancl.train import precision
from gancl.train.trainer import Trainer, output_in
from gancl.models import DOutput


@pytest.fixture
def probe_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCL_CACHE", str(tmp_path))
    monkeypatch.delenv("GANCL_AUTO_PRECISION", raising=False)
    return tmp_path / "precision"


def fake_timings(ms: dict):
    calls = []

    def time_settings(rounds, batch=8):
        calls.append(rounds)
        return dict(ms)

    return time_settings, calls


@pytest.mark.parametrize("ms, expected", [
    # bf16 clearly faster (Zen 4: ~0.5x), channels_last faster in bf16
    ({"float32/contiguous": 10.0, "float32/channels_last": 8.4, "bf16/contiguous": 5.3, "bf16/channels_last": 4.8},
     ("bf16", "channels_last")),
    # bf16 slower (a CPU whose flag says bf16 but whose kernels do not use it): float32; layout within noise
    ({"float32/contiguous": 10.0, "float32/channels_last": 9.8, "bf16/contiguous": 14.0, "bf16/channels_last": 13.0},
     ("no", "contiguous")),
    # bf16 only a little faster: not worth a different arithmetic
    ({"float32/contiguous": 10.0, "float32/channels_last": 10.5, "bf16/contiguous": 9.0, "bf16/channels_last": 9.5},
     ("no", "contiguous")),
    # float32 with channels_last clearly faster
    ({"float32/contiguous": 10.0, "float32/channels_last": 8.0, "bf16/contiguous": 12.0, "bf16/channels_last": 12.0},
     ("no", "channels_last")),
])
def test_the_cpu_probe_chooses_bf16_and_channels_last_only_when_clearly_faster(probe_cache, monkeypatch, ms,
                                                                               expected):
    time_settings, calls = fake_timings(ms)
    monkeypatch.setattr(precision, "_time_settings", time_settings)
    record = precision.cpu_probe()
    assert (record["mixed_precision"], record["memory_format"]) == expected and record["ms"] == ms
    assert precision.fast_settings("cpu") == precision.FastSettings(*expected, "probe")
    assert len(calls) == 1  # measured once, then read from the cache
    (cached,) = probe_cache.glob("*.json")
    assert json.loads(cached.read_text())["mixed_precision"] == expected[0] and "cpus-torch" in cached.name
    precision.cpu_probe(force=True)
    assert len(calls) == 2


def test_the_probe_measures_the_four_settings():
    ms = precision._time_settings(rounds=1, batch=2)
    assert set(ms) == {"float32/contiguous", "float32/channels_last", "bf16/contiguous", "bf16/channels_last"}
    assert all(v > 0 for v in ms.values())


def test_float64_runs_and_the_environment_override(probe_cache, monkeypatch):
    def never(*_):
        raise AssertionError("the probe must not run")

    monkeypatch.setattr(precision, "_time_settings", never)
    assert precision.fast_settings("cpu", "float64") == precision.FastSettings("no", "contiguous", "dtype")
    monkeypatch.setenv("GANCL_AUTO_PRECISION", "bf16/channels_last")
    assert precision.fast_settings("cpu") == precision.FastSettings("bf16", "channels_last", "GANCL_AUTO_PRECISION")
    monkeypatch.setenv("GANCL_AUTO_PRECISION", "bf16")
    with pytest.raises(ValueError, match="GANCL_AUTO_PRECISION='bf16'"):
        precision.fast_settings("cpu")
    with pytest.raises(ValueError, match="device 'tpu'"):
        precision.device_type("tpu")


def test_auto_resolves_into_the_run_identity(monkeypatch):
    config = experiments.preset("contragan/2c", "smoke")
    assert config.mixed_precision == "auto" and config.memory_format == "auto"
    config.validate()  # validating does not measure anything
    monkeypatch.setenv("GANCL_AUTO_PRECISION", "no/contiguous")
    plain = config.resolved("cpu")
    assert (plain.mixed_precision, plain.memory_format) == ("no", "contiguous")
    # float32 and contiguous name the runs cached before the setting existed: no memory_format in the identity
    assert "memory_format" not in config.identity("cpu") and config.identity("cpu")["mixed_precision"] == "no"
    assert config.run_id(0, "cpu") == config.replace(mixed_precision="no", memory_format="contiguous").run_id(0)
    fp32_id = config.run_id(0, "cpu")
    monkeypatch.setenv("GANCL_AUTO_PRECISION", "bf16/channels_last")
    fast = config.identity("cpu")
    assert fast["mixed_precision"] == "bf16" and fast["memory_format"] == "channels_last"
    assert config.run_id(0, "cpu") != fp32_id  # a bf16 run is another run
    explicit = config.replace(mixed_precision="no")
    assert explicit.resolved("cpu").mixed_precision == "no"  # an explicit setting is never overridden
    with pytest.raises(ValueError, match="memory_format 'nhwc'"):
        config.replace(memory_format="nhwc").validate()
    with pytest.raises(ValueError, match="needs mixed_precision='no'"):
        config.replace(dtype="float64", mixed_precision="bf16").validate()
    assert config.replace(dtype="float64").resolved("cpu").mixed_precision == "no"  # float64 ignores the override


def test_output_in_casts_every_floating_output_and_keeps_the_graph():
    logits = torch.randn(4, requires_grad=True)
    out = DOutput(logits=logits.bfloat16(), features=torch.randn(4, 8).bfloat16(),
                  scale_logits={1: torch.randn(4, 2, 2).bfloat16()}, class_logits=None)
    cast = output_in(out, torch.float32)
    assert cast.logits.dtype == cast.features.dtype == cast.scale_logits[1].dtype == torch.float32
    assert cast.class_logits is None
    cast.logits.sum().backward()
    assert logits.grad is not None


def small_trainer(tmp_path, name, **overrides):
    config = experiments.preset(name, "smoke", **{
        "optim.steps": 2, "optim.batch_size": 4, "data.count": 32, "data.val_count": 8, "eval.log_every": 1,
        "eval.diag_every": 0, "progress": False, "tracker": None, "checkpoint_every": 0, **overrides})
    return Trainer(config, 0, tmp_path, device="cpu")


def test_a_bf16_channels_last_run_keeps_float32_where_precision_matters(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCL_AUTO_PRECISION", "bf16/channels_last")
    trainer = small_trainer(tmp_path, "dual/stylegan2", **{"loss.r1_every": 2})
    assert (trainer.cfg.mixed_precision, trainer.cfg.memory_format) == ("bf16", "channels_last")
    conv = next(m for m in trainer.d_plain.modules() if isinstance(m, torch.nn.Conv2d) or
                (hasattr(m, "weight") and getattr(m, "weight") is not None and m.weight.dim() == 4))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    seen = []
    handle = conv.register_forward_hook(lambda module, args, output: seen.append(output.dtype))
    try:
        trainer.step = 0  # R1 is due (every 2 steps): its D forward is float32
        trainer.d_step()
        trainer.step = 1  # no R1: bf16
        terms = trainer.d_step()
    finally:
        handle.remove()
    assert seen == [torch.float32, torch.bfloat16]
    assert all(v.dtype == torch.float32 for v in terms.values())  # losses reduced in float32
    trainer.g_step()
    assert all(p.dtype == torch.float32 for p in trainer.g_plain.parameters())
    assert all(p.dtype == torch.float32 for p in trainer.G_ema.parameters())
    state = trainer.opt_d.state_dict()["state"]
    assert all(v.dtype == torch.float32 for s in state.values() for k, v in s.items() if k != "step")
    summary = trainer.fit()
    assert (summary["mixed_precision"], summary["memory_format"]) == ("bf16", "channels_last")


def test_the_probe_decides_alike_in_every_process_of_a_machine(probe_cache, monkeypatch):
    """The choice names runs: a test process on one thread and a page's kernel on all cores must share it."""
    import os

    seen = []

    def time_settings(rounds, batch=8):
        seen.append(torch.get_num_threads())
        return {"float32/contiguous": 1.0, "float32/channels_last": 1.0, "bf16/contiguous": 1.0,
                "bf16/channels_last": 1.0}

    monkeypatch.setattr(precision, "_time_settings", time_settings)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        precision.cpu_probe()
        assert torch.get_num_threads() == 1  # restored
    finally:
        torch.set_num_threads(threads)
    assert seen == [os.cpu_count()]
    torch.set_num_threads(max(1, (os.cpu_count() or 1)))
    try:
        precision.cpu_probe()  # another thread count: the same cached decision, no second measurement
    finally:
        torch.set_num_threads(threads)
    assert len(seen) == 1
