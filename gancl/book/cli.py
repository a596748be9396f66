"""The ``gancl run`` and ``gancl book`` subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gancl.book.pages import PUBLISHED_SCALE, SCALES


def add_book_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``run`` (one page via papermill) and ``book`` (all pages, then jupyter-book) on ``subparsers``."""
    run = subparsers.add_parser(
        "run", help="execute one book page with papermill",
        description="Execute one page (jupytext .py or .ipynb) with papermill and print the executed notebook's path. "
        "Example: gancl run book/contragan/ablation.py -p scale small -p seeds 3",
    )
    run.add_argument("page", type=Path, help="the page, e.g. book/contragan/ablation.py")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set a page parameter; VALUE is read like papermill -p (True/False/None, int, float, "
                     "else string)")
    run.add_argument("-r", "--parameter-raw", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set a page parameter to the string VALUE as given")
    run.add_argument("-y", "--parameters-yaml", action="append", default=[], metavar="YAML",
                     help="set page parameters from a YAML mapping, e.g. -y 'seeds: [0, 1, 2]'")
    run.add_argument("--scale", choices=SCALES, help="shorthand for -p scale SCALE")
    run.add_argument("-o", "--output", type=Path, help="where to write the executed notebook (default: "
                     "book/<paper>/<page>.ipynb at small, _build/<scale>/book/<paper>/<page>.ipynb otherwise)")
    run.set_defaults(func=_run_command)

    plan = subparsers.add_parser(
        "plan", help="print a page's runs as gancl train commands (for a cluster), training nothing",
        description="Write each configuration of a page's spec to a config file and print one `gancl train` command "
        "per run (configuration x seed). Run them anywhere that shares GANCL_RUNS (a SLURM array, accelerate "
        "launch), then `gancl run PAGE` renders the page without training. "
        "Example: gancl plan book/contragan/ablation.py --scale small -p seeds 5",
    )
    plan.add_argument("page", type=Path, help="the page, e.g. book/contragan/ablation.py")
    plan.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                      help="a page parameter, as for gancl run")
    plan.add_argument("-r", "--parameter-raw", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                      help="a page parameter set to the string VALUE as given")
    plan.add_argument("-y", "--parameters-yaml", action="append", default=[], metavar="YAML",
                      help="page parameters from a YAML mapping")
    plan.add_argument("--scale", choices=SCALES, help="shorthand for -p scale SCALE")
    plan.add_argument("--out", type=Path, help="where the config files go (default: $GANCL_RUNS/plans/<paper>-<page>"
                      "-<scale>)")
    plan.add_argument("--runs", help="a runs folder to name in every command (default: the commands use GANCL_RUNS)")
    plan.set_defaults(func=_plan_command)

    pending = subparsers.add_parser(
        "pending", help="what training the pages still need at a scale, per paper, with estimated hours",
        description="Every distinct run the pages' specs need at a scale (runs shared between pages counted once), "
        "whether the run cache (GANCL_RUNS) holds it finished, and the pending runs' estimated training time at "
        "the seconds per step of finished runs of the same shape. Example: gancl pending --scale small --list "
        "--page fakeclr/interpolation",
    )
    pending.add_argument("--scale", choices=SCALES, default=PUBLISHED_SCALE, help=f"default: {PUBLISHED_SCALE}")
    pending.add_argument("--page", action="append", default=[], metavar="PAPER/PAGE",
                         help="only this page (repeatable), e.g. contragan/conditioning_losses; default: every page")
    pending.add_argument("--list", action="store_true", help="also list the pending runs, most shared first")
    pending.set_defaults(func=_pending_command)

    book = subparsers.add_parser(
        "book", help="execute every page of _toc.yml, then build the site with jupyter-book",
        description="Execute the pages listed in _toc.yml at one scale (at small and paper, pages whose stored "
        "executed notebook matches their source are reused; smoke executes all), write the Results and Status "
        "pages, then run jupyter-book build (at small in the repository, otherwise in _build/<scale>/).",
    )
    book.add_argument("--scale", choices=SCALES, default=PUBLISHED_SCALE, help=f"default: {PUBLISHED_SCALE}")
    book.add_argument("--rerun", action="store_true", help="execute every page even when its notebook is current "
                      "(finished training runs still come from the run cache)")
    book.add_argument("--no-build", action="store_true", help="execute the pages only")
    book.add_argument("--strict", action="store_true", help="fail the build on any Sphinx warning")
    book.add_argument("--root", type=Path, default=Path("."), help="the folder holding _config.yml and _toc.yml")
    book.set_defaults(func=_book_command)


def _parameters(args: argparse.Namespace) -> dict:
    import yaml

    from gancl.book.runner import parse_value

    parameters: dict = {}
    for text in args.parameters_yaml:
        loaded = yaml.safe_load(text)
        if not isinstance(loaded, dict):
            raise ValueError(f"-y {text!r} is not a YAML mapping of parameter names to values")
        parameters.update(loaded)
    parameters.update({name: value for name, value in args.parameter_raw})
    parameters.update({name: parse_value(value) for name, value in args.parameter})
    return parameters


def _run_command(args: argparse.Namespace) -> int:
    from gancl.book.runner import PageExecutionError, run_page

    try:
        output = run_page(args.page, _parameters(args), scale=args.scale, output=args.output)
    except ValueError as error:
        print(f"gancl run: {error}", file=sys.stderr)
        return 2
    except PageExecutionError as error:
        print(f"gancl run: {error}", file=sys.stderr)
        return 1
    print(output)
    return 0


def _plan_command(args: argparse.Namespace) -> int:
    try:
        return _plan(args)
    except ValueError as error:
        print(f"gancl plan: {error}", file=sys.stderr)
        return 2


def _plan(args: argparse.Namespace) -> int:
    from gancl.book.pages import check_page, declared_parameters, literal_default, read_page
    from gancl.experiments import page_spec
    from gancl.experiments.plan import NOT_SPEC_PARAMETERS, page_name, write_plan
    from gancl.paths import runs_dir

    nb = read_page(args.page)
    check_page(args.page, nb)
    declared = declared_parameters(nb)
    parameters = {name: literal_default(declared, name) for name in declared}  # the page's own defaults
    chosen = _parameters(args)
    unknown = set(chosen) - set(declared)
    if unknown:
        raise ValueError(f"page {args.page} has no parameter {sorted(unknown)}; it has {sorted(declared)}")
    parameters.update(chosen)
    if args.scale:
        parameters["scale"] = args.scale
    name, scale = page_name(args.page), parameters["scale"]
    spec = page_spec(name, scale, **{k: v for k, v in parameters.items() if k not in NOT_SPEC_PARAMETERS})
    out = args.out or runs_dir() / "plans" / f"{name.replace('/', '-')}-{scale}"
    for command in write_plan(spec, out, device=parameters.get("device"), runs=args.runs):
        print(command)
    print(f"# {len(spec.runs())} runs of {name} at {scale}; configs in {out}. Then: gancl run {args.page} "
          f"--scale {scale}", file=sys.stderr)
    return 0


def _pending_command(args: argparse.Namespace) -> int:
    from gancl.experiments.plan import plan_summary, training_plan

    try:
        plan = training_plan(args.scale, args.page or None)
    except ValueError as error:
        print(f"gancl pending: {error}", file=sys.stderr)
        return 2
    if plan.empty:
        print(f"no page trains anything at {args.scale}")
        return 0
    print(plan_summary(plan).round(2).to_string(index=False))
    for page, why in plan.attrs.get("skipped", {}).items():
        print(f"# {page} does not run at {args.scale}: {why}")
    if args.list:
        waiting = plan[plan["status"] == "pending"].assign(shared=plan["pages"].map(len))
        waiting = waiting.sort_values(["shared", "estimated_hours"], ascending=[False, True])
        print()
        print(waiting[["run_id", "config", "name", "seed", "resolution", "steps", "estimated_hours", "pages"]]
              .round(2).to_string(index=False))
    return 0


def _book_command(args: argparse.Namespace) -> int:
    from gancl.book.runner import PageExecutionError
    from gancl.book.site import build_book

    try:
        html = build_book(args.root, args.scale, rerun=args.rerun, build=not args.no_build, strict=args.strict)
    except ValueError as error:
        print(f"gancl book: {error}", file=sys.stderr)
        return 2
    except (PageExecutionError, RuntimeError) as error:
        print(f"gancl book: {error}", file=sys.stderr)
        return 1
    if html is not None:
        print(f"The book is at {html / 'index.html'}")
    return 0
