"""Object-level FD for multi-object scenes (MsConD supplement Fig. 1).

The paper measures object-level FID on crops around the objects an object detector finds in real and generated
scenes. Generated images carry no boxes, so both sides here go through the same detector: the ``scenes`` domain
classifier read as a class-activation map. That classifier scores "class k is present" by a linear head on
globally max-pooled conv features; the same head applied at every position of the conv map gives a (K, h, w) score
map whose peak for a present class sits on an object of that class. Crops of a fixed size around those peaks are
then described by the single-object ``shapes`` classifier (same 10 classes; ``shapes_plain`` describes
``scenes_plain``) and compared with FD.

On real scenes the located peaks can be checked against the true boxes (:func:`localisation_accuracy`): the page
reports that figure beside the FD, so the reader knows how much the detector can be trusted.
"""

from __future__ import annotations

import math

from dataclasses import dataclass

from typing import Optional

import torch

from gancl.data import embedded, get_dataset, to_float
from gancl.metrics.extractors import check_images, quantize
from gancl.metrics.frechet import frechet_distance_from_features


@dataclass
class ObjectLocations:
    """Objects found in a batch of images.

    Attributes:
        image: (M,) index of the image each object is in.
        label: (M,) its class.
        center: (M, 2) float pixel coordinates (y, x) of the object's centre in the input images.
    """

    image: torch.Tensor
    label: torch.Tensor
    center: torch.Tensor

    def __len__(self) -> int:
        return int(self.image.numel())


@torch.no_grad()
def class_maps(locator, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-class score maps and presence logits of a multi-label domain classifier.

    images (N, 3, R, R) uint8 or float in [-1, 1] -> (maps (N, K, h, w), presence logits (N, K)); ``maps`` is the
    classifier head applied at every position of its last conv map, so its arg-max is where the class fires most.
    """
    if locator.config.task != "multilabel":
        raise ValueError("object localisation needs a multi-label (presence) domain classifier, e.g. the one of "
                         "the 'scenes' data set; got a single-label one")
    x = locator._resize(to_float(quantize(check_images(images))).to(locator.device))
    feats = locator.net.trunk(x)  # (N, C, h, w)
    head = locator.net.head
    maps = torch.einsum("nchw,kc->nkhw", feats, head.weight) + head.bias.view(1, -1, 1, 1)
    return maps.float().cpu(), head(locator.net.pool(feats).flatten(1)).float().cpu()


def locate_objects(locator, images: torch.Tensor, batch_size: int = 256) -> ObjectLocations:
    """Objects in ``images`` (N, 3, R, R): one per class the classifier calls present, at the peak of its map.

    A class present twice in one image counts once (the classifier only says "present"), so this finds at most one
    object per class and image, on real and generated scenes alike.
    """
    r = images.shape[-1]
    found = {"image": [], "label": [], "center": []}
    for start in range(0, images.shape[0], batch_size):
        maps, presence = class_maps(locator, images[start:start + batch_size])
        n, k, h, w = maps.shape
        idx, cls = torch.nonzero(presence > 0, as_tuple=True)
        peak = maps[idx, cls].flatten(1).argmax(1)
        cell = r / h  # centre of the peak's cell in input pixels
        centre = torch.stack([(peak // w).float() + 0.5, (peak % w).float() + 0.5], 1) * cell
        found["image"].append(idx + start)
        found["label"].append(cls)
        found["center"].append(centre)
    return ObjectLocations(*(torch.cat(found[key]) for key in ("image", "label", "center")))


def object_crops(images: torch.Tensor, objects: ObjectLocations, size: int) -> torch.Tensor:
    """Square ``size`` x ``size`` crops of ``images`` (N, 3, R, R) centred on each object, shifted to stay inside
    the image: (M, 3, size, size), same dtype as ``images``."""
    r = images.shape[-1]
    if not 0 < size <= r:
        raise ValueError(f"crop size must be in 1..{r}, got {size}")
    top_left = (objects.center - size / 2).round().long().clamp(0, r - size)
    crops = [images[i, :, y:y + size, x:x + size] for i, (y, x) in zip(objects.image.tolist(), top_left.tolist())]
    return torch.stack(crops) if crops else images.new_zeros((0, images.shape[1], size, size))


def localisation_accuracy(objects: ObjectLocations, obj_class: torch.Tensor, obj_boxes: torch.Tensor) -> float:
    """Share of located objects whose centre falls inside a true box of the same class in the same image.

    obj_class (N, K) long (-1: no object), obj_boxes (N, K, 4) pixel boxes (x0, y0, x1, y1) of the real images.
    """
    if len(objects) == 0:
        return float("nan")
    boxes = obj_boxes[objects.image]  # (M, K, 4)
    same = obj_class[objects.image] == objects.label[:, None]  # (M, K)
    y, x = objects.center[:, :1], objects.center[:, 1:]
    inside = (boxes[..., 0] <= x) & (x <= boxes[..., 2]) & (boxes[..., 1] <= y) & (y <= boxes[..., 3])
    return float((same & inside).any(1).float().mean())


def crop_size(resolution: int) -> int:
    """Crop side for object-level FD: half the image side (objects of the embedded scenes span up to a third)."""
    return max(8, resolution // 2)


def require_object_boxes(dataset: str, resolution: int, data_dir: Optional[str] = None) -> None:
    """Raise ValueError unless ``dataset`` knows its objects' classes and boxes (object-level FD needs them); cheap
    (reads one image), so a page can check before it trains rather than after."""
    if get_dataset(dataset, resolution, "val", count=1, data_dir=data_dir).obj_class is None:
        raise ValueError("object-level FD needs a data set with object boxes (the embedded 'scenes' or "
                         f"'scenes_plain'); {dataset!r} has none")


def crop_agreement(feats: torch.Tensor, objects: ObjectLocations, describer) -> float:
    """Share of located objects whose crop the single-object classifier ``describer`` puts in the class the locator
    found: ``feats`` (M, dim) are the crops' ``describer`` features. NaN when no object was found.

    The locator fires on anything that raises a class's score, a coloured blob included; a second classifier,
    trained apart on single objects, naming the crop the same class is independent evidence of an object there.
    Compare it with the same share on real scenes: crops of real scenes also hold parts of neighbouring objects, so
    it is well below 1 there too.
    """
    if len(objects) == 0:
        return float("nan")
    return float((describer.predict_from_features(feats) == objects.label).float().mean())


def object_features(images: torch.Tensor, locator, describer, size: int) -> tuple[torch.Tensor, ObjectLocations]:
    """Locate the objects of ``images``, crop them and describe the crops: ((M, dim) features, locations)."""
    objects = locate_objects(locator, images)
    crops = object_crops(check_images(images), objects, size)
    feats = describer(crops, progress=False) if len(objects) else torch.zeros(0, describer.dim)
    return feats, objects



@torch.no_grad()
def evaluate_objects(G, dataset: str = "scenes", resolution: int = 32, n: int = 2000, split: str = "val",
                     seed: int = 0, batch_size: int = 256, device=None, data_dir: Optional[str] = None,
                     progress: bool = False) -> dict:
    """Object-level FD of an unconditional scene generator ``G`` against the first ``n`` real ``split`` images.

    Objects of both sides are located by the ``dataset`` presence classifier and described by the classifier of
    its single-object data set (``shapes``; ``shapes_plain`` for ``scenes_plain``; see the module docstring).
    Returns a flat dict: ``object_fd`` (all objects),
    ``object_fd/<class name>`` per class found at least 20 times on both sides, ``real_objects``,
    ``fake_objects``, ``localisation_accuracy`` (on the real images, against their boxes), ``real_agreement`` and
    ``fake_agreement`` (:func:`crop_agreement`), ``crop_size`` and ``n``. ``object_fd`` is NaN when a side has
    fewer than 2 objects.
    """
    from gancl.metrics._tensors import module_device
    from gancl.metrics.domain import domain_extractor
    from gancl.metrics.evaluate import generated_batches, intra_class_fd

    require_object_boxes(dataset, resolution, data_dir)
    device = module_device(G, device)
    locator = domain_extractor(dataset, resolution, device=device, data_dir=data_dir, progress=progress)
    describer = domain_extractor(embedded.layout(dataset).single, resolution, device=device, progress=progress)
    size = crop_size(resolution)
    real = get_dataset(dataset, resolution, split, count=n, data_dir=data_dir)
    real_feats, real_objects = object_features(real.images, locator, describer, size)

    fake = torch.cat([quantize(images.cpu()) for images, _ in generated_batches(G, n, batch_size, seed, device=device)])
    fake_feats, fake_objects = object_features(fake, locator, describer, size)

    # a generator that draws (almost) nothing the locator calls an object has no object-level FD: NaN, not an error
    enough = min(len(real_objects), len(fake_objects)) >= 2
    out = {"object_fd": frechet_distance_from_features(real_feats, fake_feats) if enough else float("nan"),
           "real_objects": len(real_objects),
           "fake_objects": len(fake_objects), "crop_size": size, "n": n,
           "localisation_accuracy": localisation_accuracy(real_objects, real.obj_class, real.obj_boxes),
           "real_agreement": crop_agreement(real_feats, real_objects, describer),
           "fake_agreement": crop_agreement(fake_feats, fake_objects, describer)}
    _, per_class = intra_class_fd(real_feats, real_objects.label, fake_feats, fake_objects.label, min_count=20,
                                  allow_empty=True)
    names = real.class_names or [str(k) for k in range(locator.num_classes)]
    out.update({f"object_fd/{names[k]}": v for k, v in per_class.items()})
    out.update(recognised_rates(out))
    return out


@torch.no_grad()
def samples_by_category(G, dataset: str = "scenes", resolution: int = 32, per_class: int = 6, n: int = 512,
                        truncation_psi: float = 1.0, seed: int = 0, device=None,
                        data_dir: Optional[str] = None) -> dict:
    """MsConD supplement Fig. 3: for each object class, generated scenes that hold a recognised object of it, with
    the object's box. Among ``n`` samples of ``G`` (with the truncation trick in W when ``truncation_psi`` != 1),
    objects are located by the ``dataset`` presence classifier and kept when the single-object classifier names
    their crop alike (:func:`crop_agreement`'s test); per class, the first ``per_class`` scenes holding one.

    Returns class name -> {"images": (m, 3, R, R) uint8 (m <= per_class; 0 when no sample held a recognised object
    of the class), "boxes": (m, 4) float pixel boxes (x0, y0, x1, y1) of the crop the describer saw}.
    """
    from gancl.metrics._tensors import module_device
    from gancl.metrics.domain import domain_extractor
    from gancl.metrics.evaluate import generated_batches

    require_object_boxes(dataset, resolution, data_dir)
    device = module_device(G, device)
    locator = domain_extractor(dataset, resolution, device=device, data_dir=data_dir, progress=False)
    describer = domain_extractor(embedded.layout(dataset).single, resolution, device=device, progress=False)
    size = crop_size(resolution)
    fake = torch.cat([quantize(images.cpu()) for images, _ in generated_batches(G, n, seed=seed, device=device,
                                                                             truncation_psi=truncation_psi)])
    feats, objects = object_features(fake, locator, describer, size)
    recognised = (describer.predict_from_features(feats) == objects.label) if len(objects) else objects.label.bool()
    top_left = (objects.center - size / 2).round().clamp(0, resolution - size)  # as object_crops cuts them
    names = get_dataset(dataset, resolution, "val", count=1, data_dir=data_dir).class_names or [
        str(k) for k in range(locator.num_classes)]
    out = {}
    for k, name in enumerate(names):
        keep = torch.nonzero(recognised & (objects.label == k)).flatten()[:per_class]
        boxes = torch.cat([top_left[keep].flip(1), top_left[keep].flip(1) + size], 1)  # (y, x) -> (x0, y0, x1, y1)
        out[name] = {"images": fake[objects.image[keep]], "boxes": boxes}
    return out


def recognised_rates(record: dict) -> dict:
    """Per-image counts from an :func:`evaluate_objects` record: ``objects_per_image`` (located objects of the
    generated scenes), ``recognised_per_image`` (those whose crop the single-object classifier also names alike),
    the same two for the real scenes (``real_...``), and ``recognised_ratio``, generated over real recognised
    objects per image (the ``scenes`` regime gate's measure; 0 when the generator draws no recognised object)."""
    n = record["n"]
    fake = record["fake_objects"] / n
    real = record["real_objects"] / n
    fake_recognised = fake * record["fake_agreement"] if record["fake_objects"] else 0.0
    real_recognised = real * record["real_agreement"] if record["real_objects"] else 0.0
    return {"objects_per_image": fake, "recognised_per_image": fake_recognised,
            "real_objects_per_image": real, "real_recognised_per_image": real_recognised,
            "recognised_ratio": fake_recognised / real_recognised if real_recognised else math.nan}
