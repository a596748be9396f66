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
# # FakeCLR, Table 2: perceptual path length in Z and W
#
# Perceptual path length {cite}`karras2019stylegan` measures how much the image changes for a tiny step along a
# latent path: large values mean abrupt changes, the latent discontinuity FakeCLR {cite}`li2022fakeclr` sets out
# to remove. Its Table 2 gives, on FFHQ-2K, the mean and the standard deviation of the per-path values in z and in
# w for the ADA-linear baseline, Instance-fake, Instance-perturbation and FakeCLR: Instance-perturbation lowers
# both below the baseline and Instance-fake, and FakeCLR lowers them further.
#
# At `small` scale: the embedded `shapes` on the few-shot subset (the runs of the interpolation page, three
# seeds), StyleGAN2's PPL settings (epsilon 1e-4, slerp in z, lerp in w, t drawn along the whole path, values
# between the 1st and 99th percentiles kept) on 2000 paths per run and space.

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
# `paper_tables/fakeclr_t2.csv`: one run per method at 256 px, LPIPS distance.

# %%
import pandas as pd

from gancl import experiments, tables

print(tables.info("fakeclr_t2").notes)
paper = tables.load("fakeclr_t2").pivot_table(index="method", columns=["space", "metric"], values="value")
paper = paper.reindex(list(experiments.FAKECLR_METHODS))
paper

# %% [markdown]
# ## Reproduction
#
# The runs of `gancl.experiments.fakeclr_methods` (shared with the interpolation page), then PPL of each EMA
# generator in both spaces, cached in its run folder.

# %%
from gancl.train import train_grid

spec = experiments.page_spec("fakeclr/ppl", scale, seeds=seeds, dataset=dataset, data_dir=data_dir, steps=steps)
configs, run_seeds, n_ppl = spec.configs, spec.seeds, spec.evaluation("ppl", "w").n
results, runs = train_grid(spec, force=force, device=device)

# one row per run and space (the spec measured both; a diverged run has no PPL)
done = results.dropna(subset=["ppl_w"])
ppl = pd.concat([done[["config", "seed"]].assign(space=space, ppl=done[f"ppl_{space}"],
                                                 ppl_std=done[f"ppl_{space}_std"], distance=done["ppl_distance"])
                 for space in ("z", "w")], ignore_index=True)
distance = ppl["distance"].iloc[0]
print(f"distance: {distance}; {n_ppl} paths per run and space")
ppl.pivot_table(index=["config", "seed"], columns="space", values=["ppl", "ppl_std"]).round(1)

# %% [markdown]
# The distance is LPIPS, the paper's, only when its VGG16 weights are on disk; without them (the default, offline)
# it is the squared distance between the domain classifier's features, so the values have another unit than the
# paper's and only their order is compared.
#
# The reproduced Table 2: per method and space, the mean over seeds of the per-run PPL mean and of its per-path
# standard deviation (± the spread over seeds).

# %%
def mean_std(values) -> str:
    return tables.mean_std(values, "{:.1f}")


table = ppl.groupby(["config", "space"]).agg(mean=("ppl", mean_std), std=("ppl_std", mean_std)).unstack("space")
table = table.swaplevel(axis=1).sort_index(axis=1).reindex(list(configs))
table

# %%
import matplotlib.pyplot as plt

from gancl.book.figures import seed_points

fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
for ax, space in zip(axes, ("z", "w")):
    seed_points(ppl[ppl["space"] == space], value="ppl", order=list(configs), ax=ax,
                title=f"PPL in {space} ({distance})", ylabel="PPL")
fig.tight_layout()

# %% [markdown]
# ## Paper vs reproduced
#
# The orderings of the paper's Table 2, space by space and for the mean and the std of the path lengths, judged
# with the verdict rule of the introduction (90% intervals of the per-seed differences).

# %%
from gancl.book import glue

comparisons = {}
for space in ("z", "w"):
    for metric, column in (("PPL mean", "ppl"), ("PPL std", "ppl_std")):
        reference = tables.paper_values("fakeclr_t2", metric, key="method", space=space)
        reproduced = ppl[ppl["space"] == space].rename(columns={column: "value"})
        comparisons[(space, metric)] = spec.compare(reference, reproduced, gate_on=results)
overview = pd.DataFrame([{"space": s, "metric": m, "verdict": c.verdict, "kendall_tau": round(c.kendall_tau, 2),
                          "summary": c.summary} for (s, m), c in comparisons.items()])
glue("ppl_verdict", tables.verdict_of(o for c in comparisons.values() for o in c.pairs["outcome"]))
overview

# %%
comparisons[("w", "PPL mean")].style(caption="PPL mean in w: paper against reproduced")

# %% [markdown]
# Table 2's orderings: {glue:text}`ppl_verdict`.
#
# ## Reading the result
#
# Computed from the numbers above.

# %%
means = ppl.groupby(["space", "config"])["ppl"].mean()
base = "StyleGAN2-ADA-Linear"
parts = []
for space in ("z", "w"):
    ranked = means[space].sort_values()
    change = {m: 100 * (means[space][m] / means[space][base] - 1) for m in configs if m != base and m in means[space]}
    paper_change = {m: 100 * (paper.at[m, (space, "PPL mean")] / paper.at[base, (space, "PPL mean")] - 1)
                    for m in change}
    parts.append(f"in {space}, lowest first: " + ", ".join(f"{m} {v:.1f}" for m, v in ranked.items())
                 + "; change of the mean against the baseline: "
                 + ", ".join(f"{m} {change[m]:+.0f}% (paper {paper_change[m]:+.0f}%)" for m in change))
taus = ", ".join(f"{s} {m}: {c.kendall_tau:+.2f}" for (s, m), c in comparisons.items())
reading = f"PPL ({distance}) " + "; ".join(parts) + f". Kendall tau against the paper's values: {taus}."
glue("ppl_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`ppl_reading`
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
