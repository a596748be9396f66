"""The ``gancl`` command: ``train`` one run, ``run`` one book page, build the whole ``book``."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gancl", description="Contrastive learning in GANs: a reproducibility book.")
    sub = parser.add_subparsers(dest="command", required=True)
    from gancl.train.command import add_train_command

    add_train_command(sub)
    from gancl.book import add_book_commands

    add_book_commands(sub)
    return parser


def main(argv=None) -> int:
    """Run a subcommand. Errors a user can act on (a bad setting, missing data or weights, a corrupt checkpoint, a
    NaN loss, an interruption) print their message without a traceback; set GANCL_DEBUG=1 to see it anyway."""
    import os

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt as e:  # includes TrainingInterrupted (SIGTERM/SIGINT after a checkpoint)
        if os.environ.get("GANCL_DEBUG"):
            raise
        print(f"gancl {args.command}: interrupted. {e}", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, FloatingPointError, RuntimeError) as e:
        if os.environ.get("GANCL_DEBUG"):
            raise
        print(f"gancl {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2 if isinstance(e, (ValueError, FileNotFoundError)) else 1


if __name__ == "__main__":
    sys.exit(main())
