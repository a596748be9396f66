"""Attention modules: SAGAN non-local self-attention, SAN pairwise local self-attention (both for G, SAGAN also
for D), and the Dual Contrastive paper's reference attention for D.

All take a ``conv`` layer factory (see :mod:`gancl.models.layers`) so that they carry the host network's spectral
norm or equalised learning rate.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def attend(key: torch.Tensor, query: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """Dot-product attention over all positions: ``attn(K, Q, V)`` of SAGAN and of the reference-attention papers.

    Output position i is ``sum_j softmax_j(q_i . k_j) v_j``: the softmax runs over key positions, keys and values
    share their positions, and the output lives on the query's grid. key, query (N, Ck, H, W), value (N, Cv, H, W)
    -> (N, Cv, H, W). No 1/sqrt(Ck) scaling, as in SAGAN.
    """
    n, _, h, w = query.shape
    scores = query.flatten(2).transpose(1, 2) @ key.flatten(2)  # (N, HW_query, HW_key)
    out = value.flatten(2) @ scores.softmax(dim=-1).transpose(1, 2)  # (N, Cv, HW_query)
    return out.view(n, -1, h, w)


class SelfAttention(nn.Module):
    """SAGAN non-local block (Zhang et al. 2019, Sec. 3, Eq. 1-3 with the official code's widths).

    Query and key 1x1 convs to C/8 channels, value to C/2, output 1x1 conv back to C, and the residual
    ``x + gamma * o`` with a learned scalar gamma that starts at 0 so the block starts as the identity.
    x (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(self, channels: int, conv):
        super().__init__()
        c8, c2 = max(channels // 8, 1), max(channels // 2, 1)
        self.query = conv(channels, c8, 1, bias=False)
        self.key = conv(channels, c8, 1, bias=False)
        self.value = conv(channels, c2, 1, bias=False)
        self.out = conv(c2, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.gamma * self.out(attend(self.key(x), self.query(x), self.value(x)))


class SANAttention(nn.Module):
    """SAN *pairwise* local self-attention with the subtraction relation (Zhao et al. 2020, Sec. 3.1, Eq. 2-4).

    For every position i and neighbour j in a k x k footprint R(i):
    ``y_i = sum_j alpha_ij (.) beta(x_j)`` with ``alpha_ij = softmax_j(gamma([phi(x_i) - psi(x_j), delta_ij]))``,
    where phi, psi are 1x1 convs to r = C/16 channels, delta_ij a learned linear map of the normalised offset
    (the paper's position encoding p_i - p_j), gamma the MLP ReLU-1x1conv-ReLU-1x1conv, and beta a 1x1 conv to
    m = C/4 value channels. gamma emits m/8 weight channels, each shared by 8 value channels (the paper's
    "share planes"). Neighbours outside the image are masked out of the softmax. This module replaces SAN's BN with
    nothing (StyleGAN2's G has none) and inserts the block into G as the residual ``x + g * out(y)`` with a learned
    scalar g starting at 0, like :class:`SelfAttention`. x (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(self, channels: int, kernel_size: int, conv):
        super().__init__()
        rel = max(channels // 16, 2)
        mid = max(channels // 4, 1)
        self.share = 8 if mid % 8 == 0 else 1
        self.kernel_size = kernel_size
        self.phi = conv(channels, rel, 1)
        self.psi = conv(channels, rel, 1)
        self.beta = conv(channels, mid, 1)
        self.position = nn.Linear(2, 2, bias=False)
        self.gamma_mlp = nn.Sequential(nn.ReLU(), conv(rel + 2, rel, 1), nn.ReLU(), conv(rel, mid // self.share, 1))
        self.out = conv(mid, channels, 1)
        self.gain = nn.Parameter(torch.zeros(()))

    def _neighbours(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, C, k*k, H*W), zero outside the image."""
        k = self.kernel_size
        return F.unfold(x, k, padding=k // 2).view(x.shape[0], x.shape[1], k * k, -1)

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The attention weights alpha_ij: x (N, C, H, W) -> (N, m/share, k*k, H*W), a softmax over the k*k
        neighbours j (row-major offsets -(k // 2)..k // 2) of each position i; zero outside the image."""
        n, _, h, w = x.shape
        k = self.kernel_size
        rel = self.phi(x).flatten(2).unsqueeze(2) - self._neighbours(self.psi(x))  # (N, r, k*k, HW)
        offsets = torch.arange(k, device=x.device, dtype=x.dtype) - k // 2
        dy, dx = torch.meshgrid(offsets * (2.0 / max(h - 1, 1)), offsets * (2.0 / max(w - 1, 1)), indexing="ij")
        pos = self.position(torch.stack([dy.flatten(), dx.flatten()], dim=1)).t()  # (2, k*k)
        pos = pos[None, :, :, None].expand(n, 2, k * k, h * w)
        logits = self.gamma_mlp(torch.cat([rel, pos], dim=1))  # (N, m/share, k*k, HW)
        inside = self._neighbours(torch.ones(1, 1, h, w, device=x.device, dtype=x.dtype)) > 0
        return logits.masked_fill(~inside, float("-inf")).softmax(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        k = self.kernel_size
        alpha = self.weights(x)
        values = self._neighbours(self.beta(x))  # (N, m, k*k, HW)
        m = values.shape[1]
        y = (values.view(n, self.share, m // self.share, k * k, h * w) * alpha.unsqueeze(1)).sum(dim=3)
        return x + self.gain * self.out(y.reshape(n, m, h, w))


def san_attention_maps(G: nn.Module, z: torch.Tensor, y=None) -> dict:
    """Dual attention supplement Figs. 6-9: the SAN weights of ``G``'s self-attention layer for every query position,
    as the paper draws them: per position i, the norm over the weight channels of alpha_ij at each of its k x k
    neighbours j.

    Runs ``G(z, y)`` once (no gradient) with a hook on its :class:`SANAttention`. Returns {"images": (N, 3, R, R),
    "norms": (N, H, W, k, k) float (query row, query column, neighbour offset row, column; offsets -(k // 2) to
    k // 2, zero outside the image), "height": H, the attention layer's side}. ValueError when G has no SAN layer."""
    layers = [m for m in G.modules() if isinstance(m, SANAttention)]
    if len(layers) != 1:
        raise ValueError(f"G has {len(layers)} SAN self-attention layers; attention maps need exactly one "
                         "(model.g_attention='san')")
    captured = {}
    handle = layers[0].register_forward_hook(lambda module, inputs, output: captured.setdefault("x", inputs[0]))
    try:
        with torch.no_grad():
            images = G(z, y)
            x = captured["x"]
            alpha = layers[0].weights(x.float())  # (N, m/share, k*k, HW)
    finally:
        handle.remove()
    n, _, h, w = x.shape
    k = layers[0].kernel_size
    norms = alpha.norm(dim=1).view(n, k, k, h, w).permute(0, 3, 4, 1, 2)  # (N, H, W, k, k)
    return {"images": images, "norms": norms.cpu(), "height": h}


def attention_reach(norms: torch.Tensor, points: list) -> tuple:
    """How far SAN's weight sits from its query, in attention-grid cells: the mean over samples and query ``points``
    ((row, column) pairs) of the kernel norms' weighted mean neighbour distance, and the same for equal weights over
    the part of the footprint inside the image (what a SAN that ignored its inputs would give).
    norms: (N, H, W, k, k) from :func:`san_attention_maps`. Returns (weighted, uniform) floats."""
    k = norms.shape[-1]
    offsets = torch.arange(k, dtype=torch.float32) - k // 2
    distance = (offsets[:, None] ** 2 + offsets[None, :] ** 2).sqrt()  # (k, k)
    kernels = torch.stack([norms[:, r, c] for r, c in points], dim=1).float()  # (N, P, k, k)
    inside = (kernels > 0).float()
    weighted = (kernels * distance).sum((-1, -2)) / kernels.sum((-1, -2))
    uniform = (inside * distance).sum((-1, -2)) / inside.sum((-1, -2))
    return float(weighted.mean()), float(uniform.mean())


def generator_attention(kind: str, channels: int, conv, san_kernel: int) -> nn.Module:
    """The self-attention block a generator inserts at ``g_attention_res``: ``"sagan"`` or ``"san"``."""
    if kind == "sagan":
        return SelfAttention(channels, conv)
    if kind == "san":
        return SANAttention(channels, san_kernel, conv)
    raise ValueError(f"g_attention={kind!r} is unknown; choose 'sagan' or 'san'")


REFERENCE_SOURCES = {  # which image feeds (key, query, value); the residual is always the primary image
    "eq8": ("ref", "ref", "pri"),
    "eq1": ("pri", "ref", "ref"),
    "eq2": ("pri", "ref", "pri"),
}


class ReferenceAttention(nn.Module):
    """Reference attention in D (Yu et al. 2021, Dual Contrastive Loss and Attention for GANs).

    ``O = attn(K(T_a), Q(T_b), V(T_c)) + T_pri`` where ``sources`` picks (a, b, c):
    ``"eq8"`` (main paper Eq. 8, default): key and query from the reference, value from the primary;
    ``"eq1"`` (supplement Eq. 1): key from the primary, query and value from the reference;
    ``"eq2"`` (supplement Eq. 2): key and value from the primary, query from the reference.
    ``attn`` is :func:`attend`; K, Q are 1x1 convs to C/8 channels, V to C/2, followed by a 1x1 output conv back to
    C. Following the equations there is no learned gate on the residual.
    primary, reference (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(self, channels: int, conv, sources: str = "eq8"):
        super().__init__()
        if sources not in REFERENCE_SOURCES:
            raise ValueError(f"sources={sources!r} is unknown; choose one of {tuple(REFERENCE_SOURCES)}")
        self.sources = sources
        c8, c2 = max(channels // 8, 1), max(channels // 2, 1)
        self.key = conv(channels, c8, 1, bias=False)
        self.query = conv(channels, c8, 1, bias=False)
        self.value = conv(channels, c2, 1, bias=False)
        self.out = conv(c2, channels, 1, bias=False)

    def forward(self, primary: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        feats = {"pri": primary, "ref": reference}
        k, q, v = REFERENCE_SOURCES[self.sources]
        return self.out(attend(self.key(feats[k]), self.query(feats[q]), self.value(feats[v]))) + primary
