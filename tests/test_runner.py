"""The page runner (gancl run / run_page), the page convention and the book command, on a page that trains nothing."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import nbformat
import pytest

from gancl.book import (
    PageExecutionError, add_book_commands, build_book, check_page, check_parameters, executed_path, parse_value,
    run_page,
)
from gancl.book.pages import COLAB_CELL, REQUIRED_PARAMETERS
from gancl.book.runner import is_current, source_digest

FIXTURE_PAGE = Path(__file__).parent / "fixtures" / "page.py"
REPO = Path(__file__).resolve().parents[1]


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gancl")
    add_book_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def marker_line(text: str, cell_start: str) -> int:
    """1-based line of the ``# %%`` marker of the cell whose first line is ``cell_start``."""
    lines = text.splitlines()
    return lines.index(cell_start)  # the marker is the line before; index() is 0-based, so this is its 1-based line


def test_unknown_parameter_is_rejected_before_execution(tmp_path, monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("the page was executed"))
    output = tmp_path / "out.ipynb"
    with pytest.raises(ValueError) as error:
        run_page(FIXTURE_PAGE, {"sclae": "small", "seeds": 2}, output=output)
    message = str(error.value)
    assert "'sclae'" in message and "did you mean 'scale'" in message
    assert "the page declares: " + ", ".join([*REQUIRED_PARAMETERS, "fail"]) in message
    assert not output.exists()


def test_cli_rejects_unknown_parameter_with_exit_code_2(tmp_path, capsys):
    assert cli(["run", str(FIXTURE_PAGE), "-p", "seed", "3", "-o", str(tmp_path / "o.ipynb")]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter(s) 'seed'" in err and "seeds" in err
    assert not (tmp_path / "o.ipynb").exists()


def test_scale_option_and_parameter_must_agree():
    with pytest.raises(ValueError, match="disagree"):
        run_page(FIXTURE_PAGE, {"scale": "small"}, scale="paper")


def test_bad_value_fails_in_the_validation_cell(tmp_path, capsys):
    output = tmp_path / "bad.ipynb"
    assert cli(["run", str(FIXTURE_PAGE), "-p", "scale", "huge", "-o", str(output)]) == 1
    err = capsys.readouterr().err
    text = FIXTURE_PAGE.read_text()
    line = marker_line(text, "from gancl.book import check_parameters")
    assert f"cell 4 of {FIXTURE_PAGE} (starting at line {line}) raised ValueError" in err
    assert "scale='huge' is not a scale; use one of smoke, small, paper" in err
    assert not output.exists()
    assert (tmp_path / "bad.failed.ipynb").exists()


def test_failing_cell_is_reported_with_its_number_and_line(tmp_path):
    output = tmp_path / "failing.ipynb"
    with pytest.raises(PageExecutionError) as caught:
        run_page(FIXTURE_PAGE, {"fail": True}, output=output, progress=False)
    error = caught.value
    assert (error.cell, error.ename, error.evalue) == (11, "RuntimeError", "fixture failure requested")
    assert error.line == marker_line(FIXTURE_PAGE.read_text(), "if fail:")
    assert f"cell 11 of {FIXTURE_PAGE}" in str(error) and "fixture failure requested" in str(error)
    assert not output.exists()
    failed = nbformat.read(str(error.notebook), as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in failed.cells if c.cell_type == "code" for o in c.outputs)


def test_successful_run_writes_the_executed_notebook(executed_fixture):
    nb = nbformat.read(str(executed_fixture), as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    record = nb.metadata.gancl
    assert record.source_sha256 == source_digest(FIXTURE_PAGE)
    assert (record.scale, record.parameters) == ("smoke", {"seeds": 2})
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    injected = next(i for i, t in enumerate(tags) if "injected-parameters" in t)
    assert "parameters" in tags[injected - 1] and "seeds = 2" in nb.cells[injected].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    outputs = [o for c in code for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("application/papermill.record/text/plain" in o.get("data", {}) for o in outputs)
    assert is_current(executed_fixture, FIXTURE_PAGE, "smoke")
    assert not is_current(executed_fixture, FIXTURE_PAGE, "small")


def test_progress_bars_and_warnings_go_to_the_terminal_not_the_notebook(tmp_path, capfd):
    """The kernel's stderr is the runner's: tqdm's bar and Python's warnings reach the terminal, and the stored
    notebook holds only what the page prints or displays. The kernel starts without ipykernel's warning about
    unencrypted TCP."""
    output = run_page(FIXTURE_PAGE, {"seeds": 1}, output=tmp_path / "page.ipynb", progress=False)
    outputs = [o for c in nbformat.read(str(output), as_version=4).cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("name") == "stderr"]
    assert "fixture runs" not in str(outputs) and "fixture warning" not in str(outputs)
    err = capfd.readouterr().err
    assert "fixture runs: 100%" in err and "UserWarning: fixture warning for the terminal" in err
    assert "without encryption" not in err and "WARNING" not in err, err


def test_page_kernels_talk_encrypted_or_over_ipc(monkeypatch):
    import zmq

    from gancl.book.runner import _kernel_manager_class

    if zmq.has("curve"):
        assert _kernel_manager_class()().transport_encryption == "auto"
    monkeypatch.setattr(zmq, "has", lambda feature: False)
    manager = _kernel_manager_class()()
    assert manager.transport == "ipc" and manager.transport_encryption == "disabled"


def test_plain_papermill_runs_the_executed_notebook(executed_fixture, tmp_path):
    import papermill

    out = tmp_path / "again.ipynb"
    papermill.execute_notebook(str(executed_fixture), str(out), parameters={"seeds": 1}, progress_bar=False)
    nb = nbformat.read(str(out), as_version=4)
    assert "seeds = 1" in "".join(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    outputs = [str(c.outputs) for c in nb.cells if c.cell_type == "code"]
    assert "Compute: 1 run on cpu" in outputs[-2] and "Environment: Python " in outputs[-1]


@pytest.mark.parametrize("text, value", [
    ("True", True), ("False", False), ("None", None), ("3", 3), ("-2", -2), ("0.5", 0.5), ("1e-3", 1e-3),
    ("small", "small"), ("cuda:0", "cuda:0"), ("[0, 1]", "[0, 1]"),
])
def test_parse_value_reads_like_papermill(text, value):
    assert parse_value(text) == value and type(parse_value(text)) is type(value)


def test_cli_collects_yaml_raw_and_typed_parameters(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake_run_page(page, parameters, scale=None, output=None):
        seen.update(parameters=parameters, scale=scale)
        return tmp_path / "x.ipynb"

    monkeypatch.setattr("gancl.book.runner.run_page", fake_run_page)
    code = cli(["run", str(FIXTURE_PAGE), "-y", "seeds: [0, 2]", "-r", "dataset", "5", "-p", "steps", "10",
                "--scale", "small"])
    assert code == 0 and capsys.readouterr().out.strip() == str(tmp_path / "x.ipynb")
    assert seen == {"parameters": {"seeds": [0, 2], "dataset": "5", "steps": 10}, "scale": "small"}


def test_executed_path_inside_and_outside_a_book(tmp_path):
    (tmp_path / "_config.yml").write_text("title: t\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    page = tmp_path / "book" / "contragan" / "ablation.py"
    page.parent.mkdir(parents=True)
    page.write_text("")
    # the published scale beside the source (URL book/contragan/ablation.html); other scales in their own root
    assert executed_path(page, "small") == page.with_suffix(".ipynb")
    assert executed_path(page, "smoke") == tmp_path / "_build" / "smoke" / "book" / "contragan" / "ablation.ipynb"
    assert executed_path(page, "paper") == tmp_path / "_build" / "paper" / "book" / "contragan" / "ablation.ipynb"
    loose = tmp_path / "elsewhere" / "p.py"
    assert executed_path(loose, "smoke") == loose.parent / "_executed" / "smoke" / "p.ipynb"


def _retag(text: str, first_line: str, marker: str) -> str:
    """Give the cell starting with ``first_line`` the cell marker ``marker``."""
    before, _, after = text.partition("\n" + first_line)
    return before.rsplit("\n", 1)[0] + "\n" + marker + "\n" + first_line + after


@pytest.mark.parametrize("edit, problem", [
    (lambda t: t.replace(COLAB_CELL, "import sys"), "first code cell must be gancl.book.COLAB_CELL"),
    (lambda t: t.replace("GANCL_BRANCH", "BRANCH"), "first code cell must be gancl.book.COLAB_CELL"),
    (lambda t: _retag(t, COLAB_CELL.splitlines()[0], "# %%"), "Colab cell must be tagged remove-cell"),
    (lambda t: t.replace('# %% tags=["parameters"]', "# %%"), "no cell tagged 'parameters'"),
    (lambda t: t.replace('# %% tags=["parameters"]', '# %% tags=["parameters", "hide-input"]'),
     "parameters cell must stay visible"),
    (lambda t: t.replace('data_dir: "Optional[str]" = None  # folder holding a real data set\n', ""),
     "does not assign data_dir"),
    (lambda t: t.replace("check_parameters(scale", "print(scale"), "must call gancl.book.check_parameters"),
    (lambda t: _retag(t, "from gancl.book import check_parameters", "# %%"),
     "check_parameters cell must be tagged remove-cell"),
    (lambda t: t.replace("scale_banner(scale)\n", "scale\n"), "must show gancl.book.scale_banner(scale)"),
    (lambda t: _retag(t, "from gancl.book import scale_banner", "# %%"),
     "scale_banner cell must be tagged remove-input"),
    (lambda t: t.replace("show_environment(device)", "print(device)"), "must call gancl.book.show_environment"),
    (lambda t: _retag(t, "from gancl.book import show_environment", "# %%"),
     "(the environment line) must be tagged remove-input"),
    (lambda t: t.replace("show_compute([", "print([") + "\n# %%\ntrain_grid(spec)\n", "must show the compute"),
    # papermill's parameter inference (papermill --help-notebook) must read every parameter
    (lambda t: t.replace("# number of seeds", "# number of seeds; None = the scale's"), "Unable to parse line 2"),
    (lambda t: t.replace('dataset: str = "shapes"', 'dataset = "shapes"'), "parameter 'dataset' has no type"),
    (lambda t: t.replace('device: str = "auto"  # auto, cpu, cuda, cuda:N, mps', 'device: str = "auto"'),
     "parameter 'device' has no comment"),
    (lambda t: t.replace('seeds: "Optional[Union[int, List[int]]]"', 'seeds: "int | None"'),
     "papermill does not see parameter 'seeds'"),
])
def test_check_page_names_each_broken_convention(tmp_path, edit, problem):
    page = tmp_path / "page.py"
    page.write_text(edit(FIXTURE_PAGE.read_text()))
    with pytest.raises(ValueError, match="does not follow the page convention") as error:
        check_page(page)
    assert problem in str(error.value)


def test_every_page_parameters_cell_reads_in_papermill_without_a_warning(tmp_path, caplog):
    """papermill's parameter inference (papermill --help-notebook) lists each parameter of each page with its type,
    default and comment, and warns about nothing."""
    import logging

    import papermill

    from gancl.book.pages import declared_parameters, iter_pages, read_page

    pages = [*iter_pages(REPO / "book"), REPO / "book" / "_template.py", FIXTURE_PAGE]
    for page in pages:
        nb = read_page(page)
        path = tmp_path / f"{page.stem}.ipynb"
        nbformat.write(nb, str(path))
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="papermill"):
            inferred = papermill.inspect_notebook(str(path))
        assert not caplog.records, (page, [r.getMessage() for r in caplog.records])
        assert list(inferred) == list(declared_parameters(nb)), page
        for parameter in inferred.values():
            assert parameter["inferred_type_name"] not in ("None", "") and parameter["help"], (page, parameter)


def test_runner_refuses_a_page_breaking_the_convention(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(FIXTURE_PAGE.read_text().replace(COLAB_CELL, "import sys"))
    with pytest.raises(ValueError, match="COLAB_CELL"):
        run_page(page, {})


GOOD = dict(scale="small", dataset="shapes", device="cpu", steps=None, seeds=3, data_dir=None, force=False)


@pytest.mark.parametrize("change, message", [
    ({"scale": "huge"}, "scale='huge' is not a scale"),
    ({"dataset": "mnist"}, "dataset='mnist' is not known"),
    ({"dataset": "cifar10"}, "dataset='cifar10' reads real images from data_dir, but data_dir is None"),
    ({"dataset": "folder", "data_dir": "/nonexistent/ffhq"}, "data_dir='/nonexistent/ffhq' is not a folder"),
    ({"device": "gpu"}, "device='gpu' is not a device"),
    ({"steps": 0}, "steps=0 must be a positive"),
    ({"steps": 2.5}, "steps=2.5 must be a positive"),
    ({"seeds": 0}, "seeds=0 must be a positive"),
    ({"seeds": [1, 1]}, "repeats a seed"),
    ({"seeds": []}, "seeds=[] must be"),
    ({"force": "yes"}, "force='yes' must be True"),
])
def test_check_parameters_names_the_bad_value(change, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_parameters(**{**GOOD, **change})


def test_check_parameters_accepts_good_values(tmp_path):
    check_parameters(**GOOD)
    check_parameters(**{**GOOD, "seeds": [0, 4], "steps": 100, "device": "auto"})
    check_parameters(**{**GOOD, "dataset": "cifar10", "data_dir": str(tmp_path), "scale": "paper"})


def test_check_parameters_refuses_a_missing_cuda_device():
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(ValueError, match=f"torch sees {count} CUDA device"):
        check_parameters(**{**GOOD, "device": f"cuda:{count}"})


def _book(tmp_path: Path) -> tuple[Path, Path]:
    """A book root whose toc lists the fixture page as book/fixture/page."""
    (tmp_path / "_config.yml").write_text("title: t\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/fixture/page\n")
    page = tmp_path / "book" / "fixture" / "page.py"
    page.parent.mkdir(parents=True)
    shutil.copy(FIXTURE_PAGE, page)
    (tmp_path / "book" / "intro.md").write_text("# A book\n")
    return tmp_path, page


def test_book_reuses_current_notebooks_and_reexecutes_stale_ones(tmp_path, executed_fixture, monkeypatch):
    root, page = _book(tmp_path)
    calls = []
    monkeypatch.setattr("gancl.book.site.run_page", lambda page, params, scale, output, **kw: calls.append(
        (page.relative_to(root).as_posix(), scale, output.relative_to(root).as_posix())))
    stored = executed_path(page, "small")
    stored.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(str(executed_fixture), as_version=4)
    nb.metadata.gancl.scale = "small"
    nbformat.write(nb, str(stored))

    build_book(root, "small", build=False, progress=False)
    assert calls == []  # same source digest and scale: reused
    # a new repository in _config.yml reaches a reused notebook's Colab cell without re-executing it
    (root / "_config.yml").write_text("title: t\nrepository:\n  url: https://example.org/fork/gancl\n  branch: b\n")
    build_book(root, "small", build=False, progress=False)
    first = next(c for c in nbformat.read(str(stored), as_version=4).cells if c.cell_type == "code")
    assert calls == [] and '"https://example.org/fork/gancl"' in first.source and '"b"' in first.source
    build_book(root, "small", rerun=True, build=False, progress=False)
    build_book(root, "smoke", build=False, progress=False)  # smoke always executes
    page.write_text(page.read_text() + "\n# %%\n1\n")
    build_book(root, "small", build=False, progress=False)
    assert calls == [
        ("book/fixture/page.py", "small", "book/fixture/page.ipynb"),
        ("book/fixture/page.py", "smoke", "_build/smoke/book/fixture/page.ipynb"),
        ("book/fixture/page.py", "small", "book/fixture/page.ipynb"),
    ]
    # each build wrote its scale's Results and Status pages, the published ones beside the pages
    assert (root / "book/results.md").is_file() and (root / "book/status.md").is_file()
    assert (root / "_build/smoke/book/results.md").is_file() and (root / "_build/smoke/book/status.md").is_file()


def test_book_refuses_a_toc_entry_without_source(tmp_path, capsys):
    root, page = _book(tmp_path)
    page.with_suffix(".ipynb").write_text("{}")  # an executed notebook is no page source
    page.unlink()
    assert cli(["book", "--root", str(root), "--no-build"]) == 2
    assert "_toc.yml entry 'book/fixture/page' has no page source" in capsys.readouterr().err


def test_book_refuses_a_toc_entry_in_the_old_layout(tmp_path, capsys):
    root, page = _book(tmp_path)
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                   "  - file: book/_executed/small/fixture/page\n")
    assert cli(["book", "--root", str(root), "--no-build"]) == 2
    assert "list a page as book/<paper>/<page>" in capsys.readouterr().err


def test_page_vocabulary_is_the_librarys():
    # one home for each name (gancl.names, which imports nothing heavy); the book, data and experiments read it
    from gancl import data, experiments, names
    from gancl.book.pages import DATASETS, EMBEDDED_DATASETS, SCALES

    assert DATASETS is data.DATASETS is names.DATASETS and EMBEDDED_DATASETS is data.EMBEDDED
    assert SCALES is experiments.SCALE_NAMES is names.SCALE_NAMES


def test_scales_page_refuses_data_without_object_boxes_before_training(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCL_RUNS", str(tmp_path / "runs"))  # the kernel inherits it
    page = Path(__file__).parent.parent / "book" / "msconD" / "scales.py"
    with pytest.raises(PageExecutionError) as caught:
        run_page(page, {"scale": "smoke", "dataset": "shapes"}, output=tmp_path / "scales.ipynb", progress=False)
    assert caught.value.ename == "ValueError" and "object boxes" in caught.value.evalue
    assert not list((tmp_path / "runs").rglob("config.json"))  # no training started


def test_plan_prints_runs_whose_training_leaves_the_page_nothing_to_train(tmp_path, monkeypatch, capfd):
    """gancl plan writes a config per configuration and a gancl train line per run; after running the lines (here
    in-process, as an array job would), the page at smoke renders from the run cache without training."""
    import shlex

    from gancl.train import command as train_command

    monkeypatch.setenv("GANCL_RUNS", str(tmp_path / "runs"))
    page = Path(__file__).parent.parent / "book" / "contragan" / "stability.py"
    assert cli(["plan", str(page), "--scale", "smoke", "--out", str(tmp_path / "plan")]) == 0
    out = capfd.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("gancl train --config ") for line in lines)
    assert "2 runs of contragan/stability at smoke" in out.err
    assert len(list((tmp_path / "plan").glob("*.json"))) == 2
    for line in lines:
        args = train_command.add_train_command(argparse.ArgumentParser().add_subparsers()).parse_args(
            shlex.split(line)[2:])
        assert train_command.run_train_command(args) == 0
    finished = {p.parent: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*/result.json")}
    assert len(finished) == 2
    capfd.readouterr()
    executed = run_page(page, {"scale": "smoke"}, output=tmp_path / "stability.ipynb", progress=False)
    assert {p.parent: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*/result.json")} == finished
    assert not list((tmp_path / "runs").glob("*/checkpoint"))
    # train_grid's bar reached the terminal (that the stored notebook holds none is
    # test_progress_bars_and_warnings_go_to_the_terminal_not_the_notebook's; here it failed once in CI only)
    assert "runs: 100%" in capfd.readouterr().err


def test_plan_refuses_a_parameter_the_page_does_not_have(capsys):
    page = Path(__file__).parent.parent / "book" / "contragan" / "stability.py"
    assert cli(["plan", str(page), "-p", "sizes", "3"]) == 2
    assert "has no parameter ['sizes']" in capsys.readouterr().err


def test_cli_pending_prints_the_training_still_needed(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GANCL_RUNS", str(tmp_path))
    assert cli(["pending", "--scale", "smoke", "--page", "contragan/conditioning_losses", "--list"]) == 0
    out = capsys.readouterr().out
    assert "contragan" in out and "pending_hours" in out and "2C (ContraGAN)" in out  # the summary, then the runs
    assert cli(["pending", "--scale", "smoke", "--page", "contragan/nothing"]) == 2
    assert "no page spec 'contragan/nothing'" in capsys.readouterr().err
