"""The discriminator shared by all three architectures: a backbone of down-sampling blocks plus, at chosen
heights, reference attention, SAGAN attention and MsConD branches, then the heads. Also :func:`describe_layers`,
which lists every layer's output shape in the layout of the MsConD supplement's Table 1."""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .attention import ReferenceAttention, SelfAttention
from .config import ModelConfig
from .heads import ACGANHead, ContrastiveHead, InstanceHead, ProjectionHead
from .multiscale import ScaleBranch
from .outputs import DOutput


class Backbone(nn.Module):
    """An architecture's discriminator trunk.

    ``blocks[i]`` maps the previous feature map (the image for ``i = 0``) to a map of height ``heights[i]`` with
    ``channels[i]`` channels; ``epilogue`` maps the last one to the pooled features h (N, feat_dim). ``names`` and
    ``epilogue_rows`` label the layers for :func:`describe_layers`.
    """

    def __init__(self, blocks: list, heights: list, channels: list, names: list, epilogue: nn.Module,
                 epilogue_rows: list, feat_dim: int):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.heights, self.channels, self.names = list(heights), list(channels), list(names)
        self.epilogue = epilogue
        self.epilogue_rows = list(epilogue_rows)  # (name, submodule of epilogue)
        self.feat_dim = feat_dim


class Discriminator(nn.Module):
    """``D(x, y=None, ref=None) -> DOutput`` for every architecture (build it with ``build_discriminator``).

    x (N, 3, R, R) images; y (N,) long labels (needed by ``d_head="proj"``; optional for the others, which
    ignore it or use it only for ``proxy``); ref (N, 3, R, R) reference images, required exactly when
    ``ref_attention_res`` is set. With reference attention, x and ref run through the same backbone blocks (as one
    batch) up to ``ref_attention_res``, where :class:`ReferenceAttention` merges them and only the primary stream
    continues. Every per-sample output depends only on that sample (and its ref): no BatchNorm, and minibatch-std
    only when ``mbstd_group > 0``.
    """

    def __init__(self, cfg: ModelConfig, backbone: Backbone, conv, linear, embedding):
        super().__init__()
        self.arch, self.resolution, self.num_classes = cfg.arch, cfg.resolution, cfg.num_classes
        self.d_head = cfg.d_head
        self.backbone = backbone
        width = dict(zip(backbone.heights, backbone.channels))
        self.ref_attention_res = cfg.ref_attention_res
        self.ref_attention = (None if cfg.ref_attention_res is None else
                              ReferenceAttention(width[cfg.ref_attention_res], conv, cfg.ref_attention_eq))
        self.attention_res = cfg.d_attention_res
        self.attention = None if cfg.d_attention_res is None else SelfAttention(width[cfg.d_attention_res], conv)
        self.branches = nn.ModuleDict({str(h): ScaleBranch(width[h], cfg.ms_proj_dim, conv)
                                       for h in cfg.multiscale_res})
        f = backbone.feat_dim
        self.adv = linear(f, 1)
        self.final_proj = linear(f, cfg.ms_proj_dim) if cfg.multiscale_res else None
        # "proj_contrastive" is ContraGAN Table 4's D: ProjGAN's class term in the logit and the 2C head beside it
        # (Param. 48.1M -> 49.0M, the size of the contrastive head alone).
        self.head = self.contrastive = None
        if cfg.d_head in ("proj", "proj_contrastive"):
            self.head = ProjectionHead(f, cfg.num_classes, embedding)
        elif cfg.d_head == "acgan":
            self.head = ACGANHead(f, cfg.num_classes, linear)
        if cfg.d_head in ("contrastive", "proj_contrastive"):
            self.contrastive = ContrastiveHead(f, cfg.num_classes, cfg.embed_dim, linear, embedding)
        self.instance_head = (InstanceHead(f, cfg.instance_head_dim, cfg.instance_head_hidden)
                              if cfg.instance_head_dim else None)

    def feature_resolutions(self) -> list[int]:
        """Heights of the backbone's block outputs, largest first (where attention and branches can go)."""
        return list(self.backbone.heights)

    def _check_inputs(self, x: torch.Tensor, ref: Optional[torch.Tensor]) -> None:
        r = self.resolution
        if x.dim() != 4 or tuple(x.shape[1:]) != (3, r, r):
            raise ValueError(f"D expects images x of shape (N, 3, {r}, {r}); got {tuple(x.shape)}")
        if self.ref_attention is None:
            if ref is not None:
                raise ValueError("ref was given but this D has no reference attention; set ref_attention_res in "
                                 "ModelConfig or call D(x, y) without ref")
            return
        if ref is None:
            raise ValueError(f"this D uses reference attention at height {self.ref_attention_res}: call "
                             "D(x, y, ref=real_images) with ref of the same shape as x")
        if ref.shape != x.shape:
            raise ValueError(f"ref must have the shape of x {tuple(x.shape)}; got {tuple(ref.shape)}")

    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None,
                ref: Optional[torch.Tensor] = None) -> DOutput:
        self._check_inputs(x, ref)
        n = x.shape[0]
        dual = self.ref_attention is not None
        t = torch.cat([x, ref]) if dual else x
        scale_logits, scale_proj = {}, {}
        for height, block in zip(self.backbone.heights, self.backbone.blocks):
            t = block(t)
            if dual and height == self.ref_attention_res:
                t = self.ref_attention(t[:n], t[n:])
                dual = False
            if height == self.attention_res:
                t = self.attention(t)
            if str(height) in self.branches:
                scale_logits[height], scale_proj[height] = self.branches[str(height)](t[:n])
        h = self.backbone.epilogue(t)
        logits = self.adv(h).squeeze(1)
        out = {}
        if isinstance(self.head, ProjectionHead):
            logits = logits + self.head(h, y)
        elif self.head is not None:
            out["class_logits"] = self.head(h)
        if self.contrastive is not None:
            out.update(self.contrastive(h, y))
        if self.final_proj is not None:
            scale_logits[1] = logits.view(n, 1, 1)
            scale_proj[1] = self.final_proj(h).view(n, -1, 1, 1)
        if self.instance_head is not None:
            out["instance_proj"] = self.instance_head(h)
        return DOutput(logits=logits, features=h, scale_logits=scale_logits, scale_proj=scale_proj, **out)

    def layer_rows(self) -> list:
        """``(type, layer, module)`` for every layer in forward order, labelled like MsConD Table 1."""
        rows = []
        bb = self.backbone
        for height, name, block in zip(bb.heights, bb.names, bb.blocks):
            rows.append(("backbone", name, block))
            if self.ref_attention is not None and height == self.ref_attention_res:
                rows.append(("attention", f"ReferenceAttention ({self.ref_attention.sources})", self.ref_attention))
            if height == self.attention_res:
                rows.append(("attention", "SelfAttention", self.attention))
            if str(height) in self.branches:
                branch = self.branches[str(height)]
                rows += [("branch: shared", "1x1 ResBlk", branch.shared), ("branch: disc", "1x1 Conv", branch.disc),
                         ("branch: proj", "1x1 Conv", branch.proj)]
        rows += [("backbone", name, module) for name, module in bb.epilogue_rows]
        rows.append(("branch: disc" if self.final_proj is not None else "head", "Linear", self.adv))
        if self.final_proj is not None:
            rows.append(("branch: proj", "Linear", self.final_proj))
        if isinstance(self.head, ProjectionHead):
            rows.append(("head: proj", "Embedding", self.head.embed))
        elif self.head is not None:
            rows.append(("head: acgan", "Linear", self.head.classifier))
        if self.contrastive is not None:
            rows.append(("head: contrastive", "Linear", self.contrastive.project))
        if self.instance_head is not None:
            rows.append(("head: instance", "MLP", self.instance_head))
        return rows


def _paper_shape(shape: torch.Size) -> tuple:
    """(N, C, H, W) -> (H, W, C) as the papers print it; (N, F) -> (F,)."""
    return (shape[2], shape[3], shape[1]) if len(shape) == 4 else tuple(shape[1:])


@torch.no_grad()
def describe_layers(D: Discriminator, x: Optional[torch.Tensor] = None) -> list[tuple[str, str, tuple]]:
    """Rows ``(type, layer, output shape)`` of D in forward order, the layout of MsConD supplement Table 1.

    Shapes are ``(H, W, C)`` for maps and ``(F,)`` for vectors. ``x`` defaults to one blank image on D's device
    (works on the ``meta`` device, see :func:`gancl.models.layer_shapes`); references and labels are filled in
    when D needs them. D is run in eval mode and put back in its previous mode.
    """
    p = next(D.parameters())
    if x is None:
        x = torch.zeros(1, 3, D.resolution, D.resolution, device=p.device, dtype=p.dtype)
    y = torch.zeros(x.shape[0], dtype=torch.long, device=x.device) if D.num_classes else None
    ref = x if D.ref_attention is not None else None
    rows = D.layer_rows()
    shapes: dict = {}

    def recorder(i):
        def hook(_module, _inputs, out):
            shapes.setdefault(i, out.shape)  # a hook that returns something would replace the output
        return hook

    hooks = [module.register_forward_hook(recorder(i)) for i, (_, _, module) in enumerate(rows)]
    was_training = D.training
    D.eval()
    try:
        D(x, y, ref)
    finally:
        for hook in hooks:
            hook.remove()
        D.train(was_training)
    return [("-", "Image", _paper_shape(x.shape))] + [(kind, name, _paper_shape(shapes[i]))
                                                      for i, (kind, name, _) in enumerate(rows)]
