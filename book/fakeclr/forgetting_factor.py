# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # FakeCLR, Fig. 7: the forgetting factor of the queue
#
# FakeCLR {cite}`li2022fakeclr` keeps a queue of fake images' keys as negatives for its InfoNCE term. The generator
# changes as it trains, so old negatives show an older generator; the *forgetting factor* gives each negative a
# margin m_i added to its similarity before the temperature (supplement Eq. 12), larger for newer negatives.
# Eq. 11 defines m as a softmax, with temperature tau_m, of the negatives' iteration stamps min-max normalised to
# [0, 1]. The supplement's Fig. 7 plots m over the queue for several tau_m and queue sizes N with 50 negatives
# pushed per iteration; the paper uses tau_m = 0.01 and finds 0.001 best (Fig. 5c).
#
# The authors' released code computes something else: its softmax runs over a dimension of size one, so every
# negative gets m_i = 1. This page computes both, and what each does to the logits and to the gradient. It trains
# nothing: every number below is computed in seconds, at any scale.

# %% tags=["remove-cell"]
# In Colab: clone gancl (with paper_tables/) and install it; elsewhere this cell does nothing. The book build writes
# _config.yml's repository url and branch below; GANCL_REPOSITORY and GANCL_BRANCH choose another clone.
import os, subprocess, sys
if "google.colab" in sys.modules:
    repository = os.environ.get("GANCL_REPOSITORY", "<repository.url>")
    branch = os.environ.get("GANCL_BRANCH", "<repository.branch>")
    checkout = os.environ.get("GANCL_CHECKOUT", "/content/gancl")
    if not os.path.isdir(checkout):
        clone = subprocess.run(["git", "clone", "--depth", "1", "--branch", branch, repository, checkout],
                               capture_output=True, text=True)
        if clone.returncode != 0:
            raise RuntimeError(
                f"could not clone gancl from {repository} (branch {branch}): {clone.stderr.strip()}\n"
                "Set os.environ['GANCL_REPOSITORY'] (and GANCL_BRANCH) to a gancl repository in a cell above and "
                "run this cell again; to fix the book, set repository.url in its _config.yml and rebuild it.")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", checkout], check=True)
    sys.path.insert(0, checkout)
    os.chdir(checkout)

# %% tags=["parameters"]
scale: str = "small"  # "smoke" (CI, seconds) | "small" (the published book) | "paper" (real data, GPUs)
seeds: "Optional[Union[int, List[int]]]" = None  # how many seeds, or a list of seeds; None: the scale's default
dataset: str = "shapes"  # embedded: shapes, scenes; real (needs data_dir): cifar10, tiny_imagenet, folder
data_dir: "Optional[str]" = None  # folder holding the real data set
device: str = "auto"  # auto, cpu, cuda, cuda:N, mps
steps: "Optional[int]" = None  # training steps per run; None: the scale's default
force: bool = False  # retrain even when a finished run is in the run cache

# %% tags=["remove-cell"]
from gancl.book import check_parameters

check_parameters(scale=scale, seeds=seeds, dataset=dataset, data_dir=data_dir, device=device, steps=steps,
                 force=force)

# %% tags=["remove-input"]
from gancl.book import scale_banner

scale_banner(scale)

# %% [markdown]
# ## Eq. 11 over a queue
#
# Queues of N negatives filled 50 per iteration (`gancl.experiments.FAKECLR_FIG7`), the newest iteration last; m
# from `gancl.losses.FakeQueue`, which stamps each pushed key with its iteration and computes Eq. 11
# (`gancl.losses.forgetting_factor`) over the stamps.

# %%
import torch

from gancl import experiments
from gancl.losses import FakeQueue

spec = experiments.FAKECLR_FIG7
fakeclr = experiments.preset("fakeclr/fakeclr", scale)
batch, dim, t = spec["batch"], fakeclr.model.instance_head_dim, fakeclr.loss.instance_temperature


def filled_queue(size: int, tau_m: float, authors: bool = False, margins: bool = True) -> FakeQueue:
    """A queue of ``size`` random unit keys pushed ``batch`` at a time at iterations 0, 1, ..."""
    queue = FakeQueue(dim, size, forgetting=margins, tau_m=tau_m, authors_constant_bias=authors, init="empty")
    gen = torch.Generator().manual_seed(0)
    for step in range(size // batch):
        queue.push(torch.randn(batch, dim, generator=gen), step)
    return queue


last = {n: n // batch - 1 for n in spec["queue_sizes"]}
weights = {(n, tau): filled_queue(n, tau).negative_bias(last[n]) for n in spec["queue_sizes"] for tau in spec["tau_m"]}

# %%
from gancl.book.figures import queue_weight_panels

fig = queue_weight_panels(weights, batch, title="Forgetting factor m (Eq. 11) over the queue (cf. FakeCLR Fig. 7)")

# %% [markdown]
# The same in numbers: the margin each of the newest iteration's negatives gets, the share of all of m that the
# newest iteration holds, and how many times the newest negative's margin exceeds the oldest's. m sums to one over
# the queue, so the margin of any negative is at most 1 and, with 50 equal stamps per iteration, at most 1/50.

# %%
import pandas as pd

rows = []
for (n, tau), m in weights.items():
    newest = m[-batch:]
    rows.append({"N": n, "tau_m": tau, "m newest (each)": float(newest[0]),
                 "newest iteration's share of m": float(newest.sum()), "newest / oldest": float(m[-1] / m[0]),
                 "largest margin in logits (m / t)": float(m.max()) / t})
fig7 = pd.DataFrame(rows).set_index(["N", "tau_m"])
fig7.style.format("{:.3g}")

# %% [markdown]
# ## What a margin does to the InfoNCE logits
#
# With margins m_i the loss of a query q with positive key k is supplement Eq. 12: the negatives' logits
# (q·neg_i + m_i)/t are shifted by m_i/t (t = 0.2 in FakeCLR). What changes for the generator and discriminator is
# the gradient, whose coefficients are the softmax over [positive, negatives] of those logits (Eq. 14;
# `gancl.losses.info_nce_weights`). Below, for a queue of N = 500 random unit keys (as a queue starts) and queries
# whose positive keys lie at cosine 0.8, the loss, the positive's coefficient, and the newest iteration's share of
# the negatives' coefficients, under: no margin, Eq. 11 at each tau_m, and the authors' code (m_i = 1).

# %%
from gancl.book import glue
from gancl.losses import info_nce, info_nce_weights

n_queue = spec["queue_sizes"][1]
gen = torch.Generator().manual_seed(1)
q = torch.nn.functional.normalize(torch.randn(256, dim, generator=gen), dim=1)
u = torch.randn(256, dim, generator=gen)
u = torch.nn.functional.normalize(u - (u * q).sum(1, keepdim=True) * q, dim=1)  # orthogonal to q
k = 0.8 * q + 0.6 * u  # cosine 0.8 with its query, unit length

variants = {"no margin": filled_queue(n_queue, 0.01, margins=False)}
variants.update({f"Eq. 11, tau_m = {tau:g}": filled_queue(n_queue, tau) for tau in spec["tau_m"]})
variants["authors' code (m = 1)"] = filled_queue(n_queue, 0.01, authors=True)
rows = []
for name, queue in variants.items():
    step = last[n_queue]
    negatives, bias = queue.negatives(step), queue.negative_bias(step)
    w = info_nce_weights(q, k, negatives, t, bias)
    negative_w = w[:, 1:]
    rows.append({"margins": name, "loss": float(info_nce(q, k, negatives, t, bias)),
                 "positive's coefficient": float(w[:, 0].mean()),
                 "newest iteration's share of the negatives' pull": float((negative_w[:, -batch:].sum(1) /
                                                                            negative_w.sum(1)).mean())})
effect = pd.DataFrame(rows).set_index("margins")
effect.style.format("{:.4f}")

# %% [markdown]
# ## Reading the result
#
# Computed from the numbers above.

# %%
plain, authors = effect.loc["no margin"], effect.loc["authors' code (m = 1)"]
share_of_m = fig7.loc[(n_queue, min(spec["tau_m"])), "newest iteration's share of m"]
tau_best = min(spec["tau_m"])
best = effect.loc[f"Eq. 11, tau_m = {tau_best:g}"]
fair_share = batch / n_queue
reading = (
    f"In a queue of {n_queue} negatives ({n_queue // batch} iterations), Eq. 11 at tau_m = {tau_best:g} gives the "
    f"newest iteration {share_of_m:.0%} of m, but m sums to one, so each of its {batch} negatives gets a margin of at most 1/{batch}: a logit shift of "
    f"{fig7.loc[(n_queue, tau_best), 'largest margin in logits (m / t)']:.2f} at t = {t:g}. The newest iteration's "
    f"share of the negatives' pull on a query rises from {plain.iloc[2]:.1%} (no margin; {fair_share:.0%} is its "
    f"share of the queue) to {best.iloc[2]:.1%}. The authors' code adds 1 to every negative: a shift of {1 / t:g} "
    f"for all of them, which leaves every negative's share unchanged ({authors.iloc[2]:.1%}, so nothing is "
    f"forgotten) and acts like {torch.exp(torch.tensor(1 / t)).item():.0f} times as many negatives: the loss goes "
    f"from {plain.iloc[0]:.2f} to {authors.iloc[0]:.2f} and the positive's coefficient from {plain.iloc[1]:.3f} to "
    f"{authors.iloc[1]:.4f}, so the pull of each query towards its positive grows (1 minus that coefficient).")
glue("ff_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`ff_reading`
#
# So the two forgetting factors differ in kind. Eq. 11 as published does favour recent negatives, but by a margin
# bounded by one over the batch, which at FakeCLR's t = 0.2 moves the newest negatives' share of the gradient by a
# fraction of itself. The released code forgets nothing and instead sharpens the InfoNCE term (its effect resembles
# a lower weight on the positive, or a much longer queue). Training runs can use either: `loss.forgetting_factor`
# with `loss.forgetting_tau` is Eq. 11, and adding `loss.authors_constant_bias` gives the released code's margin.


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
