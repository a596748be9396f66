"""paper_tables/ (index consistency, transcription against the papers' text) and gancl.tables."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gancl import tables

PAPERS = Path(__file__).resolve().parents[2] / "shared" / "papers"
needs_papers = pytest.mark.skipif(not PAPERS.is_dir(), reason=f"paper texts not found at {PAPERS} "
                                  "(CI checks out shared/ beside the repository)")
PAPER_FILES = {"contragan": "contragan.md", "dual": "dual-contrastive-attention-supplement.md",
               "msconD": "msconD-supplement.md", "fakeclr": "fakeclr.md"}

# Where each transcribed table sits in its paper's text: from the first marker up to the second.
BLOCKS = {
    "contragan_t1": ("Table 1: Experiments on the effectiveness", "Table 2:"),
    "contragan_t2": ("Table 2: Experiments using CIFAR10", "Table 3:"),
    "contragan_t3": ("Table 3: Comparison with state-of-the-art", "Our 2C loss can take"),
    "contragan_t4": ("Table 4: Ablation study", "## 5 Conclusion"),
    "contragan_fig4": ("Figure 4: Examples of generated images", "**Comparison with APS.**"),
    "dual_t1": ("SNGAN\t11.28", "Table 1. Comparisons"),
    "dual_t2": ("Resolution\tFFHQ", "Table 2. FID"),
    "dual_t3": ("Configuration\tCelebA", "Table 3. FID"),
    "dual_t4": ("Data size\tCelebA", "Table 4. Comparisons"),
    "dual_t5": ("Method\tLoss\tFFHQ", "Table 5. Comparisons"),
    "dual_t6": ("Resolution\tCelebA", "Table 6. FID"),
    "dual_t7": ("Method\tLoss\tCelebA", "Table 7. Comparisons"),
    "dual_fig4_5": ("Figure 3. Uncurated", "Figure 5. Uncurated"),
    "msconD_t1": ("-\tImage", "Table 1. Discriminator Architecture"),
    "msconD_fig4_6": ("StyleGAN2 (FID 8.04)", "Figure 6. Uncurated"),
    "fakeclr_t1": ("Table 1: The whole ablation", "Table 1, regardless"),
    "fakeclr_t2": ("Table 2: Perceptual path length", "Instance-perturbation owns"),
    "fakeclr_t3": ("Table 3: Comparison with the state of the arts", "data. Additionally"),
    "fakeclr_t4": ("Table 4: Comparison with previous works", "Table 5: Ablation"),
    "fakeclr_t5": ("Table 5: Ablation", "5.4 Ablation Study"),
    "fakeclr_t6": ("Table 6: The cost of time", "Fig. 9:"),
    "fakeclr_t7": ("Table 7: Comparison with previous methods", "A.9 Generated"),
    "fakeclr_t8": ("Table 8: FID and PPL", "A.11 Experiments"),
    "fakeclr_t9": ("Table 9: Comparisons of different", "Table 10:"),
    "fakeclr_t10": ("Table 10: FID on adding", "A.12 What"),
}

# Cell-by-cell checks: (table, row filter, metric, line of the paper table that starts with the prefix, cell index
# of that tab-separated line holding the value).
CELLS = [
    ("contragan_t1", {"dataset": "Tiny ImageNet", "method": "NT-Xent"}, "FID", "Tiny ImageNet [25]\t56.297", 3),
    ("contragan_t1", {"dataset": "CIFAR10", "method": "2C (ContraGAN)"}, "FID", "CIFAR10 [24]\t15.550", 5),
    ("contragan_t2", {"dataset": "CIFAR10", "backbone": "ResGAN", "method": "ProjGAN"}, "FID", "\tResGAN", 3),
    ("contragan_t2", {"dataset": "Tiny ImageNet", "method": "ACGAN"}, "FID", "Tiny ImageNet [25]\tBigGAN", 2),
    ("contragan_t3", {"dataset": "Tiny ImageNet", "method": "SAGAN"}, "FID", "Tiny ImageNet [25]\t47.055", 2),
    ("contragan_t4", {"id": "H"}, "FID", "FID\t40.981", 8),
    ("contragan_t4", {"id": "D"}, "time per iteration", "Time\t0.901", 4),
    ("dual_t1", {"backbone": "StyleGAN", "loss": "Contr", "dataset": "Horse"}, "FID", "+ Contr\t<b>6.42", 4),
    ("dual_t2", {"resolution": 64, "dataset": "FFHQ"}, "FID", "$64^2$", 1),
    ("dual_t4", {"data_size": 50000, "dataset": "Animal Face", "method": "StyleGAN2 + ref attn"}, "FID", "50K", 4),
    ("dual_t5", {"method": "StyleGAN2 w/ attn", "loss": "Contr", "dataset": "CLEVR"}, "R", "StyleGAN2 w/ attn\tContr", 22),
    ("dual_t5", {"method": "U-Net GAN", "dataset": "FFHQ"}, "Sep", "U-Net GAN [12]\tAdv", 6),
    ("dual_t7", {"method": "StyleGAN2 w/ self-attn-G ref-attn-D", "loss": "Contr", "dataset": "Bedroom"}, "FID",
     "StyleGAN2 w/ self-attn-G ref-attn-D\tContr", 4),
    ("fakeclr_t1", {"method": "Instance-real", "dataset": "FFHQ-100"}, "FID", "Instance-real\t", 1),
    ("fakeclr_t2", {"method": "FakeCLR", "space": "w"}, "PPL std", "FakeCLR\t1411", 4),
    ("fakeclr_t3", {"method": "FakeCLR", "dataset": "FFHQ-2K"}, "FID", "FakeCLR (ours)\tYes", 4),
    ("fakeclr_t4", {"method": "GenCo", "dataset": "Grumpy Cat"}, "FID", "GenCo [46]\tYes", 4),
    ("fakeclr_t5", {"forgetting_factor": "yes", "diversity_aware_queue": "no", "dataset": "FFHQ-5K"}, "FID",
     "✓\t✓\t✓\t\t", 7),
    ("fakeclr_t7", {"method": "InsGen*", "dataset": "FFHQ-2K"}, "KID", "InsGen* [8]\t", 2),
    ("fakeclr_t8", {"method": "FakeCLR†", "pl_weight": 10}, "PPL (w)", "FakeCLR [†]\t", 6),
    ("fakeclr_t9", {"method": "StyleGAN-InsGen", "setting": "unconditional", "training_data": "full"}, "FID",
     "StyleGAN-InsGen [8]\t", 4),
]

# Values printed in figure captions or panel labels rather than in tab-separated tables.
LABELS = [
    ("msconD_fig4_6", {"dataset": "Cityscapes", "method": "MsConD"}, "MsConD (Ours) (FID {})"),
    ("msconD_fig4_6", {"dataset": "Kitchen", "method": "InsGen"}, "InsGen (FID {})"),
    ("msconD_fig4_6", {"dataset": "Livingroom", "method": "ProjectedGAN"}, "ProjectedGAN (FID {})"),
    ("contragan_fig4", {"dataset": "CIFAR10"}, "CIFAR10 [24], FID: {}"),
    ("dual_fig4_5", {"dataset": "CLEVR", "method": "U-Net GAN"}, "**FID = {}**"),
]


def paper_text(paper: str) -> str:
    return (PAPERS / PAPER_FILES[paper]).read_text()


def block(table_id: str) -> str:
    text = paper_text(tables.info(table_id).paper)
    start, end = BLOCKS[table_id]
    begin = text.index(start)
    return text[begin:text.index(end, begin)]


def numbers(text: str) -> set[float]:
    return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}


def select(table_id: str, filters: dict, metric: str | None = None) -> pd.Series:
    frame = tables.load(table_id)
    if metric is not None:
        frame = frame[frame["metric"] == metric]
    for column, value in filters.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, (table_id, filters, metric, len(frame))
    return frame.iloc[0]


def test_index_describes_every_table_file():
    index = tables.index()
    assert index["id"].is_unique
    assert set(index["paper"]) == set(PAPER_FILES)
    listed = {f for f in index["file"] if f}
    on_disk = {p.name for p in tables.tables_dir().glob("*.csv")} - {"index.csv"}
    assert listed == on_disk
    for table_id in index["id"]:
        meta = tables.info(table_id)
        assert meta.caption and meta.source
        assert len(meta.metrics) == len(meta.better) == len(meta.units) or not meta.metrics
        assert set(meta.better) <= {"lower", "higher", ""}
        if not meta.file:
            assert "no numeric values" in meta.notes
            continue
        frame = tables.load(table_id)
        if meta.better == ("",):  # not a results table (an architecture listing)
            continue
        assert set(frame["metric"]) == set(meta.metrics), table_id
        assert pd.api.types.is_float_dtype(frame["value"]) or pd.api.types.is_integer_dtype(frame["value"])


def test_a_plotted_figure_has_no_values_and_says_why():
    with pytest.raises(ValueError, match="msconD_fig1 .* no transcribed values: The values are only plotted"):
        tables.load("msconD_fig1")


def test_unreadable_values_are_left_empty_and_noted():
    row = select("msconD_fig4_6", {"dataset": "Livingroom", "method": "MsConD"})
    assert math.isnan(row["value"])
    assert "missing from the text" in tables.info("msconD_fig4_6").notes


@needs_papers
@pytest.mark.parametrize("table_id", sorted(BLOCKS))
def test_every_transcribed_number_is_printed_in_its_table(table_id):
    frame = tables.load(table_id)
    printed = numbers(block(table_id))
    columns = [c for c in ("value", "std", "height", "width", "channels") if c in frame.columns]
    values = [v for c in columns for v in frame[c].dropna()]
    assert values
    assert not [v for v in values if float(v) not in printed]


@needs_papers
def test_every_table_with_values_is_checked_against_the_text():
    assert set(BLOCKS) == {t for t in tables.index()["id"] if tables.info(t).file}


@needs_papers
@pytest.mark.parametrize("table_id, filters, metric, prefix, cell", CELLS)
def test_values_sit_in_their_row_and_column(table_id, filters, metric, prefix, cell):
    lines = [line for line in block(table_id).splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (prefix, lines)
    printed = re.sub(r"</?[bu]>|\*", "", lines[0].split("\t")[cell]).replace(" ", "")
    expected = select(table_id, filters, metric)
    value = printed.split("±")[0].split("/")[-1]
    assert float(value) == expected["value"]
    if "±" in printed:
        assert float(printed.split("±")[1]) == expected["std"]


@needs_papers
@pytest.mark.parametrize("table_id, filters, label", LABELS)
def test_figure_labels_match(table_id, filters, label):
    row = select(table_id, filters)
    text = paper_text(tables.info(table_id).paper)
    assert label.format(f"{row['value']:.2f}") in text or label.format(f"{row['value']:.3f}") in text


def test_paper_values_slices_one_configuration_column():
    values = tables.paper_values("contragan_t1", dataset="CIFAR10")
    assert list(values.index) == ["Uncond. GAN", "P-NCA", "NT-Xent", "Eq. 7", "2C (ContraGAN)"]
    assert values["Eq. 7"] == 10.886 and values.name == "FID" and values.attrs["better"] == "lower"
    assert tables.paper_values("dual_t5", metric="P", method="StyleGAN2", loss="Contr").attrs["better"] == "higher"
    fid = tables.paper_values("contragan_t4", metric="FID", key="id")
    assert fid["I"] == 27.018
    with pytest.raises(ValueError, match="several metrics"):
        tables.paper_values("contragan_t4", key="id")
    with pytest.raises(ValueError, match="pick the configuration column with key="):
        tables.paper_values("contragan_t2", dataset="CIFAR10")
    with pytest.raises(ValueError, match="no paper table 'nope'"):
        tables.load("nope")


def test_tables_dir_says_where_tables_are_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCL_PAPER_TABLES", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="set GANCL_PAPER_TABLES"):
        tables.index()


PAPER = pd.Series({"a": 10.0, "b": 20.0, "c": 30.0}, name="FID")


def runs(means: dict[str, float], spread: float = 0.5, seeds: int = 3, seed: int = 0) -> pd.DataFrame:
    """Per-seed values around the given means: a seed effect shared by every configuration (common random numbers)
    plus independent noise of std ``spread``."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0.0, 1.0, seeds)
    return pd.DataFrame([{"config": c, "seed": s, "value": m + shared[s] + spread * rng.normal()}
                         for c, m in means.items() for s in range(seeds)])


def test_judge_paired_interval_and_smallest_detectable_effect_match_scipy():
    from scipy import stats

    results = runs({"a": 1.0, "b": 1.3}, spread=0.4, seeds=6, seed=3)
    j = tables.judge(results, [("a", "b")], "lower")
    row = j.pairs.iloc[0]
    a, b = (results[results["config"] == c].set_index("seed")["value"] for c in ("a", "b"))
    ref = stats.ttest_rel(b, a).confidence_interval(0.90)
    assert row["paired"] and row["n"] == 6
    assert row["effect"] == pytest.approx((b - a).mean()) and (row["ci_low"], row["ci_high"]) == pytest.approx(ref)
    se = (b - a).std(ddof=1) / np.sqrt(6)
    assert row["mde"] == pytest.approx((stats.t.ppf(0.95, 5) + stats.t.ppf(0.80, 5)) * se)
    higher = tables.judge(results, [("b", "a")], "higher").pairs.iloc[0]
    assert higher["effect"] == pytest.approx(row["effect"]) and higher["ci_low"] == pytest.approx(row["ci_low"])


def test_judge_uses_welch_when_the_seeds_are_not_shared():
    from scipy import stats

    a = pd.DataFrame({"config": "a", "seed": [0, 1, 2], "value": [1.0, 1.4, 0.7]})
    b = pd.DataFrame({"config": "b", "seed": [3, 4, 5, 6], "value": [2.0, 2.9, 2.2, 3.1]})
    row = tables.judge(pd.concat([a, b]), [("a", "b")], "lower", confidence=0.95).pairs.iloc[0]
    ref = stats.ttest_ind(b["value"], a["value"], equal_var=False).confidence_interval(0.95)
    assert not row["paired"] and (row["ci_low"], row["ci_high"]) == pytest.approx(ref)
    assert row["outcome"] == "agrees"


def test_judge_outcomes_on_known_effects():
    clear = tables.judge(runs({"a": 1.0, "b": 3.0}, spread=0.1, seeds=5), [("a", "b")], "lower")
    assert clear.verdict == "reproduced" and clear.pairs["outcome"].tolist() == ["agrees"]
    backwards = tables.judge(runs({"a": 3.0, "b": 1.0}, spread=0.1, seeds=5), [("a", "b")], "lower")
    assert backwards.verdict == "reversed"
    null = runs({"a": 1.0, "b": 1.0}, spread=0.01, seeds=5)
    assert tables.judge(null, [("a", "b")], "lower", delta=0.1).verdict == "no effect at this scale"
    assert tables.judge(null, [("a", "b")], "lower").verdict == "inconclusive"  # no delta: no claim of no effect
    noisy = tables.judge(runs({"a": 1.0, "b": 1.2}, spread=1.0, seeds=2, seed=1), [("a", "b")], "lower")
    row = noisy.pairs.iloc[0]
    assert noisy.verdict == "inconclusive" and row["n"] == 2 and row["mde"] > abs(row["effect"])
    assert "could not be detected with 2 seeds" in noisy.sentences()[0]
    single = tables.judge(runs({"a": 1.0, "b": 3.0}, seeds=1), [("a", "b")], "lower")
    one = single.pairs.iloc[0]
    assert one["outcome"] == "inconclusive" and np.isnan(one["ci_low"])
    assert single.sentences() == [f"a vs b: effect {one['effect']:.3g} in the paper's direction (inconclusive: "
                                  "1 seed gives no interval)"]
    with pytest.raises(ValueError, match="delta=-1"):
        tables.judge(null, [("a", "b")], "lower", delta=-1)


def test_compare_reproduces_an_ordering_the_seeds_show():
    result = tables.compare(PAPER, runs({"a": 1.0, "b": 3.0, "c": 5.0}, spread=0.1), better="lower")
    assert result.verdict == "reproduced"
    assert result.kendall_tau == pytest.approx(1.0)
    assert list(result.table.index) == ["a", "b", "c"]
    assert list(result.table["paper_rank"]) == [1, 2, 3] and list(result.table["reproduced_rank"]) == [1, 2, 3]
    assert list(result.pairs["outcome"]) == ["agrees"] * 3
    assert {"effect", "ci_low", "ci_high", "mde", "n"} <= set(result.pairs.columns)
    assert result.summary.startswith("reproduced: of 3 orderings in the paper, 3 agree")


def test_compare_reports_a_reversed_pair():
    result = tables.compare(PAPER, runs({"a": 1.0, "b": 5.0, "c": 3.0}, spread=0.1), better="lower")
    assert result.verdict == "reversed"
    assert result.kendall_tau == pytest.approx(1 / 3)
    reversed_pairs = result.pairs[result.pairs["outcome"] == "reversed"]
    assert list(zip(reversed_pairs["better_in_paper"], reversed_pairs["worse_in_paper"])) == [("b", "c")]


def test_compare_calls_an_unresolved_pair_inconclusive():
    result = tables.compare(PAPER, runs({"a": 1.0, "b": 1.05, "c": 5.0}, spread=0.5), better="lower")
    assert result.verdict == "inconclusive"
    outcomes = dict(zip(zip(result.pairs["better_in_paper"], result.pairs["worse_in_paper"]), result.pairs["outcome"]))
    assert outcomes == {("a", "b"): "inconclusive", ("a", "c"): "agrees", ("b", "c"): "agrees"}


def test_check_orderings_judges_claims_without_paper_values():
    results = runs({"a": 1.0, "b": 3.0, "c": 1.05}, spread=0.2)
    checked = tables.check_orderings(results, [("a", "b"), ("b", "c"), ("a", "c")])
    assert list(checked["outcome"]) == ["agrees", "reversed", "inconclusive"]
    means = results.groupby("config")["value"].mean()
    assert checked.loc[0, "mean_better_claimed"] == pytest.approx(means["a"])
    assert checked.loc[1, "mean_worse_claimed"] == pytest.approx(means["c"])
    assert tables.verdict_of(checked["outcome"]) == tables.VERDICT_REVERSED
    higher = tables.check_orderings(results, [("b", "a")], better="higher")
    assert list(higher["outcome"]) == ["agrees"] and tables.verdict_of(higher["outcome"]) == tables.VERDICT_REPRODUCED
    assert tables.verdict_of(["agrees", "inconclusive"]) == tables.VERDICT_INCONCLUSIVE
    assert tables.verdict_of(["equivalent", "equivalent"]) == tables.VERDICT_NO_EFFECT
    with pytest.raises(ValueError, match="'z' is not among"):
        tables.check_orderings(results, [("a", "z")])
    with pytest.raises(ValueError, match="no orderings"):
        tables.verdict_of([])
    with pytest.raises(ValueError, match="unknown outcomes \\['overlapping'\\]"):
        tables.verdict_of(["overlapping"])


def test_compare_with_one_seed_is_inconclusive():
    result = tables.compare(PAPER, runs({"a": 1.0, "b": 3.0, "c": 5.0}, seeds=1), better="lower")
    assert result.verdict == "inconclusive"
    assert set(result.pairs["outcome"]) == {"inconclusive"}


def test_compare_follows_higher_is_better_and_checks_only_given_pairs():
    paper = pd.Series({"a": 0.7, "b": 0.5, "c": 0.6}, name="P")
    reproduced = runs({"a": 0.9, "b": 0.2, "c": 0.1}, spread=0.01)
    result = tables.compare(paper, reproduced, better="higher", pairs=[("a", "b")])
    assert result.verdict == "reproduced"
    assert tables.compare(paper, reproduced, better="higher").verdict == "reversed"
    with pytest.raises(ValueError, match="does not rank 'b'"):
        tables.compare(paper, reproduced, better="higher", pairs=[("b", "a")])


def test_compare_takes_direction_from_paper_values_and_skips_missing_configurations():
    paper = tables.paper_values("contragan_t1", dataset="CIFAR10")
    reproduced = runs({"Eq. 7": 4.0, "2C (ContraGAN)": 2.0, "not in the paper": 0.0})
    result = tables.compare(paper, reproduced)
    assert list(result.table.index) == ["2C (ContraGAN)", "Eq. 7"] and result.better == "lower"
    assert result.verdict == "reproduced"
    with pytest.raises(ValueError, match="at least two configurations"):
        tables.compare(paper, runs({"Eq. 7": 3.0}))
    with pytest.raises(ValueError, match="missing \\['seed'\\]"):
        tables.compare(paper, reproduced.drop(columns="seed"))
    with pytest.raises(ValueError, match="say whether lower or higher"):
        tables.compare(PAPER, reproduced)


def test_style_shows_mean_and_std_and_bolds_the_best():
    results = runs({"a": 1.0, "b": 3.0, "c": 5.0})
    html = tables.compare(PAPER, results, better="lower").style(caption="Table 1 (CIFAR10)").to_html()
    a = results[results["config"] == "a"]["value"]
    assert f"{a.mean():.3f} ± {a.std():.3f}" in html and "Table 1 (CIFAR10)" in html and "font-weight: bold" in html


def test_format_compute_summarises_run_records():
    records = [{"device": "cpu", "wall_time": 30.0, "steps": 200, "images_seen": 12800, "seed": s,
                "cached": s > 0} for s in range(3)]
    assert tables.format_compute(records) == (
        "Compute: 3 runs (2 reused from the run cache) on cpu; wall time 90 s in total (30 s per run); "
        "200 steps and 12,800 images seen per run.")
    assert list(tables.compute_summary(records).columns) == ["device", "wall_time", "steps", "images_seen",
                                                              "seed", "cached"]
    two_gpus = [{"device": "cuda", "processes": 2, "wall_time": 7200.0, "steps": s, "images_seen": 64 * s}
                for s in (100, 300)]
    assert tables.format_compute(two_gpus) == (
        "Compute: 2 runs on cuda x2; wall time 4.0 h in total (2.0 h per run); 100-300 steps and 6,400-19,200 "
        "images seen per run.")
    with pytest.raises(ValueError, match="run record 0 lacks images_seen"):
        tables.format_compute([{"device": "cpu", "wall_time": 1, "steps": 1}])
    arithmetic = [{**records[0], "mixed_precision": "bf16", "memory_format": "channels_last"},
                  {**records[1], "mixed_precision": "no", "memory_format": "contiguous"},
                  {**records[2], "mixed_precision": None, "memory_format": None}]  # a run from before the setting
    assert "on cpu in bf16 autocast + channels_last, float32; wall time" in tables.format_compute(arithmetic)
