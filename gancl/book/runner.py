"""Execute one page with papermill: ``gancl run`` and :func:`run_page`.

Where executed notebooks live: a page ``book/<paper>/<page>.py`` executed at scale S is written to
``book/_executed/<S>/<paper>/<page>.ipynb``. ``_toc.yml`` lists the published (``small``) ones, so the committed
small-scale results are what ``jupyter-book build .`` renders; ``gancl book --scale smoke|paper`` builds from the
other folders. A page outside a ``book/`` folder is written to ``_executed/<S>/<page>.ipynb`` beside it.

Each executed notebook records, under ``metadata.gancl``, the page it came from, the sha256 of that page's source,
the scale and the parameters; ``gancl book`` re-executes a page only when that record no longer matches.
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
    SCALES, check_page, declared_parameters, literal_default, parameters_cell_index, read_page,
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


def executed_path(page: str | Path, scale: str) -> Path:
    """Where ``gancl run`` writes ``page`` executed at ``scale`` (see the module docstring)."""
    page = Path(page).resolve()
    root = book_root(page)
    book = root / "book" if root else None
    if book is not None and book in page.parents:
        return book / "_executed" / scale / page.relative_to(book).with_suffix(".ipynb")
    return page.parent / "_executed" / scale / (page.stem + ".ipynb")


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


def _kernel_manager_class():
    """A kernel manager that always starts ipykernel on this interpreter.

    The notebook still names the ``python3`` kernel (what Colab and plain papermill look up), but a ``python3``
    kernelspec of another environment earlier on the Jupyter path would start a Python without gancl.
    """
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class ThisInterpreterKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())
            return self._kernel_spec

    return ThisInterpreterKernelManager


def _cell_lines(page: Path, n_cells: int) -> list[int] | None:
    """1-based line of each cell marker of a py:percent page, when they map one-to-one onto the notebook cells."""
    if page.suffix != ".py":
        return None
    lines = [i for i, line in enumerate(page.read_text().splitlines(), 1) if line.startswith("# %%")]
    return lines if len(lines) == n_cells else None


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
    nb = read_page(page)
    check_page(page, nb)
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
    root = book_root(page)
    cwd = Path(cwd) if cwd is not None else root if root is not None else Path.cwd()

    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
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
