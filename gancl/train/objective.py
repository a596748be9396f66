"""The objective of one run: which loss terms D and G minimise, composed from :class:`LossConfig`.

The trainer computes forwards; this module only turns discriminator outputs into named loss terms, so that every
paper's recipe reads as a list of terms (the NVlabs StyleGAN2-ADA "loss phases" idea):

==========  =================================================================================================
D phase     adversarial (hinge / non-saturating / dual contrastive)  + conditioning on reals (ACGAN, P-NCA, NT-Xent,
            Eq. 7, 2C or 2C+APS)  + CR  + MsConD per-scale contrastive  + FakeCLR instance term
G phase     adversarial  + conditioning on fakes with their sampled labels  + FakeCLR instance term (weight lambda_G)
==========  =================================================================================================

Every term is returned separately (name -> scalar tensor) so the history shows each one and a NaN names its term.
"""

from __future__ import annotations

from typing import Optional

import torch

from gancl import losses
from gancl.models import DOutput
from gancl.train.config import LossConfig


def adversarial_logits(out: DOutput) -> dict:
    """The logits the adversarial loss acts on: each scale's map for a multi-scale D, else the single output."""
    return dict(out.scale_logits) if out.scale_logits else {"final": out.logits}


class Objective:
    def __init__(self, cfg: LossConfig, num_classes: int):
        self.cfg = cfg
        self.num_classes = num_classes

    # ---------------------------------------------------------------- D phase
    def d_terms(self, real: DOutput, fake: DOutput, y_real: torch.Tensor, y_fake: torch.Tensor,
                view: Optional[DOutput] = None) -> dict:
        """Loss terms D minimises. ``view`` is D's output on a second augmentation of the same reals (when needed)."""
        c, terms = self.cfg, {}
        r_logits, f_logits = adversarial_logits(real), adversarial_logits(fake)
        if c.adv == "dual_contrastive":
            terms["adv"] = losses.dual_contrastive_d(real.logits.flatten(), fake.logits.flatten())
        else:
            d_adv = losses.d_hinge if c.adv == "hinge" else losses.d_nonsat
            terms["adv"] = sum(d_adv(r_logits[k], f_logits[k]) for k in r_logits) / len(r_logits)
        if c.cond not in ("none", "proj"):
            terms["cond"] = c.cond_weight * self.conditioning(real, y_real, view)
            if c.cond == "acgan":  # AC-GAN's D also classifies fakes by their sampled class
                terms["cond_fake"] = c.cond_weight * losses.acgan_loss(fake.class_logits, y_fake)
        if c.cr_weight > 0:
            terms["cr"] = c.cr_weight * losses.consistency_reg(real.logits, view.logits, real.embed, view.embed)
        if c.ms_contrastive_weight > 0:
            terms["ms_contrastive"] = c.ms_contrastive_weight * losses.multiscale_contrastive(
                real.scale_proj, view.scale_proj, c.ms_temperature)
        return terms

    # ---------------------------------------------------------------- G phase
    def g_terms(self, fake: DOutput, y_fake: torch.Tensor, real: Optional[DOutput] = None,
                view: Optional[DOutput] = None) -> dict:
        """Loss terms G minimises. ``real`` (detached D outputs on reals) is needed by the dual contrastive loss."""
        c, terms = self.cfg, {}
        if c.adv == "dual_contrastive":
            terms["adv"] = losses.dual_contrastive_g(real.logits.flatten(), fake.logits.flatten())
        else:
            g_adv = losses.g_hinge if c.adv == "hinge" else losses.g_nonsat
            f_logits = adversarial_logits(fake)
            terms["adv"] = sum(g_adv(v) for v in f_logits.values()) / len(f_logits)
        if c.cond not in ("none", "proj"):
            terms["cond"] = c.cond_weight * self.conditioning(fake, y_fake, view)
        return terms

    def conditioning(self, out: DOutput, labels: torch.Tensor, view: Optional[DOutput]) -> torch.Tensor:
        """The conditioning loss of ContraGAN Table 1 on one batch of D outputs."""
        c = self.cfg
        if c.cond == "acgan":
            return losses.acgan_loss(out.class_logits, labels)
        if c.cond == "pnca":
            return losses.proxy_nca(out.embed, labels, out.class_embeddings, c.temperature)
        if c.cond == "ntxent":
            return losses.nt_xent(out.embed, view.embed, c.temperature)
        if c.cond == "eq7":
            return losses.contrastive_eq7(out.embed, out.proxy, labels, c.temperature,
                                          exclude_same_label=c.eq7_exclude_same_label)
        if c.aps:
            return losses.contrastive_2c_aps(out.embed, view.embed, labels, c.temperature)
        return losses.contrastive_2c(out.embed, out.proxy, labels, c.temperature)

    def r1_term(self, real: DOutput, real_images: torch.Tensor) -> torch.Tensor:
        """gamma/2 * interval * R1 on D's adversarial outputs for the reals (all outputs of a multi-scale D summed)."""
        c = self.cfg
        logits = sum(v.float().reshape(v.shape[0], -1).sum(1) for v in adversarial_logits(real).values())
        return 0.5 * c.r1_gamma * c.r1_every * losses.r1_penalty(logits, real_images)

    def unused_outputs(self, model) -> tuple:
        """DOutput fields this objective never uses (their parameters get no gradient): class proxies under
        NT-Xent/APS or without conditioning, multi-scale projection heads without the contrastive term, an idle
        instance head. The trainer drops them before DDP looks for the tensors that feed the loss."""
        c, unused = self.cfg, []
        if model.d_head in ("contrastive", "proj_contrastive") and (c.cond in ("ntxent", "none") or c.aps):
            unused += ["proxy", "class_embeddings"]
        if model.multiscale_res and c.ms_contrastive_weight == 0:
            unused.append("scale_proj")
        if model.instance_head_dim > 0 and c.instance == "none":
            unused.append("instance_proj")
        return tuple(unused)

    def needs_view(self) -> bool:
        """Whether D must also see a second augmentation of the reals (G: of the fakes, for NT-Xent/APS)."""
        c = self.cfg
        return c.cond == "ntxent" or c.aps or c.cr_weight > 0 or c.ms_contrastive_weight > 0

    def g_needs_view(self) -> bool:
        return self.cfg.cond == "ntxent" or self.cfg.aps

