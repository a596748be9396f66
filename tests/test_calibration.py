"""The calibration page's spec, its reading of curves, and presets built at another resolution."""

import pandas as pd
import pytest

from gancl import experiments
from gancl.experiments import calibration


def test_a_family_calibrates_its_pages_own_configuration():
    """The calibration run of a family at its pages' resolution is the page's reference configuration with only the
    steps and the measuring interval changed, so its curve is the run the page would train."""
    spec = experiments.page_spec("appendix/calibration", "small")
    page = experiments.page_spec("contragan/conditioning_losses", "small")
    for label, reference in (("SN-DCGAN, 2C (conditional)", "2C (ContraGAN)"),
                             ("SN-DCGAN, unconditional", "Uncond. GAN")):
        resolution, _ = calibration.family(label).budget("small")  # the page's own resolution: 16 px since calibrated
        run = spec.configs[calibration.calibration_label(label, resolution)]
        ref = page.configs[reference]
        horizon = calibration.CALIBRATION_HORIZON["small"]
        assert run.optim.steps == horizon["steps"] and run.eval.fd_every == horizon["every"]
        assert run.eval.fd_count == page.n_eval  # the last point is measured as the page's table is
        same = run.replace(**{"optim.steps": ref.optim.steps, "eval.fd_every": ref.eval.fd_every,
                              "eval.fd_count": ref.eval.fd_count, "eval.log_every": ref.eval.log_every})
        assert same.identity(device=None) == ref.identity(device=None)


def test_the_spec_trains_three_seeds_at_16_px_and_one_at_32():
    spec = experiments.page_spec("appendix/calibration", "small")
    for label, config in spec.configs.items():
        assert spec.seeds_of(label) == ([0, 1, 2] if config.data.resolution == 16 else [0])
        assert label.endswith(f"@ {config.data.resolution} px")
    assert {c.model.resolution for c in spec.configs.values()} == {16, 32}
    chosen = experiments.page_spec("appendix/calibration", "small", seeds=2, families=["SN-DCGAN, unconditional"])
    assert len(chosen.configs) == 2 and chosen.runs()[-1][1] == 1
    smoke = experiments.page_spec("appendix/calibration", "smoke")
    assert all(c.optim.steps == 40 and c.data.resolution == 16 for c in smoke.configs.values())
    # at smoke one family per kind of curve: class consistency, memorisation, objects
    assert [c.eval.curves for c in smoke.configs.values()] == [(), ("memorisation",), ("objects",)]
    assert smoke.configs[calibration.calibration_label("SN-DCGAN, 2C (conditional)", 16)].model.num_classes > 0


def test_every_family_builds_at_every_resolution_with_its_gate_on_a_curve():
    """Each family's gate measures are curves its runs record: sample metrics, or the eval.curves it asks for."""
    curve_of = {"precision": (), "recall": (), "memorised_share": ("memorisation",), "recognised_ratio": ("objects",)}
    spec = experiments.page_spec("appendix/calibration", "small")
    for f in calibration.FAMILIES:
        for r in (16, 32):
            config = spec.configs[calibration.calibration_label(f.label, r)]
            assert config.data.resolution == r
            if f.gate == experiments.MEMORISATION_GATE:
                # the few-shot baseline memorises within about 8000 steps: 12000 at 16 px
                assert (config.optim.steps, config.eval.fd_every) == {16: (12000, 1000), 32: (2000, 250)}[r]
            elif config.model.arch == "stylegan2":  # past the ~20 minutes a run: 24000 steps at 16 px, 2000 at 32
                assert (config.optim.steps, config.eval.fd_every) == {16: (24000, 1000), 32: (2000, 250)}[r]
            else:
                assert (config.optim.steps, config.eval.fd_every) == (6000, 250)
            for measure, _ in f.gate:
                assert set(curve_of[measure]) <= set(config.eval.curves), (f.label, measure)
        assert set(f.pages) <= set(experiments.pages()), f.label


def test_the_spec_refuses_what_it_cannot_calibrate():
    with pytest.raises(ValueError, match="embedded data"):
        experiments.page_spec("appendix/calibration", "small", dataset="cifar10")
    with pytest.raises(KeyError, match="no calibration family"):
        experiments.page_spec("appendix/calibration", "small", families=["BigGAN"])


def _curves():
    """Two seeds of one configuration, measured every 100 steps: precision passes 0.5 on average at 300, recall
    0.3 only at 400."""
    rows = []
    for seed, (precision, recall) in enumerate([((0.1, 0.3, 0.45, 0.6, 0.7), (0.1, 0.2, 0.3, 0.35, 0.4)),
                                                ((0.1, 0.4, 0.6, 0.5, 0.7), (0.1, 0.1, 0.2, 0.3, 0.3))]):
        for i, step in enumerate(range(100, 600, 100)):
            rows.append({"config": "a", "seed": seed, "step": step, "precision": precision[i], "recall": recall[i]})
    return pd.DataFrame(rows)


def test_the_first_passing_step_reads_the_seeds_mean_of_every_gate_measure():
    curves = _curves()
    assert calibration.first_passing_step(curves, (("precision", 0.5),)) == 300
    assert calibration.first_passing_step(curves, (("precision", 0.5), ("recall", 0.3))) == 400
    assert calibration.first_passing_step(curves, (("precision", 0.9),)) is None


def test_the_summary_reads_the_gate_at_the_budget_and_at_the_horizon(monkeypatch):
    gate = (("precision", 0.5), ("recall", 0.3))
    fam = calibration.Family("toy", lambda s, r=None: None, lambda s: (16, 250), (), gate)
    monkeypatch.setattr(calibration, "FAMILIES", (fam,))
    curves = _curves().assign(config=calibration.calibration_label("toy", 16))
    results = pd.DataFrame({"config": [calibration.calibration_label("toy", 16)] * 2, "seed": [0, 1],
                            "seconds_per_step": [0.2, 0.4], "wall_time": [120.0, 180.0]})
    row = calibration.summary(curves, results, "small").iloc[0]
    assert row["first step passing"] == 400 and row["minutes to pass"] == pytest.approx(400 * 0.3 / 60)
    assert row["precision at budget"] == pytest.approx(0.35)  # the last measured step at or before 250: 200
    assert row["recall at 500"] == pytest.approx(0.35) and row["seeds"] == 2
    assert row["run wall minutes"] == pytest.approx(2.5)


def test_the_real_reference_measures_each_data_set_and_resolution_once(monkeypatch):
    import gancl.metrics

    calls = []

    def fake_evaluate_real(dataset, resolution, n, data_dir=None):
        calls.append((dataset, resolution, n))
        return type("R", (), {"fd": resolution / 100, "precision": 0.9, "recall": 0.8})()

    monkeypatch.setattr(gancl.metrics, "evaluate_real", fake_evaluate_real)
    spec = experiments.page_spec("appendix/calibration", "small")
    real = calibration.real_reference(spec)
    assert set(real) == set(spec.configs)
    assert sorted(calls) == [("scenes", 16, 2000), ("scenes", 32, 2000), ("shapes", 16, 2000), ("shapes", 32, 2000)]
    for label, c in spec.configs.items():
        assert real[label] == {"fd": c.data.resolution / 100, "precision": 0.9, "recall": 0.8}


def test_a_preset_built_at_another_resolution_derives_what_depends_on_it():
    ms = experiments.preset("msconD/multiscale", "small", resolution=16)
    assert ms.data.resolution == ms.model.resolution == 16 and tuple(ms.model.multiscale_res) == (8,)
    assert tuple(experiments.preset("msconD/multiscale", "small").model.multiscale_res) == (16, 8)
    dual = experiments.preset("dual/san_refattn", "small", resolution=16)
    assert dual.model.g_attention_res == 4 and dual.model.ref_attention_res == 4
    assert experiments.preset("contragan/2c", "small", resolution=16).data.resolution == 16


def test_the_reading_says_where_each_family_passes_or_that_it_does_not(monkeypatch):
    gate = (("precision", 0.5), ("recall", 0.3))
    fam = calibration.Family("toy", lambda s, r=None: None, lambda s: (16, 250), (), gate)
    monkeypatch.setattr(calibration, "FAMILIES", (fam,))
    monkeypatch.setitem(calibration.CALIBRATION_RESOLUTIONS, "small", (16, 32))
    curves = pd.concat([_curves().assign(config=calibration.calibration_label("toy", 16)),
                        _curves().assign(config=calibration.calibration_label("toy", 32), precision=0.2)])
    results = pd.DataFrame({"config": [calibration.calibration_label("toy", r) for r in (16, 16, 32, 32)],
                            "seed": [0, 1, 0, 1], "seconds_per_step": [0.3] * 4, "wall_time": [60.0] * 4})
    text = calibration.reading(calibration.summary(curves, results, "small"))
    assert text == ("toy (gate: precision >= 0.5, recall >= 0.3): at 16 px it passes at step 400 (about 2 min of "
                    "training; 2 seeds); at 32 px it does not pass within 500 steps (precision 0.20, recall 0.35 at "
                    "the end; 2 seeds).")
