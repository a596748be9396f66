"""``gancl book``: execute the pages listed in ``_toc.yml``, then build the site with Jupyter Book.

``_toc.yml`` lists each page by its executed notebook at the published scale, ``book/_executed/small/<paper>/<page>``,
and its source is ``book/<paper>/<page>.py``. At ``small`` (and ``paper``) a page whose stored executed notebook
records the current source digest is reused; ``smoke`` executes every page. Training runs are cached on disk by the
trainer, so an interrupted build resumes where it stopped.

The ``small`` site is what ``jupyter-book build .`` builds (``_build/html``). Other scales are built from a copy of
the toc pointing at ``book/_executed/<scale>/`` into ``_build/<scale>/_build/html``.
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
from gancl.book.runner import executed_path, is_current, run_page

EXECUTED_PREFIX = "book/_executed/"


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
    """Sources (``book/<paper>/<page>.py``) of the executed notebooks listed in ``_toc.yml``, in toc order."""
    root = Path(root)
    prefix = f"{EXECUTED_PREFIX}{PUBLISHED_SCALE}/"
    pages = []
    for entry in toc_files(root):
        entry = entry.removesuffix(".ipynb")
        if entry == f"{prefix}{RESULTS_NAME}":  # generated from the executed pages, no source
            continue
        if entry.startswith(EXECUTED_PREFIX):
            if not entry.startswith(prefix):
                raise ValueError(f"_toc.yml entry {entry!r} must point at the published scale: {prefix}...")
            source = root / "book" / (entry[len(prefix):] + ".py")
            if not source.is_file():
                raise ValueError(f"_toc.yml entry {entry!r} has no page source {source}")
            pages.append(source)
    return pages


def _rewrite(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace(old, new, 1) if k in ("root", "file") and isinstance(v, str) else _rewrite(v, old, new))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(item, old, new) for item in node]
    return node


def jupyter_book_command() -> list[str]:
    """The jupyter-book executable of this environment."""
    beside = Path(sys.executable).with_name("jupyter-book")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("jupyter-book")
    if found:
        return [found]
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]


def build_site(root: str | Path = ".", scale: str = PUBLISHED_SCALE, strict: bool = False,
               output: str | Path | None = None) -> Path:
    """Run ``jupyter-book build`` for ``scale``'s executed notebooks; return the folder holding ``index.html``."""
    import yaml

    root = Path(root).resolve()
    command = [*jupyter_book_command(), "build", str(root)]
    if scale != PUBLISHED_SCALE:
        output = Path(output) if output is not None else root / "_build" / scale
        output.mkdir(parents=True, exist_ok=True)
        toc = output / "_toc.yml"
        old, new = f"{EXECUTED_PREFIX}{PUBLISHED_SCALE}/", f"{EXECUTED_PREFIX}{scale}/"
        toc.write_text(yaml.safe_dump(_rewrite(_read_toc(root), old, new), sort_keys=False))
        command += ["--toc", str(toc)]
    if output is not None:
        command += ["--path-output", str(output)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    completed = subprocess.run(command, cwd=root)
    if completed.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (exit {completed.returncode}): {' '.join(command)}")
    return (Path(output) if output is not None else root) / "_build" / "html"


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
            print(f"{label}: up to date, reusing {target.relative_to(root)}", flush=True)
            continue
        print(f"{label}: executing at scale {scale}", flush=True)
        start = time.perf_counter()
        run_page(page, {}, scale=scale, output=target, cwd=root, progress=progress)
        print(f"{label}: done in {time.perf_counter() - start:.0f} s -> {target.relative_to(root)}", flush=True)
    results = write_results_page(root, scale)
    print(f"results page: {results.relative_to(root)}", flush=True)
    if not build:
        return None
    return build_site(root, scale, strict=strict)
