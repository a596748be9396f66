"""Figures shared by the pages (matplotlib; captions name the paper figure they mirror)."""

from __future__ import annotations

from typing import Optional

import torch


@torch.no_grad()
def sample_rows(generators: dict, n: int = 10, num_classes: int = 0, seed: int = 0, title: Optional[str] = None):
    """One row of samples per generator, on the same latents; conditional generators get classes 0, 1, ..., n-1
    (mod ``num_classes``) so a column shows one class across rows.

    Args:
        generators: label -> generator ``G(z, y=None)`` with images in [-1, 1].
        n: samples per row. num_classes: > 0 for conditional generators. seed: latent seed.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from gancl.data import to_uint8

    rows = len(generators)
    fig, axes = plt.subplots(rows, 1, figsize=(n * 0.8 + 1.5, rows * 0.9 + 0.4), squeeze=False)
    for ax, (label, G) in zip(axes[:, 0], generators.items()):
        z = torch.randn(n, G.z_dim, generator=torch.Generator().manual_seed(seed))
        y = torch.arange(n) % num_classes if num_classes and getattr(G, "num_classes", 0) else None
        images = to_uint8(G(z, y)).permute(0, 2, 3, 1)  # (n, R, R, 3)
        ax.imshow(torch.cat(list(images), dim=1).numpy(), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
