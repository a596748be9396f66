"""Pure metric math on features: Frechet distance, KID, precision/recall, density/coverage."""

import numpy as np
import pytest
import torch

from gancl.metrics import (density_coverage, feature_statistics, frechet_distance, kernel_inception_distance,
                           knn_radii, precision_recall)
from gancl.metrics import prdc as prdc_module
from gancl.metrics.kid import unbiased_mmd2


def _random_stats(d, seed, shift=0.0, n_factor=2):
    """Mean and covariance of random correlated features: well conditioned (n = n_factor * d samples)."""
    rng = np.random.default_rng(seed)
    mix = np.eye(d) + 0.3 * rng.standard_normal((d, d)) / np.sqrt(d)
    feats = rng.standard_normal((n_factor * d, d)) @ mix + shift
    return feature_statistics(feats)


# ----------------------------------------------------------------------------------------------- Frechet distance

def test_fd_of_identical_statistics_is_zero():
    mu, sigma = _random_stats(32, 0)
    assert abs(frechet_distance(mu, sigma, mu, sigma)) < 1e-9 * np.trace(sigma)


def test_fd_with_equal_covariance_is_squared_mean_difference():
    mu, sigma = _random_stats(16, 1)
    delta = np.linspace(-1, 2, 16)
    assert frechet_distance(mu, sigma, mu + delta, sigma) == pytest.approx(float(delta @ delta), rel=1e-9)


def test_fd_accepts_torch_and_numpy_and_returns_python_float():
    mu1, s1 = _random_stats(8, 2)
    mu2, s2 = _random_stats(8, 3, shift=0.5)
    from_numpy = frechet_distance(mu1, s1, mu2, s2)
    from_torch = frechet_distance(*(torch.from_numpy(a).float() for a in (mu1, s1, mu2, s2)))
    assert type(from_numpy) is float and type(from_torch) is float
    assert from_torch == pytest.approx(from_numpy, rel=1e-5)


def test_fd_of_closed_form_gaussians():
    # N(0, a I) vs N(0, b I): d (a + b - 2 sqrt(ab)) = d (sqrt(a) - sqrt(b))^2
    d, a, b = 10, 4.0, 0.25
    fd = frechet_distance(np.zeros(d), a * np.eye(d), np.zeros(d), b * np.eye(d))
    assert fd == pytest.approx(d * (2.0 - 0.5) ** 2, rel=1e-12)


@pytest.mark.parametrize("d", [64, pytest.param(2048, marks=pytest.mark.slow)])
def test_fd_matches_pytorch_fid(d):
    from pytorch_fid.fid_score import calculate_frechet_distance

    mu1, s1 = _random_stats(d, 10)
    mu2, s2 = _random_stats(d, 11, shift=0.1)
    ours = frechet_distance(mu1, s1, mu2, s2)
    ref = calculate_frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(ref, rel=1e-6)


def test_fd_matches_torchmetrics_formula():
    from torchmetrics.image.fid import _compute_fid

    mu1, s1 = _random_stats(48, 12)
    mu2, s2 = _random_stats(48, 13, shift=-0.2)
    ref = _compute_fid(*(torch.from_numpy(a) for a in (mu1, s1, mu2, s2)))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(float(ref), rel=1e-6)


def test_fd_of_rank_deficient_covariances_is_finite_and_symmetric():
    rng = np.random.default_rng(4)
    mu1, s1 = feature_statistics(rng.standard_normal((10, 40)))  # rank 9 < 40: no Cholesky factor
    mu2, s2 = _random_stats(40, 5)  # full rank
    fd = frechet_distance(mu1, s1, mu2, s2)  # factors s1 by eigen-decomposition
    assert np.isfinite(fd) and fd > 0
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(fd, rel=1e-7)  # factors s2 by Cholesky


def test_fd_rejects_mismatched_shapes():
    mu, sigma = _random_stats(4, 5)
    with pytest.raises(ValueError, match="sigma2"):
        frechet_distance(mu, sigma, mu, sigma[:3, :3])
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(mu, sigma, mu * np.nan, sigma)


# ----------------------------------------------------------------------------------------------------------- KID

def test_unbiased_mmd2_matches_a_double_loop():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3)) + 0.5
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    m = 5
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    got = unbiased_mmd2(torch.from_numpy(x)[None], torch.from_numpy(y)[None])[0]
    assert float(got) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_near_zero_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((400, 16)), rng.standard_normal((400, 16))
    same_mean, same_std = kernel_inception_distance(a, b, num_subsets=20, subset_size=200)
    shifted_mean, _ = kernel_inception_distance(a, b + 1.0, num_subsets=20, subset_size=200)
    assert abs(same_mean) < 3 * same_std + 1e-3
    assert shifted_mean > 0.5 and shifted_mean > 50 * abs(same_mean)


def test_kid_full_sets_are_deterministic_and_match_torch_fidelity():
    from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, kid_features_to_metric

    rng = np.random.default_rng(2)
    a = torch.from_numpy(rng.standard_normal((150, 24))).float()
    b = torch.from_numpy(rng.standard_normal((150, 24)) * 1.1 + 0.2).float()
    m1, s1 = kernel_inception_distance(a, b, num_subsets=5, subset_size=1000, seed=0)
    m2, s2 = kernel_inception_distance(a, b, num_subsets=9, subset_size=150, seed=7)
    assert m1 == m2 and s1 == s2 == 0.0
    ref = kid_features_to_metric(a, b, kid_subsets=3, kid_subset_size=150, verbose=False)[KEY_METRIC_KID_MEAN]
    assert m1 == pytest.approx(ref, rel=1e-4)


def test_kid_subsets_are_seeded():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((120, 8)), rng.standard_normal((90, 8))
    assert kernel_inception_distance(a, b, 10, 50, seed=1) == kernel_inception_distance(a, b, 10, 50, seed=1)
    assert kernel_inception_distance(a, b, 10, 50, seed=1) != kernel_inception_distance(a, b, 10, 50, seed=2)


def test_kid_rejects_bad_arguments():
    a = np.zeros((10, 4))
    with pytest.raises(ValueError, match="same feature dimension"):
        kernel_inception_distance(a, np.zeros((10, 5)))
    with pytest.raises(ValueError, match="subset_size"):
        kernel_inception_distance(a, a, subset_size=1)


# -------------------------------------------------------------------------------- precision/recall, density/coverage

def _line(xs):
    """Points on the x axis of a 2-d plane."""
    return np.stack([np.asarray(xs, dtype=float), np.zeros(len(xs))], 1)


def test_precision_recall_of_identical_sets_is_one():
    feats = np.random.default_rng(0).standard_normal((60, 5))
    assert precision_recall(feats, feats.copy(), k=3) == (1.0, 1.0)


def test_precision_recall_hand_made_sets():
    # real radii (k=1) are all 1; fake 4 is exactly at distance 1 of real 3: inside, since the test is <=
    real, fake = _line([0, 1, 2, 3]), _line([4, 10])
    assert precision_recall(real, fake, k=1) == (0.5, 1.0)
    # fake radii (k=1) are 6 (each other's neighbour): every real is within 6 of fake 4
    assert precision_recall(real, _line([20, 30]), k=1) == (0.0, 0.0)


def test_density_coverage_hand_made_sets():
    real, fake = _line([0, 1, 2, 3]), _line([0.5, 2.0, 10])
    # fake 0.5 lies strictly inside the balls of reals 0 and 1, fake 2.0 only in real 2's (distance 1 is not < 1)
    density, coverage = density_coverage(real, fake, k=1)
    assert density == pytest.approx((2 + 1 + 0) / 3)
    assert coverage == pytest.approx(3 / 4)  # real 3's nearest fake is at distance 1, not < its radius 1


def test_knn_radii_exclude_the_point_itself_but_not_duplicates():
    feats = torch.tensor([[0.0], [0.0], [3.0]], dtype=torch.float64)
    assert knn_radii(feats, 1).tolist() == [0.0, 0.0, 3.0]
    with pytest.raises(ValueError, match="k must be"):
        knn_radii(feats, 3)


def _brute_force(real, fake, k):
    d_rr = np.linalg.norm(real[:, None] - real[None], axis=-1)
    d_ff = np.linalg.norm(fake[:, None] - fake[None], axis=-1)
    d_rf = np.linalg.norm(real[:, None] - fake[None], axis=-1)
    r_real = np.sort(d_rr, 1)[:, k]  # column 0 is the point itself
    r_fake = np.sort(d_ff, 1)[:, k]
    precision = (d_rf <= r_real[:, None]).any(0).mean()
    recall = (d_rf <= r_fake[None]).any(1).mean()
    density = (d_rf < r_real[:, None]).sum(0).mean() / k
    coverage = (d_rf.min(1) < r_real).mean()
    return precision, recall, density, coverage


def test_chunked_prdc_matches_brute_force(monkeypatch):
    monkeypatch.setattr(prdc_module, "_CHUNK", 7)  # several blocks, and a ragged last one
    rng = np.random.default_rng(5)
    real, fake = rng.standard_normal((53, 6)), rng.standard_normal((41, 6)) * 1.3 + 0.3
    p, r, dens, cov = _brute_force(real, fake, 3)
    assert precision_recall(real, fake, k=3) == pytest.approx((p, r))
    assert density_coverage(real, fake, k=3) == pytest.approx((dens, cov))
