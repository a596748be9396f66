"""What produced a page's numbers: one line naming Python, torch, gancl (version and commit) and the device.

Every executed page prints :func:`environment_line` in its last cell, through :func:`gancl.book.show_environment`
(checked by :func:`gancl.book.check_page`), as pymc-examples' watermark does, so a reader of the stored notebook
knows which software and which machine made it; the Status page lists it for every page.
"""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

import gancl

_REPO = Path(gancl.__file__).resolve().parents[1]


def gancl_commit(repo: Path = _REPO) -> str:
    """The short commit of the checkout gancl is imported from, with ``+dirty`` when tracked files differ from it;
    ``"unknown"`` outside a git checkout (a wheel install) or without git."""
    def git(*args):
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "--short=10", "HEAD")
        if head.returncode != 0:
            return "unknown"
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty else "")


def cpu_model() -> str:
    """The CPU's marketing name (``/proc/cpuinfo`` on Linux, ``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_description(device: str = "auto") -> str:
    """The device a page's runs use: the GPU's name for a CUDA device, else the CPU model with its core count.

    ``device`` is a page's parameter ("auto", "cpu", "cuda", "cuda:N", "mps"); "auto" means a GPU when one is present,
    as the trainer chooses."""
    import os

    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and torch.cuda.is_available():
        index = int(device.split(":")[1]) if ":" in device else torch.cuda.current_device()
        count = torch.cuda.device_count()
        return f"{torch.cuda.get_device_name(index)} (CUDA {torch.version.cuda}, {count} visible)"
    if device == "mps":
        return f"mps ({cpu_model()})"
    threads = torch.get_num_threads()
    return f"cpu: {cpu_model()} ({os.cpu_count()} cores, {threads} torch threads)"


def environment_line(device: str = "auto") -> str:
    """One line: ``Environment: Python 3.11.7, torch 2.14.1+cu130, gancl 0.1.0 (commit 0472f22abc), cpu: ...``."""
    import torch

    return (f"Environment: Python {platform.python_version()}, torch {torch.__version__}, gancl {gancl.__version__} "
            f"(commit {gancl_commit()}), {device_description(device)}; {platform.system()} {platform.machine()}.")
