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
# # Dual attention, Table 5: the StyleGAN2 rows under every metric
#
# The supplement's Table 5 {cite}`yu2021dual` extends the main paper's large-scale comparison with the metrics
# StyleGAN and StyleGAN2 introduced or used: perceptual path length (PPL), precision and recall
# {cite}`kynkaanniemi2019pr`, and separability. Its StyleGAN2 rows cross self-attention in G ("w/ attn") with
# the loss ("Adv", the non-saturating loss, or "Contr", the dual contrastive loss).
#
# This page measures the same four rows, trained for Table 1 (plain StyleGAN2) and Table 7 (with self-attention) and
# shared through the run cache, with every metric of the library: FD and KID in the domain classifier's features,
# precision and recall (k = 3), density and coverage {cite}`naeem2020dc`, and PPL in W. What differs from the
# paper's: FD and KID use the domain classifier's features, not Inception's (and so cannot be compared in value with
# FID); precision and recall follow the same k-NN definition but in those features and on 2000 samples; PPL is
# measured on the EMA generator with LPIPS when its weights are on disk (as the paper), otherwise with the squared
# distance between the domain classifier's features (the `ppl_distance` column says which); separability (which needs attribute classifiers for faces) is not measured, and
# density and coverage are not in the paper. The table is descriptive: the paper states no ordering for it, and no
# claim is judged here.

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
# The supplement's StyleGAN2 rows per data set (`paper_tables/dual_t5.csv`; U-Net GAN and BigGAN rows omitted).

# %%
from gancl import tables

print(tables.info("dual_t5").notes)
paper_t5 = tables.load("dual_t5")
paper_t5 = paper_t5[paper_t5["method"].str.startswith("StyleGAN2")]
paper_t5.pivot_table(index=["method", "loss"], columns=["dataset", "metric"], values="value").round(2)

# %% [markdown]
# ## The runs and their measurements
#
# `gancl.experiments.page_spec("dual_attention/metrics")`: Table 1's and Table 7's runs, measured by the standard
# metrics and by PPL in W (each measurement cached in the run's folder).

# %%
from gancl import experiments
from gancl.book.results import gate_sentence
from gancl.train import train_grid

spec = experiments.page_spec("dual_attention/metrics", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
results, runs = train_grid(spec, force=force, device=device)
print(gate_sentence(spec, results))
metrics = ["fd", "kid_mean", "precision", "recall", "density", "coverage", "ppl_w"]
results[["config", "seed", *metrics, "ppl_distance"]].round(3)

# %% [markdown]
# Mean ± std over seeds, per row, in the paper's order; the best mean of each metric in bold (lower FD, KID and PPL,
# higher precision, recall, density and coverage).

# %%
import pandas as pd

order = list(spec.configs)
better = {"fd": "lower", "kid_mean": "lower", "ppl_w": "lower", "precision": "higher", "recall": "higher",
          "density": "higher", "coverage": "higher"}
means = results.groupby("config")[metrics].mean().loc[order]
stds = results.groupby("config")[metrics].std().loc[order]
best = {m: (means[m].idxmin() if better[m] == "lower" else means[m].idxmax()) for m in metrics}
names = {"fd": "FD", "kid_mean": "KID", "precision": "precision", "recall": "recall", "density": "density",
         "coverage": "coverage", "ppl_w": "PPL (w)"}
table = pd.DataFrame({m: [tables.format_mean_std(means.loc[r, m], stds.loc[r, m], "{:.3f}") for r in order]
                      for m in metrics}, index=order)
metric_of = {label: metric for metric, label in names.items()}


def bold_best(column):
    return ["font-weight: bold" if row == best[metric_of[column.name]] else "" for row in column.index]


table.rename(columns=names).style.apply(bold_best)

# %%
from gancl.book.figures import sample_rows

first = spec.seeds[0]
fig = sample_rows({label: runs[(label, first)].generator() for label in order if (label, first) in runs}, n=10,
                  title=f"Samples (EMA generators, seed {first})")

# %% [markdown]
# ## Reading the table
#
# Computed from the numbers above.

# %%
from gancl.book import glue

paper_best = {}
for metric, ours in (("FID", "fd"), ("P", "precision"), ("R", "recall"), ("PPL", "ppl_w")):
    rows = paper_t5[paper_t5["metric"] == metric].assign(row=lambda f: f["method"] + ", " + f["loss"])
    winners = rows.loc[rows.groupby("dataset")["value"].idxmin() if better[ours] == "lower"
                       else rows.groupby("dataset")["value"].idxmax(), "row"]
    paper_best[ours] = winners.value_counts().idxmax()
reading = ("Best mean here: " + "; ".join(f"{names[m]} {best[m]}" for m in metrics)
           + ". The row best on most of the paper's data sets (ties to the first listed): "
           + "; ".join(f"{names[m]} {row}" for m, row in paper_best.items()) + ".")
glue("t5_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`t5_reading`
#
# Precision, recall and FD in the domain features say more on these images than the paper's Inception-based
# numbers would: Inception was trained on photographs, the domain classifier on the embedded shapes. PPL is
# comparable across these four rows, not with the paper's values.
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
