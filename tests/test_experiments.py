"""Presets: every preset validates at every scale; page specs match the paper tables they mirror."""

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
    f = experiments.preset("fakeclr/fakeclr", "paper")
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
    with pytest.raises(ValueError, match="positive count"):
        experiments.seeds("small", 0)
