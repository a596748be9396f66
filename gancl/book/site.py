"""``gancl book``: execute the pages listed in ``_toc.yml``, write the Results and Status pages, build the site.

``_toc.yml`` lists each page by its name, ``book/<paper>/<page>``: its source is ``book/<paper>/<page>.py`` and its
executed notebook at the published scale ``book/<paper>/<page>.ipynb`` beside it (see :mod:`gancl.book.runner`),
so the site's URLs are ``book/<paper>/<page>.html``. The Results and Status pages (``book/results``,
``book/status``) are written by ``gancl book`` from the executed notebooks. At ``small`` (and ``paper``) a page
whose stored executed notebook records the current source digest is reused; ``smoke`` executes every page.
Training runs are cached on disk by the trainer, so an interrupted build resumes where it stopped.

The ``small`` site is what ``jupyter-book build .`` builds (``_build/html``). Another scale is built in its own
book root, ``_build/<scale>/``: a copy of the book's configuration, toc and Markdown (:func:`stage_book`) beside
that scale's executed notebooks, so its pages have the same URLs and the published notebooks are never touched
(``_build/<scale>/_build/html``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gancl.book.pages import PUBLISHED_SCALE, SCALES
from gancl.book.results import RESULTS_NAME, write_results_page
from gancl.book.runner import executed_path, is_current, refresh_colab_cell, run_page, scale_root
from gancl.book.status import STATUS_NAME, write_status_page

#: The pages ``gancl book`` writes from the executed notebooks (no source)
GENERATED = (f"book/{RESULTS_NAME}", f"book/{STATUS_NAME}")


def _toc_entries(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node[k] for k in ("root", "file") if isinstance(node.get(k), str)]
        return found + [e for k, v in node.items() for e in _toc_entries(v)]
    if isinstance(node, list):
        return [e for item in node for e in _toc_entries(item)]
    return []


def _read_toc(root: Path) -> Any:
    import yaml

    path = root / "_toc.yml"
    if not path.is_file():
        raise ValueError(f"{root} has no _toc.yml: run gancl book from the repository root or pass --root")
    return yaml.safe_load(path.read_text())


def toc_files(root: str | Path = ".") -> list[str]:
    """Every document of ``_toc.yml`` (``root`` and ``file`` entries), in toc order, as written there."""
    return _toc_entries(_read_toc(Path(root)))


def toc_pages(root: str | Path = ".") -> list[Path]:
    """Sources (``book/<paper>/<page>.py``) of the pages listed in ``_toc.yml``, in toc order.

    An entry is a page when ``<entry>.py`` exists, a document when ``<entry>.md`` does, or one of the generated
    pages (:data:`GENERATED`); anything else is an error naming the entry."""
    root = Path(root)
    pages = []
    for entry in toc_files(root):
        entry = entry.removesuffix(".ipynb").removesuffix(".md").removesuffix(".py")
        if entry in GENERATED or (root / f"{entry}.md").is_file():
            continue
        source = root / f"{entry}.py"
        if not source.is_file():
            raise ValueError(f"_toc.yml entry {entry!r} has no page source {source} (nor a Markdown file "
                             f"{entry}.md); list a page as book/<paper>/<page>")
        if not entry.startswith("book/"):
            raise ValueError(f"_toc.yml entry {entry!r}: pages live under book/ (book/<paper>/<page>)")
        pages.append(source)
    return pages


def stage_book(root: str | Path, scale: str) -> Path:
    """The book root of ``scale`` ready to build: at the published scale ``root`` itself; else ``_build/<scale>``
    with copies of ``_config.yml``, ``_toc.yml``, ``_static/`` and the Markdown and other files of ``book/``
    (not the page sources, the published notebooks or the published Results and Status pages)."""
    root = Path(root).resolve()
    stage = scale_root(root, scale)
    if stage == root:
        return root
    stage.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(root / name, stage / name)
    if (root / "_static").is_dir():
        shutil.copytree(root / "_static", stage / "_static", dirs_exist_ok=True)
    generated = {root / f"{name}.md" for name in GENERATED}
    for path in (root / "book").rglob("*"):
        relative = path.relative_to(root)
        if (path.is_dir() or path.suffix in (".py", ".ipynb", ".pyc") or path in generated
                or any(part.startswith((".", "_")) for part in relative.parts[1:-1])):
            continue
        (stage / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, stage / relative)
    return stage


def jupyter_book_command() -> list[str]:
    """The jupyter-book executable of this environment."""
    beside = Path(sys.executable).with_name("jupyter-book")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("jupyter-book")
    if found:
        return [found]
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]


def build_site(root: str | Path = ".", scale: str = PUBLISHED_SCALE, strict: bool = False) -> Path:
    """Run ``jupyter-book build`` on the book root of ``scale`` (:func:`stage_book`); return the folder holding
    ``index.html``."""
    stage = stage_book(root, scale)
    command = [*jupyter_book_command(), "build", str(stage)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    completed = subprocess.run(command, cwd=stage)
    if completed.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (exit {completed.returncode}): {' '.join(command)}")
    return stage / "_build" / "html"


def build_book(root: str | Path = ".", scale: str = PUBLISHED_SCALE, *, rerun: bool = False, build: bool = True,
               strict: bool = False, progress: bool = True) -> Path | None:
    """Execute every page of ``_toc.yml`` at ``scale`` (reusing current ones unless smoke or ``rerun``), then build.

    Returns the HTML folder, or None with ``build=False``.
    """
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not a scale; use one of {', '.join(SCALES)}")
    root = Path(root).resolve()
    pages = toc_pages(root)
    for number, page in enumerate(pages, 1):
        target = executed_path(page, scale)
        label = f"[{number}/{len(pages)}] {page.relative_to(root)}"
        if scale != "smoke" and not rerun and is_current(target, page, scale):
            renamed = " (its Colab cell now names _config.yml's repository)" if refresh_colab_cell(target) else ""
            print(f"{label}: up to date, reusing {target.relative_to(root)}{renamed}", flush=True)
            continue
        print(f"{label}: executing at scale {scale}", flush=True)
        start = time.perf_counter()
        run_page(page, {}, scale=scale, output=target, cwd=root, progress=progress)
        print(f"{label}: done in {time.perf_counter() - start:.0f} s -> {target.relative_to(root)}", flush=True)
    for written in (write_results_page(root, scale), write_status_page(root, scale)):
        print(f"wrote {written.relative_to(root)}", flush=True)
    if not build:
        return None
    return build_site(root, scale, strict=strict)
