"""The Results page: judged claims stored by pages, collected into one table of every registered claim."""

import nbformat
import pandas as pd

from gancl import experiments
from gancl.book.results import CLAIMS_KEY, claim_records, collect_claims, results_markdown


def _judged_notebook(path, records):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show_claims(spec, judged)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "table"},
                                           metadata={CLAIMS_KEY: records})]
    nb.cells.append(cell)
    nbformat.write(nb, str(path))


def test_results_page_lists_every_claim_with_what_its_page_found(tmp_path, monkeypatch):
    from gancl.experiments.claims import RegisteredClaim

    planned = RegisteredClaim("Z9", "ContraGAN", "Table 9", "a claim no page judges yet", None)
    monkeypatch.setitem(experiments.CLAIMS, "Z9", planned)
    spec = experiments.page_spec("contragan/conditioning_losses", "smoke", seeds=3)
    rows = [{"config": label, "seed": s, "fd": 10.0 + i + 0.1 * s, "precision": 0.6, "recall": 0.4}
            for i, label in enumerate(spec.configs) for s in range(3)]
    judged = {c.id: spec.judge(pd.DataFrame(rows), c.id) for c in spec.claims}
    records = claim_records(spec, judged)
    assert [r["id"] for r in records] == ["C1", "C2"] and records[0]["pairs"][0]["n"] == 3
    assert records[0]["gate"] == "2C (ContraGAN): precision >= 0.5, recall >= 0.3"  # for the Status page
    _judged_notebook(tmp_path / "page.ipynb", records)
    found = collect_claims([tmp_path / "page.ipynb", tmp_path / "missing.ipynb"])
    assert set(found) == {"C1", "C2"}
    page = results_markdown(found, "smoke")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in page.splitlines() if line.startswith("| ")}
    assert set(experiments.CLAIMS) <= set(rows)
    assert f"| {judged['C1'].verdict} |" in rows["C1"] and "3 seeds" in rows["C1"]
    assert "no page yet" in rows["Z9"] and "not yet judged with this rule" in rows["C5"]
    assert "{doc}`contragan/conditioning_losses <contragan/conditioning_losses>`" in rows["C1"]
    # a page written but not in the book yet: no link the site could not resolve
    unpublished = results_markdown(found, "smoke", published={"contragan/conditioning_losses"})
    row = next(line for line in unpublished.splitlines() if line.startswith("| D1a |"))
    assert "page written, not yet executed for the book" in row and "{doc}" not in row
    assert "{doc}`contragan/conditioning_losses" in unpublished


def test_a_page_says_whether_its_runs_passed_the_regime_gate_with_the_measured_means():
    from gancl.book.results import gate_sentence

    spec = experiments.page_spec("contragan/conditioning_losses", "smoke", seeds=2)
    rows = pd.DataFrame([{"config": label, "seed": s, "precision": 0.5 + 0.2 * s, "recall": 0.35}
                         for label in spec.configs for s in range(2)])
    assert gate_sentence(spec, rows) == ("Regime gate (2C (ContraGAN): precision >= 0.5, recall >= 0.3): passed; "
                                         "precision 0.6, recall 0.35, mean of 2 runs.")
    below = gate_sentence(spec, rows.assign(recall=0.2))
    assert below.startswith("Regime gate (2C (ContraGAN): precision >= 0.5, recall >= 0.3): not passed (recall 0.2 "
                            "below 0.3") and below.endswith("precision 0.6, recall 0.2, mean of 2 runs.")
    assert gate_sentence(experiments.page_spec("appendix/calibration", "smoke"), rows) is None
