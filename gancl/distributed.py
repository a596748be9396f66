"""Process-group helpers so that contrastive losses see the global batch.

The papers' batch-size ablations assume that negatives span the whole batch; under DDP each process holds only its
slice. :func:`gather_with_grad` concatenates the slices of every process and lets gradients flow back to each slice.
Outside a process group every helper is the identity, so the losses need no special case for one process.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


class _GatherWithGrad(torch.autograd.Function):
    """All-gather whose backward sums the incoming gradients over processes and returns this process's slice.

    Every process computes the same loss on the gathered batch; the sum in backward collects, for the local slice, the
    gradient of every process's copy of that loss. DDP then averages parameter gradients over the W processes, so the
    result equals the gradient of the one global loss. All slices must have the same first dimension.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x.contiguous())
        ctx.rank, ctx.n = dist.get_rank(), x.shape[0]
        return torch.cat(parts, dim=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.rank * ctx.n : (ctx.rank + 1) * ctx.n]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """(n, ...) on each of W processes -> (W*n, ...), rank order, differentiable. Identity on one process."""
    if not is_distributed():
        return x
    return _GatherWithGrad.apply(x)


@torch.no_grad()
def gather(x: torch.Tensor) -> torch.Tensor:
    """Like :func:`gather_with_grad` without gradients (labels, queue keys). Identity on one process."""
    if not is_distributed():
        return x
    parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, x.contiguous())
    return torch.cat(parts, dim=0)
