"""Memorisation: the share of samples nearer to a training image than to any held-out one."""

import pytest
import torch

from gancl.data import get_dataset, to_float
from gancl.metrics import memorisation, nearest_distance


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
