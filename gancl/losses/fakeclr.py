"""FakeCLR (Li et al., ECCV 2022): InfoNCE with a queue of fake negatives, and its three training techniques.

Pieces, one per mechanism of the paper:

- :func:`info_nce`: the InfoNCE loss, Eq. 5, with the optional per-negative margin m_i of supplement Eq. 12 (main-text
  Eq. 10 carries a stray leading ``exp(...) -`` term; Eq. 12 is the intended loss).
- :func:`info_nce_logits`, :func:`info_nce_weights`: its logits, and each term's share of its gradient
  (supplement Eq. 14), to read what a margin does.
- :func:`forgetting_factor`: the margin m of Eq. 11 ("forgetting factor of queue").
- :func:`perturb_latent`: the noise-related latent augmentation (Sec. 4, eps proportional to |z|).
- :class:`FakeQueue`: the negative queue with iteration stamps, an optional "diversity-aware" linearly shrinking size,
  and the margin it feeds to :func:`info_nce`.
- :func:`momentum_update`: the momentum (EMA) key encoder of MoCo, used by InsGen and FakeCLR.
- :func:`instance_real_loss`, :func:`instance_fake_loss`, :func:`instance_perturbation_loss`: Eq. 6, 7, 8 (and Eq. 9
  when the queue applies the forgetting factor), thin wrappers over :func:`info_nce`.

Distributed training: the negatives come from the queue, not the batch, so the InfoNCE terms are per-query means and
need no gather (DDP's gradient averaging gives the global mean). The queue itself must be identical on every process:
:meth:`FakeQueue.push` gathers the keys of all processes before enqueueing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..distributed import gather
from ._checks import check_embeddings, check_float_tensor, check_same_shape, check_temperature


def info_nce_logits(
    query: torch.Tensor,
    key: torch.Tensor,
    negatives: torch.Tensor,
    temperature: float = 0.2,
    negative_bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """The InfoNCE logits of supplement Eq. 12: column 0 is q_n.k_n / t, column 1 + i is (q_n.neg_i + m_i) / t, with
    q, k and the negatives L2-normalised (cosine similarities).

    Args:
        query: (N, d) query projections phi(v_q).
        key: (N, d) positive keys phi(v_q^+); row n is the positive of query row n. Detach it (momentum encoder) if
            no gradient should reach the key branch; this function does not.
        negatives: (K, d) negative keys, K >= 1 (e.g. :meth:`FakeQueue.negatives`). Cast to the query's dtype.
        temperature: t > 0 (FakeCLR and InsGen use 0.2).
        negative_bias: optional (K,) margin m_i added to each negative similarity before dividing by t
            (:meth:`FakeQueue.negative_bias`).

    Returns:
        (N, 1 + K) logits.
    """
    t = check_temperature(temperature)
    check_embeddings(query, "query")
    check_embeddings(key, "key")
    check_same_shape(query, key, "query", "key")
    check_float_tensor(negatives, "negatives")
    if negatives.dim() != 2 or negatives.shape[1] != query.shape[1]:
        raise ValueError(f"negatives must have shape (K, {query.shape[1]}), got {tuple(negatives.shape)}")
    if negatives.shape[0] == 0:
        raise ValueError("negatives is empty (K = 0): InfoNCE needs at least one negative; fill the queue first")
    q = F.normalize(query, dim=1)
    k = F.normalize(key, dim=1)
    neg = F.normalize(negatives.to(device=q.device, dtype=q.dtype), dim=1)
    neg_sim = q @ neg.T
    if negative_bias is not None:
        check_float_tensor(negative_bias, "negative_bias")
        if negative_bias.shape != (negatives.shape[0],):
            raise ValueError(
                f"negative_bias must have shape ({negatives.shape[0]},) (one margin per negative), "
                f"got {tuple(negative_bias.shape)}"
            )
        neg_sim = neg_sim + negative_bias.to(device=q.device, dtype=q.dtype)[None, :]
    return torch.cat([(q * k).sum(dim=1, keepdim=True), neg_sim], dim=1) / t


def info_nce(
    query: torch.Tensor,
    key: torch.Tensor,
    negatives: torch.Tensor,
    temperature: float = 0.2,
    negative_bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """InfoNCE loss, FakeCLR Eq. 5, with the iteration-based margin of supplement Eq. 12.

    mean over n of -log( exp(q_n.k_n/t) / (exp(q_n.k_n/t) + sum_i exp((q_n.neg_i + m_i)/t)) ) over the logits of
    :func:`info_nce_logits` (same arguments). Returns the scalar mean over the N queries.
    """
    logits = info_nce_logits(query, key, negatives, temperature, negative_bias)
    return (torch.logsumexp(logits, dim=1) - logits[:, 0]).mean()


@torch.no_grad()
def info_nce_weights(
    query: torch.Tensor,
    key: torch.Tensor,
    negatives: torch.Tensor,
    temperature: float = 0.2,
    negative_bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """How much each term of :func:`info_nce` pulls on a query: the softmax of :func:`info_nce_logits` (same
    arguments), the coefficients of supplement Eq. 14 (grad wrt q_n = sum_i w_ni (neg_i - k_n) / t, with w_ni the
    negatives' entries here).

    Returns:
        (N, 1 + K): column 0 the positive's share, columns 1.. the negatives' (rows sum to 1).
    """
    return info_nce_logits(query, key, negatives, temperature, negative_bias).softmax(dim=1)


def forgetting_factor(stamps: torch.Tensor, tau_m: float = 0.01, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Forgetting factor of the queue, FakeCLR Eq. 11.

    The iteration stamps t_i are min-max normalised to [0, 1] and passed through a softmax over the queue with
    temperature tau_m: m_i = softmax(t_hat / tau_m)_i. Recent negatives get the largest margin; the weights sum to 1.
    When all stamps are equal the normalisation is undefined and the weights are uniform (1/K).
    (The authors' released code softmaxes over a dimension of size 1, giving m_i = 1 for all i; see
    :class:`FakeQueue`'s ``authors_constant_bias``.)

    Args:
        stamps: (K,) iteration at which each negative was generated (any real or integer dtype), K >= 1.
        tau_m: temperature > 0; smaller favours the newest negatives more (the paper's best is 0.001, its pseudocode
            uses 0.01).
        dtype: floating dtype of the result.

    Returns:
        (K,) weights m.
    """
    tau = check_temperature(tau_m, "tau_m")
    if not isinstance(stamps, torch.Tensor) or stamps.dim() != 1 or stamps.shape[0] == 0:
        raise ValueError(f"stamps must be a non-empty 1-D tensor of iteration stamps, got {stamps!r:.80}")
    s = stamps.to(torch.float64)
    low, span = s.min(), s.max() - s.min()
    # Dividing by a clamped span and masking keeps this free of a host sync for the all-equal case.
    t_hat = torch.where(span > 0, (s - low) / span.clamp_min(torch.finfo(torch.float64).tiny), torch.zeros_like(s))
    return torch.softmax(t_hat / tau, dim=0).to(dtype)


def perturb_latent(
    z: torch.Tensor, l1: float = 0.1, max_abs: float | None = None, generator: torch.Generator | None = None,
    *, fixed_radius: float | None = None,
) -> torch.Tensor:
    """Noise-related latent augmentation, FakeCLR Sec. 4: z + eps with eps ~ N(0, (l1 * |z|)^2) per element.

    The perturbation radius grows with |z|, so low-density regions of the prior get a stronger similarity prior.
    ``max_abs=3.0`` reproduces the authors' code, which clamps |z| to at most 3 inside the standard deviation. The
    standard deviation is computed from ``z.detach()``: the perturbation is noise, not a function to differentiate.
    ``fixed_radius`` gives the plain perturbation of Instance-perturbation (FakeCLR Eq. 8, the same radius eps_q
    everywhere, the ablations' setting before noise-related augmentation): eps ~ N(0, fixed_radius^2).

    Args:
        z: (N, z_dim) (or any shape) float latents.
        l1: coefficient l_1 >= 0 (0.1 in the authors' code).
        max_abs: optional clamp > 0 on |z| inside the standard deviation.
        generator: optional torch.Generator on z's device, for reproducible noise.
        fixed_radius: if given (>= 0), a constant standard deviation instead of l1 * |z|.

    Returns:
        Tensor shaped like z.
    """
    check_float_tensor(z, "z")
    if fixed_radius is not None:
        if not fixed_radius >= 0:
            raise ValueError(f"fixed_radius must be >= 0, got {fixed_radius}")
        return z + fixed_radius * torch.randn(z.shape, generator=generator, device=z.device, dtype=z.dtype)
    if not l1 >= 0:
        raise ValueError(f"l1 must be >= 0, got {l1}")
    scale = z.detach().abs()
    if max_abs is not None:
        if not max_abs > 0:
            raise ValueError(f"max_abs must be > 0 (or None for no clamp), got {max_abs}")
        scale = scale.clamp(max=max_abs)
    noise = torch.randn(z.shape, generator=generator, device=z.device, dtype=z.dtype)
    return z + noise * (l1 * scale)


class FakeQueue:
    """Queue of negative keys with iteration stamps (FakeCLR Sec. 4; MoCo-style FIFO as in InsGen).

    Keys are stored L2-normalised, oldest first, each with the iteration at which it was enqueued. Size schedule:

    - fixed: ``size`` keys (the oldest are dropped first);
    - diversity-aware (``final_size`` and ``decay_steps`` given): the paper sets the queue size N_hat = l_2 * t with a
      negative l_2, i.e. a size decreasing linearly with the iteration t. Read here as a linear ramp from ``size`` at
      step 0 to ``final_size`` at ``decay_steps`` (constant afterwards): size_at(t) = round(size + (final_size - size) *
      min(t, decay_steps) / decay_steps). This schedule is not in the authors' code.

    Margins (:meth:`negative_bias`): none (``forgetting=False``), Eq. 11's forgetting factor (``forgetting=True``), or,
    with ``forgetting=True, authors_constant_bias=True``, the constant +1 per negative that the authors' released code
    effectively applies (its softmax runs over a dimension of size 1).

    Initial content: ``init="random"`` fills the queue with ``size`` random unit vectors stamped -1 (before training),
    as MoCo / InsGen / FakeCLR do, so the loss is defined from the first step; the generator is seeded with ``seed``,
    so every process builds the same queue. ``init="empty"`` starts empty (the trainer must then push before the
    first loss).

    Under DDP, :meth:`push` gathers the keys of all processes in rank order, so every process holds the same queue.
    State (keys and stamps) is kept as tensors: :meth:`state_dict` / :meth:`load_state_dict` for checkpoints.
    """

    def __init__(
        self,
        dim: int,
        size: int,
        *,
        final_size: int | None = None,
        decay_steps: int | None = None,
        forgetting: bool = False,
        tau_m: float = 0.01,
        authors_constant_bias: bool = False,
        init: str = "random",
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        if int(dim) != dim or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim}")
        if int(size) != size or size < 1:
            raise ValueError(f"size must be a positive integer, got {size}")
        if (final_size is None) != (decay_steps is None):
            raise ValueError("final_size and decay_steps must be given together (diversity-aware queue) or not at all")
        if final_size is not None and (int(final_size) != final_size or final_size < 1):
            raise ValueError(f"final_size must be a positive integer, got {final_size}")
        if decay_steps is not None and (int(decay_steps) != decay_steps or decay_steps < 1):
            raise ValueError(f"decay_steps must be a positive integer, got {decay_steps}")
        if authors_constant_bias and not forgetting:
            raise ValueError("authors_constant_bias=True emulates the authors' forgetting factor; set forgetting=True")
        if init not in ("random", "empty"):
            raise ValueError(f"init must be 'random' or 'empty', got {init!r}")
        self.dim, self.size = int(dim), int(size)
        self.final_size = None if final_size is None else int(final_size)
        self.decay_steps = None if decay_steps is None else int(decay_steps)
        self.forgetting = forgetting
        self.tau_m = check_temperature(tau_m, "tau_m")
        self.authors_constant_bias = authors_constant_bias
        self.device, self.dtype = torch.device(device or "cpu"), dtype
        if init == "random":
            gen = torch.Generator().manual_seed(seed)
            keys = F.normalize(torch.randn(self.size, self.dim, generator=gen, dtype=torch.float64), dim=1)
            self.keys = keys.to(device=self.device, dtype=dtype)
            self.stamps = torch.full((self.size,), -1, dtype=torch.long, device=self.device)
        else:
            self.keys = torch.empty(0, self.dim, device=self.device, dtype=dtype)
            self.stamps = torch.empty(0, dtype=torch.long, device=self.device)

    def __len__(self) -> int:
        return self.keys.shape[0]

    def size_at(self, step: int) -> int:
        """Queue size at iteration ``step`` under the schedule (>= 1)."""
        if self.final_size is None:
            return self.size
        frac = min(max(step, 0), self.decay_steps) / self.decay_steps
        return max(1, round(self.size + (self.final_size - self.size) * frac))

    @torch.no_grad()
    def push(self, keys: torch.Tensor, step: int) -> None:
        """Enqueue ``keys`` (n, dim) stamped with ``step``; the oldest keys beyond :meth:`size_at` (step) are dropped.

        Under DDP the keys of all processes are gathered first (every process must call push with the same n).
        """
        check_embeddings(keys, "keys")
        if keys.shape[1] != self.dim:
            raise ValueError(f"keys must have shape (n, {self.dim}), got {tuple(keys.shape)}")
        keys = gather(keys.detach())
        keys = F.normalize(keys, dim=1).to(device=self.device, dtype=self.dtype)
        stamps = torch.full((keys.shape[0],), int(step), dtype=torch.long, device=self.device)
        keep = self.size_at(step)
        self.keys = torch.cat([self.keys, keys])[-keep:]
        self.stamps = torch.cat([self.stamps, stamps])[-keep:]

    def _newest(self, step: int) -> slice:
        return slice(max(0, len(self) - self.size_at(step)), len(self))

    def negatives(self, step: int) -> torch.Tensor:
        """(K, dim) stored keys used as negatives at ``step``: the newest min(len, size_at(step)) entries."""
        return self.keys[self._newest(step)]

    def negative_bias(self, step: int) -> torch.Tensor:
        """(K,) margin m for the negatives returned by :meth:`negatives` (step): zeros, Eq. 11, or ones (see class)."""
        stamps = self.stamps[self._newest(step)]
        if not self.forgetting:
            return torch.zeros(stamps.shape[0], device=self.device, dtype=self.dtype)
        if self.authors_constant_bias:
            return torch.ones(stamps.shape[0], device=self.device, dtype=self.dtype)
        if stamps.shape[0] == 0:
            return torch.zeros(0, device=self.device, dtype=self.dtype)
        return forgetting_factor(stamps, self.tau_m, dtype=self.dtype)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Tensors only (loadable with ``torch.load(..., weights_only=True)``)."""
        return {"keys": self.keys.clone(), "stamps": self.stamps.clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        keys, stamps = state.get("keys"), state.get("stamps")
        if not isinstance(keys, torch.Tensor) or keys.dim() != 2 or keys.shape[1] != self.dim:
            raise ValueError(f"state['keys'] must be a tensor of shape (K, {self.dim})")
        if not isinstance(stamps, torch.Tensor) or stamps.shape != (keys.shape[0],):
            raise ValueError(f"state['stamps'] must be a tensor of shape ({keys.shape[0]},) matching state['keys']")
        self.keys = keys.to(device=self.device, dtype=self.dtype).clone()
        self.stamps = stamps.to(device=self.device, dtype=torch.long).clone()

    def to(self, device: torch.device | str) -> FakeQueue:
        """Move the stored keys and stamps to ``device``; returns self."""
        self.device = torch.device(device)
        self.keys, self.stamps = self.keys.to(self.device), self.stamps.to(self.device)
        return self


@torch.no_grad()
def momentum_update(target: nn.Module, source: nn.Module, beta: float = 0.999) -> None:
    """Momentum key encoder (MoCo; InsGen / FakeCLR A.4): target <- beta * target + (1 - beta) * source, in place.

    Parameters are averaged; buffers (e.g. BatchNorm statistics) are copied from ``source``.

    Args:
        target: the momentum (key) copy. source: the online (query) module with the same structure.
        beta: momentum in [0, 1] (0.999 in the authors' code).
    """
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta (the momentum) must lie in [0, 1], got {beta}")
    tp, sp = list(target.parameters()), list(source.parameters())
    tb, sb = list(target.buffers()), list(source.buffers())
    if len(tp) != len(sp) or len(tb) != len(sb) or any(a.shape != b.shape for a, b in zip(tp + tb, sp + sb)):
        raise ValueError(
            "target and source must have parameters and buffers of the same shapes (target should be a copy of source)"
        )
    for pt, ps in zip(tp, sp):
        pt.lerp_(ps.to(pt.dtype), 1.0 - beta)
    for bt, bs in zip(tb, sb):
        bt.copy_(bs)


def _queue_loss(query, key, queue: FakeQueue, step: int, temperature: float) -> torch.Tensor:
    if not isinstance(queue, FakeQueue):
        raise ValueError(f"queue must be a FakeQueue, got {type(queue).__name__}")
    return info_nce(query, key, queue.negatives(step), temperature, queue.negative_bias(step))


def instance_real_loss(
    query: torch.Tensor, key: torch.Tensor, queue: FakeQueue, step: int, temperature: float = 0.2
) -> torch.Tensor:
    """Instance-real, FakeCLR Eq. 6 (InsGen's real instance discrimination), with the real-image head phi^r.

    Args:
        query: (N, d) phi^r(d(T_q(x_q))) for real images x_q under one augmentation (online head, with gradient).
        key: (N, d) phi^r(d(T_k+(x_q))): the same real images under another augmentation (momentum head, detached).
        queue: the *real* queue: keys of other real images T_ki(x_ki) from earlier iterations.
        step: current iteration (selects the scheduled queue size and the margins). temperature: t > 0.

    Returns:
        Scalar InfoNCE. The trainer pushes ``key`` into the queue afterwards (as MoCo and the authors' code do).
    """
    return _queue_loss(query, key, queue, step, temperature)


def instance_fake_loss(
    query: torch.Tensor, key: torch.Tensor, queue: FakeQueue, step: int, temperature: float = 0.2
) -> torch.Tensor:
    """Instance-fake, FakeCLR Eq. 7, with the fake-image head phi^f; also the G-side term lambda_G * C^f of Eq. 9.

    Args:
        query: (N, d) phi^f(d(T_q(G(z_q)))) for fresh latents z_q (online head).
        key: (N, d) phi^f(d(T_k+(G(z_q)))): the same fakes under another augmentation (momentum head, detached).
        queue: the *fake* queue: keys of fakes G(z_ki) from other latents (earlier iterations).
        step: current iteration. temperature: t > 0.

    Returns:
        Scalar InfoNCE. The trainer pushes ``key`` into the queue afterwards.
    """
    return _queue_loss(query, key, queue, step, temperature)


def instance_perturbation_loss(
    query: torch.Tensor, key: torch.Tensor, queue: FakeQueue, step: int, temperature: float = 0.2
) -> torch.Tensor:
    """Instance-perturbation, FakeCLR Eq. 8; with a forgetting-factor queue and :func:`perturb_latent`, Eq. 9.

    The positive pair is two *different* fakes whose latents are neighbours: G(z_q) and G(z_q + eps_q).

    Args:
        query: (N, d) phi^f(d(T_q(G(z_q)))) (online head).
        key: (N, d) phi^f(d(T_k+(G(z_q + eps_q)))) with eps_q from :func:`perturb_latent` (momentum head, detached).
        queue: the fake queue (keys of fakes from other latents; with ``forgetting=True`` it adds Eq. 11's margins and,
            with a ``final_size``, shrinks as the diversity-aware queue).
        step: current iteration. temperature: t > 0.

    Returns:
        Scalar InfoNCE. The trainer pushes ``key`` into the queue afterwards, as the authors' code does (the negatives
        are then fakes of perturbed latents z_k + eps_k, still fakes of other latents as Eq. 8 requires).
    """
    return _queue_loss(query, key, queue, step, temperature)


@dataclass(frozen=True)
class InstanceEquation:
    """What tells FakeCLR's three instance-discrimination terms apart (Sec. 3.2, Eq. 6-8): whose D output of the
    step is the query, and which images the momentum D encodes, under another augmentation, as the positive key.
    The InfoNCE against the queue (:func:`info_nce` with the queue's margins) is the same for all three.

    query: "real" or "fake": D's output on this step's reals or fakes.
    key_of: "real" (the same reals), "fake" (the same fakes) or "perturbed fake" (the fakes of the same latents plus
        :func:`perturb_latent`'s eps: a different image whose latent is a neighbour).
    loss: the equation's function.
    """

    name: str
    query: str
    key_of: str
    loss: Callable


#: loss.instance -> its equation. G's term (Eq. 9 with footnote 6, after InsGen) is always Instance-fake.
INSTANCE_EQUATIONS = {
    "real": InstanceEquation("Eq. 6 (Instance-real)", "real", "real", instance_real_loss),
    "fake": InstanceEquation("Eq. 7 (Instance-fake)", "fake", "fake", instance_fake_loss),
    "perturbation": InstanceEquation("Eq. 8 (Instance-perturbation)", "fake", "perturbed fake",
                                     instance_perturbation_loss),
}


def instance_equations(mode: str) -> dict:
    """The equations of a ``loss.instance`` mode, name -> :class:`InstanceEquation`, each trained with its own
    queue: none for "none", one for "real", "fake" or "perturbation", and both for "real+fake", the InsGen-like
    objective of FakeCLR's ablations ("InsGen, i.e. employs instance-real at the same time" as Instance-fake, with a
    real and a fake instance queue, Sec. 3.2; Yang et al. 2021)."""
    if mode == "none":
        return {}
    names = mode.split("+")
    unknown = [n for n in names if n not in INSTANCE_EQUATIONS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"instance mode {mode!r}: name each of {sorted(INSTANCE_EQUATIONS)} at most once, "
                         "joined by '+'")
    return {n: INSTANCE_EQUATIONS[n] for n in names}
