"""The Results page: every claim of the book, with the verdict its page reached.

A page shows its judged claims with :func:`show_claims`, which also stores them in the executed notebook, in the
metadata of that output under ``gancl_claims`` (metadata, not a mime type of its own: the site build renders every
mime type of an output and would warn about an unknown one). ``gancl book`` collects those from the executed pages
(:func:`collect_claims`) and writes ``book/results.md`` under the scale's book root (:func:`write_results_page`): one row per
claim of the registry (:data:`gancl.experiments.CLAIMS`), with its verdict, effect and interval, seeds and gate,
and a link to its page; a claim whose page does not exist yet says so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

CLAIMS_KEY = "gancl_claims"
RESULTS_NAME = "results"


def gate_description(spec, claim_id: str | None = None) -> str | None:
    """The regime gate of the page (``claim_id``: of that claim, its own or the page's) in words ("2C (ContraGAN):
    precision >= 0.5, recall >= 0.3"), None without one."""
    gate = spec.gate_of(claim_id)
    return None if gate is None else _described(gate)


def _described(gate) -> str:
    return f"{gate.baseline}: {gate.condition()}"


def gate_sentence(spec, results) -> str | None:
    """Whether the page's runs passed its regime gate, in one sentence with the measured means ("Regime gate (2C
    (ContraGAN): precision >= 0.5, recall >= 0.3): passed; precision 0.61, recall 0.42, mean of 3 seeds."), one
    line per gate when claims have their own; None for a page without any."""
    gates = spec.gates()
    if not gates:
        return None
    lines = []
    for gate in gates:
        means = gate.means(results)
        failure = gate.failure(results)
        measured = ", ".join(f"{measure} {means[measure]:.3g}" for measure, _ in gate.minimum)
        outcome = "passed" if failure is None else f"not passed ({failure})"
        lines.append(f"Regime gate ({_described(gate)}): {outcome}; {measured}, mean of {means['runs']} runs.")
    return "\n".join(lines)


def claim_records(spec, judgements: dict) -> list:
    """JSON-able records of a page's judged claims: id, statement, verdict, confidence, delta, the pairs and the
    page's regime gate (:func:`gate_description`; the verdict "not judged: ..." says it was not passed)."""
    records = []
    for claim_id, judgement in judgements.items():
        pairs = judgement.pairs.replace({math.nan: None}).to_dict("records")
        records.append({"id": claim_id, "statement": spec.claim(claim_id).statement, "page": spec.page,
                        "scale": spec.scale, "verdict": judgement.verdict, "confidence": judgement.confidence,
                        "delta": judgement.delta, "pairs": pairs, "gate": gate_description(spec, claim_id)})
    return records


def show_claims(spec, results) -> dict:
    """Judge every claim of ``spec`` on ``results`` (train_grid's table, or any frame with config, seed and the
    claims' value columns) with :meth:`PageSpec.judge`, say whether the runs passed the page's regime gate
    (:func:`gate_sentence`), show the claims as one table (verdict, weakest pair, the measure's
    evaluation noise beside its seed-to-seed std), print each judged pair's effect and interval, and store the
    records in the notebook for the Results page. Returns claim id -> :class:`gancl.tables.Judgement`."""
    import pandas as pd
    from IPython.display import display

    judgements = {claim.id: spec.judge(results, claim.id) for claim in spec.claims}
    records = claim_records(spec, judgements)
    gate = gate_sentence(spec, results)
    if gate is not None:
        print(gate)
    values = [spec.claim(r["id"]).value for r in records]
    noises = [spec.evaluation_noise(results, r["id"]) for r in records]
    table = pd.DataFrame({
        "claim": [r["id"] for r in records], "statement": [r["statement"] for r in records],
        "verdict": [r["verdict"] for r in records], "weakest pair": [_weakest(r) for r in records],
        "measure": values, "evaluation noise": [round(n[v], 4) if v in n else None for n, v in zip(noises, values)],
        "seed-to-seed std": [round(float(results.groupby("config")[v].std().mean()), 4) if v in results else None
                             for v in values]})
    display({"text/html": table.to_html(index=False), "text/plain": table.to_string()}, raw=True,
            metadata={CLAIMS_KEY: records})
    for claim_id, judgement in judgements.items():
        print(f"{claim_id}: {judgement.verdict}", *judgement.sentences(), sep="\n  ")
    return judgements


def _weakest(record: dict) -> str:
    """The judged pair with the smallest effect, as 'a vs b: effect [low, high]', or '' when none was judged."""
    judged = [p for p in record["pairs"] if p.get("effect") is not None and p.get("ci_low") is not None]
    if not judged:
        return ""
    p = min(judged, key=lambda p: p["effect"])
    return (f"{p['better_in_paper']} vs {p['worse_in_paper']}: {p['effect']:.3g} "
            f"[{p['ci_low']:.3g}, {p['ci_high']:.3g}], {p['n']} seeds")


def collect_claims(notebooks) -> dict:
    """Claim id -> record from the claims stored by :func:`show_claims` in executed notebooks (a later notebook
    wins a repeated id)."""
    import nbformat

    found = {}
    for path in notebooks:
        path = Path(path)
        if not path.is_file():
            continue
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                records = output.get("metadata", {}).get(CLAIMS_KEY)
                if records:
                    records = json.loads(records) if isinstance(records, str) else records
                    found.update({r["id"]: r for r in records})
    return found


def results_markdown(found: dict, scale: str, published=None) -> str:
    """The Results page: every registered claim, its paper and source, the statement, the verdict at ``scale``.

    ``published``: the names of the pages in the book (``<paper>/<page>``, as :func:`published_pages` reads them
    from ``_toc.yml``); a claim whose page is written but not yet in the book says so, without a link the site
    could not resolve. None: every registered page is in the book."""
    from gancl.experiments import CLAIMS

    lines = ["# Results: every claim of the book", "",
             f"Each row is one claim of the four papers, judged on its page at scale `{scale}` with the rule of the "
             "introduction (paired seeds, 90% intervals of the per-seed differences, a regime gate). "
             "*Weakest pair* is the claimed ordering with the smallest effect in the paper's direction, with its "
             "interval and seeds.", "",
             "| claim | paper | source | statement | verdict | weakest pair | page |",
             "|---|---|---|---|---|---|---|"]
    for claim in CLAIMS.values():
        record = found.get(claim.id)
        if claim.page is None:
            verdict, weakest, page = "no page yet", "", ""
        elif published is not None and claim.page not in published:
            verdict, weakest, page = "page written, not yet executed for the book", "", f"`{claim.page}`"
        else:
            page = f"{{doc}}`{claim.page} <{claim.page}>`"  # relative to book/
            verdict = record["verdict"] if record else "not yet judged with this rule"
            weakest = _weakest(record) if record else ""
        lines.append(f"| {claim.id} | {claim.paper} | {claim.source} | {claim.statement} | {verdict} | "
                     f"{weakest} | {page} |")
    return "\n".join(lines) + "\n"


def write_results_page(root, scale: str) -> Path:
    """Write ``book/results.md`` under the book root of ``scale`` (the repository at the published scale, see
    :func:`gancl.book.runner.scale_root`) from the executed notebooks of ``_toc.yml``'s pages at ``scale``."""
    from gancl.book.runner import executed_path, scale_root
    from gancl.book.site import toc_pages

    root = Path(root)
    found = collect_claims(executed_path(page, scale) for page in toc_pages(root))
    target = scale_root(root, scale) / "book" / f"{RESULTS_NAME}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(results_markdown(found, scale, published_pages(root)))
    return target


def published_pages(root) -> set:
    """Names (``<paper>/<page>``) of the pages ``_toc.yml`` lists under ``root``."""
    from gancl.book.site import toc_pages

    book = Path(root) / "book"
    return {page.relative_to(book).with_suffix("").as_posix() for page in toc_pages(root)}
