"""Embedded data determinism and shape, real-data loaders on tiny files written here, augmentation."""

import pickle

import numpy as np
import pytest
import torch

from gancl import data
from gancl.data import embedded


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCL_CACHE", str(tmp_path / "cache"))


@pytest.mark.parametrize("name, resolution", [(name, r) for name in ("shapes", "scenes") for r in (16, 32, 64)] +
                         [(name, r) for name in ("shapes_plain", "scenes_plain") for r in (16, 32)])
def test_embedded_shapes_and_ranges(name, resolution):
    d = data.get_dataset(name, resolution, "train", count=20)
    assert d.images.shape == (20, 3, resolution, resolution) and d.images.dtype == torch.uint8
    assert d.labels.shape == (20,) and int(d.labels.min()) >= 0 and int(d.labels.max()) < 10
    x, y = d[3]
    assert x.dtype == torch.float32 and -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert y == int(d.labels[3])


def test_same_seed_and_index_give_same_bytes(tmp_path, monkeypatch):
    a = embedded.generate("shapes", 32, "train", 50, seed=3)["images"]
    monkeypatch.setenv("GANCL_CACHE", str(tmp_path / "other"))  # regenerate from scratch, not from the cache
    b = embedded.generate("shapes", 32, "train", 50, seed=3)["images"]
    assert embedded.fingerprint(a) == embedded.fingerprint(b)
    c = embedded.generate("shapes", 32, "train", 50, seed=4)["images"]
    assert embedded.fingerprint(a) != embedded.fingerprint(c)


def test_subsets_are_nested_and_splits_disjoint():
    small = data.get_dataset("shapes", 16, "train", count=100)
    large = data.get_dataset("shapes", 16, "train", count=1000)
    assert torch.equal(small.images, large.images[:100])
    val = data.get_dataset("shapes", 16, "val", count=100)
    assert not torch.equal(val.images, small.images)


def test_every_class_appears_and_classes_differ_visually():
    d = data.get_dataset("shapes", 32, "train", count=2000)
    counts = torch.bincount(d.labels, minlength=10)
    assert (counts > 100).all(), counts
    # warm and cool families differ in mean hue: red channel minus blue channel over object pixels is larger for warm
    warm = d.images[d.labels % 2 == 0].float()
    cool = d.images[d.labels % 2 == 1].float()
    assert (warm[:, 0] - warm[:, 2]).mean() > (cool[:, 0] - cool[:, 2]).mean() + 5


def test_scenes_have_objects_with_boxes():
    d = data.get_dataset("scenes", 32, "train", count=50)
    objs = d.objects
    assert all(2 <= len(o) <= 6 for o in objs)
    for cls, (x0, y0, x1, y1) in objs[0]:
        assert 0 <= cls < 10 and 0 <= x0 < x1 <= 32 and 0 <= y0 < y1 <= 32
    with pytest.raises(AttributeError, match="no per-object labels"):
        data.get_dataset("shapes", 32, count=5).objects


def test_textured_data_keeps_its_bytes():
    """The plain variants were added beside ``shapes`` and ``scenes`` without a VERSION bump: their images (and every
    cached run and classifier trained on them) must not have moved. Pinned on the first images at 16 px."""
    assert embedded.fingerprint(embedded.generate("shapes", 16, "train", 8)["images"]) == "00c39be96ca28b59"
    assert embedded.fingerprint(embedded.generate("scenes", 16, "train", 8)["images"]) == "1337a18cc4121f41"


def _background_spread(images: torch.Tensor, objects_free: torch.Tensor) -> float:
    """Mean per-image standard deviation of the pixels outside every object: (N, 3, R, R) uint8, (N, R, R) bool."""
    x = images.float()
    spreads = [x[i][:, objects_free[i]].std(dim=1).mean() for i in range(len(x)) if objects_free[i].sum() > 8]
    return float(torch.stack(spreads).mean())


def _outside_boxes(boxes: torch.Tensor, resolution: int) -> torch.Tensor:
    """(N, K, 4) pixel boxes -> (N, R, R) True where no box covers a pixel (with a one-pixel margin)."""
    grid = torch.arange(resolution).float() + 0.5
    y, x = grid[:, None], grid[None, :]
    free = torch.ones(len(boxes), resolution, resolution, dtype=torch.bool)
    for i, image_boxes in enumerate(boxes):
        for x0, y0, x1, y1 in image_boxes.tolist():
            if x1 > x0:
                free[i] &= ~((x >= x0 - 1) & (x <= x1 + 1) & (y >= y0 - 1) & (y <= y1 + 1))
    return free


@pytest.mark.parametrize("textured, plain", [("shapes", "shapes_plain"), ("scenes", "scenes_plain")])
def test_plain_variants_are_easier_by_construction(textured, plain):
    """The plain variants' promise (``embedded`` docstring): flat backgrounds, larger objects, fewer of them; their
    own images, deterministic, with every class present."""
    hard, easy = (embedded.generate(k, 16, "train", 400) for k in (textured, plain))
    assert embedded.fingerprint(easy["images"]) != embedded.fingerprint(hard["images"])
    free_hard, free_easy = (_outside_boxes(torch.from_numpy(d["obj_boxes"]), 16) for d in (hard, easy))
    assert _background_spread(torch.from_numpy(easy["images"]), free_easy) < 1.0  # flat up to rounding
    assert _background_spread(torch.from_numpy(hard["images"]), free_hard) > 5.0
    area = lambda d: ((d["obj_boxes"][..., 2] - d["obj_boxes"][..., 0]) *  # noqa: E731
                      (d["obj_boxes"][..., 3] - d["obj_boxes"][..., 1]))[d["obj_class"] >= 0].mean()
    assert area(easy) > 1.3 * area(hard)
    count = lambda d: (d["obj_class"] >= 0).sum(1)  # noqa: E731
    assert count(easy).max() <= 3 and count(easy).mean() <= count(hard).mean()
    assert set(np.unique(easy["obj_class"][easy["obj_class"] >= 0])) == set(range(10))
    again = embedded.generate(plain, 16, "train", 400, seed=0)
    assert embedded.fingerprint(again["images"]) == embedded.fingerprint(easy["images"])
    # per-object classes and boxes exactly where the textured counterpart has them
    assert (data.get_dataset(plain, 16, count=4).obj_class is None) == (textured == "shapes")


def test_layouts_name_every_embedded_data_set():
    assert tuple(embedded.LAYOUTS) == data.EMBEDDED
    assert embedded.layout("scenes_plain").single == "shapes_plain" and embedded.layout("scenes_plain").multi
    with pytest.raises(ValueError, match="unknown embedded data set"):
        embedded.layout("bubbles")


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="mnist", resolution=32), "unknown data set"),
    (dict(name="shapes", resolution=48), "resolution 48"),
    (dict(name="shapes", resolution=32, split="test"), "unknown split"),
    (dict(name="shapes", resolution=32, count=0), "count must be"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.get_dataset(**kwargs)


def _write_cifar(root, n=6):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": list(range(n))}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    return folder


def test_cifar10_from_batch_files(tmp_path):
    _write_cifar(tmp_path)
    d = data.get_dataset("cifar10", 32, "train", data_dir=str(tmp_path))
    assert len(d) == 30 and d.num_classes == 10 and d.images.shape[1:] == (3, 32, 32)
    d16 = data.get_dataset("cifar10", 16, "val", count=4, data_dir=str(tmp_path))
    assert d16.images.shape == (4, 3, 16, 16)


def test_missing_real_data_says_where_and_how(tmp_path):
    with pytest.raises(data.DatasetNotFoundError, match=r"CIFAR-10 \(train\) not found.*cifar-10-python.tar.gz"):
        data.get_dataset("cifar10", 32, data_dir=str(tmp_path))
    with pytest.raises(data.DatasetNotFoundError, match="Tiny ImageNet not found"):
        data.get_dataset("tiny_imagenet", 64, data_dir=str(tmp_path))
    with pytest.raises(data.DatasetNotFoundError, match="image folder for 'folder' not found"):
        data.get_dataset("folder", 32, data_dir=str(tmp_path / "nope"))
    with pytest.raises(data.DatasetNotFoundError, match="pass data_dir"):
        data.get_dataset("cifar10", 32)


def test_corrupt_cifar_batch_is_named(tmp_path):
    folder = _write_cifar(tmp_path)
    (folder / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(data.CorruptImageError, match="data_batch_3"):
        data.get_dataset("cifar10", 32, data_dir=str(tmp_path))


def _write_pngs(root, classes=("cats", "dogs"), per_class=3, size=(40, 24)):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(root / c / f"{i}.png")


def test_image_folder_with_class_subfolders_and_subset(tmp_path):
    _write_pngs(tmp_path)
    d = data.get_dataset("folder", 16, data_dir=str(tmp_path))
    assert d.images.shape == (6, 3, 16, 16) and d.num_classes == 2 and sorted(d.labels.tolist()) == [0, 0, 0, 1, 1, 1]
    sub = data.get_dataset("folder", 16, count=4, data_dir=str(tmp_path))
    assert len(sub) == 4
    assert set(data.subset_indices(6, 2)) <= set(data.subset_indices(6, 4))  # nested subsets


def test_tiny_imagenet_layout(tmp_path):
    from PIL import Image

    base = tmp_path / "tiny-imagenet-200"
    wnids = ["n01", "n02"]
    (base).mkdir()
    (base / "wnids.txt").write_text("\n".join(wnids))
    for w in wnids:
        (base / "train" / w / "images").mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (64, 64), (i * 100, 0, 0)).save(base / "train" / w / "images" / f"{w}_{i}.JPEG")
    (base / "val" / "images").mkdir(parents=True)
    Image.new("RGB", (64, 64)).save(base / "val" / "images" / "val_0.JPEG")
    (base / "val" / "val_annotations.txt").write_text("val_0.JPEG\tn02\t0\t0\t10\t10\n")
    train = data.get_dataset("tiny_imagenet", 32, data_dir=str(tmp_path))
    assert len(train) == 4 and train.num_classes == 2
    val = data.get_dataset("tiny_imagenet", 32, "val", data_dir=str(tmp_path))
    assert val.labels.tolist() == [1]


def test_unreadable_image_names_the_file(tmp_path):
    _write_pngs(tmp_path, classes=("a",), per_class=2)
    (tmp_path / "a" / "broken.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(data.CorruptImageError, match="broken.png"):
        data.get_dataset("folder", 16, data_dir=str(tmp_path))


def test_generation_speed_budget_is_reasonable():
    """10k images at 32 px in well under the 10 s target (timed loosely; the machines are noisy)."""
    import time

    t = time.perf_counter()
    data.get_dataset("shapes", 32, "train", count=10_000)
    first = time.perf_counter() - t
    t = time.perf_counter()
    data.get_dataset("shapes", 32, "train", count=10_000)
    cached = time.perf_counter() - t
    assert cached < first and cached < 2.0, (first, cached)


def test_augment_identity_at_p0_and_differentiable():
    x = torch.rand(8, 3, 16, 16) * 2 - 1
    params = data.sample_augment(8, 16, "flip,color,translation,cutout", p=0.0, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(data.apply_augment(x, params), x)
    x.requires_grad_(True)
    params = data.sample_augment(8, 16, "flip,color,translation,cutout", p=1.0, generator=torch.Generator().manual_seed(0))
    y = data.apply_augment(x, params)
    assert not torch.allclose(y, x)
    y.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_augment_slices_match_global_batch():
    """Per-process slices of global-batch parameters give the same images as augmenting the whole batch."""
    x = torch.rand(8, 3, 16, 16) * 2 - 1
    params = data.sample_augment(8, 16, "color,translation,cutout", generator=torch.Generator().manual_seed(1))
    whole = data.apply_augment(x, params)
    halves = torch.cat([data.apply_augment(x[:4], params.slice(0, 4)), data.apply_augment(x[4:], params.slice(4, 8))])
    assert torch.allclose(whole, halves)


def test_translation_moves_content_and_schedule():
    x = torch.zeros(1, 3, 16, 16)
    x[..., 8, 8] = 1.0
    params = data.sample_augment(1, 16, "translation", generator=torch.Generator().manual_seed(0))
    params.shift_x[:] = 2
    params.shift_y[:] = -1
    y = data.apply_augment(x, params)
    assert float(y[0, 0, 7, 10]) == 1.0 and float(y[0, 0, 8, 8]) == 0.0
    assert data.linear_strength(0, 100) == 0.0 and data.linear_strength(50, 100, 0.8) == pytest.approx(0.4)
    assert data.linear_strength(500, 100) == 1.0
    with pytest.raises(ValueError, match="unknown augmentation"):
        data.parse_policy("color,blur")


def test_folder_val_split_is_held_out_from_train(tmp_path):
    _write_pngs(tmp_path, classes=("a",), per_class=10)
    train = data.get_dataset("folder", 16, "train", count=6, data_dir=str(tmp_path))
    val = data.get_dataset("folder", 16, "val", count=4, data_dir=str(tmp_path))
    rows = lambda d: {bytes(im.numpy().tobytes()) for im in d.images}  # noqa: E731
    assert not rows(train) & rows(val) and train.source_size == val.source_size == 10
    big_val = data.get_dataset("folder", 16, "val", count=50, data_dir=str(tmp_path))  # capped to the folder
    assert len(big_val) == 10


def test_to_uint8_maps_the_float_range_and_passes_uint8_through():
    x = torch.tensor([-1.5, -1.0, 0.0, 1.0, 2.0])
    assert data.to_uint8(x).tolist() == [0, 0, 128, 255, 255]
    u = torch.tensor([0, 7, 255], dtype=torch.uint8)
    assert data.to_uint8(u) is u
