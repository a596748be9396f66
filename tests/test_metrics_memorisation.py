"""Memorisation: the share of samples nearer to a training image than to any held-out one."""

import pytest
import torch

from gancl.data import get_dataset, to_float
from gancl.metrics import memorisation, nearest_distance, nearest_k, nearest_training_images


class Replay(torch.nn.Module):
    """A 'generator' that draws the given images in turn (plus a little noise): it has memorised them."""

    z_dim, num_classes = 4, 0

    def __init__(self, images, noise=0.01):
        super().__init__()
        self.register_buffer("images", to_float(images))
        self.noise, self.calls = noise, 0

    def forward(self, z, y=None):
        index = (torch.arange(z.shape[0]) + self.calls) % self.images.shape[0]
        self.calls += z.shape[0]
        return (self.images[index] + self.noise * torch.randn_like(self.images[index])).clamp(-1, 1)


def test_nearest_distance():
    d, i = nearest_distance(torch.tensor([[0.0, 0.0], [3.0, 4.0]]), torch.tensor([[3.0, 4.0], [1.0, 0.0]]))
    assert d.tolist() == pytest.approx([1.0, 0.0]) and i.tolist() == [1, 0]


def test_nearest_k_orders_the_references_nearest_first():
    d, i = nearest_k(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, 2.0]]), 3)
    assert d.tolist() == [pytest.approx([1.0, 2.0, 5.0])] and i.tolist() == [[1, 2, 0]]
    with pytest.raises(ValueError, match="k must be in 1..3"):
        nearest_k(torch.zeros(1, 2), torch.zeros(3, 2), 4)


def test_nearest_training_images_finds_the_image_a_replaying_generator_copied(cache):
    """FakeCLR Fig. 9/10: a generator replaying its training images has, as each sample's nearest training image,
    the image it copied (at a distance below the nearest held-out image's)."""
    train = get_dataset("shapes", 16, "train", 20).images
    found = nearest_training_images(Replay(train, noise=0.0), "shapes", 16, count=20, n=6, k=2)
    assert found["neighbours"].shape == (6, 2, 3, 16, 16) and found["distances"].shape == (6, 2)
    assert found["indices"][:, 0].tolist() == list(range(6))  # Replay draws training images 0, 1, 2, ... in turn
    assert torch.equal(found["neighbours"][:, 0], train[:6])
    assert (found["distances"][:, 0] < found["val_distance"]).all() and (found["distances"][:, 0] < 1e-6).all()
    assert (found["distances"][:, 0] <= found["distances"][:, 1]).all()


@pytest.mark.parametrize("space", ["pixels", "features"])
def test_a_generator_replaying_its_training_images_has_memorised_them(space, cache):
    train = get_dataset("shapes", 16, "train", 20).images
    val = get_dataset("shapes", 16, "val", 20).images
    kept = memorisation(Replay(train), "shapes", 16, count=20, n=40, space=space)
    assert kept["memorised_share"] == 1.0 and kept["train_distance"] < kept["val_distance"]
    fresh = memorisation(Replay(val), "shapes", 16, count=20, n=40, space=space)
    assert fresh["memorised_share"] == 0.0
    assert (kept["space"], kept["n"], kept["count"]) == (space, 40, 20)
    with pytest.raises(ValueError, match="space='latent'"):
        memorisation(Replay(val), "shapes", 16, count=20, n=4, space="latent")


class BlurredReplay(Replay):
    """Replays its images through a 3x3 box blur: copies as imperfect as a generator's."""

    def forward(self, z, y=None):
        x = super().forward(z, y)
        kernel = torch.full((3, 1, 3, 3), 1 / 9)
        return torch.nn.functional.conv2d(torch.nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"), kernel,
                                          groups=3)


def test_the_default_space_sees_imperfect_copies(cache):
    """Why pixels are the default (module docstring): blurred copies of the training images still read as
    memorised there, where a class-naming feature space puts held-out images of the same class as near."""
    train = get_dataset("shapes", 16, "train", 100).images
    copies = memorisation(BlurredReplay(train, noise=0.05), "shapes", 16, count=100, n=200)
    assert copies["space"] == "pixels" and copies["memorised_share"] >= 0.9
    val = get_dataset("shapes", 16, "val", 200).images[100:]  # neither the training nor the compared held-out images
    assert memorisation(BlurredReplay(val, noise=0.05), "shapes", 16, count=100, n=200)["memorised_share"] < 0.7
