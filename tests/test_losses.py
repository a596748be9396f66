"""Unit tests for gancl.losses: slow explicit references, gradients, invariances and every bad-input error.

The references below are plain Python double loops over tiny inputs, written straight from the papers' equations, so
that the vectorised, masked logsumexp forms in the library are checked against the formulas rather than themselves.
"""

from __future__ import annotations

import io
import math

import pytest
import torch
from torch import nn

from gancl.losses import (
    FakeQueue,
    acgan_loss,
    consistency_reg,
    contrastive_2c,
    contrastive_2c_aps,
    contrastive_eq7,
    d_hinge,
    d_nonsat,
    dual_contrastive_d,
    dual_contrastive_g,
    forgetting_factor,
    g_hinge,
    g_nonsat,
    info_nce,
    info_nce_weights,
    instance_fake_loss,
    instance_perturbation_loss,
    instance_real_loss,
    momentum_update,
    multiscale_contrastive,
    nt_xent,
    perturb_latent,
    proxy_nca,
)

D64 = torch.float64


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape, seed: int = 0, requires_grad: bool = False) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed), dtype=D64).requires_grad_(requires_grad)


# ---------------------------------------------------------------- slow references (plain Python, from the equations)


def _unit(row):
    norm = math.sqrt(sum(v * v for v in row))
    return [v / norm for v in row]


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def _ref_conditional(embed, proxy, labels, t, same_in_numerator, exclude_same_in_denominator=False, proxy_weight=1.0):
    """ContraGAN Eq. 7 / Eq. 8 for every anchor i, k running over the batch (the proxy term counted proxy_weight
    times)."""
    l = [_unit(r) for r in embed.tolist()]
    e = [_unit(r) for r in proxy.tolist()]
    y = labels.tolist()
    n, total = len(l), 0.0
    for i in range(n):
        pos = proxy_weight * math.exp(_dot(l[i], e[i]) / t)
        num, den = pos, pos
        for k in range(n):
            if k == i:
                continue
            term = math.exp(_dot(l[i], l[k]) / t)
            if same_in_numerator and y[k] == y[i]:
                num += term
            if not (exclude_same_in_denominator and y[k] == y[i]):
                den += term
        total += -math.log(num / den)
    return total / n


def _ref_nt_xent(z1, z2, t):
    a = [_unit(r) for r in z1.tolist()] + [_unit(r) for r in z2.tolist()]
    m, total = len(z1), 0.0
    for i in range(2 * m):
        j = (i + m) % (2 * m)
        den = sum(math.exp(_dot(a[i], a[k]) / t) for k in range(2 * m) if k != i)
        total += -math.log(math.exp(_dot(a[i], a[j]) / t) / den)
    return total / (2 * m)


def _ref_proxy_nca(embed, labels, classes, t, raw_denominator=False):
    l = [_unit(r) for r in embed.tolist()]
    e = [_unit(r) for r in classes.tolist()]
    raw = classes.tolist()
    total = 0.0
    for i, y in enumerate(labels.tolist()):
        num = math.exp(_dot(l[i], e[y]) / t)
        den = sum(math.exp(_dot(l[i], (raw if raw_denominator else e)[c]) / t) for c in range(len(e)) if c != y)
        total += -math.log(num / den)
    return total / len(l)


def _ref_dual_d(real, fake):
    r, f = real.tolist(), fake.tolist()
    first = sum(math.log(math.exp(ri) / (math.exp(ri) + sum(math.exp(fj) for fj in f))) for ri in r) / len(r)
    second = sum(math.log(math.exp(-fj) / (math.exp(-fj) + sum(math.exp(-ri) for ri in r))) for fj in f) / len(f)
    return -(first + second)


def _ref_info_nce(q, k, negs, t, bias=None):
    qs = [_unit(r) for r in q.tolist()]
    ks = [_unit(r) for r in k.tolist()]
    ns = [_unit(r) for r in negs.tolist()]
    m = bias.tolist() if bias is not None else [0.0] * len(ns)
    total = 0.0
    for qi, ki in zip(qs, ks):
        pos = math.exp(_dot(qi, ki) / t)
        den = pos + sum(math.exp((_dot(qi, n) + mi) / t) for n, mi in zip(ns, m))
        total += -math.log(pos / den)
    return total / len(qs)


def _ref_forgetting(stamps, tau):
    lo, hi = min(stamps), max(stamps)
    t_hat = [(s - lo) / (hi - lo) for s in stamps]
    z = sum(math.exp(v / tau) for v in t_hat)
    return [math.exp(v / tau) / z for v in t_hat]


LABELS6 = torch.tensor([0, 1, 0, 2, 1, 0])


# ---------------------------------------------------------------- values against the references


@pytest.mark.parametrize("t", [1.0, 0.3])
def test_2c_matches_eq8_reference(t):
    embed, proxy = _randn(6, 4, seed=1), _randn(6, 4, seed=2)
    got = contrastive_2c(embed, proxy, LABELS6, t)
    assert got.item() == pytest.approx(_ref_conditional(embed, proxy, LABELS6, t, True), rel=1e-12)


@pytest.mark.parametrize("w", [0.5, 4.0])
def test_2c_proxy_weight_counts_the_proxy_w_times(w):
    embed, proxy = _randn(6, 4, seed=1), _randn(6, 4, seed=2)
    got = contrastive_2c(embed, proxy, LABELS6, 0.5, proxy_weight=w)
    assert got.item() == pytest.approx(_ref_conditional(embed, proxy, LABELS6, 0.5, True, proxy_weight=w), rel=1e-12)
    assert got.item() != pytest.approx(contrastive_2c(embed, proxy, LABELS6, 0.5).item(), rel=1e-3)


def test_2c_proxy_weight_shifts_the_gradient_to_the_proxy():
    """w > 1 moves the embedding's gradient towards the proxy's direction: the data-to-class term pulls harder."""
    embed, proxy = _randn(6, 4, seed=11), _randn(6, 4, seed=12)
    cosines = []
    for w in (1.0, 16.0):
        e = embed.clone().requires_grad_(True)
        contrastive_2c(e, proxy, LABELS6, 1.0, proxy_weight=w).backward()
        step = -e.grad  # the direction the loss moves each embedding
        cosines.append(torch.nn.functional.cosine_similarity(step, proxy, dim=1).mean().item())
    assert cosines[1] > cosines[0]


@pytest.mark.parametrize("w", [0.0, -1.0])
def test_2c_proxy_weight_must_be_positive(w):
    with pytest.raises(ValueError, match="proxy_weight"):
        contrastive_2c(_randn(6, 4, seed=1), _randn(6, 4, seed=2), LABELS6, proxy_weight=w)


@pytest.mark.parametrize("exclude", [False, True])
def test_eq7_matches_reference_both_versions(exclude):
    embed, proxy = _randn(6, 4, seed=3), _randn(6, 4, seed=4)
    got = contrastive_eq7(embed, proxy, LABELS6, 0.5, exclude_same_label=exclude)
    want = _ref_conditional(embed, proxy, LABELS6, 0.5, False, exclude_same_in_denominator=exclude)
    assert got.item() == pytest.approx(want, rel=1e-12)


def test_eq7_and_2c_agree_when_labels_are_unique():
    embed, proxy = _randn(5, 3, seed=5), _randn(5, 3, seed=6)
    labels = torch.arange(5)
    assert contrastive_2c(embed, proxy, labels).item() == pytest.approx(contrastive_eq7(embed, proxy, labels).item())


def test_aps_is_2c_with_the_augmented_view_as_positive():
    embed, aug = _randn(6, 4, seed=7), _randn(6, 4, seed=8)
    got = contrastive_2c_aps(embed, aug, LABELS6, 0.7)
    assert got.item() == pytest.approx(_ref_conditional(embed, aug, LABELS6, 0.7, True), rel=1e-12)


@pytest.mark.parametrize("t", [1.0, 0.2])
def test_nt_xent_matches_eq6_reference(t):
    z1, z2 = _randn(4, 3, seed=9), _randn(4, 3, seed=10)
    assert nt_xent(z1, z2, t).item() == pytest.approx(_ref_nt_xent(z1, z2, t), rel=1e-12)


@pytest.mark.parametrize("authors", [False, True])
def test_proxy_nca_matches_reference(authors):
    embed, classes = _randn(5, 3, seed=11), _randn(4, 3, seed=12) * 2
    labels = torch.tensor([0, 3, 1, 1, 2])
    got = proxy_nca(embed, labels, classes, 0.5, authors_denominator=authors)
    assert got.item() == pytest.approx(_ref_proxy_nca(embed, labels, classes, 0.5, authors), rel=1e-12)


def test_dual_contrastive_matches_reference_with_unequal_counts():
    real, fake = _randn(3, seed=13), _randn(5, 1, seed=14)
    assert dual_contrastive_d(real, fake).item() == pytest.approx(_ref_dual_d(real, fake.flatten()), rel=1e-12)
    assert dual_contrastive_g(real, fake).item() == pytest.approx(_ref_dual_d(fake.flatten(), real), rel=1e-12)


def test_info_nce_matches_eq12_reference_with_and_without_bias():
    q, k, negs = _randn(3, 4, seed=15), _randn(3, 4, seed=16), _randn(5, 4, seed=17)
    bias = torch.tensor([0.1, 0.0, 0.5, 0.2, 0.3], dtype=D64)
    assert info_nce(q, k, negs, 0.2).item() == pytest.approx(_ref_info_nce(q, k, negs, 0.2), rel=1e-12)
    assert info_nce(q, k, negs, 0.2, bias).item() == pytest.approx(_ref_info_nce(q, k, negs, 0.2, bias), rel=1e-12)


def test_consistency_reg_is_mse_of_logits_plus_embeddings():
    r, a = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 4.0])
    assert consistency_reg(r, a).item() == pytest.approx((1 + 4) / 2)
    er, ea = torch.zeros(2, 3), torch.ones(2, 3)
    assert consistency_reg(r, a, er, ea).item() == pytest.approx(2.5 + 1.0)


def test_adversarial_losses_by_hand_and_any_shape():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([[-2.0, 0.0], [0.5, -0.5]])
    assert d_hinge(real, fake).item() == pytest.approx((0 + 0.5 + 2) / 3 + (0 + 1 + 1.5 + 0.5) / 4)
    assert g_hinge(fake).item() == pytest.approx(0.5)
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731
    want_d = sum(sp(-v) for v in real.tolist()) / 3 + sum(sp(v) for v in fake.flatten().tolist()) / 4
    assert d_nonsat(real, fake).item() == pytest.approx(want_d)
    assert g_nonsat(fake).item() == pytest.approx(sum(sp(-v) for v in fake.flatten().tolist()) / 4)
    maps = _randn(2, 3, 3, seed=18)
    assert d_hinge(maps, maps).item() == pytest.approx(d_hinge(maps.flatten(), maps.flatten()).item())


def test_acgan_loss_is_cross_entropy():
    logits, labels = _randn(4, 3, seed=19), torch.tensor([0, 2, 1, 2])
    want = -torch.log_softmax(logits, dim=1)[torch.arange(4), labels].mean()
    assert acgan_loss(logits, labels).item() == pytest.approx(want.item())


# ---------------------------------------------------------------- gradients (float64 gradcheck)


def _check_grad(fn, *inputs):
    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6)


def test_gradcheck_contragan_family():
    e, p = _randn(5, 3, seed=20, requires_grad=True), _randn(5, 3, seed=21, requires_grad=True)
    y = torch.tensor([0, 1, 0, 1, 1])
    _check_grad(lambda a, b: contrastive_2c(a, b, y, 0.5), e, p)
    _check_grad(lambda a, b: contrastive_eq7(a, b, y, 0.5), e, p)
    _check_grad(lambda a, b: contrastive_eq7(a, b, y, 0.5, exclude_same_label=True), e, p)
    _check_grad(lambda a, b: contrastive_2c_aps(a, b, y, 0.5), e, p)
    _check_grad(lambda a, b: nt_xent(a, b, 0.5), e, p)
    c = _randn(3, 3, seed=22, requires_grad=True)
    _check_grad(lambda a, b: proxy_nca(a, torch.tensor([0, 2, 1, 1, 0]), b, 0.5), e, c)
    _check_grad(lambda a, b: consistency_reg(a[:, 0], b[:, 0], a, b), e, p)


def test_gradcheck_dual_info_nce_multiscale_adversarial():
    r, f = _randn(4, seed=23, requires_grad=True), _randn(3, seed=24, requires_grad=True)
    _check_grad(dual_contrastive_d, r, f)
    _check_grad(dual_contrastive_g, r, f)
    _check_grad(d_nonsat, r, f)
    _check_grad(g_nonsat, f)
    _check_grad(lambda a, b: d_hinge(a * 0.1, b * 0.1), r, f)  # away from the hinge kinks at +-1
    _check_grad(g_hinge, f)
    q, k = _randn(3, 4, seed=25, requires_grad=True), _randn(3, 4, seed=26, requires_grad=True)
    n = _randn(5, 4, seed=27, requires_grad=True)
    bias = forgetting_factor(torch.tensor([0, 1, 1, 2, 3]), 0.5, dtype=D64)
    _check_grad(lambda a, b, c: info_nce(a, b, c, 0.2, bias), q, k, n)
    m1, m2 = _randn(3, 2, 2, 2, seed=28, requires_grad=True), _randn(3, 2, 2, 2, seed=29, requires_grad=True)
    two_scales = lambda a: {"2": a, "1": a[:, :, 0, 0]}  # noqa: E731
    _check_grad(lambda a, b: multiscale_contrastive(two_scales(a), two_scales(b), 0.5), m1, m2)
    logits = _randn(4, 3, seed=30, requires_grad=True)
    _check_grad(lambda a: acgan_loss(a, torch.tensor([0, 1, 2, 0])), logits)


# ---------------------------------------------------------------- invariances, temperature behaviour, signs


def test_batch_permutation_invariance():
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    e, p, a = _randn(6, 4, seed=31), _randn(6, 4, seed=32), _randn(6, 4, seed=33)
    classes = _randn(3, 4, seed=34)
    pairs = [
        (lambda i: contrastive_2c(e[i], p[i], LABELS6[i], 0.5)),
        (lambda i: contrastive_eq7(e[i], p[i], LABELS6[i], 0.5)),
        (lambda i: contrastive_2c_aps(e[i], a[i], LABELS6[i], 0.5)),
        (lambda i: nt_xent(e[i], a[i], 0.5)),
        (lambda i: proxy_nca(e[i], LABELS6[i], classes)),
        (lambda i: info_nce(e[i], a[i], p, 0.2)),
        (lambda i: dual_contrastive_d(e[i, 0], a[:, 1])),
        (lambda i: dual_contrastive_g(e[:, 0], a[i, 1])),
        (lambda i: multiscale_contrastive({"s": e[i]}, {"s": a[i]})),
    ]
    ident = torch.arange(6)
    for fn in pairs:
        assert fn(perm).item() == pytest.approx(fn(ident).item(), rel=1e-12)
    # Reordering the queue together with its margins changes nothing either.
    bias = torch.linspace(0, 1, 6, dtype=D64)
    assert info_nce(e, a, p[perm], 0.2, bias[perm]).item() == pytest.approx(info_nce(e, a, p, 0.2, bias).item())


def test_temperature_limits_and_monotone_effect():
    # t -> infinity: every exp(.) -> 1, so the loss tends to a count ratio.
    e, p = _randn(6, 4, seed=35), _randn(6, 4, seed=36)
    counts = (LABELS6[:, None] == LABELS6[None, :]).sum(1).double()  # includes i itself
    want_2c = -torch.log(counts / 6).mean().item()  # (1 + (same - 1)) / (1 + 5)
    assert contrastive_2c(e, p, LABELS6, 1e7).item() == pytest.approx(want_2c, abs=1e-6)
    assert nt_xent(e, p, 1e7).item() == pytest.approx(math.log(11), abs=1e-6)
    assert info_nce(e, p, _randn(4, 4, seed=37), 1e7).item() == pytest.approx(math.log(5), abs=1e-6)
    # Constructed case: the positive is the most similar entry of every row, so lowering t lowers the loss
    # monotonically towards 0, and stays finite at tiny t (logsumexp form).
    base = torch.eye(4, dtype=D64)
    embed = base + 0.05 * _randn(4, 4, seed=38)
    losses = [contrastive_2c(embed, base, torch.arange(4), t).item() for t in (2.0, 1.0, 0.5, 0.1, 0.01, 1e-4)]
    assert all(a > b for a, b in zip(losses[:4], losses[1:4])) and losses[3] > 0
    assert all(a >= b for a, b in zip(losses, losses[1:])) and losses[-1] == pytest.approx(0.0, abs=1e-12)
    ince = [info_nce(embed, base, -base, t).item() for t in (1.0, 0.2, 0.05, 1e-4)]
    assert ince[0] > ince[1] > ince[2] > 0 and ince[-1] == pytest.approx(0.0, abs=1e-12)
    # A hard case at tiny t is large but finite, not inf/nan.
    hard = contrastive_2c(embed, -base, torch.arange(4), 1e-4)
    assert torch.isfinite(hard) and hard.item() > 100


def test_dual_contrastive_gradient_signs():
    real, fake = _randn(4, seed=39, requires_grad=True), _randn(6, seed=40, requires_grad=True)
    dual_contrastive_d(real, fake).backward()
    assert (real.grad < 0).all() and (fake.grad > 0).all()  # D's descent raises real, lowers fake logits
    real.grad, fake.grad = None, None
    dual_contrastive_g(real, fake).backward()
    assert (fake.grad < 0).all()  # G's descent raises fake logits
    # Finite differences agree (catches a swapped-argument G loss that would lower fake logits).
    h = 1e-6
    bumped = fake.detach().clone()
    bumped[0] += h
    fd = (dual_contrastive_g(real.detach(), bumped) - dual_contrastive_g(real.detach(), fake.detach())) / h
    assert fd.item() < 0 and fd.item() == pytest.approx(fake.grad[0].item(), rel=1e-4)


def test_2c_pulls_same_label_embeddings_together():
    embed = _randn(6, 4, seed=41, requires_grad=True)
    proxy = _randn(6, 4, seed=42)
    loss = contrastive_2c(embed, proxy, LABELS6, 0.5)
    lr = 0.05
    (g,) = torch.autograd.grad(loss, embed)
    after = contrastive_2c(embed.detach() - lr * g, proxy, LABELS6, 0.5)
    assert after.item() < loss.item()


# ---------------------------------------------------------------- FakeCLR pieces


def test_info_nce_weights_are_the_gradient_coefficients_of_eq14():
    torch.manual_seed(0)
    q, k, neg = torch.randn(3, 8, dtype=torch.float64), torch.randn(3, 8, dtype=torch.float64), torch.randn(5, 8, dtype=torch.float64)
    bias = torch.rand(5, dtype=torch.float64)
    w = info_nce_weights(q, k, neg, 0.2, bias)
    assert w.shape == (3, 6) and torch.allclose(w.sum(dim=1), torch.ones(3, dtype=torch.float64))
    # Eq. 14 on the normalised query: d loss_n / d q_hat_n = sum_i w_ni (neg_i - k_n) / t, for the per-query loss
    q_hat = torch.nn.functional.normalize(q, dim=1).requires_grad_()
    k_hat, n_hat = torch.nn.functional.normalize(k, dim=1), torch.nn.functional.normalize(neg, dim=1)
    (info_nce(q_hat, k_hat, n_hat, 0.2, bias) * 3).backward()
    # the loss normalises q_hat again, so compare the gradient's component tangent to the unit sphere
    expected = (w[:, 1:] @ n_hat - w[:, 1:].sum(dim=1, keepdim=True) * k_hat) / 0.2
    tangent = lambda g: g - (g * q_hat.detach()).sum(dim=1, keepdim=True) * q_hat.detach()  # noqa: E731
    assert torch.allclose(tangent(q_hat.grad), tangent(expected), atol=1e-10)
    # a constant margin on every negative shifts all their logits alike: shares among negatives are unchanged
    shifted = info_nce_weights(q, k, neg, 0.2, torch.ones(5, dtype=torch.float64))
    plain = info_nce_weights(q, k, neg, 0.2)
    share = lambda x: x[:, 1:] / x[:, 1:].sum(dim=1, keepdim=True)  # noqa: E731
    assert torch.allclose(share(shifted), share(plain)) and (shifted[:, 0] < plain[:, 0]).all()


def test_forgetting_factor_properties():
    stamps = torch.tensor([3, 0, 7, 7, 5])
    m = forgetting_factor(stamps, 0.5, dtype=D64)
    assert m.sum().item() == pytest.approx(1.0)
    assert m.tolist() == pytest.approx(_ref_forgetting(stamps.tolist(), 0.5), rel=1e-12)
    order = torch.argsort(stamps)
    assert (m[order].diff() >= 0).all() and m[2] > m[0] > m[1]  # newer stamps weigh more
    assert forgetting_factor(stamps, 0.01)[1].item() < forgetting_factor(stamps, 0.5)[1].item()  # smaller tau sharper
    uniform = forgetting_factor(torch.full((4,), 9), 0.01)
    assert uniform.tolist() == pytest.approx([0.25] * 4)
    assert forgetting_factor(torch.tensor([1.5, 2.5])).dtype == torch.float32


def test_perturb_latent_statistics_and_clamp():
    z = torch.cat([torch.full((40000,), 2.0), torch.full((40000,), -5.0), torch.zeros(10)])
    eps = perturb_latent(z, 0.1, generator=_gen(1)) - z
    assert eps[:40000].std().item() == pytest.approx(0.2, rel=0.03)
    assert eps[40000:80000].std().item() == pytest.approx(0.5, rel=0.03)
    assert abs(eps[:80000].mean().item()) < 0.01
    assert (eps[80000:] == 0).all()  # the radius is proportional to |z|
    clamped = perturb_latent(z, 0.1, max_abs=3.0, generator=_gen(1)) - z
    assert clamped[40000:80000].std().item() == pytest.approx(0.3, rel=0.03)
    assert torch.equal(perturb_latent(z, generator=_gen(7)), perturb_latent(z, generator=_gen(7)))
    assert torch.equal(perturb_latent(z, 0.0), z)


def test_queue_fifo_stamps_and_state_dict_roundtrip():
    q = FakeQueue(dim=2, size=5, init="empty")
    assert len(q) == 0
    for step in range(4):
        q.push(torch.tensor([[1.0, step], [step, 1.0]]), step)
    assert len(q) == 5
    assert q.stamps.tolist() == [1, 2, 2, 3, 3]  # oldest dropped first
    last = torch.nn.functional.normalize(torch.tensor([[1.0, 3.0], [3.0, 1.0]]), dim=1)
    assert torch.allclose(q.negatives(4)[-2:], last)  # stored normalised, newest last
    buf = io.BytesIO()
    torch.save(q.state_dict(), buf)
    buf.seek(0)
    fresh = FakeQueue(dim=2, size=5, init="empty")
    fresh.load_state_dict(torch.load(buf, weights_only=True))
    assert torch.equal(fresh.keys, q.keys) and torch.equal(fresh.stamps, q.stamps)


def test_queue_random_init_is_seeded_unit_and_stamped_before_training():
    a, b = FakeQueue(dim=8, size=6, seed=3), FakeQueue(dim=8, size=6, seed=3)
    assert torch.equal(a.keys, b.keys) and a.keys.shape == (6, 8)
    assert torch.allclose(a.keys.norm(dim=1), torch.ones(6))
    assert (a.stamps == -1).all()


def test_queue_diversity_aware_size_schedule():
    q = FakeQueue(dim=3, size=10, final_size=4, decay_steps=6, init="empty")
    assert [q.size_at(s) for s in (0, 3, 6, 100)] == [10, 7, 4, 4]
    q.push(_randn(10, 3, seed=43).float(), step=0)
    assert len(q) == 10
    assert q.negatives(3).shape == (7, 3) and q.negative_bias(3).shape == (7,)
    assert torch.equal(q.negatives(3), q.keys[-7:])  # the newest are kept
    q.push(_randn(2, 3, seed=44).float(), step=6)
    assert len(q) == 4 and q.stamps.tolist() == [0, 0, 6, 6]


def test_queue_negative_bias_modes():
    stamps_pushes = [(torch.ones(2, 3), 0), (torch.ones(2, 3), 5)]

    def filled(**kw):
        q = FakeQueue(dim=3, size=4, init="empty", **kw)
        for keys, step in stamps_pushes:
            q.push(keys, step)
        return q

    assert torch.equal(filled().negative_bias(6), torch.zeros(4))
    eq11 = filled(forgetting=True, tau_m=0.1).negative_bias(6)
    assert torch.allclose(eq11, forgetting_factor(torch.tensor([0, 0, 5, 5]), 0.1))
    assert torch.equal(filled(forgetting=True, authors_constant_bias=True).negative_bias(6), torch.ones(4))


def test_instance_losses_are_info_nce_over_the_queue():
    q = FakeQueue(dim=4, size=6, forgetting=True, tau_m=0.1, seed=1)
    q.push(_randn(3, 4, seed=45), step=2)
    query, key = _randn(3, 4, seed=46), _randn(3, 4, seed=47)
    want = info_nce(query, key, q.negatives(3), 0.2, q.negative_bias(3))
    for fn in (instance_real_loss, instance_fake_loss, instance_perturbation_loss):
        assert fn(query, key, q, 3).item() == pytest.approx(want.item(), rel=1e-12)


def test_momentum_update_averages_parameters_and_copies_buffers():
    src, tgt = nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    with torch.no_grad():
        src.weight.fill_(2.0)
        tgt.weight.fill_(1.0)
        src.running_mean.fill_(5.0)
    momentum_update(tgt, src, beta=0.75)
    assert torch.allclose(tgt.weight, torch.full((3,), 1.25))
    assert torch.equal(tgt.running_mean, src.running_mean)
    with pytest.raises(ValueError, match="same shapes"):
        momentum_update(nn.Linear(2, 3), nn.Linear(3, 3))
    with pytest.raises(ValueError, match="beta"):
        momentum_update(tgt, src, beta=1.5)


def test_multiscale_is_mean_of_pooled_nt_xent():
    a = {"8": _randn(4, 5, 2, 2, seed=48), "1": _randn(4, 5, seed=49)}
    b = {"8": _randn(4, 5, 2, 2, seed=50), "1": _randn(4, 5, seed=51)}
    mean, per = multiscale_contrastive(a, b, 0.3, return_per_scale=True)
    want8 = nt_xent(a["8"].mean((2, 3)), b["8"].mean((2, 3)), 0.3)
    want1 = nt_xent(a["1"], b["1"], 0.3)
    assert per["8"].item() == pytest.approx(want8.item()) and per["1"].item() == pytest.approx(want1.item())
    assert mean.item() == pytest.approx((want8 + want1).item() / 2)


# ---------------------------------------------------------------- bad input


E, P = torch.randn(4, 3), torch.randn(4, 3)
Y = torch.tensor([0, 1, 0, 1])

BAD_CALLS = [
    ("proxy", lambda: contrastive_2c(E, torch.randn(4, 2), Y)),
    ("embed", lambda: contrastive_2c(torch.randn(4), P, Y)),
    ("labels", lambda: contrastive_2c(E, P, Y.float())),
    ("labels", lambda: contrastive_2c(E, P, torch.tensor([0, 1, 0]))),
    ("temperature", lambda: contrastive_2c(E, P, Y, 0.0)),
    ("temperature", lambda: contrastive_2c(E, P, Y, -1.0)),
    ("embed", lambda: contrastive_2c(E[:0], P[:0], Y[:0])),
    ("global batch of 1", lambda: contrastive_2c(E[:1], P[:1], Y[:1])),
    ("embed", lambda: contrastive_2c(E.long(), P, Y)),
    ("temperature", lambda: contrastive_eq7(E, P, Y, float("nan"))),
    ("global batch of 1", lambda: contrastive_eq7(E[:1], P[:1], Y[:1])),
    ("aug_embed", lambda: contrastive_2c_aps(E, torch.randn(5, 3), Y)),
    ("global batch of 1", lambda: contrastive_2c_aps(E[:1], P[:1], Y[:1])),
    ("z1 and z2", lambda: nt_xent(E, torch.randn(4, 2), 0.5)),
    ("global batch of 1", lambda: nt_xent(E[:1], P[:1], 0.5)),
    ("temperature", lambda: nt_xent(E, P, 0)),
    ("labels must lie in", lambda: proxy_nca(E, torch.tensor([0, 1, 3, 1]), torch.randn(3, 3))),
    ("labels must lie in", lambda: proxy_nca(E, torch.tensor([0, -1, 2, 1]), torch.randn(3, 3))),
    ("class_embeddings", lambda: proxy_nca(E, Y, torch.randn(3, 2))),
    ("class_embeddings", lambda: proxy_nca(E, torch.zeros(4, dtype=torch.long), torch.randn(1, 3))),
    ("temperature", lambda: proxy_nca(E, Y, torch.randn(3, 3), -0.5)),
    ("real_logits", lambda: dual_contrastive_d(torch.randn(4, 2), torch.randn(3))),
    ("fake_logits", lambda: dual_contrastive_g(torch.randn(4), torch.randn(0))),
    ("fake_logits", lambda: dual_contrastive_d(torch.randn(4), torch.arange(3))),
    ("query and key", lambda: info_nce(E, torch.randn(3, 3), P)),
    ("negatives", lambda: info_nce(E, P, torch.randn(5, 2))),
    ("negatives is empty", lambda: info_nce(E, P, torch.randn(0, 3))),
    ("negative_bias", lambda: info_nce(E, P, torch.randn(5, 3), 0.2, torch.zeros(4))),
    ("temperature", lambda: info_nce(E, P, torch.randn(5, 3), 0.0)),
    ("query", lambda: info_nce(E[:0], P[:0], torch.randn(5, 3))),
    ("stamps", lambda: forgetting_factor(torch.tensor([]))),
    ("stamps", lambda: forgetting_factor(torch.zeros(2, 2))),
    ("tau_m", lambda: forgetting_factor(torch.arange(3), 0.0)),
    ("l1", lambda: perturb_latent(E, -0.1)),
    ("max_abs", lambda: perturb_latent(E, 0.1, max_abs=0.0)),
    ("z must be", lambda: perturb_latent(torch.arange(3))),
    ("real_logits", lambda: d_hinge(torch.randn(0), torch.randn(3))),
    ("fake_logits", lambda: g_nonsat(torch.arange(3))),
    ("labels must lie in", lambda: acgan_loss(torch.randn(4, 2), Y + 1)),
    ("class_logits", lambda: acgan_loss(torch.randn(4), Y)),
    ("real_logits and aug_logits", lambda: consistency_reg(torch.randn(4), torch.randn(3))),
    ("given together", lambda: consistency_reg(torch.randn(4), torch.randn(4), E, None)),
    ("real_embed and aug_embed", lambda: consistency_reg(torch.randn(4), torch.randn(4), E, torch.randn(4, 2))),
    ("same scales", lambda: multiscale_contrastive({"a": E}, {"b": P})),
    ("proj_a is empty", lambda: multiscale_contrastive({}, {})),
    ("proj_a\\['a'\\]", lambda: multiscale_contrastive({"a": torch.randn(4, 3, 2)}, {"a": torch.randn(4, 3, 2)})),
    ("proj_a\\['a'\\] and proj_b", lambda: multiscale_contrastive({"a": E}, {"a": torch.randn(4, 2)})),
    ("temperature", lambda: multiscale_contrastive({"a": E}, {"a": P}, 0.0)),
    ("size", lambda: FakeQueue(dim=3, size=0)),
    ("dim", lambda: FakeQueue(dim=0, size=3)),
    ("final_size and decay_steps", lambda: FakeQueue(dim=3, size=4, final_size=2)),
    ("decay_steps", lambda: FakeQueue(dim=3, size=4, final_size=2, decay_steps=0)),
    ("authors_constant_bias", lambda: FakeQueue(dim=3, size=4, authors_constant_bias=True)),
    ("init", lambda: FakeQueue(dim=3, size=4, init="zeros")),
    ("tau_m", lambda: FakeQueue(dim=3, size=4, tau_m=-1.0)),
    ("keys", lambda: FakeQueue(dim=3, size=4).push(torch.randn(2, 2), 0)),
    ("state\\['keys'\\]", lambda: FakeQueue(dim=3, size=4).load_state_dict({"keys": torch.randn(2, 2)})),
    ("state\\['stamps'\\]", lambda: FakeQueue(dim=3, size=4).load_state_dict({"keys": torch.randn(2, 3)})),
    ("queue must be a FakeQueue", lambda: instance_fake_loss(E, P, None, 0)),
]


@pytest.mark.parametrize("match,call", BAD_CALLS, ids=[f"{i}-{m[:20]}" for i, (m, _) in enumerate(BAD_CALLS)])
def test_bad_input_raises_value_error_naming_the_argument(match, call):
    with pytest.raises(ValueError, match=match):
        call()


def test_empty_queue_loss_is_an_error_not_nan():
    q = FakeQueue(dim=3, size=4, init="empty")
    with pytest.raises(ValueError, match="negatives is empty"):
        instance_perturbation_loss(E, P, q, 0)


def test_perturb_latent_fixed_radius_ignores_the_latent_norm():
    from gancl.losses import perturb_latent

    z = torch.cat([torch.full((20000, 1), 0.1), torch.full((20000, 1), 3.0)], dim=1)
    eps = perturb_latent(z, fixed_radius=0.2, generator=torch.Generator().manual_seed(0)) - z
    assert torch.allclose(eps.std(0), torch.tensor([0.2, 0.2]), rtol=0.05)
    with pytest.raises(ValueError, match="fixed_radius"):
        perturb_latent(z, fixed_radius=-1.0)


def test_r1_penalty_matches_a_hand_computed_gradient():
    from gancl.losses import r1_penalty

    x = torch.randn(3, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2 * 4 * 4, dtype=torch.float64)
    logits = (x.flatten(1) @ w) ** 2  # d/dx = 2 (x.w) w
    expected = ((2 * (x.flatten(1) @ w))[:, None] * w).square().sum(1).mean()
    penalty = r1_penalty(logits, x)
    torch.testing.assert_close(penalty, expected)
    penalty.backward()  # differentiable: create_graph
    assert x.grad is not None
    with pytest.raises(ValueError, match="require grad"):
        r1_penalty(logits.detach(), x.detach())


def test_path_lengths_match_a_hand_computed_jacobian():
    """StyleGAN2 Eq. 4 on a linear synthesis x = sum_l w_l A_l: J_l^T y = A_l y, so the path length is
    sqrt(mean_l ||A_l y / sqrt(HW)||^2)."""
    from gancl.losses import path_lengths

    g = torch.Generator().manual_seed(0)
    n, layers, w_dim, shape = 3, 2, 5, (3, 4, 4)
    A = torch.randn(layers, w_dim, 3 * 4 * 4, generator=g, dtype=torch.float64)
    ws = torch.randn(n, layers, w_dim, generator=g, dtype=torch.float64, requires_grad=True)
    images = torch.einsum("nld,ldp->np", ws, A).reshape(n, *shape)
    y = torch.randn(n, *shape, generator=g, dtype=torch.float64)
    by_hand = torch.einsum("ldp,np->nld", A, y.flatten(1) / 4.0).square().sum(2).mean(1).sqrt()
    lengths = path_lengths(images, ws, noise=y)
    torch.testing.assert_close(lengths, by_hand)
    # a single w for all layers (N, w_dim) is the one-layer case
    w1 = ws[:, 0].detach().clone().requires_grad_(True)
    one = path_lengths(torch.einsum("nd,dp->np", w1, A[0]).reshape(n, *shape), w1, noise=y)
    torch.testing.assert_close(one, torch.einsum("dp,np->nd", A[0], y.flatten(1) / 4.0).norm(dim=1))
    with pytest.raises(ValueError, match="part of the graph"):
        path_lengths(images, ws.detach(), noise=y)


def test_path_length_penalty_moves_its_target_and_evens_out_a_toy_generators_jacobian():
    """The running mean a <- a + decay (mean - a) is updated before the penalty; minimising the penalty alone makes a
    toy generator's Jacobian norm (the expected path length) nearly the same for every w, the regulariser's aim."""
    from gancl.losses import path_length_penalty, path_lengths

    lengths = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    penalty, mean = path_length_penalty(lengths, torch.zeros(()), decay=0.01)
    torch.testing.assert_close(mean, torch.tensor(0.02))
    torch.testing.assert_close(penalty, ((lengths.detach() - 0.02) ** 2).mean())
    assert not mean.requires_grad
    with pytest.raises(ValueError, match="decay"):
        path_length_penalty(lengths, mean, decay=0.0)

    torch.manual_seed(0)
    G = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.Tanh(), torch.nn.Linear(32, 3 * 4 * 4))
    w_fixed = torch.randn(64, 4) * 2

    def jacobian_norms():  # the expected path length, up to the 1/sqrt(HW) of the noise
        J = torch.func.vmap(torch.func.jacrev(G))(w_fixed)
        return J.flatten(1).norm(dim=1).detach()

    spread_before = jacobian_norms().std() / jacobian_norms().mean()
    opt = torch.optim.Adam(G.parameters(), lr=3e-3)
    mean = torch.zeros(())
    for _ in range(300):
        w = (torch.randn(32, 4) * 2).requires_grad_(True)
        penalty, mean = path_length_penalty(path_lengths(G(w).reshape(32, 3, 4, 4), w), mean, decay=0.05)
        opt.zero_grad()
        penalty.backward()
        opt.step()
    spread_after = jacobian_norms().std() / jacobian_norms().mean()
    assert spread_after < spread_before / 2, (float(spread_before), float(spread_after))  # 0.22 -> 0.07 here
    assert float(mean) == pytest.approx(float(jacobian_norms().mean()) / 4.0, rel=0.2)
