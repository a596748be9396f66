"""Builders: a validated :class:`ModelConfig` -> generator / discriminator."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from .config import ModelConfig
from .dcgan import DCGANGenerator, dcgan_backbone
from .discriminator import Discriminator, describe_layers
from .layers import EqualConv2d, EqualLinear, factories
from .resnet import ResNetGenerator, resnet_backbone
from .stylegan2 import StyleGAN2Generator, stylegan2_backbone

_GENERATORS = {"dcgan": DCGANGenerator, "resnet": ResNetGenerator, "stylegan2": StyleGAN2Generator}
_BACKBONES = {"dcgan": dcgan_backbone, "resnet": resnet_backbone, "stylegan2": stylegan2_backbone}


def build_generator(cfg: ModelConfig) -> nn.Module:
    """The generator of ``cfg.arch``: ``G(z, y=None) -> (N, 3, R, R)``."""
    cfg.validate()
    return _GENERATORS[cfg.arch](cfg)


def build_discriminator(cfg: ModelConfig) -> Discriminator:
    """The discriminator of ``cfg.arch`` with the attention, branches and heads ``cfg`` asks for:
    ``D(x, y=None, ref=None) -> DOutput``."""
    cfg.validate()
    if cfg.arch == "stylegan2" and not cfg.d_spectral_norm:
        conv_f, linear_f, embedding_f = EqualConv2d, EqualLinear, nn.Embedding
    else:
        conv_f, linear_f, embedding_f = factories(cfg.d_spectral_norm)
    return Discriminator(cfg, _BACKBONES[cfg.arch](cfg, conv_f, linear_f), conv_f, linear_f, embedding_f)


def generate(G: nn.Module, z: torch.Tensor, y=None, truncation_psi: float = 1.0) -> torch.Tensor:
    """``G(z, y)``, with the truncation trick in W when ``truncation_psi`` != 1 (Karras et al. 2019, Sec. 3.1 / App. B;
    MsConD's uncurated samples): w' = w_avg + psi (w - w_avg), psi = 1 the plain sample, psi = 0 the image of the
    mean w for every z. z (N, z_dim), y (N,) or None -> images (N, 3, R, R).

    Only a generator with a mapping network (StyleGAN2) has a W to truncate in; others raise ValueError."""
    if truncation_psi == 1.0:
        return G(z, y)
    if not hasattr(G, "mapping"):
        raise ValueError(f"truncation_psi={truncation_psi} needs a generator with a mapping network (StyleGAN2); "
                         f"{type(G).__name__} has no W space")
    return G(z, y, truncation_psi=truncation_psi)


def layer_shapes(cfg: ModelConfig) -> list[tuple[str, str, tuple]]:
    """:func:`describe_layers` of ``cfg``'s discriminator, built on the ``meta`` device (no memory, no compute),
    so a 256 px paper-width D is described instantly. Spectral norm is left out of this copy: it changes no shape,
    and its power iterations are slow on ``meta``."""
    with torch.device("meta"):
        D = build_discriminator(dataclasses.replace(cfg, d_spectral_norm=False))
    return describe_layers(D)
