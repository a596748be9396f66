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
# # FakeCLR, supplement Table 6: what a training step costs
#
# FakeCLR {cite}`li2022fakeclr` adds contrastive learning to a data-efficient StyleGAN2, and every contrastive term
# costs forwards: a momentum discriminator encodes a second augmentation of each image as its key, and FakeCLR's
# perturbation term first generates the fakes of the perturbed latents. Its supplement's Table 6 times the methods of
# its ablations on FFHQ at 256 px (two A100 GPUs, batch 64) in seconds per thousand images, and the main text
# concludes that FakeCLR achieves better results "with 8.8% less computational cost" than InsGen
# {cite}`yang2021insgen`, which discriminates real and fake instances at once.
#
# Here the same methods are timed on this machine at the few-shot pages' scale (the compact StyleGAN2, the
# few-shot subset, the pages' batch): the ADA-linear baseline, Instance-real, Instance-fake, an InsGen-like objective (both
# terms, each with its own queue; one projection head serves both, where InsGen has one per term) and FakeCLR. The
# paper's first row, StyleGAN2-ADA with its adaptive augmentation, has no counterpart: this library's baseline is
# the ADA-linear schedule. Nothing is trained: each configuration runs a few steps on a fresh trainer after two
# warm-up steps, in alternating rounds so that the machine's drift hits every configuration alike, and a round is
# a paired "seed" for the claim rule.

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
seeds: "Optional[Union[int, List[int]]]" = None  # how many timing rounds, or their list; None: the scale's default
dataset: str = "shapes"  # embedded: shapes, scenes; real (needs data_dir): cifar10, tiny_imagenet, folder
data_dir: "Optional[str]" = None  # folder holding the real data set
device: str = "auto"  # auto, cpu, cuda, cuda:N, mps
steps: "Optional[int]" = None  # steps timed per configuration and round; None: the scale's default
force: bool = False  # unused here (nothing is trained or cached); kept so every page takes the same parameters

# %% tags=["remove-cell"]
from gancl.book import check_parameters

check_parameters(scale=scale, seeds=seeds, dataset=dataset, data_dir=data_dir, device=device, steps=steps,
                 force=force)

# %% tags=["remove-input"]
from gancl.book import scale_banner

scale_banner(scale)

# %% [markdown]
# ## The paper's numbers
#
# Seconds per thousand images (`paper_tables/fakeclr_t6.csv`, the mean of ten measurements), and each method's cost
# relative to the ADA-linear baseline, the ratio that can be compared across machines.

# %%
import pandas as pd

from gancl import tables

print(tables.info("fakeclr_t6").notes)
paper = tables.paper_values("fakeclr_t6")
paper_ratio = paper / paper["StyleGAN2-ADA-Linear"]
pd.DataFrame({"sec/kimg (paper)": paper, "x baseline (paper)": paper_ratio.round(2)})

# %% [markdown]
# ## Timing on this machine
#
# The configurations of `gancl.experiments.page_spec("fakeclr/cost")` (presets `fakeclr/baseline`,
# `fakeclr/instance_real`, `fakeclr/instance_fake`, `fakeclr/insgen`, `fakeclr/fakeclr` at the few-shot pages'
# budget), timed by `gancl.train.timing.time_side_by_side`. A step is what a training run repeats: D's step with
# its keys and terms, G's step with path-length regularisation on one step in 4, the EMA, and lazy R1 on one step
# in 16; at `small` the 16 timed steps hold one R1 step and four path-length steps, a run's share of each.

# %%
from gancl import experiments
from gancl.train.timing import time_side_by_side

spec = experiments.page_spec("fakeclr/cost", scale, seeds=seeds, dataset=dataset, data_dir=data_dir, steps=steps)
timed = time_side_by_side(spec.configs, spec.settings["steps"], spec.seeds, device=device)
order = list(spec.configs)
per_config = timed.groupby("config").agg(ms_per_step=("ms_per_step", "median"),
                                         sec_per_kimg=("sec_per_kimg", "median")).loc[order]
per_config["x baseline"] = per_config["ms_per_step"] / per_config.loc["StyleGAN2-ADA-Linear", "ms_per_step"]
per_config["x baseline (paper)"] = paper_ratio.reindex(order)
per_config.round(3)

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 3.2))
x = range(len(order))
ax.bar([i - 0.2 for i in x], per_config["x baseline"], width=0.4, label="here (median of the rounds)")
ax.bar([i + 0.2 for i in x], per_config["x baseline (paper)"], width=0.4, label="paper (two A100s)")
for r, rows in timed.groupby("seed"):  # each round's ratio, to see the spread the medians summarise
    base = rows.set_index("config").loc["StyleGAN2-ADA-Linear", "ms_per_step"]
    ax.plot([i - 0.2 for i in x], rows.set_index("config").loc[order, "ms_per_step"] / base, "k.", ms=3)
ax.axhline(1.0, color="grey", lw=0.8)
ax.set_xticks(list(x), order, rotation=15, fontsize=8)
ax.set_ylabel("time per step / baseline's")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## The paper's claim, judged
#
# FakeCLR's step against the InsGen-like step, paired by round, with the rule of the introduction: the effect is
# how much less time FakeCLR's step takes, in seconds, and its 90% interval over the rounds must lie above zero. No
# regime gate: a step costs the same whether or not the generator has learned the data.

# %%
from gancl.book.results import show_claims

judged = show_claims(spec, timed)

# %%
from gancl.book import glue

ratio = per_config.loc["FakeCLR", "ms_per_step"] / per_config.loc["InsGen", "ms_per_step"]
paper_fakeclr_vs_insgen = paper["FakeCLR"] / paper["InsGen"]
reading = (f"Here a FakeCLR step takes {per_config.loc['FakeCLR', 'ms_per_step']:.0f} ms and an InsGen-like step "
           f"{per_config.loc['InsGen', 'ms_per_step']:.0f} ms (median of {len(spec.seeds)} rounds): FakeCLR costs "
           f"{ratio:.2f}x InsGen's step, against {paper_fakeclr_vs_insgen:.2f}x in the paper. Against the baseline: "
           f"FakeCLR {per_config.loc['FakeCLR', 'x baseline']:.2f}x (paper "
           f"{paper_ratio['FakeCLR']:.2f}x), InsGen {per_config.loc['InsGen', 'x baseline']:.2f}x (paper "
           f"{paper_ratio['InsGen']:.2f}x). The claim: {judged['F5'].verdict}.")
glue("t6_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`t6_reading`
#
# Where the cost comes from: the baseline's step is one D forward and backward on reals and fakes and one G step.
# Each instance term adds a no-gradient forward of the momentum discriminator on a second augmentation (of the
# reals for Instance-real, of the fakes for Instance-fake; InsGen pays both), and G's Instance-fake term one more
# for G's fakes. FakeCLR's perturbation term replaces the fake key by the fakes of perturbed latents, so it adds a
# G forward without gradient in place of nothing; it has one queue where InsGen has two. The key path runs in the
# precision `loss.instance_key_precision` names (bf16 in these presets; on a CPU without fast bf16 that is slower
# than float32, see the README's performance section and `benchmarks/fakeclr.py`). At this scale the networks are
# small, so fixed costs per forward (augmentation, queue, Python) weigh more than on two A100s at 256 px.
#
# ## Compute

# %%
from gancl.book import show_compute

show_compute(timed.to_dict("records"))

# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
