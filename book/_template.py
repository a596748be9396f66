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
# **Page template.** Copy this file to `book/<paper>/<page>.py`, keep its first four code cells (Colab, parameters,
# check, banner) and its last one (the environment line) as they are, with their tags (the runner and the tests
# check them; `gancl.book.pages` says why each is there), and add the page to `_toc.yml` as `book/<paper>/<page>`.
# Each parameter is one line, `name: type = default  # what it is`, so that `papermill --help-notebook` lists it.
#
# Open with one paragraph on what the paper's table claims and under which conditions, citing the paper
# ({cite}`kang2020contragan`).

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
# from gancl.book import show_compute
#
# show_compute(results)  # prints tables.format_compute's line and stores it for the Status page
# ```


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
