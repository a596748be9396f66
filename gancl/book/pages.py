"""What a book page is, and the helpers its cells call.

A page is a jupytext py:percent notebook ``book/<paper>/<page>.py``. Its cells follow one convention, checked by
:func:`check_page` (the runner refuses a page that breaks it, and ``tests/test_site.py`` checks every page):

1. the first code cell is :data:`COLAB_CELL`, tagged ``remove-cell`` (the rendered book does not show it): in Colab
   it clones the repository and installs gancl (``paper_tables/`` is read from the checkout, so a plain ``pip
   install`` of the package would not be enough); elsewhere it does nothing. The page source holds the cell with
   the placeholders ``<repository.url>`` and ``<repository.branch>``; the runner writes ``_config.yml``'s
   ``repository`` settings in their place (:func:`colab_cell`), so the executed notebook that Colab opens clones
   the repository the book names, and ``_config.yml`` is the one place the URL is set;
2. a cell tagged ``parameters`` assigns at least :data:`REQUIRED_PARAMETERS` (papermill injects new values after
   it), each on one line as ``name: type = default  # what it is``, the form papermill's parameter inference reads
   (``papermill --help-notebook``); the cell stays visible, so a reader can copy it to re-run the page;
3. the first code cell after it calls :func:`check_parameters`, so a bad value fails before any work; it is tagged
   ``remove-cell``;
4. the next code cell shows :func:`scale_banner`, tagged ``remove-input`` (the banner shows, the call does not);
5. a page that trains (calls ``train_grid``) shows the compute of its runs with
   :func:`gancl.book.status.show_compute`, which stores it for the Status page;
6. the last code cell calls :func:`gancl.book.show_environment` (Python, torch, gancl commit, device), tagged
   ``remove-input``, so a reader of the stored notebook knows what produced its numbers.

``book/_template.py`` is a page written to this convention; copy it to start a new page.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from gancl.names import DATASETS, EMBEDDED_DATASETS, PUBLISHED_SCALE, REAL_DATASETS
from gancl.names import SCALE_NAMES as SCALES
REQUIRED_PARAMETERS = ("scale", "seeds", "dataset", "data_dir", "device", "steps", "force")

COLAB_CHECKOUT = "/content/gancl"
#: What the runner writes in place of these in the Colab cell: _config.yml's repository url and branch
URL_PLACEHOLDER, BRANCH_PLACEHOLDER = "<repository.url>", "<repository.branch>"

COLAB_CELL = f'''\
# In Colab: clone gancl (with paper_tables/) and install it; elsewhere this cell does nothing. The book build writes
# _config.yml's repository url and branch below; GANCL_REPOSITORY and GANCL_BRANCH choose another clone.
import os, subprocess, sys
if "google.colab" in sys.modules:
    repository = os.environ.get("GANCL_REPOSITORY", "{URL_PLACEHOLDER}")
    branch = os.environ.get("GANCL_BRANCH", "{BRANCH_PLACEHOLDER}")
    checkout = os.environ.get("GANCL_CHECKOUT", "{COLAB_CHECKOUT}")
    if not os.path.isdir(checkout):
        clone = subprocess.run(["git", "clone", "--depth", "1", "--branch", branch, repository, checkout],
                               capture_output=True, text=True)
        if clone.returncode != 0:
            raise RuntimeError(
                f"could not clone gancl from {{repository}} (branch {{branch}}): {{clone.stderr.strip()}}\\n"
                "Set os.environ['GANCL_REPOSITORY'] (and GANCL_BRANCH) to a gancl repository in a cell above and "
                "run this cell again; to fix the book, set repository.url in its _config.yml and rebuild it.")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", checkout], check=True)
    sys.path.insert(0, checkout)
    os.chdir(checkout)'''


def colab_cell(url: str | None, branch: str | None = None) -> str:
    """:data:`COLAB_CELL` with the repository's ``url`` and ``branch`` (default ``main``) written in; ``url`` None
    keeps the placeholders (a page outside a book: the clone then fails, saying what to set)."""
    if url is None:
        return COLAB_CELL
    return COLAB_CELL.replace(URL_PLACEHOLDER, url).replace(BRANCH_PLACEHOLDER, branch or "main")


def _colab_cell_pattern() -> re.Pattern:
    escaped = re.escape(COLAB_CELL)
    for placeholder in (URL_PLACEHOLDER, BRANCH_PLACEHOLDER):
        escaped = escaped.replace(re.escape(placeholder), r'[^"\n]*')
    return re.compile(escaped)


_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")

_BANNERS = {
    "smoke": "A wiring check: tiny models, a few steps, one seed. The reproduced numbers on this page are "
    "meaningless; only the paper's columns carry information.",
    "small": "Embedded data at the resolution and length the calibration appendix chose for the page's model "
    "family (16 px and 6000 steps for ContraGAN's SN-DCGAN), small models, several seeds, minutes per run on one CPU "
    "or GPU. Claims are judged only when the page's reference configuration has learned the data (its regime gate); "
    "absolute values are not comparable with the paper's.",
    "paper": "The paper's data set, resolution, batch size, steps and seeds. Absolute values are comparable with the "
    "paper's when the same feature extractor is used.",
}


def check_parameters(
    *,
    scale: str,
    dataset: str,
    device: str,
    steps: int | None = None,
    seeds: int | list[int] | None = None,
    data_dir: str | Path | None = None,
    force: bool = False,
) -> None:
    """Raise ValueError naming the first page parameter whose value cannot work; call it before any work.

    ``seeds`` is a number of seeds (seeds 0..n-1), a list of seeds, or None for the scale's default; ``steps`` None
    is the scale's default. Real data sets need ``data_dir``; a CUDA or MPS device must be visible to torch.
    """
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not a scale; use one of {', '.join(SCALES)} (e.g. -p scale small)")
    if dataset not in DATASETS:
        raise ValueError(
            f"dataset={dataset!r} is not known; use an embedded one ({', '.join(EMBEDDED_DATASETS)}) or a real one "
            f"read from data_dir ({', '.join(REAL_DATASETS)})"
        )
    if dataset in REAL_DATASETS:
        if data_dir is None:
            raise ValueError(
                f"dataset={dataset!r} reads real images from data_dir, but data_dir is None; "
                f"pass -p data_dir /path/to/{dataset} (see 'Where real data goes' in the book's introduction)"
            )
        if not Path(data_dir).expanduser().is_dir():
            raise ValueError(f"data_dir={str(data_dir)!r} is not a folder; point it at the {dataset} data")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps <= 0):
        raise ValueError(f"steps={steps!r} must be a positive whole number of training steps, or None for the "
                         "scale's default")
    from gancl.experiments import check_seeds  # the one seed check (imports torch: not at module level)

    check_seeds(seeds)
    if not isinstance(force, bool):
        raise ValueError(f"force={force!r} must be True (retrain even when a finished run is cached) or False")
    _check_device(device)


def _check_device(device: Any) -> None:
    if not isinstance(device, str) or not _DEVICE.match(device):
        raise ValueError(f"device={device!r} is not a device; use auto, cpu, cuda, cuda:N or mps")
    if device in ("auto", "cpu"):
        return
    import torch

    if device.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            raise ValueError(f"device={device!r} was requested but torch sees {count} CUDA device(s); "
                             "use device='auto' or 'cpu'")
    elif not torch.backends.mps.is_available():
        raise ValueError("device='mps' was requested but torch sees no MPS device; use device='auto' or 'cpu'")


def scale_banner(scale: str):
    """A Markdown note stating the scale a page ran at and what its numbers can say (displayed under the title)."""
    from IPython.display import Markdown

    if scale not in _BANNERS:
        raise ValueError(f"scale={scale!r} is not a scale; use one of {', '.join(SCALES)}")
    return Markdown(f"> **Scale: {scale}.** {_BANNERS[scale]}")


def glue(name: str, value: Any, display: bool = False) -> None:
    """Store ``value`` under ``name`` for the page's text: ``{glue:text}`name``` (myst-nb) in a Markdown cell.

    The pattern for a verdict: ``glue("t1_verdict", comparison.verdict)`` in a code cell, then
    ``The paper's ordering at this scale: {glue:text}`t1_verdict`.`` in Markdown. Without myst-nb (e.g. in Colab)
    the value is only displayed, when ``display`` is true.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)


def read_page(path: str | Path):
    """The page as an nbformat notebook (jupytext for ``.py``, nbformat for ``.ipynb``)."""
    import jupytext

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"page {str(path)!r} does not exist")
    if path.suffix not in (".py", ".ipynb"):
        raise ValueError(f"page {str(path)!r} must be a jupytext .py (py:percent) or an .ipynb notebook")
    return jupytext.read(path)


def parameters_cell_index(nb) -> int:
    """Index of the cell tagged ``parameters``; ValueError when there is none."""
    for index, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return index
    raise ValueError("the page has no cell tagged 'parameters' (write it as: # %% tags=[\"parameters\"])")


_UNKNOWN = object()


def declared_parameters(nb) -> dict[str, Any]:
    """Names assigned in the parameters cell, in order, with their default (when it is a literal)."""
    source = nb.cells[parameters_cell_index(nb)].source
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ValueError(f"the parameters cell is not valid Python: {error}") from None
    declared: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    declared[target.id] = ast.literal_eval(node.value) if node.value is not None else _UNKNOWN
                except (ValueError, TypeError):
                    declared[target.id] = _UNKNOWN
    return declared


def literal_default(declared: dict[str, Any], name: str, fallback: Any = None) -> Any:
    """The declared default of ``name`` when it is a literal, else ``fallback``."""
    value = declared.get(name, _UNKNOWN)
    return fallback if value is _UNKNOWN else value


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def parameter_problems(nb) -> list[str]:
    """Every way the parameters cell defeats papermill's parameter inference (``papermill --help-notebook``): a
    line papermill cannot parse (it warns "Unable to parse line ..."; a second ``=`` in a comment is enough), a
    parameter it does not see, one without a type annotation or without a comment saying what it is."""
    import logging

    from papermill.translators import PythonTranslator

    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("papermill")
    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    try:
        inferred = {p.name: p for p in PythonTranslator.inspect(nb.cells[parameters_cell_index(nb)])}
    finally:
        logger.removeHandler(handler)
    problems = [f"papermill cannot read its parameters cell: {r.getMessage()} (no '=' in a comment)" for r in records]
    for name in declared_parameters(nb):
        parameter = inferred.get(name)
        if parameter is None:
            problems.append(f"papermill does not see parameter {name!r}: write it on one line as "
                            f"{name}: type = default  # what it is")
            continue
        if parameter.inferred_type_name in ("None", ""):
            problems.append(f"parameter {name!r} has no type for papermill: annotate it, e.g. "
                            f'{name}: "Optional[int]" = None')
        if not parameter.help:
            problems.append(f"parameter {name!r} has no comment saying what it is (# ... after its default)")
    return problems


def page_problems(nb) -> list[str]:
    """Every way the notebook breaks the page convention (empty when it follows it)."""
    problems = ungated_verdicts(nb)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code or not _colab_cell_pattern().fullmatch(code[0][1].source.strip()):
        problems.append("its first code cell must be gancl.book.COLAB_CELL verbatim (copy it from book/_template.py)")
    elif "remove-cell" not in _tags(code[0][1]):
        problems.append("its Colab cell must be tagged remove-cell (# %% tags=[\"remove-cell\"])")
    try:
        index = parameters_cell_index(nb)
    except ValueError as error:
        return problems + [str(error)]
    try:
        missing = [name for name in REQUIRED_PARAMETERS if name not in declared_parameters(nb)]
    except ValueError as error:
        return problems + [str(error)]
    if missing:
        problems.append(f"its parameters cell does not assign {', '.join(missing)} "
                        f"(required: {', '.join(REQUIRED_PARAMETERS)})")
    problems += parameter_problems(nb)
    if any(tag.startswith(("remove-", "hide-")) for tag in _tags(nb.cells[index])):
        problems.append("its parameters cell must stay visible (readers copy it to re-run the page): no "
                        "remove-/hide- tag")
    after = [c for i, c in code if i > index and "injected-parameters" not in _tags(c)]
    if not after or "check_parameters(" not in after[0].source:
        problems.append("the first code cell after the parameters cell must call gancl.book.check_parameters(...)")
    elif "remove-cell" not in _tags(after[0]):
        problems.append("its check_parameters cell must be tagged remove-cell (boilerplate, not for the page)")
    if len(after) < 2 or "scale_banner(" not in after[1].source:
        problems.append("the code cell after check_parameters must show gancl.book.scale_banner(scale)")
    elif "remove-input" not in _tags(after[1]):
        problems.append("its scale_banner cell must be tagged remove-input (the banner shows, the call does not)")
    sources = [c.source for _, c in code]
    if any("train_grid(" in s for s in sources) and not any("show_compute(" in s for s in sources):
        problems.append("a page that trains must show the compute of its runs with gancl.book.show_compute(results)")
    if "show_environment(" not in code[-1][1].source:
        problems.append("its last code cell must call gancl.book.show_environment(device) (copy it from "
                        "book/_template.py)")
    elif "remove-input" not in _tags(code[-1][1]):
        problems.append("its last code cell (the environment line) must be tagged remove-input")
    return problems


#: Verdict functions a page must call through its spec (PageSpec.judge / compare / check_orderings), which apply the
#: page's regime gate: called directly they would judge generators that have not learned the data.
UNGATED_VERDICTS = ("tables.judge(", "tables.compare(", "tables.check_orderings(")


def ungated_verdicts(nb) -> list[str]:
    """One problem per code cell of ``nb`` that judges orderings around the page's regime gate."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        called = [name for name in UNGATED_VERDICTS if name in cell.source]
        if called:
            problems.append(f"cell {index} calls {', '.join(n.rstrip('(') for n in called)} directly; judge through "
                            "the page's spec (spec.judge, spec.compare, spec.check_orderings) so its regime gate "
                            "applies")
    return problems


def check_page(path: str | Path, nb=None) -> None:
    """ValueError listing every way the page at ``path`` (read already as ``nb``, if given) breaks the convention."""
    problems = page_problems(nb if nb is not None else read_page(path))
    if problems:
        raise ValueError(f"page {str(path)!r} does not follow the page convention:\n- " + "\n- ".join(problems))


def iter_pages(book_dir: str | Path) -> list[Path]:
    """Every page source ``*.py`` under ``book_dir``, skipping folders named ``_*`` or ``.*`` (build outputs)."""
    book_dir = Path(book_dir)
    return sorted(
        path for path in book_dir.rglob("*.py")
        if not any(part.startswith(("_", ".")) for part in path.relative_to(book_dir).parts[:-1])
    )
