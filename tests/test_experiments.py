"""Presets: every preset validates at every scale; page specs match the paper tables they mirror."""

import dataclasses
from pathlib import Path

import pytest

from gancl import experiments, tables


@pytest.mark.parametrize("scale", experiments.SCALE_NAMES)
@pytest.mark.parametrize("name", experiments.names())
def test_every_preset_validates_at_every_scale(name, scale):
    config = experiments.preset(name, scale)
    assert config.name == name and config.data.resolution == config.model.resolution


def test_paper_scale_carries_the_papers_settings():
    c = experiments.preset("contragan/2c", "paper")
    assert (c.data.name, c.model.arch, c.optim.batch_size, c.optim.n_dis, c.loss.adv) == ("cifar10", "resnet", 64, 5, "hinge")
    assert (c.optim.lr_d, tuple(c.optim.betas), c.loss.temperature, c.model.embed_dim) == (2e-4, (0.5, 0.999), 1.0, 512)
    d = experiments.preset("dual/san_refattn", "paper")
    assert (d.data.resolution, d.data.count, d.model.ref_attention_res, d.model.g_attention_res) == (128, 30_000, 8, 32)
    f = experiments.preset("fakeclr/fakeclr", "paper").resolved()
    assert (f.data.count, f.loss.instance_temperature, f.loss.instance_momentum, f.model.instance_head_dim) == (100, 0.2, 0.999, 128)
    assert (f.loss.instance_weight_d, f.loss.instance_weight_g, f.loss.instance_queue, f.data.mirror) == (1.0, 0.1, 10, True)
    m = experiments.preset("msconD/msconD", "paper")
    assert (m.data.resolution, m.model.multiscale_res, m.model.ms_proj_dim) == (256, (16, 8), 256)


def test_contragan_table1_rows_are_the_papers_rows():
    configs = experiments.contragan_table1("smoke")
    paper = tables.paper_values("contragan_t1", dataset="CIFAR10")
    assert set(configs) == set(paper.index)
    assert configs["Uncond. GAN"].model.num_classes == 0 and configs["2C (ContraGAN)"].loss.cond == "2c"
    assert {c.optim.steps for c in experiments.contragan_table1("smoke", steps=7).values()} == {7}


def test_data_overrides_point_a_preset_at_real_data():
    tiny = experiments.contragan_table1("paper", "tiny_imagenet", "/data/tiny")["2C (ContraGAN)"]
    assert (tiny.data.name, tiny.data.data_dir, tiny.model.num_classes, tiny.data.resolution) == (
        "tiny_imagenet", "/data/tiny", 200, 64)
    assert (tiny.model.embed_dim, tiny.optim.batch_size) == (768, 1024)
    uncond = experiments.contragan_table1("paper", "tiny_imagenet", "/data/tiny")["Uncond. GAN"]
    assert uncond.model.num_classes == 0


def test_seeds_accept_a_count_a_list_or_the_default():
    assert experiments.seeds("small") == [0, 1, 2] and experiments.seeds("small", 2) == [0, 1]
    assert experiments.seeds("smoke", [4, 5]) == [4, 5]
    with pytest.raises(ValueError, match="seeds=0 must be a positive number of seeds"):
        experiments.seeds("small", 0)
    with pytest.raises(ValueError, match="repeats a seed"):  # the same check as a page's parameters
        experiments.seeds("small", [2, 2])


def test_contragan_table4_rows_decode_the_papers_regularisers_and_batches():
    paper = tables.load("contragan_t4").query("metric == 'FID'").set_index("id")
    for scale in experiments.SCALE_NAMES:
        configs = experiments.contragan_table4(scale)
        assert list(configs) == list(paper.index)
        small, large = experiments.CONTRAGAN_TABLE4_BATCH[scale]
        assert large == 4 * small  # the paper's 256 -> 1024
        for row, c in configs.items():
            expected = paper.loc[row]
            assert c.optim.batch_size == (large if expected["batch"] == 1024 else small)
            assert (c.loss.cond == "2c") == (expected["2c_loss"] == "yes")
            assert c.model.d_head == ("proj_contrastive" if expected["2c_loss"] == "yes" else "proj")
            assert c.loss.aps == (expected["aps"] == "yes")
            assert (c.loss.cr_weight > 0) == (expected["cr"] == "yes")
    assert {c.optim.steps for c in experiments.contragan_table4("small").values()} == {
        experiments.CONTRAGAN_SMALL["steps"]}  # Table 1's calibrated budget (calibrated at batch 64; row A is 16)
    tiny = experiments.contragan_table4("paper", "tiny_imagenet", "/data/tiny")
    assert (tiny["I"].data.resolution, tiny["I"].model.num_classes, tiny["I"].optim.batch_size) == (64, 200, 1024)
    assert tiny["A"].optim.batch_size == 256


def test_contragan_fig3_runs_record_the_curves_on_a_small_training_set():
    configs = experiments.contragan_fig3("small")
    assert {c.loss.cond for c in configs.values()} == {"proj", "2c"}
    for c in configs.values():
        assert c.data.count == c.eval.diag_count  # the "training reals" of the accuracy curve are the whole set
        assert 0 < c.eval.diag_every <= c.eval.fd_every < c.optim.steps
    assert {c.optim.steps for c in experiments.contragan_fig3("smoke", steps=9).values()} == {9}


@pytest.mark.parametrize("scale", ["smoke", "small"])
def test_the_2c_probe_shares_tables_1_and_2s_runs_and_varies_one_setting_of_2c(scale):
    probe = experiments.page_spec("contragan/class_fidelity", scale).configs
    t1 = experiments.page_spec("contragan/conditioning_losses", scale).configs
    t2 = experiments.page_spec("contragan/backbones", scale).configs
    for label, (table, row) in experiments.CONTRAGAN_CLASS_SHARED.items():
        assert probe[label].run_id(0) == {"table1": t1, "table2": t2}[table][row].run_id(0), label
    two_c = probe["2C"]
    probes = {label: c for label, c in probe.items() if label.startswith("2C, ")}
    assert len(probes) == (len(experiments.CONTRAGAN_CLASS_PROBE["temperatures"])
                           + len(experiments.CONTRAGAN_CLASS_PROBE["proxy_weights"]))
    for label, c in probes.items():
        changed = {(part, k) for part in ("loss",) for k, v in c.to_dict()[part].items()
                   if v != two_c.to_dict()[part][k]}
        assert changed == {("loss", "temperature" if "t =" in label else "proxy_weight")}, label
        assert c.model == two_c.model and c.optim == two_c.optim and c.data == two_c.data
    if scale == "small":  # the runs record class consistency over training, as the calibration's do
        assert two_c.eval.fd_every == experiments.CONTRAGAN_SMALL["every"] > 0
        assert two_c.run_id(0) == experiments.calibration_configs("small", ["SN-DCGAN, 2C (conditional)"])[
            "SN-DCGAN, 2C (conditional) @ 16 px"].run_id(0)


@pytest.mark.parametrize("scale", ["smoke", "small", "paper"])
def test_contragan_resnet_rows_take_the_two_time_scale_optimiser_where_the_scale_has_one(scale):
    t2 = experiments.contragan_table2(scale)
    t3 = experiments.contragan_table3(scale)
    resnet = [c for label, c in t2.items() if "SN-ResNet" in label] + list(t3.values())
    dcgan = [c for label, c in t2.items() if "SN-DCGAN" in label]
    assert len(resnet) == 6 and len(dcgan) == 3
    table1 = experiments.contragan_table1(scale)["2C (ContraGAN)"].optim
    recipe = experiments.CONTRAGAN_RESNET_OPTIM.get(scale)
    for c in resnet:
        assert c.model.arch == "resnet"
        if recipe:
            assert (c.optim.lr_g, c.optim.lr_d, tuple(c.optim.betas)) == (
                recipe["optim.lr_g"], recipe["optim.lr_d"], tuple(recipe["optim.betas"]))
            assert c.optim.lr_g < c.optim.lr_d  # D learns faster: the two-time-scale rule
        else:  # smoke and paper: Table 1's optimiser (at paper, the paper's Adam 2e-4 (0.5, 0.999), 5 D steps)
            assert c.optim == table1 or scale == "paper" and c.optim.n_dis == 5
    for c in dcgan:  # the SN-DCGAN keeps Table 1's calibrated optimiser
        assert c.optim == table1 and c.model.arch == "dcgan"
    assert experiments.resnet_backbone(scale)["model.arch"] == "resnet"


@pytest.mark.parametrize("scale", ["smoke", "small", "paper"])
def test_contragan_table3_adds_attention_then_2c_to_table_2s_resnet(scale):
    t3 = experiments.contragan_table3(scale)
    t2 = experiments.contragan_table2(scale)
    assert t3["SNResGAN"].run_id(0) == t2["ProjGAN (SN-ResNet)"].run_id(0)  # shared through the run cache
    plain, biggan, contragan = t3["SNResGAN"].model, t3["BigGAN"].model, t3["ContraGAN"].model
    assert plain.arch == biggan.arch == contragan.arch == "resnet" and plain.g_attention is None
    assert biggan.g_attention == "sagan" and biggan.g_attention_res in biggan.g_feature_resolutions()
    assert biggan.d_attention_res in biggan.d_feature_resolutions()
    assert biggan.g_attention_res not in (min(biggan.g_feature_resolutions()), biggan.resolution)  # a middle one
    assert (t3["BigGAN"].loss.cond, t3["ContraGAN"].loss.cond) == ("proj", "2c")
    assert dataclasses.replace(contragan, d_head=biggan.d_head) == biggan  # only the conditioning differs
    for c in t3.values():
        c.validate()


def test_dual_table2_moves_san_through_gs_resolutions_and_d2_compares_the_quarter_with_its_neighbours():
    configs = experiments.dual_table2("small")
    san = experiments.preset("dual/san", "small")
    resolutions = san.model.g_feature_resolutions()
    assert [c.model.g_attention_res for c in configs.values()] == list(resolutions)
    quarter = configs[f"SAN at {san.model.g_attention_res}x{san.model.g_attention_res}"]
    assert quarter.run_id(0) == experiments.page_spec("dual_attention/resolution", "small").configs[
        "no ref. attention"].run_id(0)  # shared with the reference-attention pages
    assert experiments.next_to(8, (4, 8, 16, 32)) == [("SAN at 8x8", "SAN at 4x4"), ("SAN at 8x8", "SAN at 16x16")]
    assert experiments.next_to(4, (16, 4, 8)) == [("SAN at 4x4", "SAN at 8x8")]  # no lower neighbour
    assert experiments.san_resolutions("paper") == (8, 16, 32, 64, 128)  # the supplement's rows


def test_dual_table5_measures_table_1_and_7s_runs_with_ppl_beside_the_metrics():
    spec = experiments.page_spec("dual_attention/metrics", "small")
    t1 = experiments.dual_table1("small")
    t7 = experiments.dual_table7("small")
    for label, c in spec.configs.items():
        table, row = experiments.DUAL_TABLE5[tuple(label.split(", "))]
        assert c.run_id(0) == {"table1": t1, "table7": t7}[table][row].run_id(0)  # nothing trained of its own
    assert {(c.model.g_attention is not None, c.loss.adv) for c in spec.configs.values()} == {
        (False, "nonsat"), (True, "nonsat"), (False, "dual_contrastive"), (True, "dual_contrastive")}
    assert spec.evaluation("ppl", "w").n == experiments.DUAL_PPL_SAMPLES["small"] and not spec.claims


@pytest.mark.parametrize("scale", ["smoke", "small"])
def test_dual_figures_show_table_7s_runs_with_their_settings(scale):
    spec = experiments.page_spec("dual_attention/figures", scale)
    t7 = experiments.dual_table7(scale)
    assert {label: c.run_id(0) for label, c in spec.configs.items()} == {l: c.run_id(0) for l, c in t7.items()}
    assert spec.settings["invert_steps"] >= 1 and spec.settings["images"] >= 1 and not spec.claims
    assert all(0 <= r < 1 and 0 <= c < 1 for r, c in spec.settings["query_points"])  # fractions of the grid
    assert any(c.model.g_attention == "san" for c in spec.configs.values())  # a SAN generator to draw


def test_page_seed_defaults_replace_the_scales_default_only_when_no_seeds_are_chosen():
    defaults = {"small": (0, 1)}
    assert experiments.seeds("small", None, defaults) == [0, 1]
    assert experiments.seeds("smoke", None, defaults) == [0]
    assert experiments.seeds("small", 3, defaults) == [0, 1, 2]


def test_msconD_pages_share_runs_and_add_scales_from_the_coarsest():
    fig2 = experiments.msconD_fig2("small")
    scales = experiments.msconD_scales("small")
    # the paper's ladder at 32 px too: its branches (Table 1) sit above the final output's 4x4 level
    assert list(scales) == ["StyleGAN2 1", "MultiscaleD 1-8", "MsConD 1-8", "MultiscaleD 1-16", "MsConD 1-16"]
    # the logit-dynamics runs are the 1 and 1-16 runs of the scales page: one training each
    assert fig2["StyleGAN2"].run_id(0) == scales["StyleGAN2 1"].run_id(0)
    assert fig2["MultiscaleD"].run_id(0) == scales["MultiscaleD 1-16"].run_id(0)
    assert fig2["MsConD"].run_id(0) == scales["MsConD 1-16"].run_id(0)
    assert scales["MsConD 1-8"].model.multiscale_res == (8,) and scales["MsConD 1-8"].loss.ms_contrastive_weight > 0
    assert scales["MultiscaleD 1-8"].loss.ms_contrastive_weight == 0
    assert list(experiments.msconD_scales("smoke")) == ["StyleGAN2 1", "MultiscaleD 1-8", "MsConD 1-8"]  # 16 px
    batch, steps = experiments.MSCOND_BUDGET["small"]
    assert {(c.optim.batch_size, c.optim.steps) for c in scales.values()} == {(batch, steps)}
    assert {c.resolved().loss.r1_gamma for c in scales.values()} == {0.0002 * 32 * 32 / batch}  # follows the batch
    assert list(experiments.msconD_scales("paper"))[-1] == "MsConD 1-16"  # the paper's branches at 16 and 8
    assert experiments.msconD_fig2("paper", "folder", "/data/city")["MsConD"].data.data_dir == "/data/city"


def test_reference_attention_pages_share_runs_and_vary_one_thing():
    t6, t3, t4 = (experiments.dual_table6("small"), experiments.dual_table3("small"),
                  experiments.dual_table4("small"))
    assert list(t6) == ["no ref. attention", "4x4", "8x8", "16x16"]
    assert [t6[k].model.ref_attention_res for k in t6] == [None, 4, 8, 16]
    assert [t3[k].model.ref_attention_eq for k in ("Eq. 1", "Eq. 2", "Eq. 8")] == ["eq1", "eq2", "eq8"]
    assert {c.model.ref_attention_res for c in t3.values()} == {4}
    # Eq. 8 at the lowest resolution on the default subset is one run on all three pages
    assert t6["4x4"].run_id(0) == t3["Eq. 8"].run_id(0) == t4["StyleGAN2 + ref attn @ 2000"].run_id(0)
    assert t6["no ref. attention"].run_id(0) == t4["StyleGAN2 @ 2000"].run_id(0)
    assert sorted({c.data.count for c in t4.values()}) == [250, 1000, 2000, 10_000]
    everything = [*t6.values(), *t3.values(), *t4.values()]
    assert {(c.optim.batch_size, c.optim.steps, c.resolved().loss.r1_gamma) for c in everything} == {(16, 600, 0.0128)}
    assert {(c.model.g_attention, c.model.g_attention_res, c.loss.adv) for c in everything} == {("san", 8, "nonsat")}
    custom = experiments.dual_table4("smoke", sizes=[50, 100], steps=3)
    assert list(custom) == ["StyleGAN2 @ 50", "StyleGAN2 + ref attn @ 50", "StyleGAN2 @ 100",
                            "StyleGAN2 + ref attn @ 100"]
    assert {c.optim.steps for c in custom.values()} == {3}


@pytest.mark.parametrize("page", ["dual_table6", "dual_table3", "dual_table4"])
def test_reference_attention_paper_presets_build_the_papers_models(page):
    """The paper setting: 128 px, 30k subsets (Table 4: 1k-100k), SAN in G at 32x32, reference attention at the
    paper's resolutions; G and D are built (on the meta device: shapes without memory) and D's layers traced."""
    import torch

    from gancl.models import build_discriminator, build_generator, layer_shapes

    configs = getattr(experiments, page)("paper")
    assert {(c.data.resolution, c.data.name, c.model.g_attention, c.model.g_attention_res) for c in configs.values()} \
        == {(128, "folder", "san", 32)}
    counts = sorted({c.data.count for c in configs.values()})
    assert counts == ([1000, 5000, 10_000, 30_000, 50_000, 100_000] if page == "dual_table4" else [30_000])
    for config in configs.values():
        with torch.device("meta"):
            G = build_generator(config.model)
            build_discriminator(config.model)
        assert G.z_dim == config.model.z_dim
        rows = layer_shapes(config.model)
        attention = [shape for kind, _, shape in rows if kind == "attention"]
        if config.model.ref_attention_res is None:
            assert attention == []
        else:
            r = config.model.ref_attention_res
            assert r in (8, 16, 32) and attention[0][:2] == (r, r)
    if page == "dual_table6":
        assert [c.model.ref_attention_res for c in configs.values()] == [None, 8, 16, 32]


def _distinct(*specs, seed=0) -> dict:
    runs = {}
    for spec in specs:
        for label, config in spec.items():
            runs.setdefault(config.run_id(seed), []).append(label)
    return runs


@pytest.mark.parametrize("scale", ["smoke", "small"])
def test_fakeclr_pages_share_their_runs(scale):
    methods = experiments.fakeclr_methods(scale)
    t1, t5 = experiments.fakeclr_table1(scale), experiments.fakeclr_table5(scale)
    first = experiments.FAKECLR_SIZES[scale][0]
    # Table 2 / Fig. 1's methods are Table 1's rows at the first size, and Table 5 starts from two of them
    for label in ("StyleGAN2-ADA-Linear", "Instance-fake", "Instance-perturbation"):
        assert methods[label].run_id(0) == t1[f"{label} @ {first}"].run_id(0)
    assert t5["StyleGAN2-ADA-Linear"].run_id(0) == methods["StyleGAN2-ADA-Linear"].run_id(0)
    assert t5["+ Instance-perturbation"].run_id(0) == methods["Instance-perturbation"].run_id(0)
    assert t5["+ diversity-aware queue"].run_id(0) == methods["FakeCLR"].run_id(0)
    # 7 configurations at the first size, 4 at the second
    assert len(_distinct(methods, t1, t5)) == 11
    # supplement Table 7 adds InsGen* at both sizes and FakeCLR at the larger one; InsGen* there is Table 8's run
    t7, t8 = experiments.fakeclr_table7(scale), experiments.fakeclr_table8(scale)
    assert t7[f"ADA @ {first}"].run_id(0) == methods["StyleGAN2-ADA-Linear"].run_id(0)
    assert t7[f"FakeCLR @ {first}"].run_id(0) == methods["FakeCLR"].run_id(0)
    larger = max(c.data.count for c in t7.values())
    assert t7[f"ADA @ {larger}"].run_id(0) == t1[f"StyleGAN2-ADA-Linear @ {larger}"].run_id(0)
    assert t7[f"InsGen* @ {larger}"].run_id(0) == t8["InsGen, PL 2"].run_id(0)
    assert len(_distinct(methods, t1, t5, t7)) == 14


@pytest.mark.parametrize("scale", ["smoke", "small"])
def test_fakeclr_figures_2_and_5_vary_one_setting_and_share_other_tables_runs(scale):
    t1 = experiments.fakeclr_table1(scale)
    f2, f5 = experiments.fakeclr_fig2(scale), experiments.fakeclr_fig5(scale)
    first, larger = experiments.FAKECLR_SIZES[scale][0], experiments.FAKECLR_SIZES[scale][-1]
    default = experiments.fakeclr_queue_size(first)
    assert f2["Instance-real, queue %d" % default].run_id(0) == t1[f"Instance-real @ {first}"].run_id(0)
    assert f2["Instance-fake, queue %d" % default].run_id(0) == t1[f"Instance-fake @ {first}"].run_id(0)
    queues = sorted(c.loss.instance_queue for label, c in f2.items() if label.startswith("Instance-real"))
    assert queues == [f * default for f in experiments.FAKECLR_FIG2_QUEUE_FACTORS]
    assert {c.data.count for c in f2.values()} == {first}
    # Fig. 5 on the larger subset, as the paper's FFHQ-2K ablations
    assert {c.data.count for c in f5.values()} == {larger}
    assert f5["StyleGAN2-ADA-Linear"].run_id(0) == t1[f"StyleGAN2-ADA-Linear @ {larger}"].run_id(0)
    t7, t10 = experiments.fakeclr_table7(scale), experiments.fakeclr_table10(scale)
    assert f5["radius 0.1"].run_id(0) == t10["Instance-perturbation (baseline)"].run_id(0)
    assert f5["queue min 2"].run_id(0) == t7[f"FakeCLR @ {larger}"].run_id(0)  # the FakeCLR preset's own
    assert [f5[f"radius {r:g}"].loss.perturb_radius for r in experiments.FAKECLR_FIG5["radii"]] == list(
        experiments.FAKECLR_FIG5["radii"])
    assert {c.loss.forgetting_tau for label, c in f5.items() if label.startswith("tau_m")} == set(
        experiments.FAKECLR_FIG5["tau_m"])
    mins = sorted(c.loss.queue_min for label, c in f5.items() if label.startswith("queue min"))
    assert len(set(mins)) == 3 and mins[-1] == experiments.fakeclr_queue_size(larger)  # 1.0: a fixed-size queue


@pytest.mark.parametrize("scale", ["smoke", "small"])
def test_fakeclr_comparison_adds_only_the_unaugmented_and_diffaugment_rows(scale):
    configs = experiments.fakeclr_comparison(scale)
    few, larger = experiments.FAKECLR_SIZES[scale][0], experiments.FAKECLR_SIZES[scale][-1]
    t1, t7 = experiments.fakeclr_table1(scale), experiments.fakeclr_table7(scale)
    for n in (few, larger):
        assert configs[f"ADA-Linear @ {n}"].run_id(0) == t1[f"StyleGAN2-ADA-Linear @ {n}"].run_id(0)
        assert configs[f"InsGen* @ {n}"].run_id(0) == t7[f"InsGen* @ {n}"].run_id(0)
        assert configs[f"FakeCLR @ {n}"].run_id(0) == t7[f"FakeCLR @ {n}"].run_id(0)
        plain = configs[f"StyleGAN2 @ {n}"].resolved()
        assert plain.loss.augment == "" and plain.loss.instance == "none"
    assert f"DA @ {larger}" not in configs  # DiffAugment is a row of Table 4 (few-shot) only
    da = configs[f"DA @ {few}"].resolved()
    assert da.loss.augment == configs[f"ADA-Linear @ {few}"].loss.augment and da.loss.augment_ramp == 0


@pytest.mark.parametrize("scale", ["smoke", "small", "paper"])
def test_fakeclr_few_shot_subset_is_one_size_with_the_papers_100_shot_queue(scale):
    """The few-shot regime (20 images at `small`, chosen on the calibration page because 100 were not memorised):
    every few-shot page, the calibration family and Table 1's first size train on it, with the paper's 100-shot queue
    of 10 negatives; a larger subset's queue follows its size."""
    few = experiments.FAKECLR_FEW_SHOT[scale]
    assert experiments.FAKECLR_SIZES[scale][0] == few
    for label, c in experiments.fakeclr_methods(scale).items():
        assert c.data.count == few and c.resolved().loss.instance_queue == 10  # the paper's 100-shot queue
    if scale == "small":
        # the page's baseline run is the calibration family's run at the budget's resolution (one cache entry), and
        # so is Table 1's baseline on the larger subset
        family = experiments.calibration_configs(scale, [f"StyleGAN2, {few} shapes (FakeCLR)",
                                                         "StyleGAN2, 1000 shapes (FakeCLR)"])
        base = experiments.fakeclr_methods(scale)["StyleGAN2-ADA-Linear"]
        c = family[f"StyleGAN2, {few} shapes (FakeCLR) @ {base.data.resolution} px"]
        assert c.data.count == few and c.eval.curves == base.eval.curves == ("memorisation",)
        assert c.run_id(0) == base.run_id(0)
        t1 = experiments.fakeclr_table1(scale)["StyleGAN2-ADA-Linear @ 1000"]
        assert family[f"StyleGAN2, 1000 shapes (FakeCLR) @ {t1.data.resolution} px"].run_id(1) == t1.run_id(1)
    larger = experiments.fakeclr_table1(scale)[f"Instance-fake @ {experiments.FAKECLR_SIZES[scale][1]}"]
    assert larger.resolved().loss.instance_queue == experiments.fakeclr_queue_size(larger.data.count)


def test_fakeclr_page_budget_queue_and_schedule():
    budget = experiments.FAKECLR_BUDGET["small"]
    t1 = experiments.fakeclr_table1("small")
    for label, c in t1.items():
        n = int(label.split(" @ ")[1])
        few = n == experiments.FAKECLR_FEW_SHOT["small"]
        steps = budget["few_shot" if few else "larger"]
        c = c.resolved()
        assert (c.data.count, c.data.resolution, c.optim.batch_size, c.optim.steps) == (
            n, budget["resolution"], budget["batch"], steps)
        assert (c.eval.fd_every, c.eval.curves) == (budget["every"], ("memorisation",) if few else ())
        assert c.loss.instance_queue == experiments.fakeclr_queue_size(n) == max(10, round(0.1 * n))
        assert c.loss.augment_ramp == steps // 2  # ADA-linear: full strength at half of the run
        assert c.loss.r1_gamma == pytest.approx(0.0002 * budget["resolution"] ** 2 / budget["batch"])
    # a page's `steps` moves the ramp with it
    assert {c.resolved().loss.augment_ramp for c in experiments.fakeclr_methods("small", steps=100).values()} == {50}
    t5 = experiments.fakeclr_table5("small")
    flags = [(c.loss.instance, c.loss.noise_related, c.loss.forgetting_factor, c.loss.diversity_queue)
             for c in t5.values()]
    assert flags == [("none", True, False, False), ("perturbation", False, False, False),
                     ("perturbation", True, False, False), ("perturbation", True, True, False),
                     ("perturbation", True, True, True)]


def test_fakeclr_specs_match_the_papers_tables():
    t1 = tables.load("fakeclr_t1")
    for method in experiments.FAKECLR_T1:
        assert method in set(t1["method"])
    assert set(experiments.FAKECLR_METHODS) == set(tables.load("fakeclr_t2")["method"])
    t5 = tables.load("fakeclr_t5")
    assert len(t5[t5["dataset"] == "FFHQ-100"]) == len(experiments.FAKECLR_T5)
    paper = experiments.fakeclr_table1("paper")
    assert {c.data.count for c in paper.values()} == {100, 1000, 2000, 5000}
    assert {(c.data.resolution, c.data.mirror) for c in paper.values()} == {(256, True)}


def test_derived_settings_follow_every_override_so_a_preset_rebuilds_a_page_run():
    """R1 gamma, the ADA-linear ramp and the FakeCLR queue are derived after the overrides, in one place: the preset
    with a page's budget given on the command line is the page's run (same settings, same run id)."""
    page = experiments.fakeclr_methods("small")["FakeCLR"]
    budget = experiments.FAKECLR_BUDGET["small"]
    batch, steps, res = budget["batch"], budget["few_shot"], budget["resolution"]
    assert experiments.preset("fakeclr/fakeclr", "small").run_id(0) == page.run_id(0)  # the budget is the preset's
    cli = experiments.preset("fakeclr/fakeclr", "small", **{"optim.steps": steps, "optim.batch_size": batch})
    assert cli.run_id(0) == page.run_id(0)
    r = cli.resolved()
    assert (r.loss.augment_ramp, r.loss.r1_gamma, r.loss.instance_queue) == (steps // 2, 0.0002 * res * res / batch, 10)
    assert (cli.loss.augment_ramp, cli.loss.r1_gamma, cli.loss.instance_queue) == (0.5, "auto", "auto")  # kept
    more = cli.replace(**{"data.count": 1000, "optim.batch_size": 64}).resolved()
    assert (more.loss.instance_queue, more.loss.r1_gamma) == (100, 0.0002 * res * res / 64)
    # "auto" and the number it stands for are one run
    assert cli.replace(**{"loss.r1_gamma": r.loss.r1_gamma}).run_id(0) == cli.run_id(0)


@pytest.mark.parametrize("override, message", [
    ({"loss.r1_gamma": "big"}, "loss.r1_gamma='big': give a number or 'auto'"),
    ({"loss.augment_ramp": 1.5}, "a float is a fraction of the run, in \\(0, 1\\)"),
    ({"data.count": None}, "loss.instance_queue='auto' sizes the queue from data.count"),
])
def test_derived_settings_that_cannot_be_derived_are_refused(override, message):
    with pytest.raises(ValueError, match=message):
        experiments.preset("fakeclr/fakeclr", "smoke", **override)


def _book_pages_that_train() -> set:
    """Pages that train (train_grid) or time training steps (gancl.train.timing): both need a spec."""
    book = Path(__file__).resolve().parents[1] / "book"
    return {f"{p.parent.name}/{p.stem}" for p in book.glob("*/*.py")
            if "train_grid(" in p.read_text() or "time_side_by_side(" in p.read_text()}


def test_every_training_page_reads_its_spec():
    assert set(experiments.pages()) == _book_pages_that_train()
    for name in experiments.pages():
        source = (Path(__file__).resolve().parents[1] / "book" / f"{name}.py").read_text()
        assert f'page_spec("{name}"' in source, name
        assert "train_grid(spec" in source or "time_side_by_side(spec.configs" in source, name


@pytest.mark.parametrize("name", experiments.pages())
def test_page_specs_are_complete_at_every_scale(name):
    for scale_name in experiments.SCALE_NAMES:
        if name == "appendix/calibration" and scale_name == "paper":  # the papers fix their own budgets
            with pytest.raises(ValueError, match="calibrates the smoke and small scales"):
                experiments.page_spec(name, scale_name)
            continue
        spec = experiments.page_spec(name, scale_name)
        assert spec.page == name and spec.scale == scale_name and spec.configs and spec.seeds
        if name == "appendix/calibration":  # measured along the way (its curves), not after
            assert spec.evaluations == () and all(c.eval.fd_every for c in spec.configs.values())
        elif name == "fakeclr/cost":  # timed, not trained: its "seeds" are the timing rounds
            assert spec.evaluations == () and spec.settings["rounds"] == len(spec.seeds) >= 2
        else:
            assert spec.evaluation("metrics").n == experiments.scale(scale_name).fd_count
        labels = set(spec.configs)
        for claim in spec.claims:
            assert {label for pair in claim.pairs for label in pair} <= labels
            assert all(a != b for a, b in claim.pairs)
        assert len(spec.runs()) == sum(len(spec.seeds_of(label)) for label in spec.configs)


def test_page_spec_takes_the_page_parameters_and_refuses_others():
    spec = experiments.page_spec("contragan/conditioning_losses", "smoke", seeds=2, steps=7)
    assert spec.seeds == [0, 1] and {c.optim.steps for c in spec.configs.values()} == {7}
    with pytest.raises(ValueError, match="no page spec 'contragan/table9'"):
        experiments.page_spec("contragan/table9", "smoke")
    with pytest.raises(ValueError, match="takes no parameter \\['sizes'\\]"):
        experiments.page_spec("contragan/conditioning_losses", "smoke", sizes=(1, 2))
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        experiments.page_spec("contragan/conditioning_losses", "huge")
    with pytest.raises(ValueError, match="repeats a seed"):
        experiments.page_spec("contragan/conditioning_losses", "smoke", seeds=[1, 1])
    sized = experiments.page_spec("dual_attention/data_size", "smoke", sizes=(40, 80))
    assert sorted({c.data.count for c in sized.configs.values()}) == [40, 80]


def test_fakeclr_ablations_spec_gives_table1s_other_sizes_fewer_seeds():
    spec = experiments.page_spec("fakeclr/ablations", "small")
    assert spec.seeds == list(experiments.FAKECLR_PAIRED_SEEDS["small"]) == [0, 1, 2, 3, 4]  # the issue's >= 5
    assert spec.seeds_of("Instance-real @ 1000") == list(experiments.FAKECLR_T1_SEEDS["small"])
    few = experiments.FAKECLR_FEW_SHOT["small"]
    assert spec.seeds_of(f"Instance-real @ {few}") == spec.seeds_of("+ forgetting factor") == spec.seeds
    assert spec.settings["table1"] + spec.settings["table5"] == list(spec.configs)
    # Table 5's first two rows are Table 1's runs: the same run ids, trained once
    assert spec.configs["StyleGAN2-ADA-Linear"].run_id(0) == spec.configs[f"StyleGAN2-ADA-Linear @ {few}"].run_id(0)


def test_spec_parts_check_what_they_are_given():
    with pytest.raises(ValueError, match="evaluation kind 'lpips' is unknown"):
        experiments.Evaluation("lpips", 10)
    with pytest.raises(ValueError, match="PPL space 'x'"):
        experiments.Evaluation("ppl", 10, space="x")
    with pytest.raises(ValueError, match="better='smaller'"):
        experiments.Claim("X1", "x", (("a", "b"),), better="smaller")
    configs = experiments.contragan_table1("smoke")
    with pytest.raises(ValueError, match="claim X1 compares configurations the spec does not have: \\['Z'\\]"):
        experiments.PageSpec("p", "smoke", configs, [0], (), (experiments.Claim("X1", "x", (("P-NCA", "Z"),)),))
    spec = experiments.page_spec("fakeclr/ppl", "smoke")
    assert spec.evaluation("ppl", "z").space == "z"
    with pytest.raises(KeyError, match="declares no 'objects' evaluation"):
        spec.evaluation("objects")
    with pytest.raises(KeyError, match="declares no claim 'C9'"):
        spec.claim("C9")


@pytest.mark.parametrize("name", experiments.pages())
def test_a_page_spec_takes_exactly_the_pages_parameters(name):
    """gancl plan hands a page's parameters to its spec: the two must name the same ones."""
    import inspect

    from gancl.book.pages import declared_parameters, read_page
    from gancl.experiments.plan import NOT_SPEC_PARAMETERS
    from gancl.experiments.spec import _PAGES

    page = Path(__file__).resolve().parents[1] / "book" / f"{name}.py"
    declared = set(declared_parameters(read_page(page))) - set(NOT_SPEC_PARAMETERS)
    assert declared == set(inspect.signature(_PAGES[name]).parameters) - {"scale"}


def test_the_regime_gate_refuses_to_judge_a_generator_that_has_not_learned_the_data():
    import pandas as pd

    spec = experiments.page_spec("contragan/conditioning_losses", "smoke", seeds=3)
    assert spec.gate.baseline == "2C (ContraGAN)" and dict(spec.gate.minimum) == {"precision": 0.5, "recall": 0.3}
    rows = [{"config": label, "seed": s, "fd": 10.0 + i + 0.1 * s * (i % 2), "precision": 0.6, "recall": 0.4}
            for i, label in enumerate(["2C (ContraGAN)", "Eq. 7", "NT-Xent", "P-NCA", "Uncond. GAN"])
            for s in range(3)]
    learned = pd.DataFrame(rows)
    assert spec.judge(learned, "C1").verdict == "reproduced"
    blobs = learned.assign(precision=0.01)
    judged = spec.judge(blobs, "C1")
    assert judged.verdict.startswith("not judged: precision 0.01 below 0.5 (2C (ContraGAN)")
    assert set(judged.pairs["outcome"]) == {"not judged"}
    low_recall = learned.assign(recall=0.1)
    assert "recall 0.1 below 0.3" in spec.judge(low_recall, "C2").verdict
    scenes = experiments.page_spec("msconD/scales", "small")
    assert dict(scenes.gate.minimum) == {"recognised_ratio": 0.5, "precision": 0.5, "recall": 0.3}
    for page in ("fakeclr/interpolation", "fakeclr/ppl", "fakeclr/ablations"):  # few-shot: memorisation
        few_shot = experiments.page_spec(page, "small")
        assert dict(few_shot.gate.minimum) == {"memorised_share": 0.8}
        assert few_shot.evaluation("memorisation") == experiments.memorisation_evaluation("small")
        assert few_shot.evaluation("memorisation").n == experiments.scale("small").fd_count
    with pytest.raises(ValueError, match="gate's baseline 'Z'"):
        experiments.PageSpec("p", "smoke", spec.configs, [0], (), gate=experiments.spec.Gate("Z", ()))


def test_fig3_gates_on_precision_alone_as_a_memorising_generator_has_no_held_out_recall():
    import pandas as pd

    spec = experiments.page_spec("contragan/stability", "small")
    assert spec.gate.baseline == "ProjGAN" and dict(spec.gate.minimum) == {"precision": 0.5}
    fig3 = experiments.CONTRAGAN_FIG3["small"]
    assert spec.configs["ProjGAN"].data.count == fig3["count"] == 64
    assert spec.configs["ProjGAN"].optim.steps == spec.configs["ContraGAN"].optim.steps == fig3["steps"]
    rows = [{"config": label, "seed": s, "precision": 0.7, "recall": 0.0, "overfit_censored": False,
             "overfit_step": 500.0 + 100 * (label == "ContraGAN"), "collapse_step": 6000.0, "collapse_censored": True}
            for label in ("ProjGAN", "ContraGAN") for s in range(5)]
    memorised = pd.DataFrame(rows)
    assert spec.judge(memorised, "C4a").verdict == "reproduced"  # recall 0 does not hold it back
    assert spec.judge(memorised.assign(precision=0.05), "C4a").verdict.startswith("not judged: precision 0.05")
    assert experiments.data_gate("X", "cifar10", ("precision",)) is None  # real data: no gate declared
    with pytest.raises(ValueError, match=r"no threshold on \['fd'\]"):
        experiments.data_gate("X", "shapes", ("precision", "fd"))


def test_a_claim_with_its_own_gate_is_judged_on_its_own_baseline():
    """A page comparing two backbones gates each backbone's claim on that backbone's baseline: one that has not
    learned the data does not keep the other's claim from being judged (or the reverse)."""
    import pandas as pd

    from gancl.book.results import claim_records, gate_description, gate_sentence
    from gancl.experiments.spec import Claim, Gate, PageSpec

    configs = {label: None for label in ("A new", "A base", "B new", "B base")}
    gate_a, gate_b = Gate("A base", (("precision", 0.5),)), Gate("B base", (("precision", 0.5),))
    claims = (Claim("X1", "new beats base on A", (("A new", "A base"),), gate=gate_a),
              Claim("X2", "new beats base on B", (("B new", "B base"),), gate=gate_b))
    spec = PageSpec("p", "smoke", configs, [0, 1, 2], (), claims)
    rows = pd.DataFrame([{"config": label, "seed": s, "fd": 10.0 + 5 * label.endswith("base") + 0.1 * s,
                          "precision": 0.6 if label.startswith("A") else 0.1} for label in configs for s in range(3)])
    assert spec.judge(rows, "X1").verdict == "reproduced"
    assert spec.judge(rows, "X2").verdict.startswith("not judged: precision 0.1 below 0.5 (B base")
    assert spec.gate_of("X2") is gate_b and spec.gate_of() is None and spec.gates() == [gate_a, gate_b]
    assert set(spec.check_orderings(rows, [("B new", "B base")], value="fd", claim_id="X2")["outcome"]) == {
        "not judged"}
    assert set(spec.check_orderings(rows, [("A new", "A base")], value="fd", claim_id="X1")["outcome"]) == {"agrees"}
    lines = gate_sentence(spec, rows).splitlines()
    assert len(lines) == 2 and ": passed;" in lines[0] and "not passed (precision 0.1" in lines[1]
    assert gate_description(spec, "X2") == "B base: precision >= 0.5"
    records = claim_records(spec, {c.id: spec.judge(rows, c.id) for c in claims})
    assert [r["gate"] for r in records] == ["A base: precision >= 0.5", "B base: precision >= 0.5"]
    # the smallest effect worth reporting comes from the evaluation noise of the claim's own baseline
    rows.attrs["evaluation_noise"] = {"fd": 0.5}
    rows.attrs["evaluation_noise_of"] = {"A base": {"fd": 0.5}, "B base": {"fd": 2.0}}
    assert (spec.judge(rows, "X1").delta, spec.judge(rows, "X2").delta) == (1.0, 4.0)
    with pytest.raises(ValueError, match="claim X1's gate's baseline 'Z'"):
        PageSpec("p", "smoke", configs, [0], (), (Claim("X1", "s", (("A new", "A base"),), gate=Gate("Z", ())),))


def test_every_claim_a_page_judges_is_registered_with_that_page():
    judged = {}
    for name in experiments.pages():
        for claim in experiments.page_spec(name, "smoke").claims:
            judged[claim.id] = name
    for claim_id, name in judged.items():
        assert experiments.CLAIMS[claim_id].page == name, claim_id
    assert {c.page for c in experiments.CLAIMS.values()} - {None} <= set(experiments.pages())
    # the issue's 18, with ContraGAN's C3 and Dual's D1 (one per backbone), C4, MsConD's M1 and M2 each in two parts
    assert len(experiments.CLAIMS) == 35  # FakeCLR Tables 3/4 (F14a/b), ContraGAN Table 3 (C6), FakeCLR supp. Table 7 (F10a/b), Figs. 2 and 5 (F11-F13), and FakeCLR's supplement Table 8 (F6, F7), Fig. 9/10 (F8), Table 10 (F9)
    registered_with_a_page = {cid for cid, c in experiments.CLAIMS.items() if c.page is not None}
    assert registered_with_a_page == set(judged)  # a page judges every claim registered with it


def _learned_and_blobs(spec):
    import pandas as pd

    rows = [{"config": label, "seed": s, "fd": 10.0 + i + 0.1 * s * (i % 2), "precision": 0.6, "recall": 0.4}
            for i, label in enumerate(spec.configs) for s in range(3)]
    learned = pd.DataFrame(rows)
    return learned, learned.assign(precision=0.01)


def test_comparisons_against_the_paper_go_through_the_regime_gate():
    from gancl import tables

    spec = experiments.page_spec("contragan/conditioning_losses", "smoke", seeds=3)
    learned, blobs = _learned_and_blobs(spec)
    paper = tables.paper_values("contragan_t1", dataset="CIFAR10")
    judged = spec.compare(paper, learned, value="fd")
    assert judged.verdict in ("reproduced", "reversed", "inconclusive")
    assert "not judged" not in set(judged.pairs["outcome"])
    gated = spec.compare(paper, blobs, value="fd")
    assert gated.verdict.startswith("not judged: precision 0.01 below 0.5")
    assert set(gated.pairs["outcome"]) == {"not judged"} and gated.summary.startswith("not judged")
    assert gated.table["reproduced_mean"].tolist() == judged.table["reproduced_mean"].tolist()  # values still shown
    # a subset or renamed frame is gated on the page's full results
    subset = learned[learned["config"] != spec.gate.baseline]
    assert spec.compare(paper, subset, value="fd").verdict.startswith("not judged")
    assert not spec.compare(paper, subset, value="fd", gate_on=learned).verdict.startswith("not judged")
    pairs = list(spec.claim("C2").pairs)
    checked = spec.check_orderings(blobs, pairs, value="fd")
    assert set(checked["outcome"]) == {"not judged"} and tables.verdict_of(checked["outcome"]) == "not judged"
    assert set(spec.check_orderings(learned, pairs, value="fd")["outcome"]) <= set(tables.OUTCOMES)
    with pytest.raises(ValueError, match="some orderings were judged and some not"):
        tables.verdict_of(["agrees", "not judged"])


def test_a_page_judging_around_its_spec_breaks_the_convention():
    import jupytext

    from gancl.book.pages import page_problems, ungated_verdicts

    nb = jupytext.reads("# %%\nx = 1\n\n# %%\nc = tables.compare(paper, results)\n\n# %%\n"
                        "d = spec.compare(paper, results)\n", fmt="py:percent")
    problems = ungated_verdicts(nb)
    assert len(problems) == 1 and "cell 1 calls tables.compare directly" in problems[0]
    assert any("tables.compare" in p for p in page_problems(nb))


def test_event_claims_censored_in_every_run_are_not_judged():
    import pandas as pd

    spec = experiments.page_spec("contragan/stability", "smoke", seeds=3)
    assert {c.id for c in spec.claims} == {"C4a", "C4b"} and spec.gate.baseline == "ProjGAN"
    c4a = spec.claim("C4a")
    assert (c4a.value, c4a.better, c4a.censored) == ("overfit_step", "higher", "overfit_censored")
    assert c4a.delta == spec.configs["ProjGAN"].eval.diag_every
    rows = [{"config": label, "seed": s, "precision": 0.6, "recall": 0.4,
             "overfit_step": (30 if label == "ContraGAN" else 10) + s, "overfit_censored": False,
             "collapse_step": 60.0, "collapse_censored": True}
            for label in ("ProjGAN", "ContraGAN") for s in range(3)]
    results = pd.DataFrame(rows)
    assert spec.judge(results, "C4a").verdict == "reproduced"
    assert spec.judge(results, "C4b").verdict.startswith("not judged: no run reached the event")
    one_collapse = results.assign(collapse_censored=[False, True, True, True, True, True])
    assert not spec.judge(one_collapse, "C4b").verdict.startswith("not judged")


def test_logit_dynamics_claims_and_the_dynamics_evaluation():
    spec = experiments.page_spec("msconD/logit_dynamics", "smoke")
    assert {c.id: c.value for c in spec.claims} == {"M1a": "separation_end", "M1b": "finest_fake_std"}
    assert spec.gate.baseline == "StyleGAN2" and spec.evaluation("objects").n == spec.n_eval
    dynamics = spec.evaluation("dynamics")
    assert dict(dynamics.options) == {"measure": "logits"}
    with pytest.raises(ValueError, match="names its measure"):
        experiments.Evaluation("dynamics")
    with pytest.raises(ValueError, match="needs n >= 1"):
        experiments.Evaluation("metrics")
    assert dict(experiments.Evaluation.dynamics("overfitting", threshold=0.3).options) == {
        "measure": "overfitting", "threshold": 0.3}


def test_training_plan_counts_shared_runs_once_and_estimates_pending_ones(tmp_path):
    import json

    from gancl.experiments.plan import plan_summary, training_plan

    t1 = experiments.page_spec("contragan/conditioning_losses", "smoke")
    two_c, pnca, uncond = (t1.configs[label] for label in ("2C (ContraGAN)", "P-NCA", "Uncond. GAN"))
    done = tmp_path / two_c.run_id(0)
    done.mkdir()
    (done / "config.json").write_text(json.dumps(two_c.to_dict(), default=list))
    (done / "result.json").write_text(json.dumps({"status": "finished", "seconds_per_step": 0.5}))
    failed = tmp_path / pnca.run_id(0)
    failed.mkdir()
    (failed / "diverged.json").write_text(json.dumps({"step": 3, "message": "loss D/adv is nan"}))
    pages = ["contragan/conditioning_losses", "contragan/class_fidelity", "fakeclr/cost"]
    plan = training_plan("smoke", pages, root=tmp_path).set_index("run_id")
    assert plan.index.is_unique  # the runs both pages train are one run each
    assert plan.loc[two_c.run_id(0), "pages"] == ["contragan/conditioning_losses", "contragan/class_fidelity"]
    assert plan.loc[two_c.run_id(0), "status"] == "finished"
    assert plan.loc[pnca.run_id(0), "status"] == "diverged"
    # a pending run of the same step shape (SN-DCGAN, resolution, batch, no instance term) is estimated from it
    steps = uncond.optim.steps
    assert plan.loc[uncond.run_id(0), "estimated_hours"] == pytest.approx(0.5 * steps / 3600)
    assert not any("fakeclr" in names[0] for names in plan["pages"])  # the timing page trains nothing
    summary = plan_summary(plan.reset_index()).set_index("paper").loc["contragan"]
    assert (summary["finished"], summary["diverged"], summary["pending"]) == (1, 1, len(plan) - 2)
    assert summary["pending_hours"] == pytest.approx((len(plan) - 2) * 0.5 * steps / 3600)
    # every page at `paper` scale: the calibration appendix, which has no paper scale, is skipped and said so
    everything = training_plan("paper", root=tmp_path)
    assert "appendix/calibration" in everything.attrs["skipped"] and len(everything)
    # at `small` the calibration's runs that Table 1 shares count under ContraGAN, not the appendix
    small = training_plan("small", ["appendix/calibration", "contragan/conditioning_losses"], root=tmp_path)
    shared = small[small["config"] == "2C (ContraGAN)"]
    assert len(shared) == 5 and all(names[0] == "contragan/conditioning_losses" for names in shared["pages"])
    assert sum("appendix/calibration" in names for names in shared["pages"]) == 3  # seeds 0-2 are its runs too
