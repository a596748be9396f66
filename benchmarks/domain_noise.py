"""How the domain features react to perturbations a viewer cannot see, and what training them with noise changes.

The regime gates read precision and recall in the domain classifier's features (gancl.metrics.domain). This script
measures real training images against the held-out split (``gancl.metrics.evaluate_real``'s setting) after adding
Gaussian pixel noise of a few stds and after a 2x blur, in the features of the default classifier and of one
trained with noise (``DomainConfig.noise``), side by side; with ``--runs``, the generators of finished runs too
(their EMA G, 2000 samples, seed 0), so a gate's measure can be read in both feature spaces.

    python benchmarks/domain_noise.py [--dataset shapes] [--resolution 16] [--noise 0.1] [--runs DIR ...]

Measured on the 16 px shapes (2 CPU cores, float32; FD / precision / recall):

                      default classifier     trained with noise 0.1
    real, no noise    0.46  0.904  0.881      0.48  0.902  0.882
    noise std 0.05   13.35  0.382  0.446      1.90  0.763  0.833
    noise std 0.1    75.05  0.041  0.028     11.41  0.169  0.401
    blur 2x          71.91  0.195  0.000     73.66  0.225  0.003
    StyleGAN2 + SAN  15.03  0.408  0.364     14.03  0.444  0.350   (2000 images, 16000 steps)
    SN-DCGAN 2C       8.39  0.587  0.358      7.53  0.568  0.332   (6000 steps)
    SN-DCGAN uncond  28.86  0.401  0.253     30.96  0.380  0.246   (6000 steps)

The default features punish faint noise, but the generators' precision barely moves in the noise-trained ones: what
keeps them below the shapes gate is not pixel noise (blur, which the gate should punish, costs far more).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from gancl.data import get_dataset, to_float
from gancl.metrics import evaluate_features, evaluate_generator, real_stats
from gancl.metrics.domain import default_config, domain_extractor

STDS = (0.0, 0.02, 0.05, 0.1)


def perturbed(images: torch.Tensor, seed: int = 0) -> dict:
    """Name -> images in [-1, 1]: the originals with Gaussian noise of each std in STDS, and a 2x blur."""
    x = to_float(images)
    g = torch.Generator().manual_seed(seed)
    out = {f"noise {s:g}": (x + s * torch.randn(x.shape, generator=g)).clamp(-1, 1) for s in STDS}
    out["blur 2x"] = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="bilinear", align_corners=False)
    return out


def measure(extractor, dataset: str, resolution: int, images: dict, runs: list) -> list:
    val = real_stats(dataset, resolution, "val", extractor, None, progress=False)
    rows = []
    for name, x in images.items():
        e = evaluate_features(val, extractor(x, progress=False), extractor, intra_class=False, kid_subsets=10,
                              kid_subset_size=500)
        rows.append((name, e.fd, e.precision, e.recall))
    for run in runs:
        from gancl.train.config import RunConfig
        from gancl.train.run import load_run

        folder = Path(run)
        config = RunConfig.from_dict(json.loads((folder / "config.json").read_text()))
        seed = json.loads((folder / "result.json").read_text()).get("seed", 0)
        G = load_run(config, seed, root=folder.parent).generator()
        e = evaluate_generator(G, dataset, resolution, extractor, n=2000, progress=False, kid_subsets=10,
                               kid_subset_size=500)
        rows.append((f"run {folder.name}", e.fd, e.precision, e.recall))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="shapes")
    parser.add_argument("--resolution", type=int, default=16)
    parser.add_argument("--noise", type=float, default=0.1, help="DomainConfig.noise of the second classifier")
    parser.add_argument("--count", type=int, default=2000, help="real training images measured")
    parser.add_argument("--runs", nargs="*", default=[], help="finished run folders whose generators to measure")
    args = parser.parse_args()
    images = perturbed(get_dataset(args.dataset, args.resolution, "train", args.count).images)
    base = default_config(args.dataset, args.resolution)
    tables = {}
    for label, config in (("default", base), (f"noise {args.noise:g}", replace(base, noise=args.noise))):
        extractor = domain_extractor(config=config, progress=False)
        accuracy = extractor.metrics.get("accuracy")
        tables[label] = (accuracy, measure(extractor, args.dataset, args.resolution, images, args.runs))
    print(f"{args.dataset} {args.resolution} px, {args.count} real training images (and runs) against the held-out "
          "split; FD / precision / recall per classifier")
    header = "".join(f"{label + f' (acc {acc:.3f})':>34}" for label, (acc, _) in tables.items())
    print(f"{'':>22}{header}")
    names = [row[0] for row in next(iter(tables.values()))[1]]
    for i, name in enumerate(names):
        cells = "".join(f"{rows[i][1]:>12.2f}{rows[i][2]:>11.3f}{rows[i][3]:>11.3f}" for _, rows in tables.values())
        print(f"{name:>22}{cells}")


if __name__ == "__main__":
    main()
