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
# # ContraGAN, Fig. 3: does 2C delay overfitting and collapse?
#
# Sec. 4.5 of ContraGAN {cite}`kang2020contragan` trains ProjGAN {cite}`miyato2018projection` and ContraGAN on Tiny
# ImageNet and watches three things during training (Fig. 3): how often the discriminator calls training images and
# held-out images real (when the first is much higher than the second, D has memorised its training set), FID, and
# the largest singular value of each of D's layers. The paper marks the first step where the accuracy gap exceeds
# 0.5, the best FID and the collapse, and finds that ProjGAN's gap grows faster and that it collapses earlier: 2C,
# which also relates images to each other, makes D harder to overfit.
#
# Overfitting needs a training set D can memorise. At `small` scale both run on 64 images of the embedded `shapes`
# data with Table 1's network (16 px, 32-channel SN-DCGAN, batch 64, no augmentation) for 10000 steps, i.e. 10000
# passes over the data (at Table 1's 6000, ProjGAN's precision was still rising and just under the gate), on five
# paired seeds, with the accuracies (on all 64 training images and on 64 held-out ones) and spectral norms recorded
# every 50 steps and FD (domain, 1000 samples of the EMA generator against held-out images) every 500.

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
# ## The paper's figure
#
# Fig. 3 has curves only; nothing numeric is transcribed, so the page compares the claims of the text:

# %%
from gancl import tables

print(tables.info("contragan_fig3").notes)

# %% [markdown]
# ## Reproduction
#
# The two runs come from `gancl.experiments.contragan_fig3`; the trainer records the curves as it goes
# (`acc/train_real`, `acc/val_real`, `sn/<layer>` and `eval/fd` in each run's history). After training, each EMA
# generator is also measured once on 2000 samples (at `small`).

# %%
from gancl import experiments
from gancl.train import train_grid

spec = experiments.page_spec("contragan/stability", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
configs, run_seeds, n_eval = spec.configs, spec.seeds, spec.n_eval
results, runs = train_grid(spec, force=force, device=device)
print({label: f"{c.data.count} training images, {c.optim.steps} steps" for label, c in configs.items()})
results[["config", "seed", "fd", "class_consistency", "seconds_per_step"]].round(3)

# %% [markdown]
# ## Fig. 3, reproduced
#
# One row per run (first seed). Solid black line: first step where the accuracy on training reals exceeds the
# accuracy on held-out reals by more than 0.5. Dotted: the best FD. Dashed: collapse, when two consecutive FD
# evaluations after the best are both more than twice the best (`gancl.metrics.detect_collapse`).

# %%
from gancl.book.figures import stability_panels

first = run_seeds[0]
histories = {label: runs[(label, first)].history() for label in configs}
fig = stability_panels(histories, acc_threshold=experiments.STABILITY_ACC_GAP)

# %% [markdown]
# ## What the curves say
#
# Per run and seed: the steps of the marked events as the claims below compare them (`overfit_step`,
# `collapse_step`: `gancl.metrics.overfitting_record`, an event never reached counted as the run's length and flagged
# `*_censored`), and the curves' other landmarks.

# %%
import pandas as pd

from gancl.metrics import accuracy_gap, detect_collapse, spectral_norms

events = results.set_index(["config", "seed"])[["overfit_step", "overfit_censored", "final_acc_gap",
                                                "collapse_step", "collapse_censored", "fd"]]
rows = []
for (label, seed), run in runs.items():
    history = run.history()
    collapse = detect_collapse(history, "eval/fd")
    norms = spectral_norms(history).set_index("step")
    rows.append({"config": label, "seed": seed,
                 "largest gap": accuracy_gap(history).frame["gap"].max(),
                 "best FD": collapse.best_value, "best FD step": collapse.best_step,
                 "last FD / best FD": history["eval/fd"].dropna().iloc[-1] / collapse.best_value,
                 "max singular value, end": norms.iloc[-1].max(),
                 "its growth": norms.iloc[-1].max() / norms.iloc[0].max()})
summary = events.join(pd.DataFrame(rows).set_index(["config", "seed"])).rename(columns={"fd": f"final FD ({n_eval})"})
summary.round(3)

# %% [markdown]
# ## The paper's claims, judged
#
# The claims C4a (2C delays D's overfitting) and C4b (2C delays collapse) compare ContraGAN with ProjGAN seed by seed
# on the step of each event (`gancl.metrics.overfitting_record`, declared with the page's spec): a run that never
# reaches the event counts with its length, a bound (censored), so a delay is understated, never invented; when no
# run reaches it the claim is not judged. A delay shorter than the interval the event is logged at is the smallest
# effect worth reporting. Both are judged only when ProjGAN draws the data's images: the precision threshold of the
# `shapes` gate, without its recall threshold (`experiments.STABILITY_GATE_MEASURES`). A generator trained on 64
# images learns to draw those 64, so its recall against held-out images stays near 0 however good its samples are,
# and Fig. 3 asks about the discriminator, not about coverage.

# %%
from gancl.book import glue
from gancl.book.results import show_claims

judged = show_claims(spec, results)  # also what the Results page reads

# %%
rise = {label: summary.xs(label, level="config")["last FD / best FD"].mean() for label in configs}
reading = (f"At {scale} scale: " + "; ".join(f"{cid} ({spec.claim(cid).statement}): {j.verdict}"
                                            for cid, j in judged.items())
           + f". After its best step, FD ends {rise['ProjGAN']:.2f}x its best for ProjGAN and "
           f"{rise['ContraGAN']:.2f}x for ContraGAN (collapse is called at 2x, twice in a row).")
glue("fig3_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`fig3_reading`
#
# The paper also notes that a rise of the accuracy on held-out images can signal collapse; the curves above show
# whether that happens here. The right-hand panels show, as in the paper, the largest singular value of each D
# weight before spectral normalisation divides it out.
#
# Why this may differ from the paper: five seeds per method, a 32-channel SN-DCGAN instead of BigGAN, 10000 steps
# instead of the paper's long Tiny ImageNet runs, and 64 images of 10 simple classes, which D memorises within a
# few hundred steps whatever the conditioning; the held-out accuracy is measured on 64 images, so single points
# move in steps of 1/64 and the first crossing of 0.5 is a noisy event.
#
# ## Compute

# %%
from gancl.book import show_compute

show_compute(results.to_dict("records"))
print(f"Runs finished between {results['finished_at'].min()} and {results['finished_at'].max()} (UTC).")


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
