"""Shared fixtures, and the notebook tests: every book page executed at smoke scale under nbval.

How the notebook tests are collected. ``python -m pytest`` (testpaths = tests) collects this file like any other;
:func:`pytest_collect_file` turns it into a :class:`BookPages` collector. That collector converts every page
``book/**/*.py`` (folders named ``_*`` skipped, see :func:`gancl.book.iter_pages`) with jupytext, injects
``scale = "smoke"`` after its parameters cell the way papermill does, writes it to ``_build/nbval/<page>.ipynb`` and
hands that notebook to nbval in lax mode (cells fail on errors; outputs are compared only where a cell says
``# NBVAL_CHECK_OUTPUT``). So one command runs the unit tests and the pages, with or without ``--nbval-lax``.

- Only the notebooks: ``python -m pytest -m notebook`` (or ``python -m pytest tests/conftest.py``).
- Without them: ``python -m pytest -m "not notebook"``; a single test file never collects them.
- The pages' training runs go to a fresh ``_build/nbval/runs`` (``GANCL_RUNS``), so cached runs cannot hide a
  broken page; ``GANCL_CACHE`` (data, domain classifier) is shared.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from nbval.plugin import IPyNbFile

REPO = Path(__file__).resolve().parents[1]
NBVAL_DIR = REPO / "_build" / "nbval"
FIXTURE_PAGE = Path(__file__).resolve().parent / "fixtures" / "page.py"


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Unit tests use tiny tensors: on a 2-core machine extra intra-op threads cost far more than they save
    (and stall when another process holds a core). Restored at the end."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A private GANCL_CACHE for one test module: embedded data, classifiers and statistics land there."""
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("gancl_cache")
        mp.setenv("GANCL_CACHE", str(path))
        yield path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "notebook: a book page executed at smoke scale under nbval")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.resolve() == Path(__file__).resolve():
        return BookPages.from_parent(parent, path=file_path)
    return None


def write_smoke_notebook(page: Path, target: Path) -> None:
    """Write the page as an .ipynb with ``scale = "smoke"`` injected by papermill (prepared, not executed)."""
    import nbformat
    import papermill

    from gancl.book.pages import read_page
    from gancl.book.runner import KERNEL_NAME

    nb = read_page(page)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))
    papermill.execute_notebook(str(target), str(target), parameters={"scale": "smoke"}, prepare_only=True,
                               kernel_name=KERNEL_NAME, progress_bar=False)


class BookPages(pytest.File):
    """Collects one nbval notebook per book page (see the module docstring)."""

    def collect(self):
        from gancl.book.pages import iter_pages

        pages = iter_pages(REPO / "book")
        if not pages:
            return
        self.add_marker("notebook")
        shutil.rmtree(NBVAL_DIR, ignore_errors=True)
        for page in pages:
            target = NBVAL_DIR / page.relative_to(REPO / "book").with_suffix(".ipynb")
            write_smoke_notebook(page, target)
            yield SmokePage.from_parent(self, path=target)


class SmokePage(IPyNbFile):
    """nbval's notebook collector, always lax, with the pages' runs in a fresh folder."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.compare_outputs = False

    def setup(self):
        # The kernel inherits the environment at start-up; restore ours so that other tests see no change.
        previous = os.environ.get("GANCL_RUNS")
        os.environ["GANCL_RUNS"] = str(NBVAL_DIR / "runs")
        try:
            super().setup()
        finally:
            if previous is None:
                os.environ.pop("GANCL_RUNS", None)
            else:
                os.environ["GANCL_RUNS"] = previous


@pytest.fixture(scope="session")
def executed_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture page executed once by :func:`gancl.book.run_page` with seeds=2 (no training; a few seconds)."""
    from gancl.book import run_page

    output = tmp_path_factory.mktemp("executed") / "page.ipynb"
    return run_page(FIXTURE_PAGE, {"seeds": 2}, output=output, progress=False)
