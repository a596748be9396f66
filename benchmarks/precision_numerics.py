"""Does bf16 + channels_last train the same generators as float32? Paired runs, measured, at `small`.

For ContraGAN's 2C (SN-DCGAN, Table 1's run at the calibrated budget) and the compact StyleGAN2 of FakeCLR's pages
(their ADA-linear baseline on the few-shot subset, with lazy R1 and path length: the cheapest calibrated StyleGAN2
run, 12000 steps at `small`, where the Dual pages' horizon is twice that), it trains each seed twice, in float32
(contiguous) and in bf16 autocast with channels_last, on the same seeds (same data order, latents and
augmentations: common random numbers), measures both EMA generators with the page metrics (FD, precision and recall
in the domain features; for the few-shot baseline also the share of samples that copy a training image), and reports
for each measure the per-seed difference bf16 - float32: its mean, a 90% paired t-interval and the seed-to-seed std
of the float32 runs. The numerics hold when the interval contains 0 or lies within the
seed-to-seed spread (|ci| <= std): bf16 then moves results less than choosing another seed does.

Runs go to the run cache (``GANCL_RUNS``), so the float32 runs are the pages' own and a second call only measures.

    python benchmarks/precision_numerics.py [--seeds 5] [--family contragan] [--scale small]
"""

from __future__ import annotations

import argparse

import pandas as pd

from gancl import experiments, tables
from gancl.experiments.spec import PageSpec, memorisation_evaluation, metrics_evaluation
from gancl.train import train_grid

SETTINGS = {"float32": ("no", "contiguous"), "bf16+cl": ("bf16", "channels_last")}
MEASURES = ("fd", "precision", "recall")


def family_configs(scale: str) -> dict:
    """family -> (the configuration a page trains, its extra evaluations and measures): ContraGAN Table 1's 2C, and
    FakeCLR's baseline on the few-shot subset with its memorisation (what the FakeCLR pages gate on)."""
    return {"contragan/2c": (experiments.contragan_table1(scale)["2C (ContraGAN)"], (), MEASURES),
            "stylegan2 (fakeclr baseline, few-shot)": (
                experiments.fakeclr_methods(scale)[experiments.FAKECLR_BASELINE], (memorisation_evaluation(scale),),
                MEASURES + ("memorised_share",))}


def paired_differences(table: pd.DataFrame, measure: str, confidence: float = 0.90) -> dict:
    """bf16 - float32 per seed of ``measure`` (the book's paired rule, :func:`gancl.tables.judge`, with float32 as
    the "better" side so its effect is bf16 - float32): mean, ``confidence`` interval, and the float32 seed std."""
    pair = tables.judge(table, [("float32", "bf16+cl")], "lower", confidence=confidence, value=measure).pairs.iloc[0]
    means = table.groupby("config")[measure].mean()
    spread = table.loc[table["config"] == "float32", measure].std(ddof=1)
    low, high = pair["ci_low"], pair["ci_high"]
    holds = (low <= 0 <= high) or max(abs(low), abs(high)) <= spread
    return {"measure": measure, "seeds": int(pair["n"]), "float32": means["float32"], "bf16+cl": means["bf16+cl"],
            "difference": pair["effect"], "ci_low": low, "ci_high": high, "seed std (float32)": spread,
            "holds": bool(holds)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="small", choices=experiments.SCALE_NAMES[:2])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--family", default="", help="only families whose name contains this")
    args = p.parse_args()
    rows = []
    for family, (config, evaluations, measures) in family_configs(args.scale).items():
        if args.family not in family:
            continue
        configs = {name: config.replace(mixed_precision=mp, memory_format=layout)
                   for name, (mp, layout) in SETTINGS.items()}
        spec = PageSpec("precision_numerics", args.scale, configs, list(range(args.seeds)),
                        (metrics_evaluation(args.scale), *evaluations), noise_seeds=0)
        table, _ = train_grid(spec, device="cpu")
        seconds = table.groupby("config")["seconds_per_step"].mean()
        print(f"\n{family}: {config.optim.steps} steps at batch {config.optim.batch_size}; seconds per step "
              f"float32 {seconds['float32']:.3f}, bf16+cl {seconds['bf16+cl']:.3f}", flush=True)
        for measure in measures:
            rows.append({"family": family, **paired_differences(table, measure)})
        print(pd.DataFrame([r for r in rows if r["family"] == family]).drop(columns="family").round(4).to_string(
            index=False), flush=True)
    summary = pd.DataFrame(rows)
    verdict = "hold" if summary["holds"].all() else "do NOT hold"
    print(f"\nThe numerics {verdict} for every measure (interval containing 0 or within the seed-to-seed spread).")


if __name__ == "__main__":
    main()
