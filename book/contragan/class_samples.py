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
# # ContraGAN, Figure 4: what the best ContraGAN draws, class by class
#
# ContraGAN's Figure 4 {cite}`kang2020contragan` shows generated images of its CIFAR-10 model and of its ImageNet
# model (their FIDs below; for ImageNet the authors selected well-generated images). A figure cannot test a claim,
# but it shows what the numbers of Table 1 are about. Here the best of Table 1's 2C runs (the seed with the lowest
# FD; the runs are shared through the run cache) draws one row per class, beside real images of that class, with
# two numbers per class that FD does not give: class consistency (the share of the samples asked for the class
# that the domain classifier puts in it; chance is one over the number of classes) and intra-class FD (same-class real against generated
# features).

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
# The FID printed under each panel of Figure 4 (`paper_tables/contragan_fig4.csv`).

# %%
from gancl import tables

print(tables.info("contragan_fig4").notes)
tables.load("contragan_fig4")

# %% [markdown]
# ## The runs
#
# Table 1's 2C runs from `gancl.experiments.page_spec("contragan/class_samples")`, measured by the standard metrics;
# the regime gate says whether they have learned the data.

# %%
from gancl import experiments
from gancl.book.results import gate_sentence
from gancl.train import train_grid

spec = experiments.page_spec("contragan/class_samples", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
results, runs = train_grid(spec, force=force, device=device)
print(gate_sentence(spec, results))
results[["config", "seed", "fd", "precision", "recall", "class_consistency"]].round(3)

# %% [markdown]
# ## One row per class
#
# The best run's EMA generator (lowest FD): the same eight latents in every row, asked for the row's class, then
# eight real images of the class (after the gap).

# %%
from gancl.book.figures import class_rows
from gancl.data import get_dataset

best = results.dropna(subset=["fd"]).sort_values("fd").iloc[0]
run = runs[("ContraGAN", int(best["seed"]))]
d = run.config.data
real = get_dataset(d.name, d.resolution, "val", count=500, data_dir=d.data_dir)
names = real.class_names or [str(k) for k in range(run.config.model.num_classes)]
fig = class_rows(run.generator(), real.images, real.labels, names,
                 title=f"ContraGAN (2C), seed {int(best['seed'])}, FD {best['fd']:.2f}: samples | real images")

# %% [markdown]
# ## Per class
#
# Class consistency and intra-class FD of the same run, per class (`RunResult.evaluate_per_class`, on the samples
# of the metrics above).

# %%
import pandas as pd

rows = run.evaluate_per_class(n=spec.n_eval)
per_class = pd.DataFrame(rows).set_index("name")
per_class[["class_consistency", "intra_fd"]].round(3)

# %% [markdown]
# ## Where the samples land
#
# Class consistency counts only the samples that land in the class asked for. The samples of a label that misses
# can still land in one class (the generator draws a consistent class, but another one: a permuted mapping) or be
# spread over many (it draws no class for that label). Rows: the class asked for; columns: the class the domain
# classifier puts the sample in (`gancl.metrics.class_confusion`); the diagonal, outlined, is class consistency.

# %%
from gancl.book.figures import class_confusion_map

fig = class_confusion_map(rows, title=f"ContraGAN (2C), seed {int(best['seed'])}: asked for -> drawn as")

# %%
from gancl.book import glue
from gancl.metrics import label_landing

worst = per_class.sort_values("class_consistency").index[:3].tolist()
chance = 1 / len(per_class)
landing = label_landing([r["drawn"] for r in rows])
elsewhere = [f"{names[asked]} as {names[drawn]}" for asked, drawn in landing["elsewhere"]]
reading = (f"The best run (seed {int(best['seed'])}) puts {per_class['class_consistency'].mean():.2f} of its samples "
           f"in the class they were asked for on average (chance {chance:.2f}), from "
           f"{per_class['class_consistency'].min():.2f} to {per_class['class_consistency'].max():.2f} across classes; "
           f"least consistent: {', '.join(worst)}. Intra-class FD ranges from {per_class['intra_fd'].min():.1f} to "
           f"{per_class['intra_fd'].max():.1f}. The largest share of a label's samples in any one class is "
           f"{landing['largest_share']:.2f} on average; {len(elsewhere)} of {len(rows)} labels put at least half of "
           f"their samples in another class than asked" + (f" ({'; '.join(elsewhere)})" if elsewhere else "") + ".")
glue("fig4_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`fig4_reading`
#
# A label whose samples land mostly in one other class is one the generator has tied to a mode of the data, but not
# to its own class: the conditional input separates what G draws without that separation following the classes.
# This page shows one run; whether 2C draws the class it is asked for across objectives, seeds and training is the
# question of the page `contragan/class_fidelity`.
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
