"""Every loss of the four papers, one function per equation, plus the FakeCLR queue.

- :mod:`.adversarial`: hinge and non-saturating GAN losses, ACGAN cross-entropy, StyleGAN2's regularisers (the R1
  penalty on D, the path-length penalty on G).
- :mod:`.contragan`: ContraGAN Eq. 6 (NT-Xent), Eq. 7, Eq. 8 (2C), P-NCA, 2C with augmented positives (APS) and
  consistency regularisation (CR), the losses of ContraGAN Tables 1 and 4.
- :mod:`.dual`: the dual contrastive loss of Yu et al. (ICCV 2021) for D and for G.
- :mod:`.fakeclr`: FakeCLR's InfoNCE (Eq. 5/12), forgetting factor (Eq. 11), latent perturbation, queue, momentum
  encoder update and the Instance-real/-fake/-perturbation losses (Eq. 6-8).
- :mod:`.mscond`: the book's reading of MsConD's multi-scale contrastive loss.

Batch-contrastive losses gather their inputs over processes (:mod:`gancl.distributed`), so under DDP they see the
global batch and return the same value on every process.
"""

from .adversarial import (acgan_loss, d_hinge, d_nonsat, g_hinge, g_nonsat, path_length_penalty, path_lengths,
                          r1_penalty)
from .contragan import consistency_reg, contrastive_2c, contrastive_2c_aps, contrastive_eq7, nt_xent, proxy_nca
from .dual import dual_contrastive_d, dual_contrastive_g
from .fakeclr import (
    INSTANCE_EQUATIONS,
    FakeQueue,
    InstanceEquation,
    forgetting_factor,
    info_nce,
    info_nce_logits,
    info_nce_weights,
    instance_equations,
    instance_fake_loss,
    instance_perturbation_loss,
    instance_real_loss,
    momentum_update,
    perturb_latent,
)
from .mscond import multiscale_contrastive

__all__ = [
    "FakeQueue",
    "INSTANCE_EQUATIONS",
    "InstanceEquation",
    "acgan_loss",
    "consistency_reg",
    "contrastive_2c",
    "contrastive_2c_aps",
    "contrastive_eq7",
    "d_hinge",
    "d_nonsat",
    "dual_contrastive_d",
    "dual_contrastive_g",
    "forgetting_factor",
    "g_hinge",
    "g_nonsat",
    "info_nce",
    "info_nce_logits",
    "info_nce_weights",
    "instance_equations",
    "instance_fake_loss",
    "instance_perturbation_loss",
    "instance_real_loss",
    "momentum_update",
    "multiscale_contrastive",
    "nt_xent",
    "path_length_penalty",
    "path_lengths",
    "perturb_latent",
    "proxy_nca",
    "r1_penalty",
]
