"""Where gancl keeps things on disk.

Two places, both overridable by environment variables so that CI, a laptop and a cluster can each choose:

- ``GANCL_CACHE`` (default ``~/.cache/gancl``): derived artefacts that can always be recomputed (generated data sets,
  the domain classifier, real-feature statistics).
- ``GANCL_RUNS`` (default ``./runs``): training runs, one folder per (config hash, seed).
"""

from __future__ import annotations

import io
import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache folder (created), optionally a sub-folder of it."""
    root = Path(os.environ.get("GANCL_CACHE", Path.home() / ".cache" / "gancl")).expanduser()
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs_dir() -> Path:
    """The folder that holds training runs (created)."""
    path = Path(os.environ.get("GANCL_RUNS", "runs")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(path, data) -> None:
    """Write ``data`` (bytes or str) to ``path`` through a temporary file and a rename, so a reader (or a crash)
    never sees half a file; concurrent writers of the same content are harmless."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def atomic_torch_save(obj, path) -> None:
    """``torch.save`` through :func:`atomic_write` (for weights and states loaded with ``weights_only=True``)."""
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write(path, buffer.getvalue())
