"""Which arithmetic and memory layout a run computes in when its config says ``"auto"``: measured, not assumed.

A run's ``mixed_precision`` ("no" | "bf16" | "fp16" | "auto") and ``memory_format`` ("contiguous" | "channels_last"
| "auto") resolve here, per device:

- CUDA: bf16 autocast where the GPU supports bf16 (``torch.cuda.is_bf16_supported()``), and channels_last (tensor
  cores read NHWC);
- MPS: float32, contiguous (its bf16 and channels_last kernels are incomplete);
- CPU: whatever a short probe measures as faster on *this* CPU with *this* torch. A CPU flag (AVX512-BF16, AMX)
  says bf16 instructions exist, not that torch's kernels use them: on the project's AMD EPYC (Zen 4) bf16 autocast
  takes 0.53x the time of float32, while on an Intel Xeon with the same flag and no AMX exposed it took 1.2-1.5x.
  The probe times a small convolutional forward and backward (the kind of work every model of the book does) in the
  four settings, in alternating rounds, and picks bf16 only when it is clearly faster (:data:`BF16_GAIN`), and
  channels_last likewise (:data:`CHANNELS_LAST_GAIN`). The result is cached per CPU model, core count and torch
  version (``GANCL_CACHE/precision/``), so every run on one machine resolves the same way, and it is recorded in
  the run's identity: a bf16 run and a float32 run of one preset are different runs. ``GANCL_AUTO_PRECISION``
  (e.g. ``bf16/channels_last``) sets what "auto" means instead of measuring.

Whatever computes in bf16, the run keeps float32 where precision matters: parameters, optimizer state and the EMA of
G stay float32 (autocast only lowers the inputs of matrix products and convolutions), D's outputs are cast to float32
before any loss reduces them, R1's gradient penalty runs its D forward in float32, and evaluation (FD, precision and
recall) never autocasts.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass

import torch

#: bf16 must take at most this share of float32's time for "auto" to choose it (a clear gain, not noise)
BF16_GAIN = 0.87
#: channels_last must take at most this share of contiguous's time (in the chosen precision)
CHANNELS_LAST_GAIN = 0.95
MEMORY_FORMATS = ("contiguous", "channels_last")


@dataclass(frozen=True)
class FastSettings:
    """What "auto" resolves to on one device, and why (``source``: "cuda", "mps", "probe" or "dtype")."""

    mixed_precision: str
    memory_format: str
    source: str


def device_type(device: str = "auto") -> str:
    """"cuda", "mps" or "cpu" for a device string as the trainer takes it ("auto": CUDA when present)."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    kind = str(device).split(":")[0]
    if kind not in ("cuda", "mps", "cpu"):
        raise ValueError(f"device {device!r}: use auto, cpu, cuda, cuda:N or mps")
    return kind


def fast_settings(device: str = "auto", dtype: str = "float32") -> FastSettings:
    """The mixed precision and memory format "auto" stands for on ``device`` (see the module docstring). A run in
    float64 (numerical checks) computes in float64, contiguous."""
    if dtype != "float32":
        return FastSettings("no", "contiguous", "dtype")
    kind = device_type(device)
    forced = os.environ.get("GANCL_AUTO_PRECISION")
    if forced:
        return FastSettings(*parse_forced(forced), "GANCL_AUTO_PRECISION")
    if kind == "cuda":
        return FastSettings("bf16" if torch.cuda.is_bf16_supported() else "no", "channels_last", "cuda")
    if kind == "mps":
        return FastSettings("no", "contiguous", "mps")
    probe = cpu_probe()
    return FastSettings(probe["mixed_precision"], probe["memory_format"], "probe")


def parse_forced(value: str) -> tuple:
    """``GANCL_AUTO_PRECISION`` as (mixed_precision, memory_format): "<no|bf16|fp16>/<contiguous|channels_last>",
    what "auto" then means on every device (e.g. to test one machine's choice on another, or to pin a cluster)."""
    precision, _, layout = value.partition("/")
    if precision not in ("no", "bf16", "fp16") or layout not in MEMORY_FORMATS:
        raise ValueError(f"GANCL_AUTO_PRECISION={value!r}: write <no|bf16|fp16>/<contiguous|channels_last>, "
                         "e.g. bf16/channels_last")
    return precision, layout


def _cpu_key() -> str:
    from gancl.book.environment import cpu_model

    name = re.sub(r"[^A-Za-z0-9]+", "-", cpu_model()).strip("-").lower()
    return f"{name}-{os.cpu_count()}cpus-torch{torch.__version__.split('+')[0]}"


def cpu_probe(force: bool = False, rounds: int = 8) -> dict:
    """Time one small conv network's forward and backward on the CPU in float32 and bf16 autocast, contiguous and
    channels_last, with every core, and choose; cached per CPU model, core count and torch version (``force``
    measures again).

    Returns {"mixed_precision", "memory_format", "ms": {setting: fastest ms}, "cpu": key, "rule", "measured_at"}.
    """
    from gancl.paths import atomic_write, cache_dir

    path = cache_dir("precision") / f"{_cpu_key()}.json"
    if path.exists() and not force:
        return json.loads(path.read_text())
    # measured with every core, whatever this process has set: the choice names runs, so every process on the
    # machine (a test session on one thread, a page's kernel on all) must make the same one
    threads = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    try:
        ms = _time_settings(rounds)
    finally:
        torch.set_num_threads(threads)
    fp32 = min(ms["float32/contiguous"], ms["float32/channels_last"])
    bf16 = min(ms["bf16/contiguous"], ms["bf16/channels_last"])
    precision = "bf16" if bf16 <= BF16_GAIN * fp32 else "no"
    name = "bf16" if precision == "bf16" else "float32"
    layout = ("channels_last" if ms[f"{name}/channels_last"] <= CHANNELS_LAST_GAIN * ms[f"{name}/contiguous"]
              else "contiguous")
    record = {"mixed_precision": precision, "memory_format": layout, "ms": ms, "cpu": _cpu_key(),
              "rule": f"bf16 when <= {BF16_GAIN} x float32's time; channels_last when <= {CHANNELS_LAST_GAIN} x "
                      "contiguous's",
              "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    atomic_write(path, json.dumps(record, indent=2))
    return record


def probe_network() -> torch.nn.Module:
    """The probe's work: a 32 px conv stack like the book's discriminators (3 -> 64 -> 128 -> 256, stride 2)."""
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 64, 3, 1, 1), torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(64, 128, 4, 2, 1),
        torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(128, 256, 4, 2, 1), torch.nn.LeakyReLU(0.2),
        torch.nn.Conv2d(256, 256, 4, 2, 1), torch.nn.Flatten(), torch.nn.Linear(256 * 16, 1))


def _time_settings(rounds: int, batch: int = 8) -> dict:
    """Fastest ms of one forward+backward per setting over ``rounds``, the four settings interleaved in each round
    (the minimum, not the median: on a shared machine noise only ever adds time, and bursts of it hit any round)."""
    settings = [(p, f) for p in ("float32", "bf16") for f in MEMORY_FORMATS]
    nets, inputs = {}, {}
    for precision, layout in settings:
        fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
        nets[(precision, layout)] = probe_network().to(memory_format=fmt)
        inputs[(precision, layout)] = torch.randn(batch, 3, 32, 32).contiguous(memory_format=fmt)

    def step(key):
        precision, _ = key
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out = nets[key](inputs[key])
        out.float().sum().backward()

    times = {key: [] for key in settings}
    for key in settings:  # warm-up: first calls pick kernels and allocate
        step(key)
    for _ in range(rounds):
        for key in settings:
            start = time.perf_counter()
            step(key)
            step(key)
            times[key].append((time.perf_counter() - start) / 2 * 1000)
    return {f"{p}/{f}": round(min(times[(p, f)]), 3) for p, f in settings}


__all__ = ["FastSettings", "fast_settings", "cpu_probe", "device_type", "probe_network", "parse_forced",
           "BF16_GAIN",
           "CHANNELS_LAST_GAIN", "MEMORY_FORMATS"]
