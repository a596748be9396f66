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
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
