"""Generators and discriminators of the four papers.

``build_generator(cfg)`` / ``build_discriminator(cfg)`` turn a :class:`ModelConfig` into an SN-DCGAN, SN-ResNet
(BigGAN-style) or compact StyleGAN2 network, with optional self-attention in G (SAGAN or SAN), and in D optional SAGAN
attention, reference attention (Dual Contrastive paper), MsConD multi-scale branches, and a ProjGAN / ACGAN /
ContraGAN head and a FakeCLR instance head. ``D(x, y=None, ref=None)`` returns a :class:`DOutput`.
``generate(G, z, y, truncation_psi)`` samples any generator, StyleGAN2's with the truncation trick.
"""

from .attention import ReferenceAttention, SANAttention, SelfAttention, attend, attention_reach, san_attention_maps
from .build import build_discriminator, build_generator, generate, layer_shapes
from .config import ModelConfig
from .discriminator import Discriminator, describe_layers
from .heads import InstanceHead
from .outputs import DOutput

__all__ = [
    "ModelConfig", "DOutput", "Discriminator", "build_generator", "build_discriminator", "describe_layers", "generate",
    "layer_shapes", "ReferenceAttention", "SelfAttention", "SANAttention", "attend", "attention_reach", "san_attention_maps", "InstanceHead",
]
