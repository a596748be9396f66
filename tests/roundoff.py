"""Tolerances for comparing two computations that differ only in the order of their floating-point reductions.

Two processes against one, a batch of one against the full batch, another batch size for the same samples: each
pair computes the same sums in another order (another split, another kernel), so the results agree to within the
rounding of those sums, never exactly. The tolerance is derived here from the dtype and the reduction lengths, not
picked from one machine's run: Higham (2002), *Accuracy and Stability of Numerical Algorithms*, Lemma 3.1 and
Eq. 3.4: a sum or dot product of n terms, computed in any order, has an error of at most gamma_n times the sum of
the terms' absolute values, gamma_n = n u / (1 - n u), with u the unit roundoff of the dtype. Along a network the
first-order relative errors of its layers add, so a network's forward is bounded by gamma of the summed fan-ins.
These are worst-case bounds; the observed differences are typically sqrt(n) times smaller.
"""

import torch


def unit_roundoff(dtype: torch.dtype) -> float:
    """u = eps / 2: 2**-24 for float32, 2**-53 for float64."""
    return torch.finfo(dtype).eps / 2


def gamma(n: int, dtype: torch.dtype) -> float:
    """Higham's gamma_n = n u / (1 - n u): the relative error bound of an n-term reduction in ``dtype``."""
    nu = n * unit_roundoff(dtype)
    if nu >= 1:
        raise ValueError(f"{n} terms in {dtype}: n u >= 1, no rounding bound holds")
    return nu / (1 - nu)


def fan_in_total(*modules: torch.nn.Module) -> int:
    """Sum over every conv and linear layer of its dot-product length (in_features x kernel size): the reduction
    lengths whose rounding errors add along one forward (the backward's are the same layers transposed)."""
    total = 0
    for module in modules:
        for layer in module.modules():
            if isinstance(layer, (torch.nn.Linear, torch.nn.modules.conv._ConvNd)):
                total += layer.weight[0].numel()
    return total


def assert_close_reordered(actual: torch.Tensor, expected: torch.Tensor, n: int, what: str = "values"):
    """``actual`` equals ``expected`` within gamma_n of their dtype, relative to the largest |expected| (a norm-wise
    bound: the sum of |terms| behind each element is not known, the largest element stands for it)."""
    scale = expected.detach().abs().max().item()
    tol = gamma(n, expected.dtype) * max(scale, torch.finfo(expected.dtype).tiny)
    diff = (actual.detach() - expected.detach()).abs().max().item()
    assert diff <= tol, (f"{what}: largest difference {diff:.3e} exceeds the rounding bound {tol:.3e} "
                         f"(gamma_{n} in {expected.dtype} x {scale:.3e})")
