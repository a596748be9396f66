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
# # MsConD, Fig. 1 and Table 1: which scales should the discriminator judge?
#
# MsConD {cite}`lee2023msconD` gives the discriminator one output per backbone scale: at each chosen level a
# branch (a shared 1x1 residual block, a 1x1 "disc" head with one logit per location and a 1x1 projection head)
# beside the final output, and adds a contrastive term on every scale's projection. Supplement Fig. 1 measures
# object-level FID per object category as more scales feed D outputs ("1" is the final output alone; "1-8" uses
# the outputs of height 1 to 8), with and without the contrastive term. The text's reading: more scales help even
# without contrastive learning, contrastive learning helps much more, consistently across categories.
#
# This page first builds the discriminator of supplement Table 1 at 256 px and prints its layer shapes beside the
# paper's; then, at `small` scale on the embedded `scenes` data (32 px, 2-6 objects per image), trains the
# single-output StyleGAN2 D and the multi-scale D with outputs at heights 1-8 and 1-16 (the paper's heights), each
# without (MultiscaleD) and with (MsConD) the contrastive term, and measures scene-level FD and object-level FD.
#
# The contrastive term is described only in the main paper, not in this supplement; the book implements one
# reading of it (an InfoNCE between two augmented views of each image on every output's pooled projection,
# `gancl.losses`; see the README of the papers). In that reading the term needs the branches' projections, so the
# "1" point of both lines is the same single-output D without it; the paper's contrastive "1" point (the term on the
# final output alone) is not trained here.

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
# ## Table 1: the MsConD discriminator at 256 px
#
# The model is built from the `paper` preset (`msconD/msconD`) on PyTorch's `meta` device (shapes only, no memory)
# and each layer's output shape is read from a forward pass; the paper's column comes from
# `paper_tables/msconD_t1.csv`. The StyleGAN2 epilogue's 3x3 convolution at 4x4, which keeps the shape, is the one
# layer the paper's table leaves out; the paper calls the first layer (StyleGAN2's 1x1 "from RGB") a ResBlk.

# %%
import pandas as pd

from gancl import experiments, tables
from gancl.models import layer_shapes


def shape_text(shape) -> str:
    return " x ".join(str(int(v)) for v in shape)


paper_t1 = tables.load("msconD_t1").sort_values("row")
paper_shapes = [shape_text([v for v in (r.height, r.width, r.channels) if pd.notna(v)]) for r in paper_t1.itertuples()]
ours = [row for row in layer_shapes(experiments.preset("msconD/msconD", "paper").model)
        if row[1] not in ("Image", "Conv 3x3")]
if len(ours) != len(paper_t1):  # rows are paired in order: a changed preset must not shift them silently
    raise ValueError(f"the paper preset's D has {len(ours)} layers to compare, Table 1 has {len(paper_t1)}")
architecture = pd.DataFrame({"type (paper)": paper_t1["type"].to_list(), "layer (paper)": paper_t1["layer"].to_list(),
                             "output (paper)": paper_shapes,
                             "type (gancl)": [kind for kind, _, _ in ours],
                             "layer (gancl)": [name for _, name, _ in ours],
                             "output (gancl)": [shape_text(shape) for _, _, shape in ours]})
architecture["same shape"] = architecture["output (paper)"] == architecture["output (gancl)"]
architecture

# %%
from gancl.book import glue

glue("t1_same", f"{int(architecture['same shape'].sum())} of {len(architecture)}")

# %% [markdown]
# Output shapes that match the paper's table: {glue:text}`t1_same` rows.
#
# ## Fig. 1: scales, with and without contrastive learning
#
# One run per configuration and seed from `gancl.experiments.msconD_scales` (StyleGAN2 recipe, same generator and
# budget); the single-output runs and those with every scale are the logit-dynamics page's, shared through the run
# cache.
# Each EMA generator is measured on 2000 samples against 2000 held-out scenes (at `small`):
#
# - **scene-level FD** with the `scenes` domain extractor (a multi-label presence classifier);
# - **object-level FD**: the paper finds objects with a detector; generated scenes have no boxes here either, so
#   both sides go through the same detector: the presence classifier read as a class-activation map, whose peak
#   for each present class marks an object. Crops of half the image side around the peaks are described by the
#   single-object `shapes` classifier (same 10 classes) and compared with FD, over all objects and per class
#   (`gancl.metrics.evaluate_objects`). How often a located peak falls inside a true box of its class, measured on
#   the real scenes, is reported beside it.

# %%
from gancl.train import train_grid

from gancl.data import get_dataset

# the spec's object-level evaluation refuses a data set without object boxes before any training
spec = experiments.page_spec("msconD/scales", scale, seeds=seeds, dataset=dataset, data_dir=data_dir, steps=steps)
configs, run_seeds, n_eval = spec.configs, spec.seeds, spec.n_eval
results, runs = train_grid(spec, force=force, device=device)
data = configs["StyleGAN2 1"].data  # every configuration trains on the same scenes
results[["method", "scales"]] = results["config"].str.rsplit(" ", n=1, expand=True)
real_per_image = results["real_objects_per_image"].iloc[0]
real_recognised = results["real_recognised_per_image"].iloc[0]
glue("loc_acc", f"{results['localisation_accuracy'].iloc[0]:.0%}")
glue("real_per_image", f"{real_per_image:.2f}")
glue("real_agreement", f"{results['real_agreement'].iloc[0]:.0%}")
glue("real_recognised", f"{real_recognised:.2f}")
results[["method", "scales", "seed", "fd", "object_fd", "objects_per_image", "recognised_per_image"]].round(3)

# %% [markdown]
# On the real scenes, {glue:text}`loc_acc` of the located objects lie inside a true box of their class, and the
# detector finds {glue:text}`real_per_image` objects per image (at most one per class). `objects_per_image` above is
# the same count on generated scenes. The detector fires on anything that raises a class's score, a coloured blob
# included, so a second, independent check counts an object as *recognised* only when the single-object classifier
# also puts its crop in that class. Crops of real scenes hold parts of neighbouring objects too, so even there it
# agrees for only {glue:text}`real_agreement` of the objects ({glue:text}`real_recognised` recognised objects per
# image): compare the generators with that, not with 1. Object-level FD compares the objects found, so it says how
# good they are; the two counts say how many there are.

# %%
summary = results.groupby(["method", "scales"], sort=False)[
    ["fd", "object_fd", "objects_per_image", "recognised_per_image"]].agg(["mean", "std"])
summary.round(2)

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
order = list(dict.fromkeys(results["scales"]))
for ax, metric, name in zip(axes, ("fd", "object_fd"), ("scene-level FD (domain)", "object-level FD (domain)")):
    for method in ("MultiscaleD", "MsConD"):
        rows = summary.loc[[m for m in summary.index if m[0] in (method, "StyleGAN2")], metric]
        x = [order.index(s) for _, s in rows.index]
        ax.errorbar(x, rows["mean"], yerr=rows["std"], marker="o", capsize=3, label=f"{method} (1 = single output)")
    ax.set_xticks(range(len(order)), order)
    ax.set_xlabel("D outputs at heights")
    ax.set_ylabel(name)
axes[0].legend(fontsize=8)
fig.suptitle("MsConD supplement Fig. 1, reproduced: scene- and object-level FD as D outputs use more scales",
             fontsize=10)
fig.tight_layout()

# %%
from gancl.book.figures import sample_rows
first = run_seeds[0]
real = get_dataset(data.name, data.resolution, "val", count=10, data_dir=data.data_dir).images
fig = sample_rows({label: runs[(label, first)].generator() for label in configs}, n=10, real=real,
                  title=f"Samples of the EMA generators (seed {first}) and held-out real scenes")

# %% [markdown]
# Per object category, like the paper's Fig. 1 (object-level FD, mean over seeds; lower is better). A category
# needs at least 20 detected objects on both sides in a run; missing bars are categories the detector rarely finds
# in a generator's samples.

# %%
per_class = results.groupby("config", sort=False)[[c for c in results.columns if c.startswith("object_fd/")]].mean()
per_class.columns = [c.split("/", 1)[1] for c in per_class.columns]
ax = per_class.T.plot.bar(figsize=(11, 3.4), width=0.8, title="MsConD supplement Fig. 1, reproduced: per category")
ax.set_ylabel("object-level FD (domain)")
ax.legend(fontsize=7, ncol=len(per_class))
per_class.round(1)

# %% [markdown]
# ## The paper's reading, checked
#
# The paper's Fig. 1 has no numbers, so its statements are written as orderings and checked with the book's
# verdict rule (90% intervals of the per-seed differences): more scales help without contrastive learning (1-16 < 1-8
# < 1 in object-level FD), and the contrastive term helps at each set of scales (MsConD < MultiscaleD). The text
# says the scene-level ablation (main paper, Fig. 4) shows the same tendency, so the same orderings are also
# checked on scene-level FD.

# %%
largest = order[-1]
scale_pairs = list(spec.claim("M2a").pairs)  # the ladder of scales, claimed best first (the page's spec)
checked_scales = spec.check_orderings(results, scale_pairs, value="object_fd")
contrastive_pairs = list(spec.claim("M2b").pairs)
checked_contrastive = spec.check_orderings(results, contrastive_pairs, value="object_fd")
verdict_scales = tables.verdict_of(checked_scales["outcome"])
verdict_contrastive = tables.verdict_of(checked_contrastive["outcome"])
scene_scales = spec.check_orderings(results, scale_pairs, value="fd")
scene_contrastive = spec.check_orderings(results, contrastive_pairs, value="fd")


def account(verdict: str, checked) -> str:
    """'<verdict> (a < b: outcome; ...)' for the page's text."""
    return f"{verdict} (" + "; ".join(f"{a} < {b}: {o}" for a, b, o in zip(
        checked["better_claimed"], checked["worse_claimed"], checked["outcome"])) + ")"


both = per_class.loc[[f"MsConD {largest}", f"MultiscaleD {largest}"]].dropna(axis=1)  # classes found in both
wins = both.iloc[0] < both.iloc[1]
glue("fig1_scales", account(verdict_scales, checked_scales))
glue("fig1_contrastive", account(verdict_contrastive, checked_contrastive))
best_object = summary["object_fd"]["mean"].idxmin()
recognised = summary["recognised_per_image"]["mean"]
reading = (f"At {scale} scale, object-level FD: more scales without contrastive learning - {verdict_scales}; "
           f"contrastive term at each set of scales - {verdict_contrastive}. With outputs at heights "
           f"{largest}, MsConD has the lower object-level FD in {int(wins.sum())} of the {len(wins)} object "
           f"categories the detector finds often enough in both. Scene-level FD: more scales - "
           f"{tables.verdict_of(scene_scales['outcome'])}; contrastive term - "
           f"{tables.verdict_of(scene_contrastive['outcome'])}. Lowest mean object-level FD: {' '.join(best_object)} "
           f"({summary['object_fd']['mean'].min():.2f}). Recognised objects per generated image: "
           + ", ".join(f"{' '.join(k)} {v:.2f}" for k, v in recognised.items())
           + f" (real scenes {real_recognised:.2f}).")
recall = results["recall"].mean()
if recognised.max() < 0.5 * real_recognised or recall < 0.05:
    reading += (f" Caveat: the generators are far from the real scenes (best {recognised.max():.2f} recognised "
                f"objects per image against {real_recognised:.2f}; mean scene-level recall {recall:.2f}), so "
                "object-level FD here compares mostly object-like blobs, and the orderings above say little about "
                "the paper's claim.")
glue("fig1_reading", reading)
print(reading)
pd.concat([checked_scales.assign(claim="more scales", metric="object FD"),
           checked_contrastive.assign(claim="contrastive", metric="object FD"),
           scene_scales.assign(claim="more scales", metric="scene FD"),
           scene_contrastive.assign(claim="contrastive", metric="scene FD")], ignore_index=True)

# %% [markdown]
# More scales: {glue:text}`fig1_scales`. Contrastive term: {glue:text}`fig1_contrastive`.
#
# {glue:text}`fig1_reading`
#
# Why this may differ from the paper: the paper trains at 256 px on Cityscapes-like scenes for millions of images and
# detects objects with a trained detector; here scenes are 32 px with objects a few pixels wide, runs see tens of
# thousands of images, and the "detector" is a presence classifier read as an activation map. The branches have the
# paper's heights (16 and 8), so they lay the paper's grid over the image, but read it from a shallower backbone
# (the 16x16 level is one block after the input at 32 px, four at 256 px), with cells of 2x2 pixels instead of
# 16x16.
#
# %% [markdown]
# ## The paper's claims, judged
#
# The claims declared with the page's spec, judged with the rule of the introduction: the effect in the paper's
# direction over paired seeds with its 90% interval, behind the page's regime gate. The Results page collects them.

# %%
from gancl.book.results import show_claims

judged = show_claims(spec, results)

# %% [markdown]
# ## Compute

# %%
from gancl.book import show_compute

show_compute(results.to_dict("records"))
print(f"Runs finished between {results['finished_at'].min()} and {results['finished_at'].max()} (UTC).")


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
