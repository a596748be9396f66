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
# # FakeCLR, supplement Figures 9 and 10: does the generator copy its training images?
#
# A generator trained on a few images can reach a low FID by drawing the images themselves. FakeCLR's supplement
# {cite}`li2022fakeclr` follows DiffAugment's nearest-neighbour test: for generated samples it shows the nearest
# training images in pixel space and in LPIPS features (Fig. 9 on Obama, Fig. 10 on FFHQ-100, as the captions say;
# the text of its Sec. A.7 names FFHQ-2K and Obama), and concludes that
# FakeCLR's samples are more diverse and not copies of its training images, even on the smallest data sets.
#
# Here, for the ADA-linear baseline and FakeCLR (the runs of the interpolation page, on the few-shot subset), the
# samples beside their nearest training images in pixels and in the domain classifier's features (the book's
# stand-in for LPIPS, whose VGG weights it does not download), and the share of samples nearer to a training image than to any held-out image
# of the same data set (`gancl.metrics.memorisation`): about one half for a generator that has learned the data
# rather than the images, near one for one that copies them. Pixels are the measure the gate uses: imperfect copies
# (blurred, noisy) still read as copies there, where a feature space that names an object's class places held-out
# images of the same class as near (`benchmarks/memorisation_space.py`).

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
#
# The runs from `gancl.experiments.page_spec("fakeclr/nearest_neighbours")` (shared with the interpolation page),
# measured by the standard metrics and the memorised share in pixels and in features on the scale's samples.

# %%
from gancl import experiments
from gancl.train import train_grid

spec = experiments.page_spec("fakeclr/nearest_neighbours", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
configs, run_seeds = spec.configs, spec.seeds
results, runs = train_grid(spec, force=force, device=device)
results[["config", "seed", "fd", "precision", "recall", "memorised_share", "memorised_share_features",
         "diverged"]].round(3)

# %% [markdown]
# ## Nearest training images
#
# For the first seed of each method: a few samples, each followed by its nearest training images (nearest first),
# in pixels, then in the domain features.

# %%
from gancl.book.figures import nearest_neighbour_rows

first, settings = run_seeds[0], spec.settings
found = {space: {label: runs[(label, first)].nearest_training_images(settings["samples"], settings["k"], space)
                 for label in configs if (label, first) in runs} for space in ("pixels", "features")}
fig = nearest_neighbour_rows(found["pixels"], settings["samples"],
                             title="Samples (left) and their nearest training images, in pixels")

# %%
fig = nearest_neighbour_rows(found["features"], settings["samples"],
                             title="Samples (left) and their nearest training images, in the domain features")

# %%
import pandas as pd

distances = pd.DataFrame([{"space": space, "method": label, "sample": i + 1,
                           "nearest training image": float(record["distances"][i, 0]),
                           "nearest held-out image": float(record["val_distance"][i])}
                          for space, by_label in found.items() for label, record in by_label.items()
                          for i in range(settings["samples"])])
distances["nearer a training image"] = distances["nearest training image"] < distances["nearest held-out image"]
distances.round(3)

# %% [markdown]
# ## The paper's claim, judged
#
# FakeCLR's samples are copies of its training images less often than the baseline's: the memorised share in
# pixels, lower for FakeCLR, over paired seeds with the rule of the introduction. Behind the few-shot pages' regime
# gate: the baseline must have memorised its images, or there is nothing for FakeCLR to avoid.

# %%
from gancl.book.results import show_claims

judged = show_claims(spec, results)

# %%
from gancl.book import glue

shares = results.groupby("config")[["memorised_share", "memorised_share_features"]].mean()
reading = ("Memorised share in pixels (features): " + ", ".join(
    f"{label} {row.memorised_share:.2f} ({row.memorised_share_features:.2f})" for label, row in shares.iterrows())
    + f" (means over seeds; about 0.5 means no copying). F8: {judged['F8'].verdict}.")
glue("nn_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`nn_reading`
#
# ## Compute

# %%
from gancl.book import show_compute

done = results.dropna(subset=["fd"])
show_compute(done.to_dict("records"))
print(f"Runs finished between {done['finished_at'].min()} and {done['finished_at'].max()} (UTC).")


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
