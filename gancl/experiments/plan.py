"""``gancl plan``: a page's runs as ``gancl train`` commands, for a cluster or another machine.

Each configuration of the page's spec is written to a JSON file (the whole run config), and each (configuration,
seed) becomes one ``gancl train --config FILE --seed S`` line. Run the lines anywhere that shares the run cache
(``GANCL_RUNS``), as a SLURM array or under ``accelerate launch``; ``gancl run PAGE`` then renders the page from the
cache without training. Two processes asked for the same run never train it twice (see :func:`gancl.train.train`).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Optional

from gancl.experiments.spec import PageSpec

#: Page parameters that choose how a page runs, not what it trains.
NOT_SPEC_PARAMETERS = ("scale", "device", "force")


def page_name(page: Path) -> str:
    """"contragan/ablation" for ``book/contragan/ablation.py`` (the paper folder and the file's stem)."""
    page = Path(page)
    return f"{page.parent.name}/{page.stem}"


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "config"


def write_plan(spec: PageSpec, out_dir: Path, device: Optional[str] = None, runs: Optional[str] = None) -> list:
    """Write one config file per configuration of ``spec`` into ``out_dir`` and return the ``gancl train``
    command of every run, in the order the page trains them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for index, (label, config) in enumerate(spec.configs.items()):
        path = out_dir / f"{index:02d}-{_slug(label)}.json"
        path.write_text(json.dumps(config.to_dict(), indent=2, default=list) + "\n")
        files[label] = path
    extra = (["--device", device] if device and device != "auto" else []) + (["--runs", str(runs)] if runs else [])
    return [shlex.join(["gancl", "train", "--config", str(files[label]), "--seed", str(seed), *extra])
            for label, seed in spec.runs()]


def _timings(root: Path) -> dict:
    """Seconds per training step of the finished runs under ``root``, keyed by what sets a step's cost: (preset name,
    resolution, batch, instance mode, architecture), and the same with "*" for the name (any preset): the mean over
    the runs that share the key."""
    import json

    found: dict = {}
    for result in Path(root).glob("*/result.json"):
        try:
            summary = json.loads(result.read_text())
            config = json.loads((result.parent / "config.json").read_text())
        except (OSError, ValueError):
            continue
        if summary.get("status", "finished") != "finished" or not summary.get("seconds_per_step"):
            continue
        key = (config["name"], config["data"]["resolution"], config["optim"]["batch_size"],
               config["loss"].get("instance", "none"), config["model"]["arch"])
        for k in (key, ("*", *key[1:])):  # the preset's own, and any preset's with the same step shape
            found.setdefault(k, []).append(float(summary["seconds_per_step"]))
    return {key: sum(values) / len(values) for key, values in found.items()}


def training_plan(scale: str, pages: Optional[list] = None, root=None):
    """Every distinct run the ``pages`` (default: every page with a spec) need at ``scale``, as one row per run:
    ``run_id``, ``config`` (the first page's label), ``name`` (preset), ``seed``, ``resolution``, ``batch``,
    ``steps``, ``pages`` (the pages that share it), ``status`` ("finished", "diverged" or "pending") and
    ``estimated_hours``: the run's steps at the mean seconds per step of finished runs with the same preset,
    resolution, batch, instance mode and architecture, else of any with the same resolution, batch, instance mode
    and architecture (NaN where none has finished; the key ignores finer settings such as where attention sits, so
    an estimate is rough). Pages that train nothing (``PageSpec.trains`` False: a timing page) are left out, and so
    are pages that do not run at ``scale`` when no page is named (``plan.attrs["skipped"]``: page -> why)."""
    import pandas as pd

    from gancl.experiments.spec import page_spec
    from gancl.experiments.spec import pages as all_pages
    from gancl.paths import runs_dir
    from gancl.train.run import diverged_run, load_run

    root = Path(root or runs_dir())
    timings = _timings(root)
    rows: dict = {}
    skipped = {}
    # the paper pages first: a run the calibration appendix shares with a paper's page counts under the paper
    for name in sorted(pages or all_pages(), key=lambda page: page.startswith("appendix/")):
        try:
            spec = page_spec(name, scale)
        except ValueError as error:  # a page that does not run at this scale (the calibration at `paper`)
            if pages:
                raise
            skipped[name] = str(error)
            continue
        if not spec.trains:
            continue
        for label, seed in spec.runs():
            config = spec.configs[label]
            run_id = config.run_id(seed)
            if run_id in rows:
                rows[run_id]["pages"].append(name)
                continue
            resolved = config.resolved("cpu")
            status = ("finished" if load_run(config, seed, root) is not None else
                      "diverged" if diverged_run(config, seed, root) is not None else "pending")
            key = (config.name, config.data.resolution, config.optim.batch_size, config.loss.instance,
                   config.model.arch)
            per_step = timings.get(key, timings.get(("*", *key[1:])))
            rows[run_id] = {"run_id": run_id, "config": label, "name": config.name, "seed": seed,
                            "resolution": config.data.resolution, "batch": config.optim.batch_size,
                            "steps": resolved.optim.steps, "pages": [name], "status": status,
                            "estimated_hours": per_step * resolved.optim.steps / 3600 if per_step else float("nan")}
    plan = pd.DataFrame(list(rows.values()))
    plan.attrs["skipped"] = skipped
    return plan


def plan_summary(plan) -> "pd.DataFrame":
    """:func:`training_plan` per paper (the pages' folder): runs finished, pending and diverged, and the pending
    runs' estimated hours (``unestimated``: pending runs without a timing)."""
    import pandas as pd

    plan = plan.assign(paper=plan["pages"].map(lambda names: names[0].split("/")[0]))
    rows = []
    for paper, runs in plan.groupby("paper", sort=False):
        pending = runs[runs["status"] == "pending"]
        rows.append({"paper": paper, "runs": len(runs), "finished": int((runs["status"] == "finished").sum()),
                     "diverged": int((runs["status"] == "diverged").sum()), "pending": len(pending),
                     "pending_hours": float(pending["estimated_hours"].sum()),
                     "unestimated": int(pending["estimated_hours"].isna().sum())})
    return pd.DataFrame(rows)
