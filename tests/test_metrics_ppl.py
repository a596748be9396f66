"""Perceptual path length: closed forms on linear generators with a pixel distance, settings and fallbacks."""

import numpy as np
import pytest
import torch
from scipy import integrate, stats

import gancl.metrics.ppl as ppl_module
from gancl.metrics import FeatureExtractor, MissingWeightsError, perceptual_path_length
from gancl.metrics.ppl import lerp, slerp, trimmed, trimmed_mean


class LinearStyleG(torch.nn.Module):
    """Identity mapping, synthesis = scale * w reshaped to a 2x2 RGB image (z_dim = 12)."""

    z_dim, num_classes = 12, 0

    def __init__(self, scale=0.5):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor(scale), requires_grad=False)

    def mapping(self, z, y=None):
        return z

    def synthesis(self, w, noise_mode="random"):
        assert noise_mode == "const"
        return (self.scale * w).view(-1, 3, 2, 2)


class PlainG(torch.nn.Module):
    """No mapping network: G(z) = z reshaped to (3, 1, 1)."""

    z_dim, num_classes = 3, 0

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(()), requires_grad=False)

    def forward(self, z, y=None):
        return z.view(-1, 3, 1, 1) + self.dummy


def _trimmed_chi2_mean(d):
    """E[X | q_1% <= X <= q_99%] for X ~ chi^2_d: d (F_{d+2}(b) - F_{d+2}(a)) / 0.98."""
    a, b = stats.chi2.ppf([0.01, 0.99], d)
    return d * (stats.chi2.cdf(b, d + 2) - stats.chi2.cdf(a, d + 2)) / 0.98


def _trimmed_angle_sq_mean():
    """For directions in R^3, cos(angle) ~ U(-1, 1); angle^2 = arccos(u)^2 is monotone in u, so the 1-99% trim of
    angle^2 is u in [-0.98, 0.98]."""
    value, _ = integrate.quad(lambda u: np.arccos(u) ** 2, -0.98, 0.98)
    return value / 1.96


@pytest.mark.parametrize("sampling", ["end", "full"])
def test_ppl_w_space_linear_generator_closed_form(sampling):
    # w1 - w0 ~ N(0, 2 I_12): every value is scale^2 |w1 - w0|^2 = 2 scale^2 chi^2_12, whatever t is
    G = LinearStyleG(scale=0.5)
    res = perceptual_path_length(G, num_samples=20_000, space="w", sampling=sampling, distance="pixel",
                                 batch_size=5_000, progress=False)
    assert res.value == pytest.approx(2 * 0.25 * _trimmed_chi2_mean(12), rel=0.02)
    assert res.distance == "pixel" and res.label == "PPL (pixel)"
    assert res.n_samples == 20_000 and res.distances.shape == (20_000,)


def test_ppl_z_space_slerp_closed_form_with_mapping():
    # slerp moves at angular speed equal to the angle between z0 and z1; images are scale * unit vectors
    class G3(LinearStyleG):
        z_dim = 3

        def synthesis(self, w, noise_mode="random"):
            return (self.scale * w).view(-1, 3, 1, 1)

    res = perceptual_path_length(G3(scale=2.0), num_samples=50_000, space="z", sampling="full",
                                 distance="pixel", batch_size=25_000, progress=False)
    assert res.value == pytest.approx(4.0 * _trimmed_angle_sq_mean(), rel=0.02)


def test_ppl_z_space_without_mapping_scales_unit_vectors_by_sqrt_z_dim():
    res = perceptual_path_length(PlainG(), num_samples=50_000, space="z", distance="pixel", batch_size=25_000,
                                 progress=False)
    assert res.value == pytest.approx(3 * _trimmed_angle_sq_mean(), rel=0.02)


def test_trimmed_mean_keeps_both_percentiles():
    values = np.arange(1000, dtype=float)
    mean, kept = trimmed_mean(values)
    # 1st percentile "lower" = 9, 99th "higher" = 990, both kept
    assert kept == 982 and mean == pytest.approx(np.arange(9, 991).mean())


def test_slerp_and_lerp():
    a, b = torch.tensor([[3.0, 0.0]]), torch.tensor([[0.0, 5.0]])
    mid = slerp(a, b, torch.tensor([0.5]))
    assert torch.allclose(mid, torch.tensor([[2 ** -0.5, 2 ** -0.5]]))
    assert torch.allclose(lerp(a, b, torch.tensor([0.5])), torch.tensor([[1.5, 2.5]]))


class MeanColour(FeatureExtractor):
    """A stand-in extractor: per-channel means."""

    name, cache_id, dim, batch_size = "meancolour", None, 3, 16
    device = torch.device("cpu")

    def embed(self, images):
        return images.float().mean((2, 3))


def test_ppl_auto_falls_back_to_a_named_extractor(monkeypatch):
    monkeypatch.setattr(ppl_module, "lpips_available", lambda hub_dir=None: False)
    G = LinearStyleG()
    with pytest.raises(MissingWeightsError, match="fallback"):
        perceptual_path_length(G, num_samples=10, progress=False)
    res = perceptual_path_length(G, num_samples=64, fallback=MeanColour(), progress=False)
    assert res.distance == "features:meancolour" and res.label == "PPL (features:meancolour)"
    # per-channel means of scale * w: the distance is a fixed quadratic form of w1 - w0
    assert np.isfinite(res.value) and res.value > 0


def test_ppl_rejects_bad_settings():
    with pytest.raises(ValueError, match="space"):
        perceptual_path_length(LinearStyleG(), num_samples=4, space="x", distance="pixel")
    with pytest.raises(ValueError, match="mapping"):
        perceptual_path_length(PlainG(), num_samples=4, space="w", distance="pixel")


def test_lpips_without_weights_says_which_files(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(MissingWeightsError, match="weights-vgg16-lpips.pth"):
        ppl_module.lpips_distance()


def test_ppl_std_is_the_spread_of_the_kept_values():
    res = perceptual_path_length(LinearStyleG(scale=0.5), num_samples=2_000, space="w", distance="pixel",
                                 progress=False)
    kept = trimmed(res.distances)
    assert kept.size == res.n_kept and res.value == pytest.approx(kept.mean())
    assert res.std == pytest.approx(kept.std()) and 0 < res.std < res.distances.std()
