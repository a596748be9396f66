"""The run history: one JSON object per line, appended as the run trains.

Columns (every row has the first group; the others appear at their intervals):

- ``step`` (G updates so far), ``images_seen`` (real images shown to D), ``wall_time`` (training seconds so far)
- ``loss/D/<term>``, ``loss/G/<term>``: each loss term averaged over the log interval (terms named in
  :mod:`gancl.train.objective`: adv, cond, cond_fake, cr, ms_contrastive, instance)
- ``logits/<output>/<real|fake>/<mean|std>``: D's logits in the last D step of the interval; ``<output>`` is
  ``final`` or, for a multi-scale D, the output height of each branch ("16", "8", ...)
- ``acc/train_real``, ``acc/val_real``, ``acc/fake``: authenticity accuracy (ContraGAN Fig. 3) every ``diag_every``
- ``sn/<layer>``: largest singular value of each D weight every ``diag_every``
- ``eval/fd``, ``eval/precision``, ``eval/recall`` and, for a conditional G, ``eval/class_consistency``: G_ema's
  samples against the held-out split every ``fd_every`` steps, measured as a page's final "metrics" evaluation
  (extractor ``eval.extractor``, ``fd_count`` samples, sample seed 0; :class:`gancl.metrics.SampleMetricsOverTime`);
  with ``eval.curves``, also ``eval/recognised_ratio`` and ``eval/object_fd`` ("objects") and
  ``eval/memorised_share`` ("memorisation")
"""

from __future__ import annotations

import json
from pathlib import Path


class History:
    def __init__(self, path: Path, enabled: bool = True):
        self.path = Path(path)
        self.enabled = enabled

    def reset(self):
        if self.enabled:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text("")

    def append(self, row: dict):
        if self.enabled:
            with open(self.path, "a") as f:
                f.write(json.dumps(row) + "\n")

    def truncate_after(self, step: int):
        """Drop rows logged after ``step`` (a resumed run re-logs them), so the file equals an uninterrupted run's."""
        if self.enabled and self.path.exists():
            rows = [r for r in read_rows(self.path) if r["step"] <= step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def read_rows(path) -> list:
    rows = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut by a crash ends the readable history
    return rows


def read_history(path):
    """The history as a pandas DataFrame indexed by row (columns as in the module docstring)."""
    import pandas as pd

    return pd.DataFrame(read_rows(path))


def measured_curves(runs: dict):
    """The curves measured as runs trained (``eval.fd_every``), long format: one row per (config, seed, measured
    step) with ``step``, ``images_seen``, ``wall_time`` and every ``eval/<measure>`` column renamed to ``<measure>``
    (fd, precision, recall, class_consistency, ...). ``runs``: (label, seed) -> RunResult, as
    :func:`gancl.train.train_grid` returns them; a run that measured nothing adds no row."""
    import pandas as pd

    frames = []
    for (label, seed), run in runs.items():
        h = run.history()
        measured = [c for c in h.columns if c.startswith("eval/")]
        if not measured:
            continue
        rows = h.dropna(subset=measured, how="all")[["step", "images_seen", "wall_time", *measured]]
        frames.append(rows.rename(columns={c: c[len("eval/"):] for c in measured}).assign(config=label, seed=seed))
    if not frames:
        return pd.DataFrame(columns=["step", "images_seen", "wall_time", "config", "seed"])
    return pd.concat(frames, ignore_index=True)
