"""Figures shared by the pages (matplotlib; captions name the paper figure they mirror)."""

from __future__ import annotations

from typing import Optional

import torch

from gancl.models import generate


@torch.no_grad()
def sample_rows(generators: dict, n: int = 10, num_classes: int = 0, seed: int = 0, title: Optional[str] = None,
                real: Optional[torch.Tensor] = None, truncation_psi: float = 1.0):
    """One row of samples per generator, on the same latents; conditional generators get classes 0, 1, ..., n-1
    (mod ``num_classes``) so a column shows one class across rows.

    Args:
        generators: label -> generator ``G(z, y=None)`` with images in [-1, 1].
        n: samples per row. num_classes: > 0 for conditional generators. seed: latent seed.
        real: optional real images (at least n, uint8 or float in [-1, 1]) shown as a last row labelled "real".
        truncation_psi: != 1 for the truncation trick in W (StyleGAN2 generators; :func:`gancl.models.generate`).
    Returns:
        The matplotlib figure.
    """
    rows = {}
    for label, G in generators.items():
        z = torch.randn(n, G.z_dim, generator=torch.Generator().manual_seed(seed))
        y = torch.arange(n) % num_classes if num_classes and getattr(G, "num_classes", 0) else None
        rows[label] = generate(G, z, y, truncation_psi)
    if real is not None:
        rows["real"] = real[:n]
    return image_rows(rows, title)


@torch.no_grad()
def class_rows(G, real: torch.Tensor, real_labels: torch.Tensor, names: list, n: int = 8, seed: int = 0,
               title: Optional[str] = None):
    """ContraGAN Fig. 4: one row per class, ``n`` samples of the conditional ``G`` asked for that class (the same
    latents in every row), a gap, then ``n`` real images of the class.

    Args:
        real: real images (N, 3, R, R) uint8 or float in [-1, 1]; real_labels: (N,) their classes.
        names: the class names, in label order.
    Returns:
        The matplotlib figure (:func:`image_rows`).
    """
    from gancl.data import to_uint8

    z = torch.randn(n, G.z_dim, generator=torch.Generator().manual_seed(seed))
    rows = {}
    for k, name in enumerate(names):
        fake = to_uint8(G(z, torch.full((n,), k, dtype=torch.long)))
        shown = to_uint8(real[real_labels == k][:n])
        gap = torch.full((1, *fake.shape[1:]), 255, dtype=torch.uint8)
        rows[name] = torch.cat([fake, gap, shown])
    return image_rows(rows, title)


def class_confusion_map(rows: list, title: Optional[str] = None):
    """Where a conditional generator's samples land: the share of the samples asked for each class (rows) that the
    domain classifier puts in each class (columns), the diagonal being class consistency. A row dark off the
    diagonal in one cell is a label drawn consistently as another class.

    Args:
        rows: :meth:`gancl.train.RunResult.evaluate_per_class` rows, each with "name" and "drawn" (shares).
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    names = [r["name"] for r in rows]
    shares = np.array([r["drawn"] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(0.55 * len(names) + 2.4, 0.5 * len(names) + 1.6))
    image = ax.imshow(shares, cmap="Greys", vmin=0, vmax=1)
    for i, j in zip(*np.nonzero(shares >= 0.05)):
        ax.text(j, i, f"{shares[i, j]:.2f}".lstrip("0"), ha="center", va="center", fontsize=7,
                color="white" if shares[i, j] > 0.5 else "black")
    for k in range(len(names)):  # the diagonal: drawn as asked
        ax.add_patch(plt.Rectangle((k - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="tab:red", linewidth=1))
    ax.set_xticks(range(shares.shape[1]), names[:shares.shape[1]], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("class the domain classifier sees")
    ax.set_ylabel("class asked for")
    fig.colorbar(image, ax=ax, fraction=0.04, label="share of the row's samples")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def stability_panels(histories: dict, acc_threshold: float = 0.5, fd_metric: str = "eval/fd"):
    """ContraGAN Fig. 3: one row per run, three panels: D's authenticity accuracy on training and held-out reals,
    FD over training, and the largest singular value of each D layer.

    Marked as in the paper: a solid black line at the first step where the train - held-out accuracy gap exceeds
    ``acc_threshold``, dotted lines at the best FD and at collapse (:func:`gancl.metrics.detect_collapse`).

    Args:
        histories: label -> run history (rows or DataFrame with ``acc/*``, ``sn/*`` and ``fd_metric`` columns).
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from gancl.metrics import accuracy_gap, detect_collapse, history_frame, spectral_norms

    fig, axes = plt.subplots(len(histories), 3, figsize=(13, 3.1 * len(histories)), squeeze=False)
    for (acc_ax, fd_ax, sn_ax), (label, history) in zip(axes, histories.items()):
        acc = accuracy_gap(history, acc_threshold)
        acc_ax.plot(acc.frame["step"], acc.frame["train_real"], label="training reals")
        acc_ax.plot(acc.frame["step"], acc.frame["val_real"], label="held-out reals")
        acc_ax.set_ylim(-0.02, 1.02)
        acc_ax.set_ylabel(f"{label}\naccuracy")
        collapse = detect_collapse(history, fd_metric)
        fd = history_frame(history)[["step", fd_metric]].dropna()
        fd_ax.plot(fd["step"], fd[fd_metric], color="C2")
        fd_ax.set_ylabel(fd_metric.split("/")[-1].upper())
        norms = spectral_norms(history)
        for layer in norms.columns[1:]:
            sn_ax.plot(norms["step"], norms[layer], label=layer, lw=1)
        sn_ax.set_yscale("log")  # class embeddings sit an order of magnitude above the conv layers
        sn_ax.set_ylabel("largest singular value")
        for ax in (acc_ax, fd_ax, sn_ax):
            if acc.first_step is not None:
                ax.axvline(acc.first_step, color="black", lw=1.2)
            ax.axvline(collapse.best_step, color="black", ls=":", lw=1)
            if collapse.collapsed:
                ax.axvline(collapse.step, color="black", ls="--", lw=1)
            ax.set_xlabel("step")
    axes[0, 0].legend(fontsize=8)
    axes[0, 2].legend(fontsize=6, ncol=2)
    axes[0, 0].set_title(f"authenticity accuracy (solid line: gap > {acc_threshold})", fontsize=9)
    axes[0, 1].set_title("FD (dotted: best step; dashed: collapse)", fontsize=9)
    axes[0, 2].set_title("D spectral norms", fontsize=9)
    fig.tight_layout()
    return fig



def _finest_first(outputs) -> list:
    """D output names ("16", "8", "final") ordered finest map first, the final output last."""
    return sorted(outputs, key=lambda o: -int(o) if o.isdigit() else 0)


def _output_name(output: str) -> str:
    return "final" if output in ("final", "1") else f"{output}x{output}"


def _clock(frame, steps):
    """The x axis of a history's curves at ``steps``: thousands of images seen, or the steps themselves when the
    history has no ``images_seen``."""
    if "images_seen" not in frame:
        return steps.to_numpy()
    return (frame.set_index("step")["images_seen"] / 1000).loc[steps].to_numpy()


def logit_panels(histories: dict, title: Optional[str] = None):
    """MsConD supplement Fig. 2: one row per discriminator, one panel per D output (finest scale first, the final
    output last); in each, the mean real and fake logit (line) and one standard deviation around it (band) against
    images seen.

    Args:
        histories: label -> run history with ``logits/<output>/<real|fake>/<mean|std>`` columns.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from gancl.metrics import history_frame, logit_outputs, logit_statistics

    outputs = {label: _finest_first(logit_outputs(h)) for label, h in histories.items()}
    columns = max(len(o) for o in outputs.values())
    fig, axes = plt.subplots(len(histories), columns, figsize=(3.6 * columns, 2.6 * len(histories)), squeeze=False,
                             sharex=True)
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    for row, (label, history) in zip(axes, histories.items()):
        frame = history_frame(history)
        for ax, output in zip(row, outputs[label]):
            stats = logit_statistics(frame, output)
            x = _clock(frame, stats["step"])
            for side, color in (("real", "C0"), ("fake", "C3")):
                mean, std = stats[f"{side}_mean"].to_numpy(), stats[f"{side}_std"].to_numpy()
                ax.plot(x, mean, color=color, lw=1.5, label=side)
                ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, lw=0)
            ax.set_title(f"({next(letters)}) {label}: D output {_output_name(output)}", fontsize=9)
            ax.axhline(0, color="grey", lw=0.5)
        for ax in row[len(outputs[label]):]:
            ax.set_visible(False)
        row[0].set_ylabel("logit")
    for ax in axes[-1]:
        ax.set_xlabel("images seen (k)" if "images_seen" in history_frame(next(iter(histories.values()))) else "step")
    axes[0, 0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def separation_curves(histories: dict, title: Optional[str] = None):
    """The real-fake logit gap in units of the logits' pooled std (:func:`gancl.metrics.logit_gap` normalised)
    against images seen: one panel per discriminator, one line per D output (mean over seeds, band from the lowest
    to the highest seed), so outputs with different logit scales share an axis.

    Args:
        histories: label -> list of run histories (one per seed) with ``logits/<output>/<side>/<mean|std>``
            columns and ``images_seen``.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    from gancl.metrics import history_frame, logit_gap

    fig, axes = plt.subplots(1, len(histories), figsize=(3.6 * len(histories), 2.8), squeeze=False, sharey=True)
    for ax, (label, runs) in zip(axes[0], histories.items()):
        curves = []
        for history in runs:
            frame = history_frame(history)
            gap = logit_gap(frame, normalise=True)
            curves.append(gap.set_index(_clock(frame, gap["step"])).drop(columns="step"))
        per_seed = pd.concat(curves, keys=range(len(curves)))
        for i, output in enumerate(_finest_first(per_seed.columns)):
            by_x = per_seed[output].groupby(level=1)
            ax.plot(by_x.mean().index, by_x.mean(), color=f"C{i}", lw=1.5, label=_output_name(output))
            ax.fill_between(by_x.min().index, by_x.min(), by_x.max(), color=f"C{i}", alpha=0.2, lw=0)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("images seen (k)")
        ax.legend(fontsize=7, title="D output", title_fontsize=7)
    axes[0, 0].set_ylabel("(real - fake) / pooled std")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def seed_points(results, value: str = "fd", order: Optional[list] = None, ax=None, title: Optional[str] = None,
                ylabel: str = "FD (domain)"):
    """One column per configuration: each seed's value as a dot and the mean ± one std as a bar, so a table's
    mean ± std can be read against the spread it summarises.

    Args:
        results: one row per run with columns ``config`` and ``value`` (missing values, e.g. diverged runs, are
            left out).
        order: configurations left to right (default: first appearance).
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    order = list(dict.fromkeys(results["config"])) if order is None else list(order)
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.2 * len(order) + 1.5, 3.0))
    else:
        fig = ax.figure
    for x, config in enumerate(order):
        values = results.loc[results["config"] == config, value].dropna().to_numpy(dtype=float)
        if len(values) == 0:
            continue
        ax.plot([x] * len(values), values, "o", color="C0", alpha=0.6, ms=5)
        ax.errorbar(x + 0.15, values.mean(), yerr=values.std(ddof=1) if len(values) > 1 else 0, fmt="s",
                    color="black", ms=5, capsize=4)
    ax.set_xticks(range(len(order)), order, fontsize=9)
    ax.set_xlim(-0.5, len(order) - 0.5)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def measure_curves(curves, measures: tuple = ("class_consistency",), order: Optional[list] = None,
                   reference: Optional[dict] = None, title: Optional[str] = None):
    """Measures recorded over training, one panel per measure, one colour per configuration: a thin line per seed
    and a thick line through the seeds' mean.

    Args:
        curves: :func:`gancl.train.measured_curves` (columns config, seed, step and the measures).
        measures: the columns to draw, each in its own panel (labels from :data:`CALIBRATION_MEASURES`).
        order: configurations in legend order (default: first appearance).
        reference: measure -> a horizontal line's (value, label), e.g. chance for class consistency.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    order = list(dict.fromkeys(curves["config"])) if order is None else list(order)
    fig, axes = plt.subplots(1, len(measures), figsize=(4.6 * len(measures), 3.2), squeeze=False)
    for ax, measure in zip(axes[0], measures):
        for i, config in enumerate(order):
            runs = curves[curves["config"] == config].dropna(subset=[measure])
            if runs.empty:
                continue
            for _, seed in runs.groupby("seed"):
                ax.plot(seed["step"], seed[measure], color=f"C{i % 10}", lw=0.5, alpha=0.45)
            mean = runs.groupby("step")[measure].mean()
            ax.plot(mean.index, mean.values, color=f"C{i % 10}", lw=1.8, label=config)
        if measure in (reference or {}):
            value, label = reference[measure]
            ax.axhline(value, color="black", ls="--", lw=0.8, label=label)
        if measure == "fd":
            ax.set_yscale("log")
        ax.set_title(CALIBRATION_MEASURES.get(measure, measure), fontsize=9)
        ax.set_xlabel("step")
    axes[0, -1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def data_size_curves(results, value: str = "fd", size: str = "size", method: str = "method",
                     title: Optional[str] = None, ylabel: str = "FD (domain)"):
    """Dual attention main-paper Fig. 6: the metric against the number of training images (log axis), one line per
    method through the means over seeds, with a band of one std and each seed as a dot.

    Args:
        results: one row per run with columns ``size``, ``method`` and ``value``.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.4))
    for i, (name, runs) in enumerate(results.groupby(method, sort=False)):
        stats = runs.groupby(size)[value].agg(["mean", "std"]).sort_index()
        color = f"C{i}"
        ax.plot(stats.index, stats["mean"], "-o", color=color, label=name)
        ax.fill_between(stats.index, stats["mean"] - stats["std"].fillna(0), stats["mean"] + stats["std"].fillna(0),
                        color=color, alpha=0.15, lw=0)
        ax.plot(runs[size], runs[value], ".", color=color, alpha=0.5)
    ax.set_xscale("log")
    sizes = sorted(results[size].unique())
    ax.set_xticks(sizes, [f"{int(s):,}" for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training images")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def queue_weight_panels(weights: dict, batch: int, title: Optional[str] = None):
    """FakeCLR supplement Fig. 7: the forgetting factor m over the queue, one panel per queue size N, one line per
    temperature tau_m, queue positions oldest (left) to newest (right) on a log-scaled weight axis.

    Args:
        weights: (N, tau_m) -> (N,) tensor of m, oldest negative first.
        batch: keys pushed per iteration (named in the panel titles).
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    sizes = sorted({n for n, _ in weights})
    fig, axes = plt.subplots(1, len(sizes), figsize=(3.6 * len(sizes), 2.9), squeeze=False, sharey=True)
    for ax, n in zip(axes[0], sizes):
        for i, tau in enumerate(sorted((t for m, t in weights if m == n), reverse=True)):
            m = weights[(n, tau)].double().numpy()
            ax.plot(range(1, len(m) + 1), m, color=f"C{i}", lw=1.5, label=f"tau_m = {tau:g}")
        ax.set_yscale("log")
        ax.set_title(f"N = {n} ({n // batch} iterations of {batch})", fontsize=9)
        ax.set_xlabel("queue position (oldest to newest)")
    axes[0, 0].set_ylabel("m_i")
    axes[0, -1].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def attention_sources(sources):
    """Dual attention supplement Table 3's configurations as wiring: the primary and reference images on the left,
    arrows to the K, Q, V inputs of the attention on the right, one panel per configuration.

    Args:
        sources: one row per configuration with columns ``configuration``, ``key``, ``query``, ``value``, each
            naming its source; a name starting with "primary" or "reference" picks the box.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    boxes = {"primary": (0.7, 2.2, "C3"), "reference": (0.7, 0.8, "C0")}
    fig, axes = plt.subplots(1, len(sources), figsize=(3.2 * len(sources), 2.4), squeeze=False)
    for ax, row in zip(axes[0], sources.itertuples()):
        ax.set_xlim(0, 4)
        ax.set_ylim(0, 3.3)
        ax.axis("off")
        for name, (x, y, color) in boxes.items():
            ax.text(x, y, name, ha="center", va="center", fontsize=9, bbox=dict(boxstyle="round", fc="white", ec=color))
        for y, role in zip((2.6, 1.5, 0.4), ("key", "query", "value")):
            ax.text(3.2, y, role[0].upper(), ha="center", va="center", fontsize=10,
                    bbox=dict(boxstyle="circle", fc="white", ec="black"))
            x0, y0, color = boxes[getattr(row, role).split(" ")[0]]
            ax.annotate("", xy=(2.95, y), xytext=(x0 + 0.65, y0), arrowprops=dict(arrowstyle="->", color=color))
        ax.set_title(row.configuration, fontsize=10)
    fig.tight_layout()
    return fig


def interpolation_strips(strips: dict, threshold: float, title: Optional[str] = None):
    """FakeCLR Fig. 1 / Fig. 6: one interpolation path per row, its frames left to right; under each frame the mean
    absolute pixel difference ([0, 1] units) to the frame before it, and a red outline where that exceeds
    ``threshold`` (a jump in the path).

    Args:
        strips: row label -> (frames, diffs): frames (T, 3, R, R) float in [-1, 1] or uint8, diffs (T-1,) as from
            :func:`gancl.metrics.frame_differences`.
        threshold: the difference above which a frame is outlined.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from gancl.data import to_uint8

    rows = list(strips.items())
    steps = max(len(frames) for _, (frames, _) in rows)
    fig, axes = plt.subplots(len(rows), steps, figsize=(0.85 * steps + 2.2, 1.05 * len(rows) + 0.5), squeeze=False)
    for r, (label, (frames, diffs)) in enumerate(rows):
        images = to_uint8(frames).permute(0, 2, 3, 1).numpy()
        for t in range(steps):
            ax = axes[r, t]
            ax.set_xticks([])
            ax.set_yticks([])
            if t >= len(images):
                ax.axis("off")
                continue
            ax.imshow(images[t], interpolation="nearest")
            jump = t > 0 and float(diffs[t - 1]) > threshold
            for spine in ax.spines.values():
                spine.set_edgecolor("red" if jump else "0.8")
                spine.set_linewidth(2.5 if jump else 0.5)
            if t > 0:
                ax.set_xlabel(f"{float(diffs[t - 1]):.3f}", fontsize=7, color="red" if jump else "black", labelpad=2)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle((title + "\n" if title else "") + f"under each frame: mean |difference| to the previous frame "
                 f"(outlined above {threshold:g})", fontsize=9)
    fig.tight_layout()
    return fig


def image_rows(rows: dict, title: Optional[str] = None):
    """One row of given images per label (e.g. targets and their reconstructions), left to right.

    Args:
        rows: label -> images (N, 3, R, R), uint8 or float in [-1, 1].
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from gancl.data import to_uint8

    n = max(len(images) for images in rows.values())
    fig, axes = plt.subplots(len(rows), 1, figsize=(n * 0.8 + 2, len(rows) * 0.85 + 0.4), squeeze=False)
    for ax, (label, images) in zip(axes[:, 0], rows.items()):
        ax.imshow(torch.cat(list(to_uint8(images).permute(0, 2, 3, 1)), dim=1).numpy(), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def san_attention_panels(found: dict, points: list, samples: int = 3, title: Optional[str] = None):
    """Dual attention supplement Figs. 6-9: per sample, the image with the query points dotted, then one panel per
    point with the norm of SAN's k x k attention kernel at that query (the paper's "norm for each spatial position
    of w") laid over the image on the attention layer's grid (outside the footprint: nothing drawn).

    Args:
        found: :func:`gancl.models.san_attention_maps`'s {"images", "norms" (N, H, W, k, k), "height"}.
        points: query positions (row, column) on the attention grid, e.g. [(2, 2), (4, 5)].
        samples: how many of the images to show, one row each.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from gancl.data import to_uint8

    images = to_uint8(found["images"][:samples]).permute(0, 2, 3, 1).numpy()
    norms = found["norms"]
    h, k = found["height"], norms.shape[-1]
    side = images.shape[1]
    cell = side / h  # image pixels per attention-grid cell
    fig, axes = plt.subplots(len(images), len(points) + 1, figsize=(1.7 * (len(points) + 1), 1.8 * len(images)),
                             squeeze=False)
    for i, row in enumerate(axes):
        row[0].imshow(images[i], interpolation="nearest")
        for p, (r, c) in enumerate(points):
            row[0].plot((c + 0.5) * cell - 0.5, (r + 0.5) * cell - 0.5, "o", color=f"C{p}", ms=4)
            canvas = np.full((h, h), np.nan)
            kernel = norms[i, r, c].numpy()
            for dr in range(k):
                for dc in range(k):
                    rr, cc = r + dr - k // 2, c + dc - k // 2
                    if 0 <= rr < h and 0 <= cc < h:
                        canvas[rr, cc] = kernel[dr, dc]
            row[p + 1].imshow(images[i], interpolation="nearest", alpha=0.45)
            row[p + 1].imshow(np.kron(canvas, np.ones((int(cell), int(cell)))), cmap="magma", alpha=0.8,
                              interpolation="nearest")
            row[p + 1].plot((c + 0.5) * cell - 0.5, (r + 0.5) * cell - 0.5, "o", color=f"C{p}", ms=4)
            if i == 0:
                row[p + 1].set_title(f"query ({r}, {c})", fontsize=8)
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_title(f"sample, {h}x{h} grid", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def nearest_neighbour_rows(found: dict, shown: int = 4, title: Optional[str] = None):
    """FakeCLR supplement Fig. 9/10: per method, ``shown`` samples, each in its own row followed by its nearest
    training images, nearest first.

    Args:
        found: label -> :func:`gancl.metrics.nearest_training_images` record.
    Returns:
        The matplotlib figure (:func:`image_rows`).
    """
    from gancl.data import to_uint8

    rows = {}
    for label, record in found.items():
        for i in range(min(shown, len(record["samples"]))):
            rows[f"{label}, sample {i + 1}"] = torch.cat([to_uint8(record["samples"][i:i + 1]),
                                                          record["neighbours"][i]])
    return image_rows(rows, title)


def category_rows(found: dict, title: Optional[str] = None, per_row: Optional[int] = None):
    """MsConD supplement Fig. 3: one row per object class of generated scenes holding a recognised object of it,
    the object's box drawn.

    Args:
        found: class name -> {"images": (m, 3, R, R) uint8, "boxes": (m, 4) (x0, y0, x1, y1)}, as
            :func:`gancl.metrics.samples_by_category` returns; classes without a sample get an empty row.
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from gancl.data import to_uint8

    width = per_row or max([len(v["images"]) for v in found.values()] + [1])
    resolution = next((v["images"].shape[-1] for v in found.values() if len(v["images"])), 16)
    fig, axes = plt.subplots(len(found), 1, figsize=(width * 0.9 + 2, len(found) * 0.9 + 0.4), squeeze=False)
    for ax, (name, record) in zip(axes[:, 0], found.items()):
        images = to_uint8(record["images"][:width])
        strip = torch.full((resolution, width * resolution, 3), 255, dtype=torch.uint8)
        for i, image in enumerate(images):
            strip[:, i * resolution:(i + 1) * resolution] = image.permute(1, 2, 0)
        ax.imshow(strip.numpy(), interpolation="nearest")
        for i, (x0, y0, x1, y1) in enumerate(record["boxes"][:width].tolist()):
            ax.add_patch(Rectangle((i * resolution + x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, lw=1,
                                   edgecolor="white"))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"{name} ({len(record['images'])})", rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


#: Axis labels of the calibration curves: three panels every family has, and a fourth for the family's own measure
CALIBRATION_MEASURES = {"fd": "FD (domain)", "precision": "precision", "recall": "recall",
                        "class_consistency": "class consistency", "memorised_share": "memorised share",
                        "recognised_ratio": "recognised objects / real"}


def _fourth_measure(gate: tuple, runs) -> Optional[str]:
    """The family's own panel: its gate measure when that is not a sample metric, else class consistency when the
    runs recorded it (conditional G), else none."""
    own = [m for m, _ in gate if m not in ("fd", "precision", "recall")]
    if own:
        return own[0]
    return "class_consistency" if "class_consistency" in runs and runs["class_consistency"].notna().any() else None


def calibration_panels(curves, families: dict, title: Optional[str] = None, real: Optional[dict] = None):
    """The calibration page's figure: one row per family, four panels: FD, precision, recall and the family's own
    measure (its gate measure when that is not a sample metric: memorised share, recognised objects; else class
    consistency for a conditional G); one colour per resolution, thin lines for seeds, the thick line their mean.

    Marked: the gate's threshold of a measure (dashed horizontal), the page's current budget (solid vertical, in the
    colour of its resolution), the first step where the seeds' mean passes the whole gate (dotted, per
    resolution) and, when ``real`` gives them, what the data set's own images score as samples (dash-dot
    horizontal, in the colour of the resolution).

    Args:
        curves: :func:`gancl.train.measured_curves` of the page's runs (config, seed, step, measures).
        families: family label -> (gate ((measure, threshold), ...), budget (resolution, steps), {resolution: config
            label}).
        real: config label -> {measure: value} of real images measured as samples
            (:func:`gancl.experiments.calibration.real_reference`).
    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from gancl.experiments.calibration import first_passing_step

    fig, axes = plt.subplots(len(families), 4, figsize=(12.8, 2.6 * len(families)), squeeze=False)
    for row, (label, (gate, budget, configs)) in zip(axes, families.items()):
        thresholds = dict(gate)
        family_runs = curves[curves["config"].isin(configs.values())]
        measures = ["fd", "precision", "recall", _fourth_measure(gate, family_runs)]
        for i, (resolution, config) in enumerate(sorted(configs.items())):
            runs = curves[curves["config"] == config]
            if runs.empty:
                continue
            passing = first_passing_step(runs, gate)
            for ax, measure in zip(row, measures):
                if measure is None or measure not in runs:
                    continue
                for _, seed in runs.groupby("seed"):
                    ax.plot(seed["step"], seed[measure], color=f"C{i}", lw=0.6, alpha=0.5)
                mean = runs.groupby("step")[measure].mean()
                ax.plot(mean.index, mean.values, color=f"C{i}", lw=1.8, label=f"{resolution} px")
                if passing is not None:
                    ax.axvline(passing, color=f"C{i}", ls=":", lw=1)
                if budget[0] == resolution:
                    ax.axvline(budget[1], color=f"C{i}", lw=1.2)
                if measure in (real or {}).get(config, {}):
                    ax.axhline(real[config][measure], color=f"C{i}", ls="-.", lw=0.8)
        for ax, measure in zip(row, measures):
            if measure is None:
                ax.axis("off")
                continue
            if measure in thresholds:
                ax.axhline(thresholds[measure], color="black", ls="--", lw=0.8)
            if measure == "fd":
                ax.set_yscale("log")
            ax.set_title(CALIBRATION_MEASURES[measure], fontsize=9)
            ax.set_xlabel("step")
        row[0].set_ylabel(label, fontsize=9)
        row[0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
