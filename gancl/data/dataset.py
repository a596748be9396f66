"""The one in-memory image data set type every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import torch


@dataclass
class ImageDataset(torch.utils.data.Dataset):
    """Images held in memory as uint8, with integer labels.

    Attributes:
        images: (N, 3, R, R) uint8.
        labels: (N,) int64 in [0, num_classes); all zeros for unlabelled folders.
        num_classes: number of classes (1 for unlabelled data).
        name, resolution, split: where the images came from.
        obj_class: (N, K) int64 object classes (-1 = empty slot) for multi-object data, else None.
        obj_boxes: (N, K, 4) float32 pixel boxes (x0, y0, x1, y1) for multi-object data, else None.
        class_names: one name per class, when known.
        source_size: how many images the subset was drawn from, for folders (whose splits share one pool).

    ``dataset[i]`` is ``(image, label)`` with the image as float (3, R, R) in [-1, 1], the generators' range.
    """

    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int
    name: str
    resolution: int
    split: str
    obj_class: Optional[torch.Tensor] = None
    obj_boxes: Optional[torch.Tensor] = None
    class_names: Sequence[str] = field(default_factory=tuple)
    source_size: Optional[int] = None

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.ndim != 4 or self.images.shape[1] != 3:
            raise ValueError(f"images must be uint8 (N, 3, R, R), got {tuple(self.images.shape)} {self.images.dtype}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(f"labels must be ({self.images.shape[0]},), got {tuple(self.labels.shape)}")

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, i):
        return to_float(self.images[i]), int(self.labels[i])

    @property
    def objects(self) -> list:
        """Per image, a list of (class, (x0, y0, x1, y1)) for multi-object data; raises for single-object data."""
        if self.obj_class is None:
            raise AttributeError(f"data set {self.name!r} has no per-object labels")
        rows = []
        for cls, boxes in zip(self.obj_class.tolist(), self.obj_boxes.tolist()):
            rows.append([(c, tuple(b)) for c, b in zip(cls, boxes) if c >= 0])
        return rows

    def subset(self, indices) -> "ImageDataset":
        """A new data set holding only ``indices`` (a list, range or index tensor)."""
        idx = torch.as_tensor(indices, dtype=torch.long)
        pick = lambda t: None if t is None else t[idx]  # noqa: E731
        return ImageDataset(self.images[idx], self.labels[idx], self.num_classes, self.name, self.resolution,
                            self.split, pick(self.obj_class), pick(self.obj_boxes), self.class_names, self.source_size)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1], any leading shape (never modifies ``images``)."""
    return images.to(torch.float32) / 127.5 - 1.0


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] -> uint8 [0, 255] (clamped), any leading shape; uint8 images are returned as they are."""
    if images.dtype == torch.uint8:
        return images
    return images.detach().add(1.0).mul(127.5).round_().clamp_(0, 255).to(torch.uint8)
