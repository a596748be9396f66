"""Feature extractors: the Inception pipeline without weights, missing-weights errors, the domain classifier."""

import pytest
import torch

import gancl.metrics.domain as domain_module
from gancl.data import to_float
from gancl.metrics import (DomainConfig, InceptionExtractor, MissingWeightsError, domain_extractor, get_extractor,
                           quantize)
from gancl.metrics.extractors import INCEPTION_WEIGHTS_FILE, INCEPTION_WEIGHTS_URL

TINY = dict(resolution=16, count=1024, val_count=256, epochs=2, batch_size=64, channels=(8, 16, 32))


@pytest.fixture(scope="module")
def random_inception():
    return InceptionExtractor(pretrained=False, batch_size=2)


def test_quantize_rounds_float_images_like_saving_png():
    x = torch.tensor([-1.0, -0.999, 0.0, 0.5, 1.2]).view(1, 1, 1, 5).expand(1, 3, 1, 5)
    assert quantize(x)[0, 0, 0].tolist() == [0, 0, 128, 191, 255]
    u = torch.randint(0, 256, (2, 3, 4, 4), dtype=torch.uint8)
    assert torch.equal(quantize(u), u) and torch.equal(quantize(to_float(u)), u)
    with pytest.raises(ValueError, match="N, 3, H, W"):
        quantize(torch.zeros(2, 1, 4, 4))


def test_untrained_inception_runs_the_whole_pipeline(random_inception):
    ext = random_inception
    images = torch.rand(2, 3, 16, 16) * 2 - 1  # 16 px: exercises the resize to 299 inside the network
    feats = ext(images)  # float input is rounded to uint8, then torch-fidelity's forward
    assert feats.shape == (2, 2048) and feats.dtype == torch.float32 and torch.isfinite(feats).all()
    # the differentiable float path follows torch-fidelity's own forward step by step
    direct = ext.embed(to_float(quantize(images)))
    assert torch.allclose(direct, feats, rtol=1e-4, atol=1e-6 * feats.abs().max().item())
    assert ext.name == "inception" and ext.cache_id is None  # random weights are never cached


def test_inception_missing_weights_error_says_what_and_where(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.delenv("GANCL_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(MissingWeightsError) as err:
        get_extractor("inception")
    message = str(err.value)
    assert INCEPTION_WEIGHTS_FILE in message and INCEPTION_WEIGHTS_URL in message
    assert str(tmp_path / "hub" / "checkpoints") in message and "GANCL_INCEPTION_WEIGHTS" in message
    with pytest.raises(MissingWeightsError, match="nowhere.pth"):
        get_extractor("inception", weights_path=tmp_path / "nowhere.pth")


def test_inception_loads_weights_from_env_path(monkeypatch, tmp_path, random_inception):
    path = tmp_path / "inception.pth"
    torch.save(random_inception.net.state_dict(), path)
    monkeypatch.setenv("GANCL_INCEPTION_WEIGHTS", str(path))
    loaded = get_extractor("inception", batch_size=2)
    assert loaded.cache_id == "inception-tf2015"
    images = torch.randint(0, 256, (1, 3, 8, 8), dtype=torch.uint8)
    assert torch.allclose(loaded(images), random_inception(images))


def test_get_extractor_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown feature extractor"):
        get_extractor("clip")


def test_extractor_for_builds_the_domain_extractor_of_the_data_and_passes_others_through(cache, monkeypatch):
    import gancl.metrics.extractors as extractors_module

    calls = []
    monkeypatch.setattr(extractors_module, "get_extractor", lambda name, device="cpu", **kw: calls.append((name, kw)))
    extractors_module.extractor_for("domain", "scenes", 16, data_dir="d", progress=False)
    extractors_module.extractor_for("inception", "scenes", 16, data_dir="d")
    assert calls == [("domain", {"dataset": "scenes", "resolution": 16, "data_dir": "d", "progress": False}),
                     ("inception", {})]


def test_domain_classifier_trains_caches_and_extracts(cache, monkeypatch):
    cfg = DomainConfig(dataset="shapes", **TINY)
    ext = domain_extractor(config=cfg, progress=False)
    assert (cache / "domain" / f"{cfg.key()}.pt").exists()
    assert ext.name == "domain" and ext.dim == 32 and 0.0 <= ext.metrics["accuracy"] <= 1.0
    assert ext.metrics["accuracy"] > 0.2  # well above chance (0.1) even after one tiny epoch

    # the second call loads the cached weights instead of training
    monkeypatch.setattr(domain_module, "train_domain_classifier", lambda *a, **k: pytest.fail("retrained"))
    again = domain_extractor(config=cfg, progress=False)
    assert again.metrics == ext.metrics and again.cache_id == ext.cache_id

    images = torch.rand(5, 3, 16, 16) * 2 - 1
    feats = ext(images)
    assert feats.shape == (5, 32) and torch.equal(feats, again(images))
    # other resolutions are resized to the classifier's 16 px
    assert ext(torch.rand(4, 3, 32, 32) * 2 - 1).shape == (4, 32)
    preds = ext.predict(images)
    assert preds.shape == (5,) and preds.dtype == torch.long
    assert torch.equal(preds, ext.predict_from_features(feats))


def test_domain_training_is_deterministic(cache):
    cfg = DomainConfig(dataset="shapes", seed=3, **{**TINY, "count": 128, "val_count": 64})
    a = domain_module.train_domain_classifier(cfg, progress=False)
    b = domain_module.train_domain_classifier(cfg, progress=False)
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])


def test_noise_training_is_seeded_changes_the_classifier_and_keeps_old_cache_keys(cache):
    import dataclasses

    cfg = DomainConfig(dataset="shapes", seed=3, **{**TINY, "count": 128, "val_count": 64})
    noisy = dataclasses.replace(cfg, noise=0.1)
    a, b = (domain_module.train_domain_classifier(noisy, progress=False) for _ in range(2))
    plain = domain_module.train_domain_classifier(cfg, progress=False)
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])
    assert not all(torch.equal(a["state_dict"][k], plain["state_dict"][k]) for k in a["state_dict"])
    # without noise the key hashes the fields it always had, so classifiers cached before the field stay valid
    fields = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "noise"}
    blob = domain_module.json.dumps({"version": domain_module.VERSION, **fields}, sort_keys=True)
    assert cfg.key().endswith(domain_module.hashlib.sha256(blob.encode()).hexdigest()[:12])
    assert noisy.key() != cfg.key()
    with pytest.raises(ValueError, match="noise"):
        DomainConfig(noise=-0.1)


def test_scenes_classifier_predicts_presence(cache):
    tiny = {k: v for k, v in TINY.items() if k != "resolution"}
    cfg = domain_module.default_config("scenes", 16, **{**tiny, "count": 256, "val_count": 128})
    assert cfg.task == "multilabel" and cfg.global_pool == "max"
    ext = domain_extractor(config=cfg, progress=False)
    assert set(ext.metrics) == {"accuracy", "exact_match"}
    preds = ext.predict(torch.rand(3, 3, 16, 16) * 2 - 1)
    assert preds.shape == (3, 10) and preds.dtype == torch.bool


def test_domain_config_checks_its_fields():
    with pytest.raises(ValueError, match="task"):
        DomainConfig(task="crops")
    with pytest.raises(ValueError, match="pools"):
        DomainConfig(channels=(8,), pools=2)
    assert domain_module.default_config("shapes", 64).resolution == 32
    assert domain_module.default_config("shapes", 16).resolution == 16
    # multi-object data, plain or textured, gets the presence classifier; single-object data the softmax one
    assert [domain_module.default_config(name, 16).task for name in ("shapes", "scenes", "shapes_plain",
                                                                       "scenes_plain", "cifar10")] == \
        ["single", "multilabel", "single", "multilabel", "single"]
