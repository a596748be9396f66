"""Object-level FD: locating objects with a presence classifier's activation map, cropping, checking against boxes."""

import math
from types import SimpleNamespace

import pytest
import torch

from gancl.metrics import (crop_agreement, evaluate_objects, localisation_accuracy, locate_objects, object_crops,
                           require_object_boxes)
from gancl.metrics.domain import DomainClassifier
from gancl.metrics.objects import ObjectLocations, class_maps


def colour_locator():
    """A presence classifier by hand: class 0 fires on red pixels, class 1 on green ones (no pooling: full-res map)."""
    net = DomainClassifier(num_outputs=2, channels=(2,), pools=0, global_pool="max").eval()
    conv, bn = net.trunk[0], net.trunk[1]
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 1, 1] = 1.0  # red
        conv.weight[1, 1, 1, 1] = 1.0  # green
        bn.running_mean.zero_(), bn.running_var.fill_(1 - bn.eps), bn.weight.fill_(1), bn.bias.zero_()
        net.head.weight.copy_(torch.eye(2))
        net.head.bias.fill_(-0.5)
    return SimpleNamespace(config=SimpleNamespace(task="multilabel"), device=torch.device("cpu"), net=net,
                           _resize=lambda x: x, num_classes=2)


def scene():
    """Two 16 px images on black: image 0 has a red 3x3 blob centred at (y, x) = (5, 9); image 1 a green one at
    (13, 2) and nothing red."""
    x = torch.zeros(2, 3, 16, 16, dtype=torch.uint8)
    x[0, 0, 4:7, 8:11] = 255
    x[1, 1, 12:15, 1:4] = 255
    return x


def test_objects_are_located_at_the_peak_of_their_class_map():
    maps, presence = class_maps(colour_locator(), scene())
    assert maps.shape == (2, 2, 16, 16) and (presence > 0).tolist() == [[True, False], [False, True]]
    found = locate_objects(colour_locator(), scene(), batch_size=1)  # batches must not shift image indices
    assert found.image.tolist() == [0, 1] and found.label.tolist() == [0, 1]
    # the first maximal cell of each blob, centred: (4.5, 8.5) and (12.5, 1.5)
    assert found.center.tolist() == [[4.5, 8.5], [12.5, 1.5]]


def test_crops_are_centred_on_objects_and_kept_inside_the_image():
    images = scene()
    found = locate_objects(colour_locator(), images)
    crops = object_crops(images, found, size=6)
    assert crops.shape == (2, 3, 6, 6) and crops.dtype == torch.uint8
    assert crops[0, 0].sum() == 9 * 255  # the whole red blob is in the first crop
    assert crops[1, 1].sum() == 9 * 255  # the green blob sits at the border: the crop is shifted, not cut
    with pytest.raises(ValueError, match="crop size"):
        object_crops(images, found, size=17)
    empty = ObjectLocations(torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long), torch.zeros(0, 2))
    assert object_crops(images, empty, 4).shape == (0, 3, 4, 4)


def test_localisation_accuracy_counts_centres_inside_a_box_of_the_same_class():
    found = locate_objects(colour_locator(), scene())
    obj_class = torch.tensor([[0, -1], [1, -1]])
    boxes = torch.tensor([[[8.0, 4.0, 11.0, 7.0], [0, 0, 0, 0]], [[1.0, 12.0, 4.0, 15.0], [0, 0, 0, 0]]])
    assert localisation_accuracy(found, obj_class, boxes) == 1.0
    assert localisation_accuracy(found, torch.tensor([[1, -1], [1, -1]]), boxes) == 0.5  # wrong class in image 0
    far = boxes.clone()
    far[1, 0] = torch.tensor([10.0, 0.0, 16.0, 4.0])
    assert localisation_accuracy(found, obj_class, far) == 0.5  # right class, wrong place in image 1


def test_crop_agreement_is_the_share_of_crops_the_describer_names_like_the_locator():
    found = locate_objects(colour_locator(), scene())  # labels [0, 1]
    # a describer whose head reads the class off the first feature: positive -> class 1, else class 0
    head = lambda feats: torch.stack([-feats[:, 0], feats[:, 0]], 1)
    describer = SimpleNamespace(predict_from_features=lambda feats: head(feats).argmax(1))
    assert crop_agreement(torch.tensor([[-1.0], [1.0]]), found, describer) == 1.0
    assert crop_agreement(torch.tensor([[1.0], [1.0]]), found, describer) == 0.5  # the red crop called class 1
    empty = ObjectLocations(torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long), torch.zeros(0, 2))
    assert math.isnan(crop_agreement(torch.zeros(0, 1), empty, describer))


class MeanColour:
    """A stand-in single-object describer: a crop's mean colour as its features, the brightest channel as its class."""

    dim = 3

    def __call__(self, crops, progress=False):
        return crops.float().mean((2, 3))

    def predict_from_features(self, feats):
        return feats.argmax(1)


class Black(torch.nn.Module):
    """A generator that draws nothing: every image black."""

    z_dim, num_classes = 8, 0

    def __init__(self):
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(()))

    def forward(self, z, y=None):
        return -torch.ones(z.shape[0], 3, 16, 16)


def test_a_generator_without_objects_gets_nan_object_fd_not_an_error(monkeypatch):
    extractors = {"scenes": colour_locator(), "shapes": MeanColour()}
    monkeypatch.setattr("gancl.metrics.domain.domain_extractor", lambda dataset, *a, **k: extractors[dataset])
    out = evaluate_objects(Black(), "scenes", 16, n=64)
    assert out["real_objects"] >= 2 and out["fake_objects"] == 0
    assert math.isnan(out["object_fd"]) and math.isnan(out["fake_agreement"]) and 0 <= out["real_agreement"] <= 1
    assert not [key for key in out if key.startswith("object_fd/")]  # no class has 20 objects on both sides


def test_object_level_fd_needs_a_data_set_with_boxes():
    require_object_boxes("scenes", 16)  # the embedded scenes know their objects
    with pytest.raises(ValueError, match="object boxes"):
        require_object_boxes("shapes", 16)
    with pytest.raises(ValueError, match="object boxes"):
        evaluate_objects(Black(), "shapes", 16, n=8)  # refused before any extractor is built


def test_single_label_classifiers_cannot_locate():
    locator = colour_locator()
    locator.config.task = "single"
    with pytest.raises(ValueError, match="multi-label"):
        class_maps(locator, scene())


def test_recognised_rates_count_objects_per_image_and_their_ratio_to_real():
    from gancl.metrics.objects import recognised_rates

    rates = recognised_rates({"n": 10, "fake_objects": 20, "fake_agreement": 0.25, "real_objects": 30,
                              "real_agreement": 0.5})
    assert rates["objects_per_image"] == 2.0 and rates["recognised_per_image"] == 0.5
    assert rates["real_objects_per_image"] == 3.0 and rates["real_recognised_per_image"] == 1.5
    assert rates["recognised_ratio"] == pytest.approx(1 / 3)
    blank = recognised_rates({"n": 10, "fake_objects": 0, "fake_agreement": float("nan"), "real_objects": 30,
                              "real_agreement": 0.5})
    assert blank["recognised_per_image"] == 0.0 and blank["recognised_ratio"] == 0.0


class TwoScenes(torch.nn.Module):
    """A generator that draws the two images of :func:`scene` in turn, then (third) a red speck on blue: the locator
    finds a red object there, but its crop is mostly blue, so the describer does not recognise it."""

    z_dim, num_classes = 8, 0

    def __init__(self):
        super().__init__()
        speck = torch.zeros(1, 3, 16, 16, dtype=torch.uint8)
        speck[0, 2] = 255
        speck[0, :, 8, 8] = torch.tensor([255, 0, 0], dtype=torch.uint8)
        self.register_buffer("images", torch.cat([scene(), speck]).float() / 127.5 - 1)

    def forward(self, z, y=None):
        return self.images[torch.arange(z.shape[0]) % 3]


def test_samples_by_category_keeps_recognised_objects_with_their_boxes(monkeypatch):
    """MsConD supplement Fig. 3: per class, the generated scenes holding a recognised object of it, boxed."""
    from gancl.metrics import samples_by_category

    extractors = {"scenes": colour_locator(), "shapes": MeanColour()}
    monkeypatch.setattr("gancl.metrics.domain.domain_extractor", lambda dataset, *a, **k: extractors[dataset])
    found = samples_by_category(TwoScenes(), "scenes", 16, per_class=3, n=9)
    red, green = list(found)[:2]  # classes 0 and 1: the colour locator's two
    assert [len(found[name]["images"]) for name in found] == [3, 3] + [0] * (len(found) - 2)
    assert (found[red]["images"][:, 0].amax((1, 2)) == 255).all()  # scenes with the red blob
    assert (found[red]["images"][:, 2] == 0).all()  # not the unrecognised speck on blue, located as red too
    assert (found[green]["images"][:, 1].amax((1, 2)) == 255).all()
    for name, (y, x) in ((red, (5, 9)), (green, (13, 2))):
        for x0, y0, x1, y1 in found[name]["boxes"].tolist():
            assert x0 <= x <= x1 and y0 <= y <= y1 and 0 <= x0 < x1 <= 16 and 0 <= y0 < y1 <= 16
    with pytest.raises(ValueError, match="mapping network"):
        samples_by_category(TwoScenes(), "scenes", 16, n=4, truncation_psi=0.7)
