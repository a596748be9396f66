"""gancl.losses under torch.distributed: two CPU processes (gloo), each holding half of the batch.

For every batch-contrastive loss, each rank must return the loss of the concatenated batch, and the parameter
gradients, averaged over the ranks as DDP does, must equal the single-process gradients of that loss. Per-sample losses
(P-NCA, the queue InfoNCE) are checked the DDP way: the average of the per-rank values and gradients equals the global
ones. The FakeQueue must end up identical on both ranks after each pushes its own keys.
"""

from __future__ import annotations

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gancl import losses as L

WORLD = 2
N, D_IN, D, C = 6, 5, 4, 3  # N samples per rank


def _make_data():
    g = torch.Generator().manual_seed(0)
    params = {
        "W": torch.randn(D_IN, D, generator=g, dtype=torch.float64),
        "P": torch.randn(C, D, generator=g, dtype=torch.float64),
        "v": torch.randn(D_IN, generator=g, dtype=torch.float64),
    }
    batch = {
        "x": torch.randn(WORLD * N, D_IN, generator=g, dtype=torch.float64),
        "x2": torch.randn(WORLD * N, D_IN, generator=g, dtype=torch.float64),
        "fake": torch.randn(WORLD * (N - 2), D_IN, generator=g, dtype=torch.float64),  # fake count differs from real
        "y": torch.randint(0, C, (WORLD * N,), generator=g),
    }
    negatives = torch.randn(7, D, generator=g, dtype=torch.float64)
    return params, batch, negatives


def _loss(name, p, b, negatives):
    e, e2, y = b["x"] @ p["W"], b["x2"] @ p["W"], b["y"]
    if name == "2c":
        return L.contrastive_2c(e, p["P"][y], y, 0.5)
    if name == "eq7":
        return L.contrastive_eq7(e, p["P"][y], y, 0.5)
    if name == "eq7_other_labels":
        return L.contrastive_eq7(e, p["P"][y], y, 0.5, exclude_same_label=True)
    if name == "aps":
        return L.contrastive_2c_aps(e, e2, y, 0.5)
    if name == "nt_xent":
        return L.nt_xent(e, e2, 0.5)
    if name == "dual_d":
        return L.dual_contrastive_d(b["x"] @ p["v"], (b["fake"] @ p["v"])[:, None])
    if name == "dual_g":
        return L.dual_contrastive_g(b["x"] @ p["v"], b["fake"] @ p["v"])
    if name == "multiscale":
        a = {"4": torch.tanh(e)[:, :, None, None].expand(-1, -1, 2, 2), "1": e}
        return L.multiscale_contrastive(a, {"4": torch.tanh(e2)[:, :, None, None], "1": e2}, 0.5)
    if name == "proxy_nca":
        return L.proxy_nca(e, y, p["P"], 0.5)
    if name == "info_nce":
        return L.info_nce(e, e2.detach(), negatives, 0.2, L.forgetting_factor(torch.arange(7) % 3, 0.1))
    raise KeyError(name)


GATHERED = ["2c", "eq7", "eq7_other_labels", "aps", "nt_xent", "dual_d", "dual_g", "multiscale"]
PER_SAMPLE = ["proxy_nca", "info_nce"]


def _value_and_grads(name, params, batch, negatives):
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    loss = _loss(name, leaves, batch, negatives)
    grads = torch.autograd.grad(loss, list(leaves.values()), allow_unused=True)
    grads = {k: torch.zeros_like(v) if g is None else g for (k, v), g in zip(leaves.items(), grads)}
    return loss.detach(), grads


def _worker(rank, init_file, params, batch, negatives, expected):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    try:
        local = {k: v.chunk(WORLD)[rank] for k, v in batch.items()}
        for name in GATHERED + PER_SAMPLE:
            value, grads = _value_and_grads(name, params, local, negatives)
            want_value, want_grads = expected[name]
            if name in PER_SAMPLE:  # not gathered: only the DDP average is global
                dist.all_reduce(value)
                value /= WORLD
            assert torch.allclose(value, want_value, rtol=1e-10, atol=1e-12), (name, rank, value, want_value)
            for k, g in grads.items():
                dist.all_reduce(g)  # DDP averages parameter gradients over the processes
                g /= WORLD
                assert torch.allclose(g, want_grads[k], rtol=1e-8, atol=1e-12), (name, k, rank, g, want_grads[k])

        queue = L.FakeQueue(dim=D, size=10, forgetting=True, seed=5)
        for step in range(3):
            keys = torch.zeros(2, D)
            keys[:, rank] = step + 1.0  # each rank pushes its own direction
            queue.push(keys, step)
        everyone = [torch.empty_like(queue.keys) for _ in range(WORLD)]
        dist.all_gather(everyone, queue.keys)
        assert torch.equal(everyone[0], everyone[1]), "queues differ across ranks"
        assert queue.stamps.tolist() == [-1, -1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2][-10:]
        assert torch.equal(queue.keys[-4:], torch.eye(D)[[0, 0, 1, 1]])  # rank order, normalised
    finally:
        dist.destroy_process_group()


@pytest.mark.distributed
def test_losses_on_two_ranks_equal_the_global_batch(tmp_path):
    params, batch, negatives = _make_data()
    expected = {name: _value_and_grads(name, params, batch, negatives) for name in GATHERED + PER_SAMPLE}
    init_file = tmp_path / "pg_init"
    mp.spawn(_worker, args=(str(init_file), params, batch, negatives, expected), nprocs=WORLD, join=True)
