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


def layer_shapes(cfg: ModelConfig) -> list[tuple[str, str, tuple]]:
    """:func:`describe_layers` of ``cfg``'s discriminator, built on the ``meta`` device (no memory, no compute),
    so a 256 px paper-width D is described instantly. Spectral norm is left out of this copy: it changes no shape,
    and its power iterations are slow on ``meta``."""
    with torch.device("meta"):
        D = build_discriminator(dataclasses.replace(cfg, d_spectral_norm=False))
    return describe_layers(D)
