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
# # FakeCLR, Figure 5: the perturbation radius, the queue's minimum size and the forgetting temperature
#
# FakeCLR {cite}`li2022fakeclr` adds three techniques to instance discrimination on perturbed fakes, and its Figure 5
# ablates their settings on FFHQ-2K: (a) a fixed perturbation radius against the noise-related one
# (proportional to the latent's norm), where the noise-related radius beats the best fixed one; (b) how many
# negatives enter the queue per iteration; (c) the temperature tau_m of the forgetting factor (its Eq. 11), where
# every temperature tried beats the queue without it and 0.001 is best.
#
# Here, on the larger subset that stands for FFHQ-2K (as supplement Tables 7, 8 and 10 do): (a) Instance-perturbation
# with fixed radii 0.05, 0.1 and 0.2 and with the noise-related radius; (b) in place of the paper's batch-size
# panel, the smallest size the diversity-aware queue shrinks to (the preset's 2, a quarter of the subset's queue, and
# all of it: a queue of fixed size), the setting the book's issue names; (c) the forgetting factor at tau_m 0.1, 0.01
# and 0.001 on the noise-related row. The baseline, Table 10's Instance-perturbation and Table 7's FakeCLR are among
# these runs (shared through the run cache). Claims F12 (panel a) and F13 (panel c) are judged behind the `shapes`
# gate on the baseline (it must have learned the data); panel b is shown without a claim.

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
# ## Reproduction

# %%
from gancl import experiments
from gancl.book.results import gate_sentence
from gancl.train import train_grid

spec = experiments.page_spec("fakeclr/components", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
results, runs = train_grid(spec, force=force, device=device)
print(gate_sentence(spec, results))
results[["config", "seed", "fd", "precision", "recall", "diverged"]].round(3)

# %%
import matplotlib.pyplot as plt

from gancl.book.figures import seed_points

panels = {"(a) perturbation radius": [l for l in spec.configs if l.startswith("radius ")] + ["noise-related"],
          "(b) smallest queue": [l for l in spec.configs if l.startswith("queue min ")],
          "(c) forgetting temperature": ["noise-related"] + [l for l in spec.configs if l.startswith("tau_m ")]}
fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
for ax, (title, order) in zip(axes, panels.items()):
    seed_points(results, order=order, ax=ax, title=title)
fig.tight_layout()

# %% [markdown]
# ## The paper's claims, judged

# %%
from gancl.book.results import show_claims

judged = show_claims(spec, results)

# %% [markdown]
# ## Reading the result
#
# Computed from the numbers above.

# %%
from gancl.book import glue

means = results.groupby("config")["fd"].mean()
lowest = {title: means.loc[order].idxmin() for title, order in panels.items()}
reading = ("Lowest mean FD per panel: " + "; ".join(f"{title} {label} ({means[label]:.2f})"
                                                     for title, label in lowest.items())
           + ". " + " ".join(f"{cid}: {j.verdict}." for cid, j in judged.items()))
glue("fig5_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`fig5_reading`
#
# %% [markdown]
# ## Compute

# %%
from gancl.book import show_compute

done = results.dropna(subset=["fd"])
show_compute(done.to_dict("records"))
print(f"Runs finished between {done['finished_at'].min()} and {done['finished_at'].max()} (UTC).")


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
