"""Execute one page with papermill: ``gancl run`` and :func:`run_page`.

Where executed notebooks live. Each scale has a book root (:func:`scale_root`): the repository itself for the
published scale (``small``), ``_build/<scale>/`` for the others. A page ``book/<paper>/<page>.py`` executed at scale
S is written to ``<root of S>/book/<paper>/<page>.ipynb``: the published notebooks sit next to their jupytext
sources (committed; ``_toc.yml`` lists ``book/<paper>/<page>``, so the site's URLs name the paper and the page,
``book/contragan/ablation.html``), and a ``smoke`` or ``paper`` build never touches them. A page outside a
``book/`` folder is written to ``_executed/<S>/<page>.ipynb`` beside it.

Each executed notebook records, under ``metadata.gancl``, the page it came from, the sha256 of that page's source,
the scale and the parameters; ``gancl book`` re-executes a page only when that record no longer matches.

The kernel. Pages run in ipykernel on this interpreter (:func:`_kernel_manager_class`), talking to the runner over
CurveZMQ-encrypted TCP (IPC where libzmq lacks Curve), so ipykernel has nothing to warn about. The kernel's stderr
is the runner's: progress bars (tqdm writes to stderr) and warnings go to the terminal of whoever runs the page,
and only what a page prints or displays lands in the stored notebook.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from gancl.book.pages import (
    SCALES, check_page, colab_cell, declared_parameters, literal_default, parameters_cell_index, read_page,
)

KERNEL_NAME = "python3"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class PageExecutionError(RuntimeError):
    """A cell of a page raised; ``cell`` is its 1-based number among the page's cells, ``line`` its line in a .py."""

    def __init__(self, message: str, *, cell: int, line: int | None, ename: str, evalue: str, notebook: Path):
        super().__init__(message)
        self.cell, self.line, self.ename, self.evalue, self.notebook = cell, line, ename, evalue, notebook


def book_root(path: str | Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds ``_config.yml`` and ``_toc.yml`` (the book's root)."""
    for folder in [Path(path).resolve(), *Path(path).resolve().parents]:
        if (folder / "_config.yml").is_file() and (folder / "_toc.yml").is_file():
            return folder
    return None


def scale_root(root: str | Path, scale: str) -> Path:
    """The book root that holds the executed pages of ``scale``: ``root`` itself at the published scale, else
    ``root/_build/<scale>`` (built from a copy of the book's configuration, see :mod:`gancl.book.site`)."""
    from gancl.book.pages import PUBLISHED_SCALE

    return Path(root) if scale == PUBLISHED_SCALE else Path(root) / "_build" / scale


def executed_path(page: str | Path, scale: str) -> Path:
    """Where ``gancl run`` writes ``page`` executed at ``scale`` (see the module docstring)."""
    page = Path(page).resolve()
    root = book_root(page)
    book = root / "book" if root else None
    if book is not None and book in page.parents:
        return scale_root(root, scale) / "book" / page.relative_to(book).with_suffix(".ipynb")
    return page.parent / "_executed" / scale / (page.stem + ".ipynb")


def repository(root: str | Path | None) -> tuple[str | None, str]:
    """``_config.yml``'s ``repository.url`` and ``repository.branch`` (default ``main``) under ``root``: the one
    place the repository is named (the launch buttons and the pages' Colab cell read it); url None without one."""
    import yaml

    path = Path(root) / "_config.yml" if root is not None else None
    if path is None or not path.is_file():
        return None, "main"
    settings = (yaml.safe_load(path.read_text()) or {}).get("repository") or {}
    return settings.get("url") or None, str(settings.get("branch") or "main")


def source_digest(page: str | Path) -> str:
    """sha256 of the page source with line endings normalised (a checkout on Windows must not look changed)."""
    return hashlib.sha256(Path(page).read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def parse_value(text: str) -> Any:
    """A ``-p NAME VALUE`` value as papermill reads it: True/False/None, then int, then float, else the string."""
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


#: Options of the page kernel (ipykernel's IPKernelApp): fd-level output is not captured into the notebook, and
#: ``sys.stderr`` is the process's own stderr, inherited from the runner (the terminal)
KERNEL_OPTIONS = (
    "--IPKernelApp.capture_fd_output=False",
    "--IPKernelApp.exec_lines=__import__('sys').stderr = __import__('sys').__stderr__",
)


def _kernel_manager_class():
    """A kernel manager that always starts ipykernel on this interpreter, encrypted, with stderr to the terminal.

    The notebook still names the ``python3`` kernel (what Colab and plain papermill look up), but a ``python3``
    kernelspec of another environment earlier on the Jupyter path would start a Python without gancl. The kernel
    connects over TCP with CurveZMQ keys provisioned by the manager (ipykernel declares support; without it, and
    with libzmq lacking Curve, ipykernel warns that the kernel runs over TCP without encryption), or over IPC where
    libzmq has no Curve. :data:`KERNEL_OPTIONS` send its stderr (tqdm's progress bars, warnings) to the terminal.
    """
    import os

    import zmq
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    curve = zmq.has("curve") and AsyncKernelManager.class_traits().get("transport_encryption") is not None

    class PageKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            if curve:
                kwargs.setdefault("transport_encryption", "auto")
            elif os.name == "posix":
                kwargs.setdefault("transport", "ipc")
            super().__init__(**kwargs)

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                spec = get_kernel_dict()
                spec["argv"] = [*spec["argv"], *KERNEL_OPTIONS]
                self._kernel_spec = KernelSpec(resource_dir=RESOURCES, **spec)
            return self._kernel_spec

    return PageKernelManager


def _cell_lines(page: Path, n_cells: int) -> list[int] | None:
    """1-based line of each cell marker of a py:percent page, when they map one-to-one onto the notebook cells."""
    if page.suffix != ".py":
        return None
    lines = [i for i, line in enumerate(page.read_text().splitlines(), 1) if line.startswith("# %%")]
    return lines if len(lines) == n_cells else None


def prepare_page(page: str | Path):
    """The page as the notebook papermill executes: read and checked (:func:`check_page`), its Colab cell naming
    the repository of its book's ``_config.yml`` (:func:`repository`; the executed notebook is what Colab opens),
    its kernel the ``python3`` one."""
    page = Path(page)
    nb = read_page(page)
    check_page(page, nb)
    colab = next(cell for cell in nb.cells if cell.cell_type == "code")
    colab.source = colab_cell(*repository(book_root(page)))
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
    return nb


def refresh_colab_cell(notebook: str | Path, root: str | Path | None = None) -> bool:
    """Write the repository of ``_config.yml`` (under ``root``, default: the notebook's book root) into the Colab
    cell of an executed notebook that names another one, without re-executing it (outside Colab the cell does
    nothing, so no output depends on it). Returns whether the notebook changed."""
    import nbformat

    notebook = Path(notebook)
    nb = nbformat.read(str(notebook), as_version=4)
    colab = next((cell for cell in nb.cells if cell.cell_type == "code"), None)
    wanted = colab_cell(*repository(root if root is not None else book_root(notebook)))
    if colab is None or colab.source == wanted:
        return False
    colab.source = wanted
    partial = notebook.with_name(f".{notebook.stem}.running.ipynb")
    nbformat.write(nb, str(partial))
    os.replace(partial, notebook)
    return True


def run_page(
    page: str | Path,
    parameters: dict[str, Any] | None = None,
    scale: str | None = None,
    output: str | Path | None = None,
    *,
    cwd: str | Path | None = None,
    progress: bool = True,
) -> Path:
    """Execute ``page`` with papermill and return the path of the executed notebook.

    ``parameters`` override the page's parameters cell; a name the page does not declare is rejected before
    anything runs. ``scale`` is shorthand for ``parameters["scale"]``. ``output`` defaults to
    :func:`executed_path` for the effective scale. The kernel runs in ``cwd`` (default: the book's root, so the run
    cache ``runs/`` is shared by all pages). A failing cell raises :class:`PageExecutionError`; the partly
    executed notebook is then kept as ``<output stem>.failed.ipynb`` and ``output`` is left untouched.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    page = Path(page)
    parameters = dict(parameters or {})
    if scale is not None:
        if parameters.get("scale", scale) != scale:
            raise ValueError(f"scale={scale!r} and parameter scale={parameters['scale']!r} disagree; give one")
        parameters["scale"] = scale
    nb = prepare_page(page)
    root = book_root(page)
    declared = declared_parameters(nb)
    unknown = [name for name in parameters if name not in declared]
    if unknown:
        hints = "".join(
            f" ('{name}': did you mean '{close[0]}'?)"
            for name in unknown if (close := difflib.get_close_matches(name, list(declared), n=1))
        )
        raise ValueError(f"unknown parameter(s) {', '.join(map(repr, unknown))} for page {str(page)!r}{hints}; "
                         f"the page declares: {', '.join(declared)}")
    effective_scale = parameters.get("scale", literal_default(declared, "scale"))
    if output is None:
        # An unknown scale fails in the page's validation cell; its failed notebook then goes to the temp folder.
        output = (executed_path(page, effective_scale) if effective_scale in SCALES
                  else Path(tempfile.gettempdir()) / "gancl" / f"{page.stem}.ipynb")
    output = Path(output)
    cwd = Path(cwd) if cwd is not None else root if root is not None else Path.cwd()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.running.ipynb")
    failed = output.with_name(f"{output.stem}.failed.ipynb")
    with tempfile.TemporaryDirectory(prefix="gancl-page-") as tmp:
        source = Path(tmp) / (page.stem + ".ipynb")
        nbformat.write(nb, str(source))
        try:
            executed = papermill.execute_notebook(
                str(source), str(partial), parameters=parameters, kernel_name=KERNEL_NAME, cwd=str(cwd),
                progress_bar=progress, kernel_manager_class=_kernel_manager_class(),
            )
        except PapermillExecutionError as error:
            if partial.exists():
                os.replace(partial, failed)
            # papermill numbers the cells of the parameterised notebook: a new injected cell shifts the later ones.
            injected = bool(parameters) and not any(
                "injected-parameters" in cell.metadata.get("tags", []) for cell in nb.cells)
            raise _execution_error(page, nb, error, injected, failed) from None
        finally:
            partial.unlink(missing_ok=True)
    failed.unlink(missing_ok=True)
    executed.metadata["papermill"]["input_path"] = _display_path(page, root)
    executed.metadata["papermill"]["output_path"] = _display_path(output, root)
    executed.metadata["gancl"] = {
        "source": _display_path(page, root),
        "source_sha256": source_digest(page),
        "scale": effective_scale,
        "parameters": parameters,
        "executed_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
    }
    nbformat.write(executed, str(partial))
    os.replace(partial, output)
    return output


def _display_path(page: Path, root: Path | None) -> str:
    page = page.resolve()
    return page.relative_to(root).as_posix() if root is not None and root in page.parents else str(page)


def _execution_error(page: Path, nb, error, injected: bool, failed: Path) -> PageExecutionError:
    index = error.cell_index
    if injected and index > parameters_cell_index(nb):
        index -= 1
    lines = _cell_lines(page, len(nb.cells))
    line = lines[index] if lines is not None and index < len(lines) else None
    where = f"cell {index + 1} of {page}" + (f" (starting at line {line})" if line else "")
    tail = "\n".join(_ANSI.sub("", frame) for frame in error.traceback[-3:])
    message = f"{where} raised {error.ename}: {error.evalue}\n{tail}\nThe partly executed notebook is at {failed}"
    return PageExecutionError(message, cell=index + 1, line=line, ename=error.ename, evalue=error.evalue,
                              notebook=failed)


def is_current(executed: str | Path, page: str | Path, scale: str) -> bool:
    """Whether ``executed`` is a finished run of the current source of ``page`` at ``scale``."""
    import nbformat

    executed = Path(executed)
    if not executed.is_file():
        return False
    record = nbformat.read(str(executed), as_version=4).metadata.get("gancl", {})
    return record.get("scale") == scale and record.get("source_sha256") == source_digest(page)
