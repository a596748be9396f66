"""The Status page: for every page of the book, when and how it was executed (QuantEcon's ``status.md`` is the model).

The facts come from the executed notebooks, never from their printed text:

- the runner's record (``metadata.gancl``: scale, when it finished) and papermill's (``metadata.papermill``:
  the execution's duration);
- the compute of the page's training runs, stored by :func:`show_compute` in the metadata of its output under
  :data:`COMPUTE_KEY`;
- the environment line, stored by :func:`show_environment` (the page's last cell) under :data:`ENVIRONMENT_KEY`;
- the regime gate, read from the judged claims that :func:`gancl.book.results.show_claims` stores: a verdict
  "not judged: <measure> <value> below <threshold>" means the page's runs did not pass it.

``gancl book`` writes the page (:func:`write_status_page`) beside the Results page, ``book/status.md`` for the
published scale.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

COMPUTE_KEY = "gancl_compute"
ENVIRONMENT_KEY = "gancl_environment"
STATUS_NAME = "status"
_NOT_JUDGED = "not judged"


def _show_text(text: str, key: str, value: Any) -> None:
    """Display ``text`` as plain text with ``value`` in the output's metadata under ``key`` (metadata, not a mime
    type of its own: the site build renders every mime type of an output)."""
    from IPython.display import display

    display({"text/plain": text}, raw=True, metadata={key: value})


def compute_record(records) -> dict:
    """What the Status page needs from a page's run records (``train_grid``'s table or its ``to_dict("records")``):
    the line :func:`gancl.tables.format_compute` prints, and the runs, devices, total wall time and reused runs."""
    from gancl import tables

    if hasattr(records, "to_dict"):
        records = records.to_dict("records")
    records = list(records)
    frame = tables.compute_summary(records)
    return {"text": tables.format_compute(records), "runs": len(frame),
            "devices": sorted({str(d) for d in frame["device"]}),
            "wall_time": float(frame["wall_time"].sum()),
            "reused": int(frame["cached"].eq(True).sum()) if "cached" in frame else 0}


def show_compute(records) -> None:
    """Print the compute behind a page (one line: runs, device, wall time, steps and images seen per run) and store
    it for the Status page (:func:`compute_record`). ``records``: the page's run records, as for
    :func:`gancl.tables.format_compute`, or the DataFrame ``train_grid`` returned."""
    record = compute_record(records)
    _show_text(record["text"], COMPUTE_KEY, record)


def show_environment(device: str = "auto") -> None:
    """Print :func:`gancl.book.environment_line` (Python, torch, gancl commit, device) and store it for the Status
    page; the last cell of every page calls it."""
    from gancl.book.environment import environment_line

    line = environment_line(device)
    _show_text(line, ENVIRONMENT_KEY, line)


def _outputs_metadata(nb, key: str) -> list:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            value = output.get("metadata", {}).get(key)
            if value is not None:
                found.append(json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value)
    return found


def gate_status(claims: list[dict], judges: bool = True) -> str:
    """Whether the page's runs passed its regime gate, from its judged claims (:func:`gancl.book.results.
    claim_records`): "not passed: <why>" when a claim's verdict is "not judged: <why>", "partly passed: ..." when
    claims with their own gates (one per backbone) passed some and not others, "passed (<the gate>)", "no regime
    gate" when the page declares none; or why there is nothing to say: the page judges no claim (``judges``
    False), or its notebook holds no judged claims (executed before they were stored)."""
    if not claims:
        return "not recorded (re-execute the page)" if judges else "no claims on this page"
    failed = sorted({c["verdict"] for c in claims if str(c.get("verdict", "")).startswith(_NOT_JUDGED)})
    if failed:
        why = "; ".join(v.removeprefix(_NOT_JUDGED).lstrip(": ") for v in failed)
        passed = sorted({c.get("gate") for c in claims
                         if not str(c.get("verdict", "")).startswith(_NOT_JUDGED) and c.get("gate")})
        return f"partly passed ({'; '.join(passed)}); not passed: {why}" if passed else f"not passed: {why}"
    gates = {c.get("gate") for c in claims if "gate" in c}
    if gates == {None}:
        return "no regime gate"
    gates.discard(None)
    return "passed" + (f" ({'; '.join(sorted(gates))})" if gates else "")


def page_status(page: str, notebook: str | Path, source: str | Path | None = None) -> dict:
    """One row of the Status page: ``page`` (``<paper>/<page>``) executed as ``notebook`` (None values for what
    the notebook does not record; ``executed`` False when it does not exist). Whether the page trains and judges
    claims is read from its ``source`` when given (a notebook executed before the page did may lack them), else
    from the notebook's cells."""
    import nbformat

    notebook = Path(notebook)
    row: dict[str, Any] = {"page": page, "executed": notebook.is_file()}
    if not row["executed"]:
        return row
    nb = nbformat.read(str(notebook), as_version=4)
    record, papermill = nb.metadata.get("gancl", {}), nb.metadata.get("papermill", {})
    claims = [c for records in _outputs_metadata(nb, "gancl_claims") for c in records]
    compute = _outputs_metadata(nb, COMPUTE_KEY)
    environment = _outputs_metadata(nb, ENVIRONMENT_KEY)
    text = (Path(source).read_text() if source is not None else
            "\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    trains, judges = "train_grid(" in text, "show_claims(" in text
    row.update(
        scale=record.get("scale"), executed_at=record.get("executed_at") or papermill.get("end_time"),
        duration=papermill.get("duration"), compute=compute[-1] if compute else None, trains=trains,
        gate=gate_status(claims, judges), environment=environment[-1] if environment else None,
    )
    return row


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not recorded"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _when(stamp: str | None) -> str:
    if not stamp:
        return "not recorded"
    try:
        moment = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


def _compute_text(row: dict) -> str:
    if row["compute"]:
        return row["compute"]["text"].removeprefix("Compute: ")
    return "not recorded (re-execute the page)" if row["trains"] else "no training"


def status_markdown(rows: list[dict], scale: str) -> str:
    """The Status page for ``rows`` (:func:`page_status`, in the book's order) at ``scale``."""
    lines = [
        "# Status: how each page was executed", "",
        "% Written by gancl book (gancl.book.status) from the executed notebooks; do not edit.", "",
        f"Every page of the book at scale `{scale}`: when its notebook was executed (UTC), how long the execution "
        "took (training, evaluation, or reading finished runs from the run cache), the compute of its training "
        "runs as each run recorded it, and whether the runs passed the page's regime gate (its claims are judged "
        "only then; the {doc}`Results page <results>` lists the verdicts).", "",
        "| page | scale | executed | execution time | compute of its runs | regime gate |",
        "|---|---|---|---|---|---|",
    ]
    environments: dict[str, list[str]] = {}
    for row in rows:
        link = f"{{doc}}`{row['page']} <{row['page']}>`"
        if not row["executed"]:
            lines.append(f"| {row['page']} | {scale} | not executed | | | |")
            continue
        lines.append(f"| {link} | {row['scale']} | {_when(row['executed_at'])} | {_duration(row['duration'])} | "
                     f"{_compute_text(row)} | {row['gate']} |")
        environments.setdefault(row["environment"] or "not recorded (re-execute the page)", []).append(link)
    lines += ["", "## Environments", "", "What each page ran on (the line its last cell prints):", ""]
    for line, pages in environments.items():
        lines.append(f"- {line.removeprefix('Environment: ')} ({', '.join(pages)})")
    return "\n".join(lines) + "\n"


def write_status_page(root, scale: str) -> Path:
    """Write the Status page of ``scale`` (``book/status.md`` under the scale's book root) from the executed
    notebooks of ``_toc.yml``'s pages."""
    from gancl.book.runner import executed_path, scale_root
    from gancl.book.site import toc_pages

    root = Path(root)
    book = root / "book"
    rows = [page_status(page.relative_to(book).with_suffix("").as_posix(), executed_path(page, scale), page)
            for page in toc_pages(root)]
    target = scale_root(root, scale) / "book" / f"{STATUS_NAME}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(status_markdown(rows, scale))
    return target
