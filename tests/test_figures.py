"""Shared page figures: they draw what the diagnostics compute."""

import matplotlib
import pytest

matplotlib.use("Agg")

from gancl.book.figures import stability_panels  # noqa: E402


def history():
    """Gap 0.6 from step 30, best FD at step 20, FD blown up (> 2x best) from step 40 on."""
    fd = {10: 50.0, 20: 20.0, 30: 30.0, 40: 45.0, 50: 60.0}
    rows = []
    for step in range(10, 60, 10):
        late = step >= 30
        rows.append({"step": step, "acc/train_real": 0.9 if late else 0.6, "acc/val_real": 0.3 if late else 0.5,
                     "sn/conv1": 1.0 + step / 100, "sn/conv2": 0.8, "eval/fd": fd[step]})
    return rows


def vertical_lines(ax) -> dict:
    return {(line.get_linestyle(), float(line.get_xdata()[0])) for line in ax.get_lines()
            if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2}


def test_stability_panels_mark_the_gap_the_best_step_and_the_collapse():
    fig = stability_panels({"ProjGAN": history(), "ContraGAN": history()[:3]}, acc_threshold=0.5)
    axes = fig.axes
    assert len(axes) == 6
    assert vertical_lines(axes[0]) == {("-", 30.0), (":", 20.0), ("--", 40.0)}
    # the shorter run never collapses (too few evaluations after the best), so only two marks
    assert vertical_lines(axes[3]) == {("-", 30.0), (":", 20.0)}
    assert len([line for line in axes[2].get_lines() if len(line.get_xdata()) == 5]) == 2  # one curve per D layer


def test_logit_panels_lay_out_one_row_per_discriminator_and_one_panel_per_output():
    from gancl.book.figures import logit_panels

    def logged(outputs):
        return [{"step": s, "images_seen": 64 * s, **{f"logits/{o}/{side}/{stat}": float(s) if side == "real" else -1.0
                                                     for o in outputs for side in ("real", "fake")
                                                     for stat in ("mean", "std")}} for s in (10, 20, 30)]

    fig = logit_panels({"single": logged(["final"]), "multi": logged(["1", "4", "8"])})
    axes = fig.axes
    assert len(axes) == 6 and [ax.get_visible() for ax in axes] == [True, False, False, True, True, True]
    titles = [ax.get_title() for ax in axes if ax.get_visible()]
    assert titles == ["(a) single: D output final", "(b) multi: D output 8x8", "(c) multi: D output 4x4",
                      "(d) multi: D output final"]
    real_line = axes[3].get_lines()[0]
    assert list(real_line.get_xdata()) == [0.64, 1.28, 1.92] and list(real_line.get_ydata()) == [10.0, 20.0, 30.0]


def test_separation_curves_average_seeds_per_output_in_units_of_the_pooled_std():
    from gancl.book.figures import separation_curves

    def logged(outputs, gap):
        return [{"step": s, "images_seen": 64 * s, **{f"logits/{o}/{side}/{stat}": value
                                                     for o in outputs for side, mean in (("real", gap), ("fake", 0.0))
                                                     for stat, value in (("mean", mean), ("std", 2.0))}}
                for s in (10, 20)]

    fig = separation_curves({"single": [logged(["final"], 2.0), logged(["final"], 6.0)],
                             "multi": [logged(["final", "8"], 4.0)]})
    single, multi = fig.axes
    (mean,) = single.get_lines()[:1]
    assert list(mean.get_xdata()) == [0.64, 1.28] and list(mean.get_ydata()) == [2.0, 2.0]  # (1 + 3) / 2
    assert [line.get_label() for line in multi.get_lines()[:2]] == ["8x8", "final"]  # finest first


def test_sample_rows_show_a_real_row_under_the_generators():
    import torch

    from gancl.book.figures import sample_rows

    class Flat(torch.nn.Module):
        z_dim, num_classes = 4, 0

        def forward(self, z, y=None):
            return torch.zeros(z.shape[0], 3, 8, 8)

    real = torch.full((5, 3, 8, 8), 255, dtype=torch.uint8)
    fig = sample_rows({"G": Flat()}, n=3, real=real)
    rows = [ax.get_images()[0].get_array() for ax in fig.axes]
    assert [ax.get_ylabel() for ax in fig.axes] == ["G", "real"]
    assert rows[0].shape == (8, 24, 3) and int(rows[0].max()) == 128 and int(rows[1].min()) == 255


def test_seed_points_draw_each_seed_and_the_mean_with_its_std():
    import pandas as pd

    from gancl.book.figures import seed_points

    results = pd.DataFrame({"config": ["a", "a", "a", "b", "b", "c"], "fd": [1.0, 2.0, 3.0, 10.0, None, 5.0]})
    ax = seed_points(results, order=["b", "a", "c"]).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a", "c"]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [list(line.get_ydata()) for line in dots] == [[10.0], [1.0, 2.0, 3.0], [5.0]]  # the missing run is left out
    means = [line for line in ax.get_lines() if line.get_marker() == "s"]
    assert [float(line.get_ydata()[0]) for line in means] == [10.0, 2.0, 5.0]


def test_data_size_curves_plot_means_per_size_on_a_log_axis():
    import pandas as pd

    from gancl.book.figures import data_size_curves

    results = pd.DataFrame({"size": [100, 100, 1000, 1000] * 2, "method": ["base"] * 4 + ["ours"] * 4,
                            "fd": [10.0, 12.0, 6.0, 8.0, 9.0, 9.0, 7.0, 7.0]})
    ax = data_size_curves(results).axes[0]
    assert ax.get_xscale() == "log"
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert [line.get_label() for line in lines] == ["base", "ours"]
    assert list(lines[0].get_ydata()) == [11.0, 7.0] and list(lines[1].get_xdata()) == [100, 1000]


def test_queue_weight_panels_draw_one_panel_per_queue_size_and_one_line_per_temperature():
    import torch

    from gancl.book.figures import queue_weight_panels

    weights = {(n, t): torch.full((n,), 1.0 / n) for n in (100, 200) for t in (0.1, 0.01)}
    fig = queue_weight_panels(weights, batch=50)
    assert [ax.get_title() for ax in fig.axes] == ["N = 100 (2 iterations of 50)", "N = 200 (4 iterations of 50)"]
    assert [line.get_label() for line in fig.axes[1].get_lines()] == ["tau_m = 0.1", "tau_m = 0.01"]
    assert fig.axes[0].get_yscale() == "log" and len(fig.axes[1].get_lines()[0].get_xdata()) == 200


def test_attention_sources_wire_each_role_to_its_image():
    import matplotlib.colors as mc
    import pandas as pd

    from gancl.book.figures import attention_sources

    sources = pd.DataFrame([{"configuration": "Eq. 8", "key": "reference (random real)",
                             "query": "reference (random real)", "value": "primary (judged image)"}])
    ax = attention_sources(sources).axes[0]
    colours = [a.arrow_patch.get_edgecolor() for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert ax.get_title() == "Eq. 8" and len(colours) == 3
    assert [mc.to_hex(c) for c in colours] == [mc.to_hex("C0"), mc.to_hex("C0"), mc.to_hex("C3")]


def test_interpolation_strips_outline_exactly_the_jumps_and_print_each_step():
    import matplotlib.colors as mc
    import numpy as np
    import torch

    from gancl.book.figures import interpolation_strips

    frames = torch.zeros(4, 3, 8, 8)
    frames[2:] = 1.0  # one jump, into frame 2
    diffs = np.array([0.0, 0.5, 0.0])
    fig = interpolation_strips({"a": (frames, diffs), "b": (frames[:3], diffs[:2])}, threshold=0.15)
    axes = np.array(fig.axes).reshape(2, 4)
    outlined = [[mc.to_hex(ax.spines["top"].get_edgecolor()) == mc.to_hex("red") for ax in row] for row in axes]
    assert outlined == [[False, False, True, False], [False, False, True, False]]
    assert [ax.get_xlabel() for ax in axes[0]] == ["", "0.000", "0.500", "0.000"]
    assert not axes[1, 3].axison and axes[0, 0].get_ylabel() == "a"  # the shorter path leaves its last cell empty


def test_class_confusion_map_marks_the_diagonal_and_labels_the_shares():
    from gancl.book.figures import class_confusion_map

    rows = [{"name": "a", "drawn": [0.0, 1.0]}, {"name": "b", "drawn": [0.9, 0.1]}]
    fig = class_confusion_map(rows, title="t")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert sorted(t.get_text() for t in ax.texts) == [".10", ".90", "1.00"]  # shares of 5% and more
    assert len(ax.patches) == 2  # the diagonal's outlines
    assert ax.images[0].get_array().tolist() == [[0.0, 1.0], [0.9, 0.1]]


def test_image_rows_draw_one_strip_per_label():
    import torch

    from gancl.book.figures import image_rows

    fig = image_rows({"real": torch.zeros(3, 3, 8, 8, dtype=torch.uint8), "fake": torch.zeros(2, 3, 8, 8)})
    assert [ax.get_ylabel() for ax in fig.axes] == ["real", "fake"]
    assert fig.axes[0].get_images()[0].get_array().shape[:2] == (8, 24)


def test_calibration_panels_mark_the_gate_the_budget_and_the_first_passing_step():
    import pandas as pd

    from gancl.book.figures import calibration_panels

    rows = []
    for config, resolution in (("a @ 16 px", 16), ("a @ 32 px", 32)):
        for seed in (0, 1):
            for step in (100, 200, 300):
                rows.append({"config": config, "seed": seed, "step": step, "fd": 50.0 / step, "recall": 0.4,
                             "precision": step / 400 if resolution == 16 else 0.1,
                             "class_consistency": 0.1 * seed})
    rows += [{"config": "b @ 16 px", "seed": 0, "step": s, "fd": 9.0, "precision": 0.2, "recall": 0.1,
              "memorised_share": s / 250} for s in (100, 200, 300)]
    curves = pd.DataFrame(rows)
    fig = calibration_panels(curves, {
        "a": ((("precision", 0.5), ("recall", 0.3)), (16, 250), {16: "a @ 16 px", 32: "a @ 32 px"}),
        "b": ((("memorised_share", 0.8),), (32, 100), {16: "b @ 16 px"})},
        real={"a @ 16 px": {"precision": 0.9, "fd": 0.4}, "a @ 32 px": {"precision": 0.85}})
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["FD (domain)", "precision", "recall", "class consistency",
                                               "FD (domain)", "precision", "recall", "memorised share"]
    # 16 px passes at 200 (mean precision 0.5): dotted; the budget is on the 16 px curve at 250: solid
    assert vertical_lines(axes[1]) == {(":", 200.0), ("-", 250.0)}
    dashed = [line.get_ydata()[0] for line in axes[1].get_lines() if line.get_linestyle() == "--"]
    assert dashed == [0.5]
    # the real images' precision per resolution (dash-dot, in the resolution's colour); recall was not given
    real = [(line.get_color(), line.get_ydata()[0]) for line in axes[1].get_lines() if line.get_linestyle() == "-."]
    assert real == [("C0", 0.9), ("C1", 0.85)]
    assert [line.get_ydata()[0] for line in axes[0].get_lines() if line.get_linestyle() == "-."] == [0.4]
    assert not [line for line in axes[2].get_lines() if line.get_linestyle() == "-."]
    # family b passes its own gate at 200 (0.8); its budget names 32 px, which it was not calibrated at
    assert vertical_lines(axes[7]) == {(":", 200.0)}
    means = [line for line in axes[1].get_lines() if line.get_linewidth() == 1.8]
    assert [list(line.get_ydata()) for line in means] == [[0.25, 0.5, 0.75], [0.1, 0.1, 0.1]]


def test_measure_curves_draw_each_seed_and_the_mean_per_configuration():
    import pandas as pd

    from gancl.book.figures import measure_curves

    rows = [{"config": config, "seed": seed, "step": step, "class_consistency": base + 0.1 * seed + step / 1000,
             "fd": 10.0}
            for config, base in (("2C", 0.1), ("ProjGAN", 0.6)) for seed in (0, 1) for step in (250, 500)]
    fig = measure_curves(pd.DataFrame(rows), ("class_consistency", "fd"), order=["ProjGAN", "2C"],
                         reference={"class_consistency": (0.1, "chance")})
    first, second = fig.axes
    assert (first.get_title(), second.get_title()) == ("class consistency", "FD (domain)")
    labelled = {line.get_label(): line for line in first.get_lines() if not line.get_label().startswith("_")}
    assert set(labelled) == {"ProjGAN", "2C", "chance"}
    assert list(labelled["2C"].get_ydata()) == pytest.approx([0.1 + 0.05 + 0.25, 0.1 + 0.05 + 0.5])  # seeds' mean
    assert labelled["ProjGAN"].get_color() == "C0" and labelled["chance"].get_ydata()[0] == 0.1
    assert len(first.get_lines()) == 2 * 3 + 1  # two seeds and a mean per configuration, and the reference
    assert second.get_yscale() == "log"


def test_san_attention_panels_place_each_querys_kernel_around_it():
    import numpy as np
    import torch

    from gancl.book.figures import san_attention_panels

    norms = torch.zeros(2, 4, 4, 3, 3)
    norms[0, 1, 2] = torch.arange(1.0, 10.0).view(3, 3)
    found = {"images": torch.zeros(2, 3, 8, 8), "norms": norms, "height": 4}
    fig = san_attention_panels(found, [(1, 2), (0, 0)], samples=2)
    assert len(fig.axes) == 2 * 3
    overlay = fig.axes[1].get_images()[1].get_array()  # sample 0, query (1, 2), 2 image pixels per grid cell
    assert overlay.shape == (8, 8)
    assert overlay[0, 2] == 1.0 and overlay[2, 4] == 5.0 and overlay[5, 7] == 9.0  # offsets (-1,-1), (0,0), (1,1)
    assert np.ma.is_masked(overlay[7, 0]) or np.isnan(overlay[7, 0])  # outside the footprint: nothing
    corner = np.ma.filled(fig.axes[2].get_images()[1].get_array(), np.nan)  # query (0, 0): only 2x2 cells inside
    assert (corner[:4, :4] == 0).all() and np.isnan(corner[4:, :]).all() and np.isnan(corner[:, 4:]).all()
    assert fig.axes[1].get_title() == "query (1, 2)"
