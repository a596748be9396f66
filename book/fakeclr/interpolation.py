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
# # FakeCLR, Fig. 1 and Fig. 6: latent interpolation
#
# FakeCLR {cite}`li2022fakeclr` traces the gains of contrastive learning in data-efficient GANs to the continuity of
# the latent space. With 100 training images a StyleGAN2 tends to remember them: inverting two training images and
# walking the latent path between them, its frames stay on one image, then jump to the next. The paper shows such
# paths (Fig. 1 on the 100-image Obama set, with a threshold of 0.2; Fig. 6 on FFHQ-2K, with 0.15) for the
# StyleGAN2-ADA baselines and the contrastive variants, prints under each frame the mean absolute pixel difference
# to the previous frame, and outlines the frames where it exceeds the threshold. Instance-perturbation (contrast a
# fake with the fake of a slightly perturbed latent, Eq. 8) and FakeCLR give paths without such jumps, more varied
# frames and better inversions.
#
# At `small` scale: the embedded `shapes` on the few-shot subset (20 images, the calibration's choice: on 100 the
# baseline did not memorise them), DiffAugment on a linear strength schedule (ADA-linear) and path-length
# regularisation (weight 2) as the baseline, at the FakeCLR pages' calibrated budget (16 px, 12000 steps of batch
# 16; the scale banner), five paired seeds. The runs are shared with the PPL and ablation pages. The paper trains at
# 256 px for days; what is measured here is the same quantity on simple images.

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
# ## Training
#
# The four methods of Fig. 1's lower rows and Table 2 (`gancl.experiments.fakeclr_methods`): the ADA-linear
# baseline; Instance-fake (Eq. 7: a fake against another augmentation of itself); Instance-perturbation (Eq. 8:
# against the fake of a perturbed latent); FakeCLR (Instance-perturbation with noise-related latent augmentation,
# the forgetting factor and the diversity-aware queue). Each EMA generator is measured on 2000 samples against the
# held-out split.

# %%
from gancl import experiments
from gancl.train import train_grid

spec = experiments.page_spec("fakeclr/interpolation", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
configs, run_seeds, n_eval = spec.configs, spec.seeds, spec.n_eval
results, runs = train_grid(spec, force=force, device=device)
results[["config", "seed", "fd", "precision", "recall", "diverged"]].round(3)

# %% [markdown]
# ## Inverting training images
#
# Each generator inverts the same training images of its few-shot subset: w is optimised (Adam, pixel MSE, the
# weights fixed) from the mean w, as StyleGAN's projector does; consecutive images form the pairs whose paths are
# walked below. The inversion error is the pixel MSE (images in [-1, 1]); a generator that reaches every training
# image reconstructs them closely.

# %%
import pandas as pd

from gancl import tables

settings = spec.settings  # frames, threshold, random paths, inverted images, inversion steps
paths = spec.evaluation("interpolation")  # what train_grid measured: its images are cached beside it
done = results.dropna(subset=["inversion_mse"])
done.pivot(index="seed", columns="config", values="inversion_mse").reindex(columns=list(configs)).round(4)

# %%
from gancl.book.figures import image_rows

shown = run_seeds[0]
images = {label: runs[(label, shown)].interpolation_images(paths.n, **dict(paths.options))
          for label in configs if (label, shown) in runs}
rows = {"training image": next(iter(images.values()))["targets"]}
rows.update({label: found["reconstructions"] for label, found in images.items()})
fig = image_rows(rows, f"Training images and their inversions (seed {shown})")

# %% [markdown]
# ## Paths
#
# For each run: the paths between the inverted pairs (lerp in w, {glue:text}`frames` frames) and
# {glue:text}`random_paths` paths between random latents (slerp in z, as StyleGAN's interpolations). Under each
# frame, the mean absolute difference to the previous frame; outlined above {glue:text}`threshold`, Fig. 6's
# threshold. The strips show the first inverted pair and the first random path of the first seed.

# %%
from gancl.book import glue
from gancl.book.figures import interpolation_strips

glue("frames", settings["frames"])
glue("random_paths", settings["random_paths"])
glue("threshold", settings["threshold"])
strips = {f"{label}\n({kind})": (found[f"{kind}_frames"], found[f"{kind}_steps"].numpy())
          for label, found in images.items() for kind in ("inverted", "random")}
fig = interpolation_strips(strips, settings["threshold"],
                           title=f"Interpolation paths (seed {shown}; cf. Fig. 1 and Fig. 6)")

# %% [markdown]
# ## Summary
#
# Per run: the mean and the largest step difference over all its paths of each kind, the share of steps above the
# threshold, the inversion error, FD and PPL in w (the PPL page's measurement, shared through the run cache; its
# distance is named in the PPL page). Mean ± std over seeds.

# %%
columns = ["step_mean_inverted", "step_max_inverted", "step_mean_random", "step_max_random", "jumps_random",
           "inversion_mse", "fd", "ppl_w"]
summary_runs = done[["config", "seed", *columns]]
summary_runs.groupby("config")[columns].agg(lambda v: tables.mean_std(v, "{:.3g}")).reindex(list(configs))

# %% [markdown]
# ## Paper vs reproduced
#
# The paper's claim, read from Fig. 1 and Fig. 6 (it prints no table of these): Instance-perturbation and FakeCLR
# walk smoother paths than the baseline and Instance-fake, and invert training images better. Checked per seed on
# the mean step difference of the inverted paths (the figures' quantity), of the random paths, and on the
# inversion error, with the verdict rule of the introduction (90% intervals of the per-seed differences).

# %%
claimed = list(spec.claim("F1").pairs)  # declared with the page's spec
checks = []
for value in ("step_mean_inverted", "step_mean_random", "inversion_mse"):
    checked = spec.check_orderings(summary_runs, claimed, value=value, gate_on=results)
    checks.append(checked.assign(measure=value))
checks = pd.concat(checks, ignore_index=True)
glue("interp_verdict", tables.verdict_of(checks["outcome"]))
checks[["measure", "better_claimed", "worse_claimed", "mean_better_claimed", "mean_worse_claimed", "outcome"]].round(4)

# %% [markdown]
# Smoother paths and better inversions for the perturbation-based methods: {glue:text}`interp_verdict`.
#
# ## Reading the result
#
# Computed from the numbers above.

# %%
means = summary_runs.groupby("config")[columns].mean()
order = means["step_mean_inverted"].sort_values().index.tolist()
counts = checks["outcome"].value_counts()
reading = (
    f"Mean step difference along the inverted paths, smoothest first: "
    + ", ".join(f"{m} {means.at[m, 'step_mean_inverted']:.4f}" for m in order)
    + f"; along random paths: "
    + ", ".join(f"{m} {means.at[m, 'step_mean_random']:.4f}" for m in configs)
    + f". Steps above {settings['threshold']:g}: "
    + ", ".join(f"{m} {100 * means.at[m, 'jumps_random']:.1f}%" for m in configs)
    + f" of the random paths' steps. Inversion error (pixel MSE): "
    + ", ".join(f"{m} {means.at[m, 'inversion_mse']:.4f}" for m in configs)
    + f". Of the {len(checks)} claimed orderings, {counts.get('agrees', 0)} agree, "
    f"{counts.get('reversed', 0)} are reversed and the rest are not resolved by these seeds."
)
glue("interp_reading", reading)
print(reading)
largest = float(summary_runs[["step_max_inverted", "step_max_random"]].max().max())
context = (f"No step of any path here exceeds {settings['threshold']:g} (the largest is {largest:.3f}), and the samples "
           f"are far from real images: precision against the held-out images is at most "
           f"{results['precision'].max():.3f} over the {len(results)} runs. The share of samples nearer to one of "
           f"the training images than to any held-out image is "
           + ", ".join(f"{m} {share:.2f}" for m, share in results.groupby("config")["memorised_share"].mean().items())
           + " (about 0.5 for a generator that has not memorised its subset, near 1 for one that has).")
glue("interp_context", context)
print(context)

# %% [markdown]
# {glue:text}`interp_reading`
#
# The paper's jumps come from a generator that has memorised its training images: between two of them there is nothing
# it has learnt to draw. {glue:text}`interp_context` These generators have not reached that point, so their paths
# have nothing to jump between; the comparison says how the four objectives shape the latent space early in
# training, not after the paper's days of it.
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

done = results.dropna(subset=["fd"])
show_compute(done.to_dict("records"))
print(f"Runs finished between {done['finished_at'].min()} and {done['finished_at'].max()} (UTC).")


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
