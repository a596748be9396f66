"""Tests of gancl.models: shapes, heads, conditioning, attention placement and routing, per-sample independence of
D, the MsConD Table 1 layout, the StyleGAN2 mapping/synthesis API, validation errors and gradient flow."""

from __future__ import annotations

import copy
import re
import time

import pytest
import torch

from gancl.losses import momentum_update
from gancl.models import (DOutput, ModelConfig, ReferenceAttention, SANAttention, SelfAttention, attend,
                          build_discriminator, build_generator, describe_layers, layer_shapes)
from gancl.models.layers import factories
from roundoff import assert_close_reordered, fan_in_total

ARCHS = ("dcgan", "resnet", "stylegan2")
RESOLUTIONS = (16, 32, 64, 128)
conv_f = factories(False)[0]


def small(**kw) -> ModelConfig:
    base = dict(g_channels=8, d_channels=8, channel_cap=32, z_dim=16, w_dim=16, mapping_layers=2, embed_dim=8,
                ms_proj_dim=8, g_shared_dim=8, instance_head_hidden=16, san_kernel=3)
    base.update(kw)
    return ModelConfig(**base)


def gen(G, z, y=None):
    """Deterministic generator call (const noise for StyleGAN2)."""
    if hasattr(G, "mapping"):
        return G(z, y, noise_mode="const")
    return G(z, y)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("res", RESOLUTIONS)
def test_shapes_every_arch_and_resolution(arch, res):
    cfg = small(arch=arch, resolution=res)
    G, D = build_generator(cfg), build_discriminator(cfg)
    assert (G.z_dim, G.num_classes, G.resolution) == (16, 0, res)
    x = G(torch.randn(2, 16))
    assert x.shape == (2, 3, res, res) and torch.isfinite(x).all()
    out = D(x)
    assert isinstance(out, DOutput)
    assert out.logits.shape == (2,) and out.features.shape == (2, D.backbone.feat_dim)
    assert out.embed is None and out.class_logits is None and out.scale_logits == {} and out.instance_proj is None
    assert D.feature_resolutions() == cfg.d_feature_resolutions()
    assert G.feature_resolutions() == cfg.g_feature_resolutions()


def test_dcgan_and_resnet_outputs_in_tanh_range():
    for arch in ("dcgan", "resnet"):
        x = build_generator(small(arch=arch))(torch.randn(2, 16) * 10)
        assert x.abs().max() <= 1.0


@pytest.mark.parametrize("arch", ARCHS)
def test_heads(arch):
    x = torch.randn(2, 3, 32, 32)
    y0, y1 = torch.tensor([0, 1]), torch.tensor([2, 2])

    D = build_discriminator(small(arch=arch, num_classes=3, d_head="proj")).eval()
    assert not torch.allclose(D(x, y0).logits, D(x, y1).logits)
    with pytest.raises(ValueError, match="needs the labels"):
        D(x)

    D = build_discriminator(small(arch=arch, num_classes=3, d_head="acgan"))
    assert D(x).class_logits.shape == (2, 3)

    D = build_discriminator(small(arch=arch, num_classes=3, d_head="contrastive", instance_head_dim=5))
    out = D(x, y0)
    assert out.embed.shape == (2, 8) and out.proxy.shape == (2, 8) and out.class_embeddings.shape == (3, 8)
    assert torch.equal(out.proxy, out.class_embeddings[y0])
    assert out.instance_proj.shape == (2, 5)
    assert D(x).proxy is None  # no labels: no proxy, but the embedding is still there
    # the embedding is a linear map of the pooled features, not normalised (the losses normalise)
    assert not torch.allclose(out.embed.norm(dim=1), torch.ones(2))

    # ContraGAN Table 4's D: the projection term stays in the logit and the 2C head sits beside it
    cfg = small(arch=arch, num_classes=3, d_head="proj_contrastive")
    D = build_discriminator(cfg).eval()
    out = D(x, y0)
    assert not torch.allclose(out.logits, D(x, y1).logits)
    assert out.embed.shape == (2, 8) and torch.equal(out.proxy, out.class_embeddings[y0])
    proj = build_discriminator(small(arch=arch, num_classes=3, d_head="proj"))
    extra = sum(p.numel() for p in D.parameters()) - sum(p.numel() for p in proj.parameters())
    assert extra == sum(p.numel() for p in D.contrastive.parameters()) > 0
    assert [row[0] for row in D.layer_rows()][-2:] == ["head: proj", "head: contrastive"]


@pytest.mark.parametrize("arch,g_norm", [("dcgan", "bn"), ("dcgan", "none"), ("resnet", "bn"), ("resnet", "none"),
                                         ("stylegan2", "bn")])
def test_conditional_generator_uses_labels(arch, g_norm):
    G = build_generator(small(arch=arch, num_classes=4, g_norm=g_norm))
    z = torch.randn(2, 16)
    a, b = gen(G, z, torch.tensor([0, 0])), gen(G, z, torch.tensor([3, 3]))
    assert (a - b).abs().mean() > 1e-4
    with pytest.raises(ValueError, match="conditional"):
        G(z)


def _record_input_height(module):
    seen = []
    module.register_forward_hook(lambda _m, inputs, _o: seen.append(inputs[0].shape[-1]))
    return seen


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("kind,cls", [("sagan", SelfAttention), ("san", SANAttention)])
def test_generator_attention_placement(arch, kind, cls):
    G = build_generator(small(arch=arch, g_attention=kind, g_attention_res=8))
    attn = [m for m in G.modules() if isinstance(m, cls)]
    assert len(attn) == 1
    seen = _record_input_height(attn[0])
    assert G(torch.randn(2, 16)).shape == (2, 3, 32, 32)
    assert seen == [8]
    with pytest.raises(ValueError, match=r"g_attention_res=64.*\[4, 8, 16, 32\]"):
        build_generator(small(arch=arch, g_attention=kind, g_attention_res=64))


@pytest.mark.parametrize("arch", ARCHS)
def test_discriminator_attention_and_branch_placement(arch):
    cfg = small(arch=arch, d_attention_res=8, multiscale_res=(16, 8))
    D = build_discriminator(cfg)
    seen = _record_input_height(D.attention)
    out = D(torch.randn(2, 3, 32, 32))
    assert seen == [8]
    assert set(out.scale_logits) == {16, 8, 1} and set(out.scale_proj) == {16, 8, 1}
    for h in (16, 8):
        assert out.scale_logits[h].shape == (2, h, h) and out.scale_proj[h].shape == (2, 8, h, h)
    assert out.scale_logits[1].shape == (2, 1, 1) and torch.equal(out.scale_logits[1].view(2), out.logits)
    assert out.scale_proj[1].shape == (2, 8, 1, 1)
    valid = re.escape(str(cfg.d_feature_resolutions()))
    for field in ("d_attention_res", "ref_attention_res"):
        with pytest.raises(ValueError, match=rf"{field}=2: .*{valid}"):
            build_discriminator(small(arch=arch, **{field: 2}))
    with pytest.raises(ValueError, match=r"multiscale_res has heights \[64\]"):
        build_discriminator(small(arch=arch, multiscale_res=(64,)))


def test_reference_attention_routing():
    """Each equation takes key/query/value from the documented image (supplement Eq. 1, 2; main-paper Eq. 8)."""
    c = 16
    pri, ref = torch.randn(2, c, 4, 4), torch.randn(2, c, 4, 4)
    const_pri = torch.randn(2, c, 1, 1).expand(2, c, 4, 4)
    const_ref = torch.randn(2, c, 1, 1).expand(2, c, 4, 4)
    mods = {eq: ReferenceAttention(c, conv_f, eq) for eq in ("eq8", "eq1", "eq2")}
    for eq in ("eq1", "eq2"):
        mods[eq].load_state_dict(mods["eq8"].state_dict())
    # value from the primary (eq8, eq2): a spatially constant primary makes the output independent of the reference
    for eq in ("eq8", "eq2"):
        torch.testing.assert_close(mods[eq](const_pri, ref), mods[eq](const_pri, torch.randn(2, c, 4, 4)))
    assert not torch.allclose(mods["eq1"](const_pri, ref), mods["eq1"](const_pri, torch.randn(2, c, 4, 4)))
    # key from the reference (eq8 only): a constant reference gives uniform attention = mean of primary values
    m = mods["eq8"]
    expected = m.out(m.value(pri).mean(dim=(2, 3), keepdim=True).expand(2, -1, 4, 4)) + pri
    torch.testing.assert_close(m(pri, const_ref), expected)
    assert not torch.allclose(mods["eq2"](pri, const_ref), expected)
    # all three differ on generic inputs
    outs = [mods[eq](pri, ref) for eq in ("eq8", "eq1", "eq2")]
    assert not torch.allclose(outs[0], outs[1]) and not torch.allclose(outs[0], outs[2])
    with pytest.raises(ValueError, match="sources='eq3'"):
        ReferenceAttention(c, conv_f, "eq3")


@pytest.mark.parametrize("arch", ARCHS)
def test_reference_attention_in_discriminator(arch):
    x, ref = torch.randn(2, 3, 32, 32), torch.randn(2, 3, 32, 32)
    outs = {}
    for eq in ("eq8", "eq1", "eq2"):
        torch.manual_seed(1)
        D = build_discriminator(small(arch=arch, ref_attention_res=8, ref_attention_eq=eq)).eval()
        assert D.ref_attention.sources == eq
        ref.grad = None
        outs[eq] = D(x, ref=ref.requires_grad_()).logits
        outs[eq].sum().backward()  # the output depends on the reference
        assert ref.grad.abs().sum() > 0
        with pytest.raises(ValueError, match="reference attention"):
            D(x)
    # eq8 and eq2 differ only in the key source, a tiny effect at init; test_reference_attention_routing covers it
    assert not torch.allclose(outs["eq1"], outs["eq8"]) and not torch.allclose(outs["eq1"], outs["eq2"])
    with pytest.raises(ValueError, match="no reference attention"):
        build_discriminator(small(arch=arch))(x, ref=ref)
    with pytest.raises(ValueError, match="ref_attention_eq='eq9'"):
        build_discriminator(small(arch=arch, ref_attention_res=8, ref_attention_eq="eq9"))


@pytest.mark.parametrize("arch", ARCHS)
def test_discriminator_outputs_are_per_sample(arch):
    cfg = small(arch=arch, num_classes=3, d_head="contrastive", d_attention_res=8, ref_attention_res=8,
                multiscale_res=(16,), instance_head_dim=4)
    D = build_discriminator(cfg).eval()
    x, ref, y = torch.randn(3, 3, 32, 32), torch.randn(3, 3, 32, 32), torch.tensor([0, 1, 2])
    full = D(x, y, ref)
    n = fan_in_total(D)  # a batch of one takes other kernels than a batch of three: the same sums, reordered
    for i in range(3):
        one = D(x[i:i + 1], y[i:i + 1], ref[i:i + 1])
        for name in ("logits", "features", "embed", "proxy", "instance_proj"):
            assert_close_reordered(getattr(one, name)[0], getattr(full, name)[i], n, name)
        for h in (16, 1):
            assert_close_reordered(one.scale_logits[h][0], full.scale_logits[h][i], n, f"logits at {h}")


def test_minibatch_std_is_opt_in_and_couples_the_batch():
    assert ModelConfig().mbstd_group == 0
    D = build_discriminator(small(arch="stylegan2", mbstd_group=2)).eval()
    x = torch.randn(2, 3, 32, 32)
    assert not torch.allclose(D(x).logits[:1], D(torch.cat([x[:1], -x[1:]])).logits[:1])
    with pytest.raises(ValueError, match="not divisible"):
        D(torch.randn(3, 3, 32, 32))
    with pytest.raises(ValueError, match="mbstd_group"):
        small(arch="dcgan", mbstd_group=2).validate()


PAPER_TABLE_1 = [  # MsConD supplement Table 1: (type, output shape H x W x C)
    ("-", (256, 256, 3)), ("backbone", (256, 256, 128)), ("backbone", (128, 128, 256)),
    ("backbone", (64, 64, 512)), ("backbone", (32, 32, 512)), ("backbone", (16, 16, 512)),
    ("branch: shared", (16, 16, 512)), ("branch: disc", (16, 16, 1)), ("branch: proj", (16, 16, 256)),
    ("backbone", (8, 8, 512)), ("branch: shared", (8, 8, 512)), ("branch: disc", (8, 8, 1)),
    ("branch: proj", (8, 8, 256)), ("backbone", (4, 4, 512)), ("backbone", (8192,)), ("backbone", (512,)),
    ("branch: disc", (1,)), ("branch: proj", (256,)),
]


def test_msconD_table1_shapes_at_256px():
    cfg = ModelConfig(arch="stylegan2", resolution=256, d_channels=128, channel_cap=512, multiscale_res=(16, 8),
                      ms_proj_dim=256)
    rows = layer_shapes(cfg)
    # the StyleGAN2 epilogue's 3x3 conv at 4x4 is the one layer the paper's table leaves out
    assert [r[1] for r in rows].count("Conv 3x3") == 1
    ours = [(kind, shape) for kind, name, shape in rows if name != "Conv 3x3"]
    assert ours == PAPER_TABLE_1


def test_describe_layers_on_a_real_model_keeps_training_mode():
    D = build_discriminator(small(arch="dcgan", multiscale_res=(8,)))
    rows = describe_layers(D)
    assert D.training
    assert rows[0] == ("-", "Image", (32, 32, 3))
    assert ("branch: disc", "1x1 Conv", (8, 8, 1)) in rows and rows[-1] == ("branch: proj", "Linear", (8,))


def test_stylegan2_mapping_synthesis_and_noise():
    G = build_generator(small(arch="stylegan2", num_classes=2))
    z, y = torch.randn(3, 16), torch.tensor([0, 1, 1])
    w = G.mapping(z, y)
    assert w.shape == (3, G.w_dim) and G.w_dim == 16
    a, b = G.synthesis(w, noise_mode="const"), G.synthesis(w, noise_mode="const")
    assert torch.equal(a, b)
    torch.testing.assert_close(G(z, y, noise_mode="const"), a)
    for layer in G.synthesis.convs:  # noise strengths start at 0; make the noise visible
        layer.noise_strength.data.fill_(0.5)
    assert not torch.allclose(G.synthesis(w), G.synthesis(w))  # fresh noise each call
    assert torch.equal(G.synthesis(w, noise_mode="const"), G.synthesis(w, noise_mode="const"))
    per_layer = w.unsqueeze(1).repeat(1, G.num_ws, 1)
    torch.testing.assert_close(G.synthesis(per_layer, noise_mode="none"), G.synthesis(w, noise_mode="none"))
    with pytest.raises(ValueError, match="noise_mode"):
        G.synthesis(w, noise_mode="fixed")
    with pytest.raises(ValueError, match="synthesis expects w"):
        G.synthesis(torch.randn(3, 7))
    # the running mean of w moves in training mode and truncation psi=0 maps every z to it
    assert G.mapping.w_avg.abs().sum() > 0
    G.eval()
    before = G.mapping.w_avg.clone()
    torch.testing.assert_close(G.mapping(z, y, truncation_psi=0.0), before.expand(3, -1))
    assert torch.equal(G.mapping.w_avg, before)


def test_truncated_sampling_psi_one_changes_nothing_and_psi_zero_draws_the_mean_w():
    """The truncation trick in sampling (MsConD's uncurated samples): the samplers the pages use take psi."""
    from gancl.metrics.evaluate import generated_batches
    from gancl.models import generate

    G = build_generator(small(arch="stylegan2"))
    G.mapping(torch.randn(64, 16))  # training mode: w_avg moves away from 0
    G.eval()
    for layer in G.synthesis.convs:  # noise inputs on, so equality below means the same noise too
        layer.noise_strength.data.fill_(0.3)
    plain = torch.cat([x for x, _ in generated_batches(G, 5, seed=1)])
    torch.testing.assert_close(torch.cat([x for x, _ in generated_batches(G, 5, seed=1, truncation_psi=1.0)]), plain)
    z = torch.randn(5, 16)
    mean_w = G.synthesis(G.mapping.w_avg.expand(5, -1), noise_mode="const")
    torch.testing.assert_close(G(z, truncation_psi=0.0, noise_mode="const"), mean_w)  # every z: the mean w's image
    for layer in G.synthesis.convs:  # generate() draws fresh noise: without it psi = 0 gives one image
        layer.noise_strength.data.zero_()
    torch.testing.assert_close(generate(G, z, truncation_psi=0.0), G.synthesis(G.mapping.w_avg.expand(5, -1)))
    # the samplers pass psi on: every sample of generated_batches at psi = 0 is the mean w's image
    truncated = torch.cat([x for x, _ in generated_batches(G, 5, seed=1, truncation_psi=0.0)])
    torch.testing.assert_close(truncated, G.synthesis(G.mapping.w_avg.expand(5, -1)))
    half = generate(G, z, truncation_psi=0.5)
    assert not torch.allclose(half, generate(G, z)) and not torch.allclose(half, mean_w)
    with pytest.raises(ValueError, match="mapping network"):
        generate(build_generator(small(arch="dcgan")), torch.randn(2, 16), truncation_psi=0.7)


def test_san_attention_handles_borders_and_small_maps():
    san = SANAttention(16, 7, conv_f)
    san.gain.data.fill_(1.0)
    x = torch.randn(2, 16, 4, 4)  # footprint larger than the map: out-of-image neighbours are masked
    y = san(x)
    assert y.shape == x.shape and torch.isfinite(y).all()
    # local: with a 3x3 footprint a far-away change does not reach position (0, 0)
    san3 = SANAttention(16, 3, conv_f)
    san3.gain.data.fill_(1.0)
    x = torch.randn(1, 16, 8, 8)
    x2 = x.clone()
    x2[..., 5:, 5:] += 1.0
    torch.testing.assert_close(san3(x)[..., 0, 0], san3(x2)[..., 0, 0])
    assert not torch.allclose(san3(x)[..., 5, 5], san3(x2)[..., 5, 5])


def test_san_weights_are_a_softmax_over_the_footprint_inside_the_image():
    san = SANAttention(16, 3, conv_f)
    alpha = san.weights(torch.randn(2, 16, 5, 5))  # (N, m/share, k*k, HW)
    assert alpha.shape == (2, 4, 9, 25)
    torch.testing.assert_close(alpha.sum(dim=2), torch.ones(2, 4, 25))
    corner = alpha[..., 0].view(2, 4, 3, 3)  # query (0, 0): the row and column above/left are outside
    assert (corner[..., 0, :] == 0).all() and (corner[..., :, 0] == 0).all() and (corner[..., 1:, 1:] > 0).all()


def test_san_attention_maps_give_each_query_its_kernel_norms():
    from gancl.models import san_attention_maps

    torch.manual_seed(0)
    G = build_generator(small(arch="stylegan2", resolution=16, g_attention="san", g_attention_res=8)).eval()
    z = torch.randn(3, 16)
    torch.manual_seed(1)  # StyleGAN2's noise inputs: the same draw for every forward below
    found = san_attention_maps(G, z)
    assert found["images"].shape == (3, 3, 16, 16) and found["height"] == 8
    assert found["norms"].shape == (3, 8, 8, 3, 3)
    torch.manual_seed(1)
    with torch.no_grad():
        torch.testing.assert_close(found["images"], G(z))  # the hook leaves G's output alone
    captured = []
    layer = next(m for m in G.modules() if isinstance(m, SANAttention))
    handle = layer.register_forward_hook(lambda m, i, o: captured.append(i[0]))
    torch.manual_seed(1)
    with torch.no_grad():
        G(z)
    handle.remove()
    alpha = layer.weights(captured[0])  # (N, m/share, 9, 64)
    torch.testing.assert_close(found["norms"][1, 2, 5], alpha[1, :, :, 2 * 8 + 5].norm(dim=0).view(3, 3))
    assert (found["norms"][:, 0, :, 0, :] == 0).all()  # the top row's neighbours above are outside the image
    with pytest.raises(ValueError, match="SAN self-attention"):
        san_attention_maps(build_generator(small(arch="stylegan2", resolution=16)), z)


def test_attend_is_softmax_over_keys():
    k, q, v = torch.randn(1, 2, 2, 2), torch.randn(1, 2, 2, 2), torch.randn(1, 3, 2, 2)
    a = torch.softmax(q.flatten(2)[0].t() @ k.flatten(2)[0], dim=1)  # (query, key)
    torch.testing.assert_close(attend(k, q, v).flatten(2)[0], v.flatten(2)[0] @ a.t())


@pytest.mark.parametrize("arch", ARCHS)
def test_gradients_flow_everywhere(arch):
    cfg = small(arch=arch, num_classes=3, d_head="contrastive", g_attention="sagan", g_attention_res=8,
                d_attention_res=8, multiscale_res=(8,), instance_head_dim=4)
    G, D = build_generator(cfg), build_discriminator(cfg)
    y = torch.tensor([0, 1])
    out = D(G(torch.randn(2, 16), y), y)
    loss = (out.logits.sum() + out.embed.sum() + out.proxy.sum() + out.instance_proj.sum()
            + sum(v.sum() for v in out.scale_logits.values()) + sum(v.sum() for v in out.scale_proj.values()))
    loss.backward()
    for net in (G, D):
        for name, p in net.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert sum(p.grad.abs().sum() for p in G.parameters()) > 0


@pytest.mark.parametrize("kw,match", [
    (dict(arch="biggan"), "arch='biggan' is unknown"),
    (dict(resolution=48), r"resolution=48 is not supported.*\(16, 32, 64, 128, 256\)"),
    (dict(d_head="cls"), "d_head='cls' is unknown"),
    (dict(d_head="proj"), "needs labels; set num_classes > 0"),
    (dict(g_attention="sagan"), "go together"),
    (dict(g_attention="nonlocal", g_attention_res=8), "g_attention='nonlocal' is unknown"),
    (dict(g_norm="in"), "g_norm='in'"),
    (dict(multiscale_res=(8, 8)), "repeats a height"),
    (dict(arch="stylegan2", g_spectral_norm=True), "equalised learning rate"),
    (dict(san_kernel=4), "san_kernel=4"),
    (dict(z_dim=0), "z_dim=0"),
])
def test_config_validation(kw, match):
    with pytest.raises(ValueError, match=match):
        ModelConfig(**kw).validate()
    with pytest.raises(ValueError, match=match):
        build_generator(ModelConfig(**kw))


def test_bad_inputs_are_reported():
    G, D = build_generator(small()), build_discriminator(small())
    with pytest.raises(ValueError, match=r"z of shape \(N, 16\)"):
        G(torch.randn(2, 8))
    with pytest.raises(ValueError, match=r"images x of shape \(N, 3, 32, 32\)"):
        D(torch.randn(2, 3, 16, 16))


def test_spectral_norm_switches():
    G = build_generator(small(arch="resnet"))
    assert any("parametrizations" in n for n, _ in G.named_parameters())
    G = build_generator(small(arch="dcgan"))
    assert not any("parametrizations" in n for n, _ in G.named_parameters())
    assert any("parametrizations" in n for n, _ in build_discriminator(small()).named_parameters())
    D = build_discriminator(small(arch="stylegan2", d_spectral_norm=False))  # equalised learning rate
    assert not any("parametrizations" in n for n, _ in D.named_parameters())
    assert D(torch.randn(2, 3, 32, 32)).logits.shape == (2,)


def test_momentum_update():
    D = build_discriminator(small(instance_head_dim=4))
    key = copy.deepcopy(D)
    with torch.no_grad():
        for p in D.parameters():
            p.add_(1.0)
    before = [p.clone() for p in key.parameters()]
    momentum_update(key, D, 0.9)
    for b, p, o in zip(before, key.parameters(), D.parameters()):
        torch.testing.assert_close(p, 0.9 * b + 0.1 * o)
    with pytest.raises(ValueError, match="momentum"):
        momentum_update(key, D, 1.5)


def test_cpu_speed_of_small_dcgan():
    """Not an assertion on time: prints the cost of one 32 px SN-DCGAN (32 channels) G+D step at batch 64."""
    cfg = ModelConfig(arch="dcgan", resolution=32, g_channels=32, d_channels=32)
    G, D = build_generator(cfg), build_discriminator(cfg)
    z = torch.randn(64, cfg.z_dim)
    D(G(z)).logits.mean().backward()  # warm-up
    t0 = time.perf_counter()
    D(G(z)).logits.mean().backward()
    print(f"\n32 px SN-DCGAN (32 ch) G+D forward/backward, batch 64, CPU, 1 thread: {time.perf_counter() - t0:.3f} s")


def test_modulated_conv_modulates_before_upsampling_without_changing_the_result():
    """Scaling channels and bilinear upsampling commute: the layer scales the small map (a quarter of the pixels)
    and must equal StyleGAN2's order, upsample then modulate, to float32 rounding."""
    import torch.nn.functional as F

    from gancl.models.layers import ModulatedConv2d

    torch.manual_seed(0)
    layer = ModulatedConv2d(8, 4, 3, w_dim=16, up=True)
    x, w = torch.randn(2, 8, 5, 5), torch.randn(2, 16)
    s = layer.affine(w)
    up = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False) * s[:, :, None, None]
    weight = layer.weight * layer.weight_gain
    expected = F.conv2d(up, weight, padding=1)
    expected = expected * (s.square() @ weight.square().sum(dim=(2, 3)).t() + 1e-8).rsqrt()[:, :, None, None]
    got = layer(x, w)
    assert got.shape == (2, 4, 10, 10)
    # terms per output: the conv's 8 x 3 x 3, the affine's 16, 4 bilinear taps, the modulation and demodulation
    assert_close_reordered(got, expected, n=8 * 3 * 3 + 16 + 4 + 2, what="modulated conv, reordered")


def test_attention_reach_weighs_neighbour_distances_by_the_kernel_norms():
    from gancl.models import attention_reach

    norms = torch.zeros(1, 4, 4, 3, 3)
    norms[0, 1, 1, 1, 1] = 1.0  # query (1, 1) attends to itself only
    norms[0, 2, 2] = 1.0  # query (2, 2) weighs its whole 3x3 footprint alike
    norms[0, 2, 2, 1, 1] = 0.5
    assert attention_reach(norms, [(1, 1)])[0] == pytest.approx(0.0)
    weighted, uniform = attention_reach(norms, [(2, 2)])
    ring = 4 * 1.0 + 4 * 2 ** 0.5  # the eight neighbours' distances
    assert weighted == pytest.approx(ring / 8.5) and uniform == pytest.approx(ring / 9)
    corner = torch.zeros(1, 4, 4, 3, 3)
    corner[0, 0, 0, 1:, 1:] = 1.0  # at the image's corner only a 2x2 part of the footprint is inside
    assert attention_reach(corner, [(0, 0)]) == pytest.approx(((2 + 2 ** 0.5) / 4,) * 2)
