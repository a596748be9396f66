"""The Status page: each page's scale, execution time and date, compute, regime gate and environment, read from the
metadata of its executed notebook (never from printed text)."""

import nbformat
import pytest

from gancl.book.results import CLAIMS_KEY
from gancl.book.status import (
    COMPUTE_KEY, ENVIRONMENT_KEY, compute_record, gate_status, page_status, status_markdown,
)

RECORDS = [{"device": "cpu", "wall_time": 60.0, "steps": 500, "images_seen": 32000, "cached": c}
           for c in (False, True, False)]
ENVIRONMENT = "Environment: Python 3.11.7, torch 2.14.1, gancl 0.1.0 (commit abc), cpu: X (2 cores); Linux x86_64."


def _output(key, value, text="shown"):
    return nbformat.v4.new_output("display_data", data={"text/plain": text}, metadata={key: value})


def _notebook(path, *outputs, scale="small"):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("results, runs = train_grid(spec)\nshow_claims(spec, results)")
    cell.outputs = list(outputs)
    nb.cells.append(cell)
    nb.metadata["gancl"] = {"scale": scale, "executed_at": "2026-11-22T02:46:25+00:00"}
    nb.metadata["papermill"] = {"duration": 2598.4, "end_time": "2026-11-22T02:46:24.9+00:00"}
    nbformat.write(nb, str(path))
    return path


def test_compute_record_counts_runs_devices_time_and_reused_runs():
    record = compute_record(RECORDS)
    assert record["runs"] == 3 and record["devices"] == ["cpu"] and record["wall_time"] == 180.0
    assert record["reused"] == 1 and record["text"].startswith("Compute: 3 runs (1 reused from the run cache) on cpu")


@pytest.mark.parametrize("claims, judges, expected", [
    ([{"verdict": "reproduced", "gate": "2C: precision >= 0.5"}], True, "passed (2C: precision >= 0.5)"),
    ([{"verdict": "not judged: precision 0.41 below 0.5 (2C, mean of 3 seeds)", "gate": "2C: precision >= 0.5"},
      {"verdict": "not judged: precision 0.41 below 0.5 (2C, mean of 3 seeds)", "gate": "2C: precision >= 0.5"}],
     True, "not passed: precision 0.41 below 0.5 (2C, mean of 3 seeds)"),
    ([{"verdict": "inconclusive", "gate": None}], True, "no regime gate"),
    # one gate per backbone: one passed, the other not
    ([{"verdict": "reproduced", "gate": "A: precision >= 0.5"},
      {"verdict": "not judged: precision 0.1 below 0.5 (B, mean of 3 seeds)", "gate": "B: precision >= 0.5"}],
     True, "partly passed (A: precision >= 0.5); not passed: precision 0.1 below 0.5 (B, mean of 3 seeds)"),
    ([], True, "not recorded (re-execute the page)"),
    ([], False, "no claims on this page"),
])
def test_gate_status_from_the_judged_claims(claims, judges, expected):
    assert gate_status(claims, judges) == expected


def test_status_rows_come_from_the_notebooks_metadata(tmp_path):
    claims = [{"id": "C1", "verdict": "not judged: recall 0.1 below 0.3 (2C, mean of 3 seeds)", "gate": "2C: r"}]
    full = _notebook(tmp_path / "full.ipynb", _output(COMPUTE_KEY, compute_record(RECORDS), "no: scraped"),
                     _output(CLAIMS_KEY, claims), _output(ENVIRONMENT_KEY, ENVIRONMENT))
    bare = _notebook(tmp_path / "bare.ipynb", nbformat.v4.new_output("stream", text="Compute: 9 runs on cpu"))
    rows = [page_status("contragan/ablation", full), page_status("contragan/stability", bare),
            page_status("fakeclr/ppl", tmp_path / "missing.ipynb")]
    assert rows[0]["compute"]["runs"] == 3 and rows[0]["environment"] == ENVIRONMENT
    assert rows[1]["compute"] is None and rows[1]["environment"] is None  # printed text is not read
    page = status_markdown(rows, "small")
    lines = {line.split(" | ")[0].lstrip("| "): line for line in page.splitlines() if line.startswith("| ")}
    ablation = lines["{doc}`contragan/ablation <contragan/ablation>`"]
    assert "| small | 2026-11-22 02:46 | 43.3 min | 3 runs (1 reused from the run cache) on cpu" in ablation
    assert "| not passed: recall 0.1 below 0.3 (2C, mean of 3 seeds) |" in ablation
    stability = lines["{doc}`contragan/stability <contragan/stability>`"]
    assert "| not recorded (re-execute the page) | not recorded (re-execute the page) |" in stability
    assert "| fakeclr/ppl | small | not executed |" in page
    assert "- Python 3.11.7, torch 2.14.1, gancl 0.1.0 (commit abc), cpu: X (2 cores); Linux x86_64. " \
           "({doc}`contragan/ablation <contragan/ablation>`)" in page


def test_an_executed_page_stores_its_compute_and_environment(executed_fixture):
    """show_compute and show_environment (the fixture's last cells) print their line and store it."""
    row = page_status("fixture/page", executed_fixture)
    assert row["scale"] == "smoke" and row["duration"] > 0 and row["executed_at"]
    assert row["compute"]["runs"] == 2 and row["compute"]["text"].startswith("Compute: 2 runs on cpu")
    assert row["environment"].startswith("Environment: Python ") and row["gate"] == "no regime gate"
    nb = nbformat.read(str(executed_fixture), as_version=4)
    shown = [o["data"]["text/plain"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if ENVIRONMENT_KEY in o.get("metadata", {})]
    assert shown == [row["environment"]]
