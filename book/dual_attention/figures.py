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
# # Dual attention, supplement Figures 1-9: reconstructions and attention maps
#
# The supplement's Figures 1-5 {cite}`yu2021dual` show uncurated images of its baselines and of its best model on
# five large data sets, aligned by having every pre-trained generator reconstruct the same real images (GAN
# inversion); its Figures 6-9 draw the SAN self-attention {cite}`zhao2020san` of its generator at 16x16 or 32x32: for
# a few query points, the norm of the attention kernel at each neighbour, which the authors read as following the
# layout of the image. Figures state no claim that a number can test; this page shows the same two views of the
# book's models.
#
# The runs are Table 7's (the limited-data page; shared through the run cache): StyleGAN2, with SAN self-attention
# in G, with the dual contrastive loss, with reference attention in D, and both. The "best" here is the one of the
# paper's four additions with the lowest mean FD over seeds (whether or not it beats the baseline); the baseline is
# plain StyleGAN2.

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
# ## The runs

# %%
from gancl import experiments
from gancl.book.results import gate_sentence
from gancl.train import train_grid

spec = experiments.page_spec("dual_attention/figures", scale, seeds=seeds, dataset=dataset, data_dir=data_dir,
                             steps=steps)
results, runs = train_grid(spec, force=force, device=device)
print(gate_sentence(spec, results))
fd = results.groupby("config")["fd"].mean().loc[list(spec.configs)]
best = fd.drop("StyleGAN2").idxmin()
print(f"Lowest mean FD (domain) of the additions: {best} ({fd[best]:.2f}); the baseline StyleGAN2: "
      f"{fd['StyleGAN2']:.2f}.")
fd.round(3).to_frame("mean FD (domain)")

# %% [markdown]
# ## Figures 1-5: the same real images, reconstructed
#
# Held-out real images, then each generator's reconstruction of them: the W latent that minimises the pixel error
# of its EMA generator's image, found by Adam from the mean W (`gancl.metrics.invert`). A generator that can draw an
# image close to each of them has, at least, those images in its range.

# %%
from gancl.book.figures import image_rows
from gancl.data import get_dataset
from gancl.metrics import invert

settings = spec.settings
first = spec.seeds[0]
d = spec.configs["StyleGAN2"].data
real = get_dataset(d.name, d.resolution, "val", count=settings["images"], data_dir=d.data_dir).images
rows = {"real": real}
errors = {}
for label in ("StyleGAN2", best):
    found = invert(runs[(label, first)].generator(), real, space="w", steps=settings["invert_steps"], progress=False)
    rows[label] = found.reconstructions
    errors[label] = float(found.mse.mean())
fig = image_rows(rows, title=f"Held-out images and their reconstructions (seed {first}); pixel MSE: "
                 + ", ".join(f"{label} {error:.3f}" for label, error in errors.items()))

# %% [markdown]
# ## Figures 6-9: where SAN attends
#
# Samples of the configuration with SAN self-attention in G that has the lowest mean FD, and for each dotted query
# point, the norm over SAN's weight channels of its attention at each neighbour in
# the k x k footprint (`gancl.models.san_attention_maps`), drawn over the sample on the attention layer's grid.

# %%
import torch

from gancl.book.figures import san_attention_panels
from gancl.models import san_attention_maps

with_san = [label for label in fd.sort_values().index if spec.configs[label].model.g_attention == "san"]
attending = with_san[0]
G = runs[(attending, first)].generator()
z = torch.randn(settings["samples"], G.z_dim, generator=torch.Generator().manual_seed(first))
maps = san_attention_maps(G, z)
side = maps["height"]
points = [(int(r * side), int(c * side)) for r, c in settings["query_points"]]
fig = san_attention_panels(maps, points, samples=settings["samples"],
                           title=f"{attending}, seed {first}: SAN at {side}x{side}, kernel {maps['norms'].shape[-1]}")

# %% [markdown]
# ## Reading the figures
#
# Computed from the numbers above: how far each kernel's weight sits from its own query, on average over samples and
# query points (0 if every query attended to itself only; the footprint's own mean distance if SAN weighed every
# neighbour alike).

# %%
from gancl.book import glue
from gancl.models import attention_reach

mean_distance, uniform = attention_reach(maps["norms"], points)
reading = (f"Of the paper's additions, {best} has the lowest mean FD here ({fd[best]:.2f}; StyleGAN2 "
           f"{fd['StyleGAN2']:.2f}); its "
           f"reconstructions' pixel MSE is {errors[best]:.3f} against {errors['StyleGAN2']:.3f}. SAN's weight sits "
           f"{mean_distance:.2f} grid cells from its query on average, against {uniform:.2f} for equal weights over "
           "the same footprint.")
glue("figures_reading", reading)
print(reading)

# %% [markdown]
# {glue:text}`figures_reading`
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
