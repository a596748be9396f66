"""The preset registry: each paper module declares its presets as one table and registers it here.

A preset fixes a method (architecture, head, loss terms of one paper's row); :func:`preset` combines it with a scale
into a :class:`~gancl.train.RunConfig` and applies dotted overrides (``optim.steps=...``) before validating.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from gancl.experiments.scales import scale
from gancl.train.config import RunConfig

_PRESETS: dict = {}


def register_table(table: dict, build: Callable[..., RunConfig]) -> None:
    """Register every row of a paper's preset table: ``name -> keyword arguments`` of
    ``build(scale_name, resolution=None, **kw)`` (``resolution`` None: the scale's or the paper's)."""
    for name, kwargs in table.items():
        if name in _PRESETS:
            raise ValueError(f"preset {name!r} is registered twice")
        _PRESETS[name] = (build, dict(kwargs))


def names() -> list:
    return sorted(_PRESETS)


def preset(name: str, scale_name: str = "small", resolution: Optional[int] = None, **overrides) -> RunConfig:
    """The run config of preset ``name`` at ``scale_name``, with optional dotted overrides (``optim.steps=...``).

    ``resolution`` builds the preset at another image size than the scale's (None: the scale's, or at ``paper`` the
    paper's): the preset derives what depends on it (attention heights, multi-scale branches) from that size,
    which a dotted ``data.resolution`` override would leave behind.
    """
    if name not in _PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(names())}")
    build, kwargs = _PRESETS[name]
    config = dataclasses.replace(build(scale(scale_name).name, resolution=resolution, **kwargs), name=name)
    return (config.replace(**overrides) if overrides else config).validate()
