"""The book machinery: pages, the papermill runner, the site build and the ``run``/``book`` subcommands.

Importing this package is cheap: papermill, jupytext, nbformat and torch are imported inside the functions that need
them. See :mod:`gancl.book.pages` for the page convention, :mod:`gancl.book.runner` for where executed notebooks
live and :mod:`gancl.book.site` for how the site is built.
"""

from gancl.book.cli import add_book_commands
from gancl.book.environment import environment_line
from gancl.book.pages import (
    COLAB_CELL,
    colab_cell,
    DATASETS,
    PUBLISHED_SCALE,
    REQUIRED_PARAMETERS,
    SCALES,
    check_page,
    check_parameters,
    glue,
    iter_pages,
    scale_banner,
)
from gancl.book.runner import PageExecutionError, executed_path, parse_value, run_page, scale_root
from gancl.book.site import build_book, build_site, stage_book, toc_files, toc_pages
from gancl.book.status import show_compute, show_environment

__all__ = [
    "COLAB_CELL", "DATASETS", "PUBLISHED_SCALE", "REQUIRED_PARAMETERS", "SCALES", "PageExecutionError",
    "add_book_commands", "build_book", "build_site", "check_page", "check_parameters", "colab_cell",
    "environment_line", "executed_path", "glue", "iter_pages", "parse_value", "run_page", "scale_banner",
    "scale_root", "show_compute", "show_environment", "stage_book", "toc_files", "toc_pages",
]
