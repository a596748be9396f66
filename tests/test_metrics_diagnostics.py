"""Training diagnostics from run histories (column names documented in gancl.metrics.diagnostics)."""

import math

import pandas as pd
import pytest

from gancl.metrics import (accuracy_gap, best_step, detect_collapse, logit_gap, logit_outputs, logit_statistics,
                           spectral_norms, summarize)


def _history():
    rows = []
    for step in range(0, 1000, 100):
        row = {"step": step, "images_seen": step * 64, "wall_time": step / 10.0, "loss/d_adv": 1.0,
               "logits/final/real/mean": 1.0 + step / 1000, "logits/final/real/std": 1.0,
               "logits/final/fake/mean": -1.0, "logits/final/fake/std": 1.0,
               "logits/16/real/mean": 0.5, "logits/16/real/std": 0.5, "logits/16/fake/mean": 0.0,
               "logits/16/fake/std": 0.5, "logits/8/real/mean": 0.2, "logits/8/fake/mean": 0.1,
               "acc/train_real": 0.6 + step / 2000, "acc/val_real": 0.6, "acc/fake": 0.7,
               "sn/conv1": 1.0 + step / 1000, "sn/linear": 0.9}
        if step % 200 == 0:  # evaluation every other row
            row["eval/fd"] = {0: 50.0, 200: 20.0, 400: 10.0, 600: 30.0, 800: 40.0}[step]
        rows.append(row)
    return rows


def test_logit_outputs_and_gaps_per_output():
    hist = _history()
    assert logit_outputs(hist) == ["final", "8", "16"]
    gaps = logit_gap(hist)
    assert list(gaps.columns) == ["step", "final", "8", "16"]
    assert gaps["final"].iloc[-1] == pytest.approx(2.9) and gaps["16"].iloc[0] == pytest.approx(0.5)
    normalised = logit_gap(pd.DataFrame(hist).drop(columns=["logits/8/real/mean", "logits/8/fake/mean"]),
                           normalise=True)
    assert normalised["16"].iloc[0] == pytest.approx(0.5 / 0.5)


def test_legacy_single_output_columns_read_as_final():
    hist = [{"step": 1, "logits/real/mean": 2.0, "logits/fake/mean": -1.0}]
    assert logit_outputs(hist) == ["final"]
    assert logit_gap(hist)["final"].tolist() == [3.0]
    assert logit_statistics(hist)["fake_mean"].tolist() == [-1.0]
    with pytest.raises(ValueError, match="no logit statistics"):
        logit_statistics(hist, "32")


def test_accuracy_gap_and_first_step_over_threshold():
    gap = accuracy_gap(_history(), threshold=0.22)
    assert gap.frame["gap"].iloc[-1] == pytest.approx(0.45)
    assert gap.first_step == 500  # gap = step / 2000 first exceeds 0.22 at 500
    assert accuracy_gap(_history(), threshold=0.9).first_step is None
    with pytest.raises(ValueError, match="acc/val_real"):
        accuracy_gap([{"step": 0, "acc/train_real": 1.0}])


def test_spectral_norm_curves():
    sn = spectral_norms(_history())
    assert list(sn.columns) == ["step", "conv1", "linear"] and sn["conv1"].iloc[-1] == pytest.approx(1.9)


def test_best_step_and_collapse():
    hist = _history()
    assert best_step(hist) == (400, 10.0)
    collapse = detect_collapse(hist, factor=2.0, patience=2)  # 30 and 40 both exceed 2 x 10
    assert collapse.collapsed and collapse.step == 600 and collapse.best_step == 400
    assert not detect_collapse(hist, factor=3.5, patience=2).collapsed  # 30 is not above 35
    assert not detect_collapse(hist, factor=2.0, patience=3).collapsed  # only two evaluations after the best


def test_summarize_and_dataframe_input():
    out = summarize(pd.DataFrame(_history()).sample(frac=1, random_state=0), acc_threshold=0.12)  # any row order
    assert out["steps"] == 900 and out["images_seen"] == 900 * 64
    assert out["final_logit_gap/final"] == pytest.approx(2.9)
    assert out["best_fd_step"] == 400 and out["collapsed"] and out["collapse_step"] == 600
    assert out["acc_gap_first_step"] == 300 and math.isclose(out["acc_gap_final"], 0.45)


def test_history_without_step_is_rejected():
    with pytest.raises(ValueError, match="'step'"):
        summarize([{"loss/d": 1.0}])


def test_logit_trends_measure_drift_separation_and_fake_spread():
    from gancl.metrics import logit_trends

    trends = logit_trends(_history()).set_index("output")
    assert list(trends.index) == ["final", "8", "16"]
    final = trends.loc["final"]
    # the final gap grows 0.1 per 100 steps = 6.4k images: slope 0.1 / 6.4 per 1000 images
    assert final["gap_slope"] == pytest.approx(0.1 / 6.4)
    assert final["gap_start"] == pytest.approx(2.2) and final["gap_end"] == pytest.approx(2.7)
    assert final["separation_end"] == pytest.approx(2.7) and final["fake_std_end"] == pytest.approx(1.0)
    assert final["separation_start"] == pytest.approx(2.2)
    flat = trends.loc["16"]
    assert flat["gap_slope"] == pytest.approx(0.0, abs=1e-12) and flat["separation_end"] == pytest.approx(1.0)
    assert math.isnan(trends.loc["8", "separation_end"])  # no std logged for that output
    by_step = logit_trends(pd.DataFrame(_history()).drop(columns="images_seen")).set_index("output")
    assert by_step.loc["final", "gap_slope"] == pytest.approx(1.0)  # 0.1 per 100 steps = 1 per 1000 steps
    with pytest.raises(ValueError, match="tail"):
        logit_trends(_history(), tail=0)
    with pytest.raises(ValueError, match="two logged"):
        logit_trends(_history()[:1])


def test_overfitting_record_counts_an_event_never_reached_as_the_runs_length():
    from gancl.metrics import overfitting_record

    record = overfitting_record(_history(), threshold=0.22)
    assert record["overfit_step"] == 500 and record["overfit_censored"] is False
    assert record["final_acc_gap"] == pytest.approx(0.45)
    assert record["collapse_step"] == 600 and record["collapse_censored"] is False
    never = overfitting_record(_history(), threshold=0.9)
    assert never["overfit_step"] == 900 and never["overfit_censored"] is True  # censored at the last logged step
    calm = pd.DataFrame(_history()).assign(**{"eval/fd": lambda d: d["eval/fd"].where(d["step"] < 600, 12.0)})
    kept = overfitting_record(calm, threshold=0.22)
    assert kept["collapse_step"] == 900 and kept["collapse_censored"] is True
    without_fd = overfitting_record(pd.DataFrame(_history()).drop(columns="eval/fd"), threshold=0.22)
    assert math.isnan(without_fd["collapse_step"])
    with pytest.raises(ValueError, match="acc/train_real"):
        overfitting_record([{"step": 0, "acc/train_real": 1.0, "acc/val_real": math.nan}])


def test_logit_dynamics_record_reads_the_widest_separation_growth_and_finest_branch():
    from gancl.metrics import DYNAMICS, logit_dynamics_record

    record = logit_dynamics_record(_history())
    # final output: separation 2.2 -> 2.7; branch 16: 1.0; branch 8 has no std (NaN, skipped)
    assert record["separation_end"] == pytest.approx(2.7)
    assert record["separation_growth"] == pytest.approx(0.5)
    assert record["finest_fake_std"] == pytest.approx(0.5)  # the 16x16 branch, the finest
    single = pd.DataFrame(_history())[["step", "images_seen"] + [f"logits/final/{s}/{t}" for s in ("real", "fake")
                                                                  for t in ("mean", "std")]]
    assert math.isnan(logit_dynamics_record(single)["finest_fake_std"])
    assert set(DYNAMICS) == {"overfitting", "logits"}
