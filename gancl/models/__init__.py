"""Generators and discriminators of the four papers.

``build_generator(cfg)`` / ``build_discriminator(cfg)`` turn a :class:`ModelConfig` into an SN-DCGAN, SN-ResNet
(BigGAN-style) or compact StyleGAN2 network, with optional self-attention in G (SAGAN or SAN), and in D optional SAGAN
attention, reference attention (Dual Contrastive paper), MsConD multi-scale branches, and a ProjGAN / ACGAN /
ContraGAN head and a FakeCLR instance head. ``D(x, y=None, ref=None)`` returns a :class:`DOutput`.
"""

from .attention import ReferenceAttention, SANAttention, SelfAttention, attend
from .build import build_discriminator, build_generator, layer_shapes
from .config import ModelConfig
from .discriminator import Discriminator, describe_layers
from .heads import InstanceHead
from .outputs import DOutput

__all__ = [
    "ModelConfig", "DOutput", "Discriminator", "build_generator", "build_discriminator", "describe_layers",
    "layer_shapes", "ReferenceAttention", "SelfAttention", "SANAttention", "attend", "InstanceHead",
]
