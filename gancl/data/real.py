"""Loaders for real data sets on disk, returning the same :class:`ImageDataset` as the embedded ones.

Nothing here downloads: a missing path raises :class:`DatasetNotFoundError` saying which data set, where it was
looked for and how to obtain it. CIFAR-10 is read from its python pickle batches directly (torchvision's class would
insist on checksums of the official files); image folders (FFHQ, CelebA, LSUN, AnimalFace, ...) are any tree of image
files, resized on the shorter side and centre-cropped to the requested resolution.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from tqdm import tqdm

from gancl.data.dataset import ImageDataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".ppm", ".tif", ".tiff")


class DatasetNotFoundError(FileNotFoundError):
    """A real data set is not where it was looked for."""


class CorruptImageError(ValueError):
    """An image file could not be decoded."""


def subset_indices(total: int, count: Optional[int], seed: int = 0, from_end: bool = False) -> np.ndarray:
    """Indices of a ``count``-image subset of ``total`` by a fixed seed, nested: the 100-subset is in the 1K-subset.

    Subsets are prefixes of one seeded permutation; ``from_end`` takes them from its other end instead, so a held-out
    subset and a training subset of the same folder stay disjoint while they fit together.
    Returns sorted indices, or all of them when ``count`` is None.
    """
    if count is None:
        return np.arange(total)
    if not 0 < count <= total:
        raise ValueError(f"count must be in 1..{total}, got {count}")
    order = np.random.default_rng(seed).permutation(total)
    return np.sort(order[::-1][:count] if from_end else order[:count])


def _resize_uint8(images: torch.Tensor, resolution: int) -> torch.Tensor:
    """(N, 3, H, W) uint8 -> (N, 3, R, R) uint8 with antialiased bilinear resizing (no-op when sizes match)."""
    if images.shape[-1] == resolution and images.shape[-2] == resolution:
        return images
    x = torch.nn.functional.interpolate(images.float(), size=(resolution, resolution), mode="bilinear",
                                        antialias=True, align_corners=False)
    return x.round().clamp(0, 255).to(torch.uint8)


def load_cifar10(root, resolution: int = 32, split: str = "train", count=None, seed: int = 0) -> ImageDataset:
    """CIFAR-10 from ``root/cifar-10-batches-py`` (or ``root`` itself holding the batch files)."""
    root = Path(root)
    folder = root / "cifar-10-batches-py" if (root / "cifar-10-batches-py").is_dir() else root
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    paths = [folder / n for n in names]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise DatasetNotFoundError(
            f"CIFAR-10 ({split}) not found: looked for {', '.join(str(p) for p in missing)}. Download "
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz on a connected machine and extract it into "
            f"{root} (giving {root / 'cifar-10-batches-py'}), then pass data_dir={str(root)!r}.")
    data, labels = [], []
    for p in paths:
        try:
            with open(p, "rb") as f:
                batch = pickle.load(f, encoding="bytes")
            data.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            labels.extend(batch[b"labels"])
        except (pickle.UnpicklingError, KeyError, EOFError, ValueError) as e:
            raise CorruptImageError(f"CIFAR-10 batch file {p} is unreadable ({e}); re-extract the archive") from e
    images, labels = np.concatenate(data), np.asarray(labels, dtype=np.int64)
    keep = subset_indices(len(images), count, seed)
    names = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    return ImageDataset(_resize_uint8(torch.from_numpy(images[keep]), resolution), torch.from_numpy(labels[keep]),
                        10, "cifar10", resolution, split, class_names=names)


def read_image(path: Path, resolution: int) -> np.ndarray:
    """One image file -> (3, R, R) uint8: RGB, shorter side resized to R (antialiased), centre crop."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            w, h = im.size
            scale = resolution / min(w, h)
            im = im.resize((max(resolution, round(w * scale)), max(resolution, round(h * scale))), Image.BICUBIC)
            w, h = im.size
            left, top = (w - resolution) // 2, (h - resolution) // 2
            im = im.crop((left, top, left + resolution, top + resolution))
            return np.asarray(im, dtype=np.uint8).transpose(2, 0, 1).copy()
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise CorruptImageError(f"cannot read image {path}: {e}. Remove or replace the file.") from e


def list_images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def load_folder(root, resolution: int, split: str = "train", count=None, seed: int = 0, name: str = "folder",
                labelled: Optional[bool] = None) -> ImageDataset:
    """Any tree of image files (FFHQ, CelebA, LSUN exported to images, AnimalFace, ...).

    Labels come from the first sub-folder below ``root`` when every image sits in one (``labelled=None`` decides this
    automatically), otherwise every label is 0. ``count`` picks a nested random subset by ``seed`` (FFHQ-100 is the
    first 100 of the 1K-subset). A folder has no official split: "train" subsets come from one end of the seeded
    order and "val" subsets from the other, so they are disjoint while train + val fit in the folder (the trainer
    warns when they do not, e.g. 100-image few-shot folders); a "val" count larger than the folder is capped.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFoundError(
            f"image folder for {name!r} not found at {root}. Put the images (any of {', '.join(IMAGE_SUFFIXES)}) "
            "in that folder, optionally one sub-folder per class, and pass data_dir=<that folder>.")
    files = list_images(root)
    if not files:
        raise DatasetNotFoundError(f"no images found under {root} for {name!r} (looked for {', '.join(IMAGE_SUFFIXES)})")
    total = len(files)
    if split == "val" and count is not None and count > total:
        count = total
    files = [files[i] for i in subset_indices(total, count, seed, from_end=split == "val")]
    rel = [f.relative_to(root).parts for f in files]
    if labelled is None:
        labelled = all(len(parts) > 1 for parts in rel)
    class_names = sorted({parts[0] for parts in rel}) if labelled else ["all"]
    lookup = {c: i for i, c in enumerate(class_names)}
    labels = [lookup[parts[0]] if labelled else 0 for parts in rel]
    images = np.stack([read_image(f, resolution) for f in tqdm(files, desc=f"loading {name}", leave=False,
                                                               disable=len(files) < 500)])
    return ImageDataset(torch.from_numpy(images), torch.tensor(labels, dtype=torch.long), len(class_names), name,
                        resolution, split, class_names=tuple(class_names), source_size=total)


def load_tiny_imagenet(root, resolution: int = 64, split: str = "train", count=None, seed: int = 0) -> ImageDataset:
    """Tiny ImageNet (200 classes) from ``root/tiny-imagenet-200`` (or ``root`` itself): train/<wnid>/images/*.JPEG,
    and val/images with val/val_annotations.txt."""
    root = Path(root)
    base = root / "tiny-imagenet-200" if (root / "tiny-imagenet-200").is_dir() else root
    wnids_file = base / "wnids.txt"
    if not wnids_file.exists():
        raise DatasetNotFoundError(
            f"Tiny ImageNet not found: looked for {wnids_file}. Download "
            "http://cs231n.stanford.edu/tiny-imagenet-200.zip on a connected machine, unzip it into "
            f"{root}, then pass data_dir={str(root)!r}.")
    wnids = wnids_file.read_text().split()
    lookup = {w: i for i, w in enumerate(wnids)}
    if split == "train":
        pairs = [(p, lookup[w]) for w in wnids for p in sorted((base / "train" / w / "images").glob("*"))]
    else:
        ann = base / "val" / "val_annotations.txt"
        if not ann.exists():
            raise DatasetNotFoundError(f"Tiny ImageNet validation labels not found at {ann}")
        rows = [line.split("\t") for line in ann.read_text().splitlines() if line.strip()]
        pairs = [(base / "val" / "images" / r[0], lookup[r[1]]) for r in rows]
    if not pairs:
        raise DatasetNotFoundError(f"Tiny ImageNet {split} split under {base} holds no images")
    pairs = [pairs[i] for i in subset_indices(len(pairs), count, seed)]
    images = np.stack([read_image(p, resolution) for p, _ in tqdm(pairs, desc="loading tiny_imagenet", leave=False,
                                                                  disable=len(pairs) < 500)])
    labels = torch.tensor([c for _, c in pairs], dtype=torch.long)
    return ImageDataset(torch.from_numpy(images), labels, len(wnids), "tiny_imagenet", resolution, split,
                        class_names=tuple(wnids))
