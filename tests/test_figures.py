"""Shared page figures: they draw what the diagnostics compute."""

import matplotlib

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
