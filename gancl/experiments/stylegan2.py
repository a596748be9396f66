"""The StyleGAN2 recipe shared by the three StyleGAN2-based papers (Dual attention, MsConD, FakeCLR).

Non-saturating loss, Adam 2.5e-3 (0, 0.99), equalised learning rate instead of spectral norm in D, lazy R1 every 16
steps with StyleGAN2-ADA's heuristic gamma (``loss.r1_gamma="auto"``: 0.0002 * resolution^2 / batch, resolved after
every override, so a page's batch gets its own gamma).
"""

from __future__ import annotations

from gancl.experiments.scales import scale
from gancl.train.config import AUTO, RunConfig


def stylegan2_recipe(c: RunConfig) -> RunConfig:
    return c.replace(**{"model.d_spectral_norm": False, "loss.adv": "nonsat", "optim.lr_g": 0.0025,
                        "optim.lr_d": 0.0025, "optim.betas": (0.0, 0.99), "loss.r1_gamma": AUTO,
                        "loss.r1_every": 16})


def stylegan2_budget(scale_name: str, budgets: dict) -> dict:
    """Overrides for a page budget {scale: (batch, steps)} on the StyleGAN2 recipe; {} at a scale the budget does
    not name (the preset's own)."""
    if scale(scale_name).name not in budgets:
        return {}
    batch, steps = budgets[scale(scale_name).name]
    return {"optim.batch_size": batch, "optim.steps": steps}
