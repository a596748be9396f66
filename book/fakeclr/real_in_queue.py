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
# # FakeCLR, supplement Table 10: real images in the fake queue
#
# FakeCLR {cite}`li2022fakeclr` contrasts each fake only with other fakes: the negatives in its queue are keys of
# generated images. Its supplement asks what real images would add there (Sec. A.12, Table 10, FFHQ-2K): with
# Instance-perturbation as the baseline, Config A fills half of each push into the queue with keys of real images
# from the start of training, Config B from half-way. Both are worse (the table below). The
# authors' reading: real negatives may disturb what the discriminator learns about how fakes relate to each other,
# and, for a fake, a real image is an easy negative, where contrastive learning prefers hard ones.
#
# Here the three train on the scale's larger `shapes` subset (the paper's 2K-image regime) with the FakeCLR pages'
# budget; the real keys are the momentum discriminator's keys of the step's real batch under the key augmentation
# (`loss.queue_real_share`, `loss.queue_real_from`). The loss keeps the fakes' own keys as positives: only the
# queue of negatives changes.

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
# FID on FFHQ-2K (`paper_tables/fakeclr_t10.csv`, one run each).

# %%
from gancl import tables

print(tables.info("fakeclr_t10").notes)
paper = tables.paper_values("fakeclr_t10")
paper.to_frame("FID (paper)")

# %% [markdown]
# ## Reproduction
#
# One run per configuration and seed from `gancl.experiments.fakeclr_table10`, measured on the scale's samples
# against the held-out split (FD with the domain extractor, precision and recall). Diverged runs are recorded.

# %%
from gancl import experiments
from gancl.train import train_grid

spec = experiments.page_spec("fakeclr/real_in_queue", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
configs, run_seeds = spec.configs, spec.seeds
order = list(configs)
results, runs = train_grid(spec, force=force, device=device)
results[["config", "seed", "fd", "precision", "recall", "seconds_per_step", "diverged"]].round(3)

# %%
from gancl.book.figures import seed_points

fig = seed_points(results, order=order, title="FD (domain) per configuration; dots are seeds")

# %% [markdown]
# ## Paper vs reproduced
#
# The paper's FIDs beside the mean FD here, with every ordering of the three judged by the rule, behind the
# regime gate (the baseline must have learned the data).

# %%
from gancl.book import glue

done = results.dropna(subset=["fd"])
comparison = spec.compare(paper, done, value="fd")
glue("t10_verdict", comparison.verdict)
comparison.style(caption=f"FD (domain) here vs the paper's FID (FFHQ-2K). {comparison.summary}.")

# %% [markdown]
# Every ordering of the paper's three rows: {glue:text}`t10_verdict`.
#
# ## The paper's claim, judged
#
# Real keys in the fake queue make Instance-perturbation worse, from the start (Config A) and from half-way
# (Config B): F9, with the rule of the introduction. The Results page collects it.

# %%
from gancl.book.results import show_claims

judged = show_claims(spec, results)

# %%
means = done.groupby("config")["fd"].agg(["mean", "std"]).reindex(order)
reading = ("Mean FD: " + ", ".join(f"{label} {row['mean']:.2f} ± {row['std']:.2f}" for label, row in means.iterrows())
           + f". F9: {judged['F9'].verdict}.")
glue("t10_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`t10_reading`
#
# ## Compute

# %%
from gancl.book import show_compute

show_compute(done.to_dict("records"))
print(f"Runs finished between {done['finished_at'].min()} and {done['finished_at'].max()} (UTC).")


# %% tags=["remove-input"]
from gancl.book import show_environment

show_environment(device)
