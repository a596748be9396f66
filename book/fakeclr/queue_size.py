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
# # FakeCLR, Figure 2: the queue size of instance discrimination
#
# FakeCLR {cite}`li2022fakeclr` explains why contrastive learning helps data-efficient GANs by ablating InsGen's two
# terms: instance discrimination on real images (Instance-real) and on generated ones (Instance-fake), each with a
# queue of negatives. Its Figure 2 plots FID against the queue size on FFHQ subsets: on the small ones
# Instance-real is worse than the baseline whatever the queue, most of all with long queues (100 or 300 negatives)
# on FFHQ-100, while Instance-fake's best queue is longer than Instance-real's. The authors' reading: the diversity
# of the negatives sets the useful queue length, and a few real images offer little.
#
# Here both terms train on the pages' few-shot subset with queues of 1, 4 and 16 times the default (FakeCLR's code
# takes 5% of the subset, doubled for mirrored data; below 100 images the book keeps the paper's 100-shot queue of
# 10), beside the ADA-linear baseline; the default-queue rows
# are Table 1's runs, shared through the run cache. The figure's values are not tabulated in the paper, so only its
# statement is judged: claim F11, Instance-real worse than the baseline at every queue size, behind the few-shot
# pages' memorisation gate.

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

spec = experiments.page_spec("fakeclr/queue_size", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
results, runs = train_grid(spec, force=force, device=device)
print(gate_sentence(spec, results))
results["method"] = results["config"].str.split(", queue ").str[0]
results["queue"] = results["config"].map({label: c.loss.instance_queue for label, c in spec.configs.items()})
results[["config", "seed", "fd", "precision", "recall", "memorised_share", "diverged"]].round(3)

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5.2, 3.4))
baseline = results[results["config"] == experiments.FAKECLR_BASELINE]["fd"]
ax.axhspan(baseline.mean() - baseline.std(), baseline.mean() + baseline.std(), color="grey", alpha=0.2, lw=0)
ax.axhline(baseline.mean(), color="grey", label="StyleGAN2-ADA-Linear (mean ± std)")
for i, (method, rows) in enumerate(results[results["config"] != experiments.FAKECLR_BASELINE].groupby("method")):
    rows = rows.dropna(subset=["fd"]).astype({"queue": int})
    ax.plot(rows["queue"], rows["fd"], ".", color=f"C{i}", alpha=0.6)
    mean = rows.groupby("queue")["fd"].mean()
    ax.plot(mean.index, mean.values, "-o", color=f"C{i}", label=method)
ax.set_xscale("log")
ax.set_xlabel("queue size (negatives)")
ax.set_ylabel("FD (domain)")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## The paper's claim, judged

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
best = {method: rows.loc[rows["fd"].idxmin(), "queue"] for method, rows in
        results.groupby(["method", "queue"], as_index=False)["fd"].mean().groupby("method")
        if method != experiments.FAKECLR_BASELINE}
reading = (f"Mean FD of the baseline: {means[experiments.FAKECLR_BASELINE]:.2f}. Lowest mean FD per method at queue: "
           + ", ".join(f"{method} {int(queue)}" for method, queue in best.items())
           + f". Claim F11: {judged['F11'].verdict}.")
glue("fig2_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`fig2_reading`
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
