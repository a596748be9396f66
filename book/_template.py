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
# # Paper, Table N: what the table shows
#
# **Page template.** Copy this file to `book/<paper>/<page>.py`, keep its first three code cells and its last one
# (the environment line) as they are (the runner and the tests check them) and add the page to `_toc.yml` as `book/_executed/small/<paper>/<page>`.
#
# Open with one paragraph on what the paper's table claims and under which conditions, citing the paper
# ({cite}`kang2020contragan`).

# %% tags=["remove-cell"]
# In Colab: fetch gancl (with paper_tables/) and install it; elsewhere this cell does nothing.
import os, subprocess, sys
if "google.colab" in sys.modules:
    if not os.path.isdir("/content/gancl"):
        subprocess.run(["git", "clone", "--depth", "1", "https://github.com/gancl/gancl", "/content/gancl"], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "/content/gancl"], check=True)
    sys.path.insert(0, "/content/gancl")
    os.chdir("/content/gancl")

# %% tags=["parameters"]
scale = "small"  # "smoke" (CI, seconds) | "small" (the published book) | "paper" (real data, GPUs)
seeds = None  # number of seeds, or a list of seeds; None = the default of the scale
dataset = "shapes"  # embedded: shapes, scenes; real (needs data_dir): cifar10, tiny_imagenet, folder
data_dir = None  # folder holding the real data set
device = "auto"  # auto, cpu, cuda, cuda:N, mps
steps = None  # training steps per run; None = the default of the scale
force = False  # retrain even when a finished run is in the run cache

# %%
from gancl.book import check_parameters

check_parameters(scale=scale, seeds=seeds, dataset=dataset, data_dir=data_dir, device=device, steps=steps,
                 force=force)

# %%
from gancl.book import scale_banner

scale_banner(scale)

# %% [markdown]
# ## The paper's numbers
#
# Read from `paper_tables/` (never typed into the page); the index notes say how the table was transcribed.

# %%
from gancl import tables

paper = tables.paper_values("contragan_t1", dataset="CIFAR10")
print(tables.info("contragan_t1").notes)
paper.to_frame()

# %% [markdown]
# ## Reproduction
#
# Derived values (seed list, the experiment spec for this scale) come next, then one call into
# `gancl.experiments` that trains or loads from the run cache one run per configuration and seed, and returns a
# DataFrame with columns `config`, `seed`, `value`, plus the compute record of each run (`result.compute` of
# `gancl.train`: `device`, `wall_time`, `steps`, `images_seen`). No training loop, loss or metric is written in a page.
#
# ## Paper vs reproduced
#
# ```python
# comparison = spec.compare(paper, reproduced)  # pairs=[...] to check only the orderings the paper claims
# glue("verdict", comparison.verdict)
# comparison.style()
# judged = show_claims(spec, results)  # the spec's claims, for the Results page (gancl.book.results)
# ```
#
# Verdicts go through the page's spec (`spec.compare`, `spec.check_orderings`, `spec.judge`), which applies its
# regime gate: a page calling `tables.compare` directly breaks the page convention.
#
# and in the text: ``The paper's ordering at this scale: {glue:text}`verdict`.``
#
# ## Compute
#
# ```python
# tables.format_compute(records)
# ```


# %% tags=["remove-input"]
from gancl.book import environment_line

print(environment_line(device))
