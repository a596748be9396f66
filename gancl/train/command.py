"""``gancl train``: one run from a config file, a named preset, or both, with ``--set`` overrides.

Launch it under several processes with ``torchrun --nproc_per_node N -m gancl.cli train ...`` or
``accelerate launch -m gancl.cli train ...``; every process runs the same command.
"""

from __future__ import annotations

import json
from pathlib import Path

from gancl.names import SCALE_NAMES


def add_train_command(subparsers):
    p = subparsers.add_parser("train", help="train one run (cached by config hash and seed); prints its folder",
                              description=__doc__)
    p.add_argument("--config", help="a JSON or YAML file with the nested run config (sections data, model, loss, optim, eval)")
    p.add_argument("--preset", help="a named experiment preset from gancl.experiments (see `gancl train --list`)")
    p.add_argument("--scale", default="smoke", choices=SCALE_NAMES, help="the preset's scale")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a field, e.g. --set optim.steps=200 --set loss.cond=2c (values parsed as JSON)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--force", action="store_true", help="retrain even if the run cache holds this run")
    p.add_argument("--runs", help="the runs folder (default $GANCL_RUNS or ./runs)")
    p.add_argument("--list", action="store_true", help="list the presets and exit")
    p.set_defaults(func=run_train_command)
    return p


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # bare strings: --set loss.cond=2c


def load_config_file(path) -> dict:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"config file {path} does not exist")
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text) or {}
    return json.loads(text)


def build_config(args):
    from gancl import experiments
    from gancl.train.config import RunConfig

    if args.preset:
        config = experiments.preset(args.preset, args.scale)
        if args.config:
            config = RunConfig.from_dict(_merge(config.to_dict(), load_config_file(args.config)))
    elif args.config:
        config = RunConfig.from_dict(load_config_file(args.config))
    else:
        raise SystemExit("gancl train: give --config FILE or --preset NAME (see --list)")
    overrides = parse_overrides(args.overrides)
    return config.replace(**overrides) if overrides else config


def parse_overrides(items) -> dict:
    """``--set KEY=VALUE`` items -> {dotted key: value}, each value read as JSON, else kept as a bare string."""
    overrides = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"gancl train: --set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        overrides[key.strip()] = _parse_value(value)
    return overrides


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def run_train_command(args) -> int:
    from gancl import experiments
    from gancl.train.run import train

    if args.list:
        for name in experiments.names():
            print(name)
        return 0
    config = build_config(args)
    result = train(config, seed=args.seed, force=args.force, device=args.device, root=args.runs)
    from accelerate import PartialState

    if PartialState().is_main_process:
        s = result.summary
        print(f"run {config.name} seed {args.seed}: {s['steps']} steps, {s['wall_time']:.1f} s on {s['device']}")
        print(result.run_dir)
    return 0
