"""Colab: the repository is named once (``_config.yml``'s ``repository``), and a page's Colab cell works.

The simulation: a git repository made from this working tree (its ``_config.yml`` naming itself by a file:// URL)
stands in for GitHub; a fresh virtual environment stands in for Colab's Python (it sees this environment's
packages through a folder of links, gancl excepted, so pip installs nothing from the network); a stub
``google.colab`` module is what Colab's kernel has imported. The page's first cells, as the runner writes them
into the notebook Colab opens, then run in an ipykernel of that environment: the clone, the install and every
import of the page must work, with gancl imported from the clone.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from gancl.book.pages import COLAB_CELL, colab_cell
from gancl.book.runner import prepare_page, repository

REPO = Path(__file__).resolve().parents[1]
PAGE = "book/contragan/conditioning_losses.py"
STUB = 'import sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")  # as in Colab'


def test_the_repository_is_named_in_config_only_and_the_executed_colab_cell_reads_it(executed_fixture):
    url, branch = repository(REPO)
    assert url and branch
    nb = nbformat.read(str(executed_fixture), as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.source == colab_cell(url, branch) and f'"{url}"' in first.source
    assert "remove-cell" in first.metadata.tags
    sources = [*REPO.glob("gancl/**/*.py"), *REPO.glob("book/**/*.py"), REPO / "_toc.yml"]
    assert not [p for p in sources if url in p.read_text()], "the repository URL is written outside _config.yml"
    assert "<repository.url>" in COLAB_CELL  # the page sources hold the placeholder the runner fills


def test_a_failing_clone_says_what_to_set(tmp_path, monkeypatch):
    cell = colab_cell((tmp_path / "no-such-repository").as_uri(), "main")
    monkeypatch.setenv("GANCL_CHECKOUT", str(tmp_path / "checkout"))
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError) as error:
        exec(compile(cell, "colab-cell", "exec"), {})
    message = str(error.value)
    assert "could not clone gancl from file://" in message and "no-such-repository" in message
    assert "GANCL_REPOSITORY" in message and "repository.url in its _config.yml" in message
    assert not (tmp_path / "checkout").exists() and Path.cwd() == tmp_path


def test_the_colab_cell_does_nothing_outside_colab(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setenv("GANCL_CHECKOUT", str(tmp_path / "checkout"))
    monkeypatch.chdir(tmp_path)
    exec(compile(colab_cell("file:///nowhere", "main"), "colab-cell", "exec"), {})
    assert Path.cwd() == tmp_path and not (tmp_path / "checkout").exists()


def _git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _origin(tmp_path: Path) -> Path:
    """A git repository holding this working tree (tracked and new files, not ignored ones), its _config.yml
    naming it by a file:// URL on branch main."""
    origin = tmp_path / "origin"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (origin / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, origin / name)
    config = origin / "_config.yml"
    url, _ = repository(REPO)
    config.write_text(config.read_text().replace(url, origin.as_uri()))
    _git("init", "-q", "-b", "main", cwd=origin)
    _git("add", "-A", cwd=origin)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--no-verify", "-m", "snapshot", cwd=origin)
    return origin


def _colab_python(tmp_path: Path) -> Path:
    """A fresh venv standing in for Colab's Python: this environment's packages (pip and setuptools included) are
    visible through links in a folder named by a .pth file, all but gancl's own, so gancl comes only from the Colab
    cell's install."""
    venv = tmp_path / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    shared = tmp_path / "shared-packages"
    shared.mkdir()
    ours = {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}
    for folder in ours:
        for entry in folder.iterdir():
            name = entry.name.lower()
            if (name.startswith(("gancl", "__editable__", "__pycache__")) or entry.suffix == ".pth"
                    or (shared / entry.name).exists()):
                continue
            (shared / entry.name).symlink_to(entry)
    (site / "gancl-test-shared.pth").write_text(f"{shared}\n")
    return python


def _imports(page: Path) -> str:
    """Every import statement of the page's code cells, in order."""
    import jupytext

    lines = []
    for cell in jupytext.read(page).cells:
        if cell.cell_type == "code":
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    lines.append(ast.unparse(node))
    return "\n".join(dict.fromkeys(lines))


@pytest.mark.slow
def test_a_page_first_cells_clone_install_and_import_in_a_simulated_colab(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    origin = _origin(tmp_path)
    python = _colab_python(tmp_path)
    checkout = tmp_path / "content" / "gancl"
    nb = prepare_page(origin / PAGE)  # what the runner writes, reading the origin's _config.yml
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert origin.as_uri() in code[0].source
    cells = [STUB, *[c.source for c in code[:4]], _imports(origin / PAGE),
             "import gancl, os\n"
             f"assert gancl.__file__.startswith({str(checkout)!r}), gancl.__file__\n"
             f"assert os.getcwd() == {str(checkout)!r}\n"
             "print(tables.tables_dir(), len(tables.paper_values('contragan_t1', dataset='CIFAR10')))"]
    colab = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])

    class ColabKernel(KernelManager):
        @property
        def kernel_spec(self):
            return KernelSpec(argv=[str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Colab", language="python")

    for name in ("PYTHONPATH", "VIRTUAL_ENV", "GANCL_PAPER_TABLES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GANCL_CHECKOUT", str(checkout))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # nothing from the network: every requirement is already there
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")  # (pip reads this as --no-build-isolation)
    monkeypatch.setenv("PATH", f"{python.parent}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "content").mkdir()
    client = NotebookClient(colab, km=ColabKernel(), timeout=600, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    assert (checkout / ".git").is_dir()
    printed = "".join(o.get("text", "") for o in colab.cells[-1].outputs)
    assert f"{checkout / 'paper_tables'} 5" in printed, printed
    installed = subprocess.run([str(python), "-m", "pip", "show", "-f", "gancl"], capture_output=True, text=True)
    assert installed.returncode == 0 and str(checkout) in installed.stdout
