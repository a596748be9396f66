"""Generator-level metrics: evaluate_generator records, real-stats cache, interpolation smoothness, inversion."""

import numpy as np
import pytest
import torch

import gancl.metrics.stats as stats_module
from gancl.metrics import (DomainConfig, FeatureExtractor, class_consistency, domain_extractor, evaluate_features,
                           evaluate_generator, evaluate_real, frame_differences, generate_features, interpolation_smoothness,
                           invert, metric_label, path_points, real_stats)


@pytest.fixture(scope="module")
def extractor(cache):
    cfg = DomainConfig(dataset="shapes", resolution=16, count=1024, val_count=256, epochs=2, channels=(8, 16, 32))
    return domain_extractor(config=cfg, progress=False)


class OracleG(torch.nn.Module):
    """Conditional 'generator' that returns real training images of the requested class (chosen by z)."""

    z_dim, num_classes = 4, 10

    def __init__(self):
        super().__init__()
        from gancl.data import get_dataset

        data = get_dataset("shapes", 16, "train", count=500)
        self.bank = [data.images[data.labels == c] for c in range(10)]
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, z, y=None):
        pick = (z[:, 0].abs() * 1000).long()
        out = torch.stack([self.bank[c][i % len(self.bank[c])] for c, i in zip(y.tolist(), pick.tolist())])
        return out.float() / 127.5 - 1 + self.dummy


class NoiseG(torch.nn.Module):
    z_dim, num_classes = 4, 0

    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 3 * 16 * 16)

    def forward(self, z, y=None):
        return torch.tanh(self.proj(z)).view(-1, 3, 16, 16)


def test_metric_labels_name_the_extractor():
    assert metric_label("fd", "inception") == "FID"
    assert metric_label("kid", "inception") == "KID"
    assert metric_label("fd", "domain") == "FD (domain)"
    assert metric_label("intra_fd", "domain") == "intra-FD (domain)"
    with pytest.raises(ValueError, match="unknown metric"):
        metric_label("is", "domain")


def test_evaluate_generator_records_how_it_measured(extractor, cache):
    oracle = OracleG()
    oracle.train()
    res = evaluate_generator(oracle, "shapes", 16, extractor=extractor, n=200, real_count=256, kid_subsets=5,
                             kid_subset_size=100, progress=False)
    assert oracle.training  # mode restored
    assert (res.extractor, res.dataset, res.resolution, res.split) == ("domain", "shapes", 16, "val")
    assert (res.n_real, res.n_fake, res.seed) == (256, 200, 0)
    assert res.extractor_id == extractor.cache_id and res.extractor_accuracy == extractor.metrics["accuracy"]
    assert 0 <= res.class_consistency <= 1 and res.intra_fd > 0 and len(res.intra_fd_per_class) == 10
    assert all(v is not None for v in (res.kid_mean, res.precision, res.recall, res.density, res.coverage))
    row = res.table_row()
    assert {"FD (domain)", "KID (domain)", "Class consistency (domain)", "n_real", "n_fake", "split"} <= set(row)
    assert "FID" not in row

    noise = evaluate_generator(NoiseG(), "shapes", 16, extractor=extractor, n=200, real_count=256, kid_subsets=5,
                               kid_subset_size=100, progress=False)
    assert noise.fd > res.fd and noise.class_consistency is None and noise.intra_fd is None


class ShiftedOracleG(OracleG):
    """Draws real images of class y + 1 when asked for class y: a generator whose label order is off by one."""

    def forward(self, z, y=None):
        return super().forward(z, (y + 1) % self.num_classes)


def test_class_consistency_follows_the_label_the_generator_was_asked_for(extractor, cache):
    """The label order agrees end to end (ContraGAN issue: does 2C draw the class it is asked for?): a generator that
    draws real images of the asked class scores the domain classifier's own accuracy, one shifted by a class ~0."""
    kwargs = dict(extractor=extractor, n=200, real_count=256, kid_subsets=5, kid_subset_size=100, progress=False)
    right = evaluate_generator(OracleG(), "shapes", 16, **kwargs).class_consistency
    shifted = evaluate_generator(ShiftedOracleG(), "shapes", 16, **kwargs).class_consistency
    accuracy = extractor.metrics["accuracy"]
    assert right == pytest.approx(accuracy, abs=0.1), (right, accuracy)  # 0.31 and 0.36 (a 2-epoch classifier)
    assert shifted < 0.15 and right > 2 * shifted, (shifted, right)


class TrainingImagesG(torch.nn.Module):
    """An unconditional 'generator' that draws the training split's images in order, one per sample."""

    z_dim, num_classes = 4, 0

    def __init__(self, n):
        super().__init__()
        from gancl.data import get_dataset

        self.images, self.drawn = get_dataset("shapes", 16, "train", count=n).images, 0
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, z, y=None):
        out = self.images[self.drawn:self.drawn + len(z)]
        self.drawn += len(z)
        return out.float() / 127.5 - 1 + self.dummy


def test_evaluate_real_scores_the_training_images_as_a_generator_drawing_them_would(extractor, cache):
    kw = dict(extractor=extractor, n=200, kid_subsets=5, kid_subset_size=100)
    ceiling = evaluate_real("shapes", 16, **kw)
    drawn = evaluate_generator(TrainingImagesG(200), "shapes", 16, progress=False, **kw)
    for measure in ("fd", "precision", "recall", "density", "coverage"):
        assert getattr(ceiling, measure) == pytest.approx(getattr(drawn, measure), rel=1e-9, abs=1e-12), measure
    noise = evaluate_generator(NoiseG(), "shapes", 16, progress=False, **kw)
    assert ceiling.fd < noise.fd and ceiling.precision > noise.precision and ceiling.recall > noise.recall
    assert (ceiling.split, ceiling.n_fake, ceiling.seed) == ("val", 200, None)


def test_real_stats_are_cached_per_split_count_and_extractor(extractor, cache, monkeypatch):
    first = real_stats("shapes", 16, "val", extractor, count=128)
    files = list((cache / "stats").glob("shapes-r16-val-n128-*.npz"))
    assert len(files) == 1 and extractor.cache_id in files[0].name
    monkeypatch.setattr(stats_module, "compute_real_stats", lambda *a, **k: pytest.fail("recomputed"))
    again = real_stats("shapes", 16, "val", extractor, count=128)
    assert np.array_equal(first.mu, again.mu) and np.array_equal(first.feats, again.feats)
    assert (again.count, again.split, again.extractor) == (128, "val", "domain")
    assert again.feats.shape == (128, extractor.dim) and again.labels.shape == (128,)


def test_generate_features_is_seeded(extractor):
    G = NoiseG()
    a, labels, _ = generate_features(G, extractor, 20, batch_size=8, seed=5, progress=False)
    b, _, _ = generate_features(G, extractor, 20, batch_size=20, seed=5, progress=False)
    assert labels is None and torch.allclose(a, b, atol=1e-5)


def test_evaluate_features_from_arrays():
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((60, 4)), rng.standard_normal((50, 4)) + 0.5
    res = evaluate_features(real, fake, "toy", kid_subset_size=40, kid_subsets=3)
    assert (res.extractor, res.n_real, res.n_fake) == ("toy", 60, 50)
    assert res.table_row()["FD (toy)"] == res.fd > 0


def test_class_consistency_per_class_splits_the_share_by_the_asked_class():
    from gancl.metrics.evaluate import class_consistency_per_class

    labels, predictions = torch.tensor([0, 0, 1, 1, 1, 2]), torch.tensor([0, 1, 1, 1, 0, 0])
    assert class_consistency_per_class(predictions, labels) == {0: 0.5, 1: pytest.approx(2 / 3), 2: 0.0}
    presence = torch.tensor([[True, False, False], [False, True, False], [False, True, True], [True, True, False]])
    assert class_consistency_per_class(presence, torch.tensor([0, 0, 2, 1])) == {0: 0.5, 1: 1.0, 2: 1.0}


def test_class_confusion_tells_a_permuted_mapping_from_drawing_no_class():
    from gancl.metrics import class_confusion

    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    permuted = class_confusion(torch.tensor([1, 1, 2, 2, 0, 0]), labels)  # each label drawn as one other class
    assert permuted.tolist() == [[0, 2, 0], [0, 0, 2], [2, 0, 0]]
    scattered = class_confusion(torch.tensor([1, 2, 0, 2, 0, 1]), labels)  # no label drawn as one class
    assert scattered.max() == 1
    # both have class consistency 0 (the trace): only the rows tell them apart
    assert permuted.trace() == scattered.trace() == 0
    assert class_confusion(torch.tensor([0]), torch.tensor([0]), num_classes=4).shape == (4, 4)
    with pytest.raises(ValueError, match="one predicted class per sample"):
        class_confusion(torch.ones(2, 3, dtype=torch.bool), torch.tensor([0, 1]))
    res = evaluate_features(np.random.default_rng(0).standard_normal((8, 4)),
                            np.random.default_rng(1).standard_normal((6, 4)), "toy", fake_labels=labels,
                            predictions=torch.tensor([1, 1, 2, 2, 0, 0]), intra_class=False, kid_subset_size=4)
    assert res.class_confusion == permuted.tolist() and res.class_consistency == 0
    assert (res.largest_share, res.labels_elsewhere) == (1.0, 3)  # every label drawn as one other class


def test_label_landing_counts_labels_drawn_as_one_other_class():
    from gancl.metrics import label_landing

    shares = [[0.2, 0.8, 0.0], [0.0, 0.6, 0.4], [0.4, 0.3, 0.3]]  # 0 drawn as 1; 1 as itself; 2 as none in majority
    landing = label_landing(shares)
    assert landing["largest_share"] == pytest.approx((0.8 + 0.6 + 0.4) / 3)
    assert landing["elsewhere"] == [(0, 1)]
    assert label_landing(shares, majority=0.35)["elsewhere"] == [(0, 1), (2, 0)]


def test_class_consistency_single_and_multilabel():
    assert class_consistency(torch.tensor([1, 2, 3, 3]), torch.tensor([1, 2, 0, 3])) == 0.75
    presence = torch.tensor([[True, True, False], [False, False, True]])
    assert class_consistency(presence, torch.tensor([1, 0])) == 0.5


# ------------------------------------------------------------------------------------------ interpolation, inversion

class LinearStyleG(torch.nn.Module):
    z_dim, num_classes = 12, 0

    def __init__(self):
        super().__init__()
        noise = torch.randn(12, 12, generator=torch.Generator().manual_seed(0))
        self.mix = torch.nn.Parameter(torch.eye(12) + 0.1 * noise)

    def mapping(self, z, y=None):
        return z

    def synthesis(self, w, noise_mode="random"):
        return (0.3 * w @ self.mix).view(-1, 3, 2, 2)


class StepG(LinearStyleG):
    """Discontinuous in w[0]: the whole image flips from black to white where w[0] crosses 0."""

    def synthesis(self, w, noise_mode="random"):
        return torch.sign(w[:, :1]).view(-1, 1, 1, 1).expand(-1, 3, 2, 2)


def test_path_points_lerp_and_norm_keeping_slerp():
    a, b = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 2.0]])
    lin = path_points(a, b, 5, "lerp")
    sph = path_points(a, b, 5, "slerp")
    assert torch.allclose(lin[:, 0], a.double()) and torch.allclose(lin[:, -1], b.double())
    assert torch.allclose(sph[:, -1], b.double()) and torch.allclose(sph.norm(dim=-1), torch.full((1, 5), 2.0).double())
    assert torch.allclose(path_points(a, 3 * a, 3, "slerp"), path_points(a, 3 * a, 3, "lerp"))  # parallel: lerp


def test_frame_differences_are_in_unit_range():
    frames = torch.stack([torch.full((3, 4, 4), -1 + 0.2 * i) for i in range(4)])[None]
    assert np.allclose(frame_differences(frames), 0.1)


def test_smoothness_of_a_linear_generator_is_uniform():
    res = interpolation_smoothness(LinearStyleG(), n_pairs=3, steps=6, space="w")
    assert res.differences.shape == (3, 5) and res.method == "lerp"
    assert np.allclose(res.differences, res.differences[:, :1], rtol=1e-4)  # equal steps along straight lines


def test_smoothness_flags_the_jump_of_a_discontinuous_generator():
    start, end = -torch.ones(2, 12), torch.ones(2, 12)
    res = interpolation_smoothness(StepG(), start, end, steps=10, space="w", threshold=0.15)
    # w[0] crosses 0 between t = 4/9 and t = 5/9: one black-to-white jump per path
    assert res.flags.sum() == 2 and res.flags[:, 4].all() and np.allclose(res.differences[:, 4], 1.0)
    assert res.paths_with_jump == 1.0 and res.flagged_share == pytest.approx(2 / 18)


class MeanColour(FeatureExtractor):
    name, cache_id, dim, batch_size = "meancolour", None, 3, 16
    device = torch.device("cpu")

    def embed(self, images):
        return images.float().mean((2, 3))


def test_invert_recovers_latents_of_a_linear_generator():
    G = LinearStyleG()
    w_true = torch.randn(4, 12, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        target = G.synthesis(w_true)
    res = invert(G, target, space="w", steps=300, lr=0.1, extractor=MeanColour(), progress=False)
    assert res.mean_mse < 1e-4 and res.feature_distance.shape == (4,)
    assert G.mix.grad is None  # only the latents were optimised
    smooth = interpolation_smoothness(G, res.latents[:2], res.latents[2:], steps=4, space="w")
    assert smooth.frames.shape == (2, 4, 3, 2, 2)


def test_generated_batches_repeat_noise_inputs_and_leave_the_global_rng_alone():
    import torch

    from gancl.metrics.evaluate import generated_batches

    class Noisy(torch.nn.Module):  # like StyleGAN2: per-call noise from the global RNG
        z_dim, num_classes = 3, 0

        def forward(self, z, y=None):
            return torch.tanh(z.mean(1).view(-1, 1, 1, 1) + torch.randn(z.shape[0], 3, 4, 4))

    def draw():
        return torch.cat([x for x, _ in generated_batches(Noisy(), 5, batch_size=2, seed=7)])

    torch.manual_seed(0)
    first = draw()
    after_draw = torch.rand(1)
    torch.manual_seed(0)
    assert torch.equal(torch.rand(1), after_draw)  # the global RNG is where it was before the draw
    torch.manual_seed(123)
    assert torch.equal(draw(), first)  # whatever the global RNG state
    assert not torch.equal(torch.cat([x for x, _ in generated_batches(Noisy(), 5, seed=8)]), first)


def test_intra_class_fd_without_a_common_class_raises_unless_empty_is_allowed():
    from gancl.metrics.evaluate import intra_class_fd

    feats = np.random.default_rng(0).normal(size=(6, 2))
    real, fake = np.zeros(6, dtype=int), np.ones(6, dtype=int)  # no class on both sides
    with pytest.raises(ValueError, match="no class"):
        intra_class_fd(feats, real, feats, fake)
    value, per_class = intra_class_fd(feats, real, feats, fake, allow_empty=True)
    assert np.isnan(value) and per_class == {}
    assert intra_class_fd(feats, real, feats, real, allow_empty=True)[1].keys() == {0}
