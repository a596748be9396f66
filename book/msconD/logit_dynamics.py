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
# # MsConD, Fig. 2: how the discriminator's logits move during training
#
# The MsConD supplement {cite}`lee2023msconD` (Sec. 2.2, Fig. 2) follows the discriminator's logits on real and
# generated images while training on Cityscapes, for three discriminators with the same StyleGAN2 generator
# {cite}`karras2020stylegan2`: (a) StyleGAN2's single-output D, (b-d) the multi-scale D without contrastive
# learning ("MultiscaleD", one output per scale), and (e-g) MsConD, which adds a contrastive term at every scale.
# Its reading: the single-output D's real and fake logits start together and drift apart (D becomes over-confident
# and its feedback less useful); with multi-scale outputs they stay close for the whole run; and at the finest
# scale the fake logits of MultiscaleD vary a lot, which the contrastive term steadies.
#
# At `small` scale the three train on the embedded multi-object `scenes` data (2-6 objects per 32 px image) with the
# compact StyleGAN2 of this book, the StyleGAN2 recipe (non-saturating loss, lazy R1, Adam 2.5e-3) and the same
# budget; the multi-scale D's branches sit where supplement Table 1 puts them, on the 16x16 and 8x8 backbone levels
# (the two above the 4x4 level that feeds the final output), beside the final output. Every 50 steps the trainer
# logs the mean and std of each D output's logits on that step's real and generated batch (for a branch, over the
# batch and every location of its map).

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
dataset: str = "scenes"  # embedded: shapes, scenes; real (needs data_dir): cifar10, tiny_imagenet, folder
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
# ## The paper's figure
#
# Fig. 2 has curves only, so nothing numeric is transcribed; the page checks the three statements of the text.

# %%
from gancl import tables

print(tables.info("msconD_fig2").notes)

# %% [markdown]
# ## Reproduction
#
# One run per discriminator and seed from `gancl.experiments.msconD_fig2`; the runs are shared with the next page
# through the run cache. Each EMA generator is measured once at the end (FD with the `scenes` domain extractor,
# 2000 samples against held-out scenes at `small`).

# %%
from gancl import experiments
from gancl.train import train_grid

spec = experiments.page_spec("msconD/logit_dynamics", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
configs, run_seeds, n_eval = spec.configs, spec.seeds, spec.n_eval
results, runs = train_grid(spec, force=force, device=device)
results[["config", "seed", "fd", "precision", "recall", "seconds_per_step"]].round(3)

# %% [markdown]
# ## Fig. 2, reproduced
#
# First seed; lines are the mean logit on the batch, bands one standard deviation. Blue: real images, red: generated.

# %%
from gancl.book.figures import logit_panels

first = run_seeds[0]
fig = logit_panels({label: runs[(label, first)].history() for label in configs},
                   title=f"MsConD supplement Fig. 2, reproduced: D logits during training (seed {first})")

# %% [markdown]
# The same runs as one number per output: the real-fake gap in units of the logits' pooled standard deviation
# (how far apart the two distributions are, whatever the logits' scale), every seed (line: mean, band: lowest to
# highest seed).

# %%
from gancl.book.figures import separation_curves

fig = separation_curves({label: [runs[(label, seed)].history() for seed in run_seeds] for label in configs},
                        title="Real-fake separation of each D output during training")

# %%
from gancl.book.figures import sample_rows
from gancl.data import get_dataset

real = get_dataset(configs["StyleGAN2"].data.name, configs["StyleGAN2"].data.resolution, "val", count=10,
                   data_dir=data_dir).images
fig = sample_rows({label: runs[(label, first)].generator() for label in configs}, n=10, real=real,
                  title=f"Samples of the EMA generators (seed {first}) and held-out real scenes")

# %% [markdown]
# ## What the curves say, in numbers
#
# Per output and seed (`gancl.metrics.logit_trends`): the real-minus-fake gap over the first and last half of the
# logged steps, its growth per 1000 images (a least-squares slope), the gap in units of the logits' pooled std over
# the first and last half ("separation", comparable across outputs whose logits have different scales), and the
# std of the fake logits over the last half.

# %%
import pandas as pd

from gancl.metrics import logit_trends

trends = pd.concat([logit_trends(run.history()).assign(method=label, seed=seed)
                    for (label, seed), run in runs.items()])
trends = trends.set_index(["method", "output", "seed"]).sort_index()
trends.round(3)

# %% [markdown]
# Averaged over seeds, with the final FD of each discriminator:

# %%
per_method = trends.groupby(["method", "output"]).mean()
fd = results.groupby("config")["fd"].agg(["mean", "std"])
per_method.round(3)

# %%
fd.loc[list(configs)].round(2)

# %% [markdown]
# ## The paper's reading, checked
#
# Two of the paper's three statements compare discriminators, and are judged as claims with the verdict rule of
# the introduction, seed by seed, on numbers each run's history gives (`gancl.metrics.logit_dynamics_record`,
# declared with the page's spec):
#
# - M1a, *multi-scale keeps the logits close:* the largest separation of any output over the last half of training
#   (`separation_end`) is smaller for MultiscaleD and MsConD than for StyleGAN2's single output;
# - M1b, *contrastive learning steadies the finest scale:* MsConD's fake logits at the finest scale have a smaller
#   std over the last half (`finest_fake_std`) than MultiscaleD's.
#
# Both are judged only when StyleGAN2's generator has learned the scenes (the regime gate of `scenes`: recognised
# objects per generated image at least half the real rate, precision >= 0.5 and recall >= 0.3).

# %%
from gancl.book import glue
from gancl.book.results import show_claims

judged = show_claims(spec, results)  # also what the Results page reads
results[["config", "seed", "separation_end", "separation_growth", "finest_fake_std", "recognised_ratio"]].round(3)

# %% [markdown]
# The third statement is about one discriminator alone, *a single-output D's logits drift apart*: StyleGAN2's gap
# grows (positive slope, larger at the end than at the start) and so does its separation (a raw gap also grows when
# all logits merely get larger; the separation grows only when the two distributions overlap less). It is checked
# on every seed ("holds" means on all of them), not judged against another configuration.

# %%
finest = max(int(o) for o in trends.loc["MultiscaleD"].index.get_level_values("output") if o.isdigit() and o != "1")


def on_seeds(check) -> str:
    held = [bool(check(seed)) for seed in run_seeds]
    if all(held) or not any(held):
        return "holds" if all(held) else "does not hold"
    return f"holds on {sum(held)} of {len(held)} seeds"


def drifts(seed):
    row = trends.loc[("StyleGAN2", "final", seed)]
    return (row["gap_slope"] > 0 and row["gap_end"] > row["gap_start"]
            and row["separation_end"] > row["separation_start"])


drift = on_seeds(drifts)
best = fd["mean"].idxmin()
reading = (f"At {scale} scale: single-output logits drift apart: {drift}; "
           + "; ".join(f"{cid} ({spec.claim(cid).statement}): {j.verdict}" for cid, j in judged.items())
           + f". Lowest final FD (domain): {best} ({fd.loc[best, 'mean']:.2f}; StyleGAN2 "
           f"{fd.loc['StyleGAN2', 'mean']:.2f}, MultiscaleD {fd.loc['MultiscaleD', 'mean']:.2f}, MsConD "
           f"{fd.loc['MsConD', 'mean']:.2f}).")
glue("fig2_reading", reading)
glue("finest", f"{finest}x{finest}")
glue("resolution", f"{configs['MsConD'].data.resolution} px")
print(reading)

# %% [markdown]
# {glue:text}`fig2_reading`
#
# Why this may differ from the paper: the paper's curves span millions of images at 256 px, where the single-output
# D has time to become over-confident; these runs see tens of thousands at 32 px, so the drift the paper describes
# may only be starting. The finest branch here is {glue:text}`finest` on a {glue:text}`resolution` image: the
# paper's grid over the image, but read from a shallower backbone (at 32 px one block after the input, at 256 px
# four), with each cell covering 2x2 pixels instead of 16x16.
# And the paper's contrastive term is described only in its main text; the book implements one reading of it (an
# InfoNCE between two augmented views of each image on every scale's pooled projection; see the README of the
# papers).
#
# ## Compute

# %%
from gancl.book import show_compute

show_compute(results.to_dict("records"))
print(f"Runs finished between {results['finished_at'].min()} and {results['finished_at'].max()} (UTC).")


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
