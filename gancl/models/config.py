"""The one dataclass that describes a generator/discriminator pair, and the rules it must satisfy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ARCHS = ("dcgan", "resnet", "stylegan2")
RESOLUTIONS = (16, 32, 64, 128, 256)
D_HEADS = ("none", "proj", "acgan", "contrastive", "proj_contrastive")
G_NORMS = ("bn", "none")
G_ATTENTIONS = ("sagan", "san")
REF_ATTENTION_EQS = ("eq8", "eq1", "eq2")


def width(base: int, ratio: int, cap: int) -> int:
    """Channel width ``min(base * ratio, cap)``: widths double each time the feature map halves, up to ``cap``."""
    return int(min(base * ratio, cap))


def powers_of_two(high: int, low: int = 4) -> list[int]:
    """``[high, high/2, ..., low]`` for powers of two."""
    out = []
    while high >= low:
        out.append(high)
        high //= 2
    return out


@dataclass
class ModelConfig:
    """Architecture of one generator/discriminator pair (see :func:`gancl.models.build_generator`).

    Widths follow one schedule: a map of height ``h`` in an ``R``-pixel network has ``min(base * R / h,
    channel_cap)`` channels (D of dcgan/resnet: ``min(base * R / (2h), channel_cap)``, so their first block has
    ``d_channels``). ``d_channels=128, channel_cap=512`` at 256 px gives the MsConD widths of its Table 1.
    """

    arch: str = "dcgan"
    resolution: int = 32
    z_dim: int = 128
    w_dim: int = 256  # stylegan2 only
    mapping_layers: int = 4  # stylegan2 only
    g_channels: int = 64
    d_channels: int = 64
    channel_cap: int = 512
    d_channel_cap: Optional[int] = None  # D's cap when it differs from G's (BigGAN's 32 px nets: G 256, D 128 wide)
    num_classes: int = 0  # 0: unconditional
    d_head: str = "none"
    embed_dim: int = 512  # ContraGAN projection dim (d_head="contrastive" or "proj_contrastive")
    g_norm: str = "bn"  # dcgan/resnet G only
    g_shared_dim: int = 128  # BigGAN shared class embedding of dcgan/resnet G
    g_spectral_norm: Optional[bool] = None  # None: resnet True, dcgan False; stylegan2 G uses equalised lr instead
    d_spectral_norm: bool = True  # False: plain convs (stylegan2 D: equalised learning rate)
    g_attention: Optional[str] = None
    g_attention_res: Optional[int] = None
    san_kernel: int = 7  # SAN footprint k x k (Zhao et al. 2020 use 7)
    d_attention_res: Optional[int] = None
    ref_attention_res: Optional[int] = None
    ref_attention_eq: str = "eq8"
    multiscale_res: tuple = ()
    ms_proj_dim: int = 256
    instance_head_dim: int = 0
    instance_head_hidden: int = 512
    mbstd_group: int = 0  # stylegan2 D minibatch-std group size; 0 = off (it couples the samples of a batch)

    @property
    def d_cap(self) -> int:
        """The channel cap of D: ``d_channel_cap`` when set, else ``channel_cap``."""
        return self.channel_cap if self.d_channel_cap is None else self.d_channel_cap

    def g_feature_resolutions(self) -> list[int]:
        """Heights of G's feature maps where self-attention can go: 4, 8, ..., resolution."""
        return sorted(powers_of_two(self.resolution))

    def d_feature_resolutions(self) -> list[int]:
        """Heights of D's backbone block outputs (attention, reference attention, MsConD branches), largest first."""
        top = self.resolution if self.arch == "stylegan2" else self.resolution // 2
        return powers_of_two(top)

    def validate(self) -> "ModelConfig":
        """Raise ``ValueError`` naming the field, the problem and the fix; return ``self`` when all is well."""
        def fail(msg: str) -> None:
            raise ValueError(f"ModelConfig: {msg}")

        if self.arch not in ARCHS:
            fail(f"arch={self.arch!r} is unknown; choose one of {ARCHS}")
        if self.resolution not in RESOLUTIONS:
            fail(f"resolution={self.resolution} is not supported; supported resolutions are {RESOLUTIONS}")
        for name in ("z_dim", "w_dim", "mapping_layers", "g_channels", "d_channels", "channel_cap", "embed_dim",
                     "g_shared_dim", "ms_proj_dim", "instance_head_hidden"):
            if int(getattr(self, name)) < 1:
                fail(f"{name}={getattr(self, name)} must be a positive integer")
        for name in ("num_classes", "instance_head_dim", "mbstd_group"):
            if int(getattr(self, name)) < 0:
                fail(f"{name}={getattr(self, name)} must be >= 0")
        if self.d_channel_cap is not None and int(self.d_channel_cap) < 1:
            fail(f"d_channel_cap={self.d_channel_cap} must be a positive integer (or None to use channel_cap)")
        if self.d_head not in D_HEADS:
            fail(f"d_head={self.d_head!r} is unknown; choose one of {D_HEADS}")
        if self.d_head != "none" and self.num_classes == 0:
            fail(f"d_head={self.d_head!r} needs labels; set num_classes > 0 or use d_head='none'")
        if self.g_norm not in G_NORMS:
            fail(f"g_norm={self.g_norm!r} is unknown; choose one of {G_NORMS}")
        if self.arch == "stylegan2" and self.g_spectral_norm:
            fail("g_spectral_norm=True is not available for arch='stylegan2' (it uses equalised learning rate); "
                 "leave it None")
        if self.mbstd_group and self.arch != "stylegan2":
            fail(f"mbstd_group={self.mbstd_group} is only available for arch='stylegan2'; set it to 0")
        if self.san_kernel < 1 or self.san_kernel % 2 == 0:
            fail(f"san_kernel={self.san_kernel} must be an odd positive integer")

        if self.g_attention is not None and self.g_attention not in G_ATTENTIONS:
            fail(f"g_attention={self.g_attention!r} is unknown; choose None or one of {G_ATTENTIONS}")
        if (self.g_attention is None) != (self.g_attention_res is None):
            fail("g_attention and g_attention_res go together: set both (e.g. 'sagan' and 16) or neither")
        g_res = self.g_feature_resolutions()
        if self.g_attention_res is not None and self.g_attention_res not in g_res:
            fail(f"g_attention_res={self.g_attention_res}: the {self.arch} generator at {self.resolution} px has "
                 f"feature heights {g_res}")

        d_res = self.d_feature_resolutions()
        where = f"the {self.arch} discriminator at {self.resolution} px has feature heights {d_res}"
        for name in ("d_attention_res", "ref_attention_res"):
            value = getattr(self, name)
            if value is not None and value not in d_res:
                fail(f"{name}={value}: {where}")
        if self.ref_attention_eq not in REF_ATTENTION_EQS:
            fail(f"ref_attention_eq={self.ref_attention_eq!r} is unknown; choose one of {REF_ATTENTION_EQS}")
        if not isinstance(self.multiscale_res, (tuple, list)):
            fail(f"multiscale_res={self.multiscale_res!r} must be a tuple of heights, e.g. (16, 8)")
        bad = [h for h in self.multiscale_res if h not in d_res]
        if bad:
            fail(f"multiscale_res has heights {bad} that the network does not have: {where} "
                 "(the final output, height 1, is always included)")
        if len(set(self.multiscale_res)) != len(self.multiscale_res):
            fail(f"multiscale_res={tuple(self.multiscale_res)} repeats a height")
        return self
