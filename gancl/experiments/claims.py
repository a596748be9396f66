"""Every claim of the four papers that the book tests or plans to test, by id: one registry for the Results page.

A page spec declares the claims it judges with these ids (:class:`~gancl.experiments.spec.Claim`); a claim whose
page does not exist yet is listed with ``page=None`` ("no page yet" on the Results page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gancl.experiments.spec import Claim


@dataclass(frozen=True)
class RegisteredClaim:
    id: str
    paper: str
    source: str
    statement: str
    page: Optional[str]


CLAIMS = {c.id: c for c in (
    RegisteredClaim("C1", "ContraGAN", "Table 1", "2C is the best conditioning loss", "contragan/conditioning_losses"),
    RegisteredClaim("C2", "ContraGAN", "Table 1", "data-to-data and data-to-class relations together (Eq. 7) beat "
                    "either alone", "contragan/conditioning_losses"),
    RegisteredClaim("C3a", "ContraGAN", "Table 2", "on SN-DCGAN, ContraGAN beats ACGAN and ProjGAN",
                    "contragan/backbones"),
    RegisteredClaim("C3b", "ContraGAN", "Table 2", "on a ResNet backbone, ContraGAN beats ACGAN and ProjGAN beats "
                    "ContraGAN (the paper's ResGAN column)", "contragan/backbones"),
    RegisteredClaim("C4a", "ContraGAN", "Fig. 3", "2C delays the discriminator's overfitting to its training images",
                    "contragan/stability"),
    RegisteredClaim("C4b", "ContraGAN", "Fig. 3", "2C delays the collapse of training", "contragan/stability"),
    RegisteredClaim("C5", "ContraGAN", "Table 4", "2C helps at both batch sizes, APS does not replace class "
                    "embeddings, CR helps further, a larger batch helps", "contragan/ablation"),
    RegisteredClaim("C6", "ContraGAN", "Table 3", "2C in place of the projection improves on a BigGAN-like network "
                    "(self-attention, shared class embedding), and on SNResGAN", "contragan/sota"),
    RegisteredClaim("D1a", "Dual attention", "supp. Table 1", "the dual contrastive loss beats the binary loss on an "
                    "SNGAN backbone", "dual_attention/contrastive_loss"),
    RegisteredClaim("D1b", "Dual attention", "supp. Table 1", "the dual contrastive loss beats the binary loss on "
                    "StyleGAN2", "dual_attention/contrastive_loss"),
    RegisteredClaim("D2", "Dual attention", "supp. Table 2", "SAN in G is best at a quarter of the image side (the "
                    "supplement's optimum on its limited-scale subsets): FD worsens one resolution up or down",
                    "dual_attention/san_resolution"),
    RegisteredClaim("D3", "Dual attention", "supp. Table 3", "Eq. 8 (reference images as key and value) is the best "
                    "reference-attention configuration", "dual_attention/configurations"),
    RegisteredClaim("D4", "Dual attention", "supp. Table 6", "reference attention works best at the lowest D "
                    "resolution, and better than none", "dual_attention/resolution"),
    RegisteredClaim("D5", "Dual attention", "supp. Table 4", "reference attention helps at every data size, most on "
                    "the smallest", "dual_attention/data_size"),
    RegisteredClaim("D6", "Dual attention", "supp. Table 7", "on limited data, self-attention in G and the dual "
                    "contrastive loss on top of it each improve on the row they extend, and reference attention in D "
                    "(with self-attention in G) improves on the baseline", "dual_attention/limited_data"),
    RegisteredClaim("M1a", "MsConD", "supp. Fig. 2", "multi-scale outputs keep real and fake logits closer than a "
                    "single-output D does", "msconD/logit_dynamics"),
    RegisteredClaim("M1b", "MsConD", "supp. Fig. 2", "the contrastive term steadies the fake logits at the finest "
                    "scale", "msconD/logit_dynamics"),
    RegisteredClaim("M2a", "MsConD", "supp. Fig. 1", "each added scale lowers object-level FD (without the "
                    "contrastive term)", "msconD/scales"),
    RegisteredClaim("M2b", "MsConD", "supp. Fig. 1", "the per-scale contrastive term lowers object-level FD at each "
                    "set of scales", "msconD/scales"),
    RegisteredClaim("F1", "FakeCLR", "Fig. 1, Fig. 6", "training on perturbed fakes smooths the latent space: smaller "
                    "steps between frames and closer inversions", "fakeclr/interpolation"),
    RegisteredClaim("F2", "FakeCLR", "Table 2", "FakeCLR has the lowest perceptual path length", "fakeclr/ppl"),
    RegisteredClaim("F3", "FakeCLR", "Table 1", "instance discrimination on perturbed fakes is the best contrastive "
                    "strategy at every size", "fakeclr/ablations"),
    RegisteredClaim("F4", "FakeCLR", "Table 5", "each of FakeCLR's components improves on the row before it",
                    "fakeclr/ablations"),
    RegisteredClaim("F5", "FakeCLR", "supp. Table 6", "FakeCLR costs less per step than InsGen", "fakeclr/cost"),
    RegisteredClaim("F10a", "FakeCLR", "supp. Table 7", "on the few-shot subset, FakeCLR has a lower KID than ADA "
                    "and InsGen", "fakeclr/kid_ppl"),
    RegisteredClaim("F10b", "FakeCLR", "supp. Table 7", "on the 2K-image subset, FakeCLR has a lower KID than ADA "
                    "and InsGen", "fakeclr/kid_ppl"),
    RegisteredClaim("F11", "FakeCLR", "Fig. 2", "on the few-shot subset, Instance-real is worse than the baseline at "
                    "every queue size", "fakeclr/queue_size"),
    RegisteredClaim("F12", "FakeCLR", "Fig. 5a", "noise-related latent augmentation beats every fixed perturbation "
                    "radius", "fakeclr/components"),
    RegisteredClaim("F13", "FakeCLR", "Fig. 5c", "the forgetting factor at tau_m = 0.001 beats the queue without it "
                    "and the other temperatures", "fakeclr/components"),
    RegisteredClaim("F14a", "FakeCLR", "Table 4", "on a few-shot set, FakeCLR has a lower FID than StyleGAN2, "
                    "DiffAugment, ADA-Linear and InsGen", "fakeclr/comparison"),
    RegisteredClaim("F14b", "FakeCLR", "Table 3", "on FFHQ subsets, FakeCLR has a lower FID than StyleGAN2, "
                    "ADA-Linear and InsGen*", "fakeclr/comparison"),
    RegisteredClaim("F6", "FakeCLR", "supp. Table 8", "FakeCLR improves on InsGen at every path-length "
                    "regularisation weight", "fakeclr/path_length"),
    RegisteredClaim("F7", "FakeCLR", "supp. Table 8", "a stronger path-length regularisation lowers PPL (w)",
                    "fakeclr/path_length"),
    RegisteredClaim("F8", "FakeCLR", "supp. Fig. 9, 10", "FakeCLR's samples are copies of its training images less "
                    "often than the baseline's", "fakeclr/nearest_neighbours"),
    RegisteredClaim("F9", "FakeCLR", "supp. Table 10", "real images' keys in the fake queue make Instance-perturbation "
                    "worse, from the start or from half-way", "fakeclr/real_in_queue"),
)}


def claim(claim_id: str, pairs, value: str = "fd", better: str = "lower", delta=None, censored=None,
          gate=None) -> Claim:
    """The registered claim ``claim_id`` as a page judges it: its statement from :data:`CLAIMS` (one wording for the
    page and the Results page) and the orderings ``pairs`` it implies on the page's ``value`` (``censored``: the
    column flagging values that are only a bound; ``gate``: the claim's own regime gate; see :class:`Claim`)."""
    return Claim(claim_id, CLAIMS[claim_id].statement, tuple(pairs), value=value, better=better, delta=delta,
                 censored=censored, gate=gate)
