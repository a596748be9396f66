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
