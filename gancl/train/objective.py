"""The objective of one run: every loss term D and G minimise, composed from :class:`LossConfig`.

The trainer computes forwards and steps; this module turns the named outputs of one phase (:class:`DPhase`,
:class:`GPhase`) into named loss terms and keeps the objective's state (FakeCLR's queues of negatives), so that every
paper's recipe reads as a list of terms (the NVlabs StyleGAN2-ADA "loss phases" idea):

==========  =================================================================================================
D phase     adversarial (hinge / non-saturating / dual contrastive)  + conditioning on reals (ACGAN, P-NCA, NT-Xent,
            Eq. 7, 2C or 2C+APS)  + CR  + MsConD per-scale contrastive  + R1 (lazy)  + FakeCLR instance term
G phase     adversarial  + conditioning on fakes with their sampled labels  + FakeCLR instance term (weight lambda_G)
            + path length (lazy)
==========  =================================================================================================

Every term is returned separately (name -> scalar tensor) so the history shows each one and a NaN names its term.
What a phase needs beyond D's outputs on reals and fakes, the objective says (:meth:`Objective.needs_view`,
:meth:`Objective.r1_due`, :meth:`Objective.pl_due`, :attr:`Objective.instances`), and the trainer makes those
forwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from gancl import losses
from gancl.models import DOutput
from gancl.train.config import LossConfig


def adversarial_logits(out: DOutput) -> dict:
    """The logits the adversarial loss acts on: each scale's map for a multi-scale D, else the single output."""
    return dict(out.scale_logits) if out.scale_logits else {"final": out.logits}


@dataclass
class DPhase:
    """D's outputs of one D step, by name, and what the terms need beside them (batch b per output).

    real, fake: D on the augmented reals and fakes. y_real, y_fake: their labels (b,).
    view: D on a second augmentation of the same reals (NT-Xent, APS, CR, MsConD), when :meth:`Objective.needs_view`.
    real_images: the augmented reals (b, 3, R, R) D saw, requiring grad, on the steps R1 is due.
    instance_keys: equation name -> (b, d) momentum-D keys of FakeCLR's terms (of the images each equation's
    ``key_of`` names; one equation, or two for the InsGen-like "real+fake").
    queue_keys: equation name -> (b, d) keys pushed into its queue after the loss, where they are not the
    ``instance_keys`` (supplement Table 10: some replaced by keys of real images).
    """

    real: DOutput
    fake: DOutput
    y_real: torch.Tensor
    y_fake: torch.Tensor
    step: int
    view: Optional[DOutput] = None
    real_images: Optional[torch.Tensor] = None
    instance_keys: Optional[dict] = None
    queue_keys: Optional[dict] = None


@dataclass
class GPhase:
    """D's outputs of one G step, by name.

    fake: D on the augmented fakes (with gradient to G). y_fake: their labels (b,).
    view: D on a second augmentation of the same fakes (NT-Xent, APS), when :meth:`Objective.g_needs_view`.
    real: D on augmented reals, without gradient (the dual contrastive loss contrasts each fake with them).
    instance_key: (b, d) momentum-D keys of the same fakes under another augmentation (Instance-fake, Eq. 9).
    pl_images, pl_ws: on the steps the path-length penalty is due, G's images (b', 3, R, R) of its own forward
    (float32, b' = b // ``loss.pl_batch_shrink``) and the per-layer ws (b', num_ws, w_dim) that made them.
    """

    fake: DOutput
    y_fake: torch.Tensor
    step: int
    view: Optional[DOutput] = None
    real: Optional[DOutput] = None
    instance_key: Optional[torch.Tensor] = None
    pl_images: Optional[torch.Tensor] = None
    pl_ws: Optional[torch.Tensor] = None


def build_queues(cfg: LossConfig, dim: int, steps: int, seed: int, device, dtype) -> dict:
    """FakeCLR's queues of negatives for this objective, one per instance equation (name -> FakeQueue; {} without
    an instance term): ``loss.instance_queue`` keys each (the InsGen-like "real+fake" gives its real and its fake
    queue the same size); the diversity-aware schedule shrinks a queue to ``loss.queue_min`` over the run; Eq. 11's
    forgetting factor. The first queue's random initial keys are drawn with ``seed``, the next with seed + 1."""
    schedule = {"final_size": cfg.queue_min, "decay_steps": steps} if cfg.diversity_queue else {}
    return {name: losses.FakeQueue(dim, cfg.instance_queue, forgetting=cfg.forgetting_factor, tau_m=cfg.forgetting_tau,
                                   authors_constant_bias=cfg.authors_constant_bias, seed=seed + i, device=device,
                                   dtype=dtype, **schedule)
            for i, name in enumerate(losses.instance_equations(cfg.instance))}


def unused_outputs(c: LossConfig, model) -> tuple:
    """DOutput fields an objective never uses (their parameters get no gradient): class proxies under NT-Xent/APS
    or without conditioning, multi-scale projection heads without the contrastive term, an idle instance head. The
    trainer drops them before DDP looks for the tensors that feed the loss."""
    unused = []
    if model.d_head in ("contrastive", "proj_contrastive") and (c.cond in ("ntxent", "none") or c.aps):
        unused += ["proxy", "class_embeddings"]
    if model.multiscale_res and c.ms_contrastive_weight == 0:
        unused.append("scale_proj")
    if model.instance_head_dim > 0 and c.instance == "none":
        unused.append("instance_proj")
    return tuple(unused)


class Objective:
    """The loss terms of one run (``cfg`` resolved: numbers, not "auto"), and their state: FakeCLR's queues (one
    per instance equation), the path-length penalty's running mean ``pl_mean`` (a scalar tensor)."""

    def __init__(self, cfg: LossConfig, num_classes: int, queues: Optional[dict] = None):
        self.cfg = cfg
        self.num_classes = num_classes
        self.queues = dict(queues or {})
        self.pl_mean = torch.zeros(())
        #: FakeCLR's equations for D's instance terms, name -> InstanceEquation ({} without one)
        self.instances = losses.instance_equations(cfg.instance)
        missing = sorted(set(self.instances) - set(self.queues))
        if missing:
            raise ValueError(f"loss.instance={cfg.instance!r} needs a queue of negatives for {missing} "
                             "(build_queues)")

    @property
    def g_queue(self) -> Optional[losses.FakeQueue]:
        """The queue of G's Instance-fake term: the fake queue (Instance-perturbation's keys are fakes too)."""
        return self.queues.get("fake", self.queues.get("perturbation"))

    # ---------------------------------------------------------------- what the phases need
    def needs_view(self) -> bool:
        """Whether D must also see a second augmentation of the reals (G: of the fakes, for NT-Xent/APS)."""
        c = self.cfg
        return c.cond == "ntxent" or c.aps or c.cr_weight > 0 or c.ms_contrastive_weight > 0

    def g_needs_view(self) -> bool:
        return self.cfg.cond == "ntxent" or self.cfg.aps

    def r1_due(self, step: int) -> bool:
        """Whether this D step carries the (lazy) R1 penalty: every ``r1_every`` steps when gamma > 0."""
        return self.cfg.r1_gamma > 0 and step % self.cfg.r1_every == 0

    def pl_due(self, step: int) -> bool:
        """Whether this G step carries the (lazy) path-length penalty: every ``pl_every`` steps when its weight > 0."""
        return self.cfg.pl_weight > 0 and step % self.cfg.pl_every == 0

    def real_keys_due(self, step: int, steps: int) -> bool:
        """Whether this D step pushes keys of real images into the fake queue (supplement Table 10)."""
        c = self.cfg
        return c.queue_real_share > 0 and step >= round(c.queue_real_from * steps)

    def g_instance(self) -> bool:
        """Whether G's phase has FakeCLR's instance term (Instance-fake on G's fakes, Eq. 9, weight lambda_G): when
        D has a term on fakes."""
        return self.g_queue is not None and self.cfg.instance_weight_g > 0

    # ---------------------------------------------------------------- D phase
    def d_terms(self, p: DPhase) -> dict:
        """Every loss term D minimises on this step; pushes the step's instance keys into their queues afterwards."""
        c, terms = self.cfg, {}
        if c.adv == "dual_contrastive":
            terms["adv"] = losses.dual_contrastive_d(p.real.logits.flatten(), p.fake.logits.flatten())
        else:
            d_adv = losses.d_hinge if c.adv == "hinge" else losses.d_nonsat
            r_logits, f_logits = adversarial_logits(p.real), adversarial_logits(p.fake)
            terms["adv"] = sum(d_adv(r_logits[k], f_logits[k]) for k in r_logits) / len(r_logits)
        if c.cond not in ("none", "proj"):
            terms["cond"] = c.cond_weight * self.conditioning(p.real, p.y_real, p.view)
            if c.cond == "acgan":  # AC-GAN's D also classifies fakes by their sampled class
                terms["cond_fake"] = c.cond_weight * losses.acgan_loss(p.fake.class_logits, p.y_fake)
        if c.cr_weight > 0:
            terms["cr"] = c.cr_weight * losses.consistency_reg(p.real.logits, p.view.logits, p.real.embed,
                                                               p.view.embed)
        if c.ms_contrastive_weight > 0:
            terms["ms_contrastive"] = c.ms_contrastive_weight * losses.multiscale_contrastive(
                p.real.scale_proj, p.view.scale_proj, c.ms_temperature)
        if p.real_images is not None:
            terms["r1"] = self.r1_term(p.real, p.real_images)
        for name, equation in self.instances.items():
            query = (p.real if equation.query == "real" else p.fake).instance_proj
            term = "instance" if len(self.instances) == 1 else f"instance_{name}"
            terms[term] = c.instance_weight_d * self.instance_loss(equation, query, p.instance_keys[name], p.step,
                                                                   self.queues[name])
        for name in self.instances:  # after the losses, as MoCo and the authors' code do
            self.queues[name].push((p.queue_keys or {}).get(name, p.instance_keys[name]), p.step)
        return terms

    # ---------------------------------------------------------------- G phase
    def g_terms(self, p: GPhase) -> dict:
        """Every loss term G minimises on this step."""
        c, terms = self.cfg, {}
        if c.adv == "dual_contrastive":
            terms["adv"] = losses.dual_contrastive_g(p.real.logits.flatten(), p.fake.logits.flatten())
        else:
            g_adv = losses.g_hinge if c.adv == "hinge" else losses.g_nonsat
            f_logits = adversarial_logits(p.fake)
            terms["adv"] = sum(g_adv(v) for v in f_logits.values()) / len(f_logits)
        if c.cond not in ("none", "proj"):
            terms["cond"] = c.cond_weight * self.conditioning(p.fake, p.y_fake, p.view)
        if self.g_instance():
            # FakeCLR Eq. 9 and its footnote 6 (after InsGen): G's term is Instance-fake C^f, the same fake under
            # another augmentation, also when D's term is the perturbation C_p^f
            equation = losses.INSTANCE_EQUATIONS["fake"]
            terms["instance"] = c.instance_weight_g * self.instance_loss(equation, p.fake.instance_proj,
                                                                        p.instance_key, p.step, self.g_queue)
        if p.pl_images is not None:
            terms["pl"] = self.pl_term(p.pl_images, p.pl_ws)
        return terms

    # ---------------------------------------------------------------- the terms
    def conditioning(self, out: DOutput, labels: torch.Tensor, view: Optional[DOutput]) -> torch.Tensor:
        """The conditioning loss of ContraGAN Table 1 on one batch of D outputs."""
        c = self.cfg
        if c.cond == "acgan":
            return losses.acgan_loss(out.class_logits, labels)
        if c.cond == "pnca":
            return losses.proxy_nca(out.embed, labels, out.class_embeddings, c.temperature,
                                    authors_denominator=c.pnca_authors_denominator)
        if c.cond == "ntxent":
            return losses.nt_xent(out.embed, view.embed, c.temperature)
        if c.cond == "eq7":
            return losses.contrastive_eq7(out.embed, out.proxy, labels, c.temperature,
                                          exclude_same_label=c.eq7_exclude_same_label)
        if c.aps:
            return losses.contrastive_2c_aps(out.embed, view.embed, labels, c.temperature)
        return losses.contrastive_2c(out.embed, out.proxy, labels, c.temperature, proxy_weight=c.proxy_weight)

    def r1_term(self, real: DOutput, real_images: torch.Tensor) -> torch.Tensor:
        """gamma/2 * interval * R1 on D's adversarial outputs for the reals (all outputs of a multi-scale D summed)."""
        c = self.cfg
        logits = sum(v.float().reshape(v.shape[0], -1).sum(1) for v in adversarial_logits(real).values())
        return 0.5 * c.r1_gamma * c.r1_every * losses.r1_penalty(logits, real_images)

    def pl_term(self, images: torch.Tensor, ws: torch.Tensor) -> torch.Tensor:
        """pl_weight * interval * the path-length penalty (StyleGAN2 Eq. 4, lazy); updates :attr:`pl_mean`."""
        c = self.cfg
        penalty, self.pl_mean = losses.path_length_penalty(losses.path_lengths(images, ws), self.pl_mean,
                                                           c.pl_decay)
        return c.pl_weight * c.pl_every * penalty

    def instance_loss(self, equation: losses.InstanceEquation, query: torch.Tensor, key: torch.Tensor,
                      step: int, queue: losses.FakeQueue) -> torch.Tensor:
        """One FakeCLR equation's InfoNCE of ``query`` (b, d) against its ``key`` (b, d) and ``queue``."""
        return equation.loss(query.to(key.dtype), key, queue, step, self.cfg.instance_temperature)
