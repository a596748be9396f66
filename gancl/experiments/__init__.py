"""Named experiments: the scales, each paper's presets and the specs of the book's pages; the one place where
presets, budgets, seeds and measurement settings live.

- :mod:`~gancl.experiments.scales`: the three scales (smoke, small, paper), the base configuration, seeds and the
  overrides a page's ``dataset``/``data_dir``/``steps`` parameters make;
- :mod:`~gancl.experiments.registry`: ``preset(name, scale, **overrides)``, built from each paper's preset table;
- :mod:`~gancl.experiments.spec`: ``page_spec(page, scale, **page_parameters) -> PageSpec`` (configs, seeds,
  evaluations, claims, settings), which :func:`gancl.train.train_grid` trains and measures;
- one module per paper: :mod:`~gancl.experiments.contragan`, :mod:`~gancl.experiments.dual`,
  :mod:`~gancl.experiments.mscond`, :mod:`~gancl.experiments.fakeclr` (and the StyleGAN2 recipe the last three share,
  :mod:`~gancl.experiments.stylegan2`).
"""

from gancl.experiments.scales import (SCALE_NAMES, SCALES, Scale, base_config, check_seeds, data_overrides,
                                      page_overrides, scale, seeds)
from gancl.experiments.registry import names, preset, register_table
from gancl.experiments.claims import CLAIMS, RegisteredClaim
from gancl.experiments.spec import (DATA_GATES, MEMORISATION_GATE, Claim, Evaluation, Gate, PageSpec, data_gate,
                                    memorisation_evaluation, metrics_evaluation, page_spec, pages)
from gancl.experiments.contragan import (CONTRAGAN_CLASS_PROBE, CONTRAGAN_CLASS_SHARED, CONTRAGAN_CR_WEIGHT,
                                         CONTRAGAN_FIG3, CONTRAGAN_FIG3_RUNS, CONTRAGAN_FIG3_SEEDS,
                                         CONTRAGAN_PAIRED_SEEDS, CONTRAGAN_PRESETS, CONTRAGAN_RESNET_OPTIM, CONTRAGAN_SMALL,
                                         CONTRAGAN_TABLE1,
                                         CONTRAGAN_TABLE2_BACKBONES, CONTRAGAN_TABLE2_METHODS, CONTRAGAN_TABLE3,
                                         CONTRAGAN_TABLE4,
                                         CONTRAGAN_TABLE4_BATCH, STABILITY_ACC_GAP, STABILITY_GATE_MEASURES,
                                         contragan_class_probe,
                                         contragan_fig3, contragan_table1, contragan_table2, contragan_table3,
                                         contragan_table4, resnet_backbone)
from gancl.experiments.dual import (DUAL_BUDGET, DUAL_FIGURES, DUAL_PPL_SAMPLES, DUAL_PRESETS, DUAL_QUERY_POINTS,
                                    DUAL_T4_METHODS, DUAL_T4_SEEDS, DUAL_T4_SIZES, DUAL_TABLE1, DUAL_TABLE5,
                                    DUAL_TABLE7, dual_table1, dual_table2, dual_table3, dual_table4,
                                    dual_table5, dual_table6, dual_table7, next_to, ref_attention_resolutions,
                                    san_resolutions)
from gancl.experiments.mscond import (MSCOND_BRANCHES, MSCOND_BUDGET, MSCOND_FIG2, MSCOND_PRESETS, MSCOND_SAMPLES,
                                      MSCOND_SEEDS, msconD_fig2, msconD_scales)
from gancl.experiments.fakeclr import (FAKECLR_BASELINE, FAKECLR_BUDGET, FAKECLR_COMPARISON, FAKECLR_FEW_SHOT,
                                       FAKECLR_FIG2_QUEUE_FACTORS, FAKECLR_FIG5, FAKECLR_FIG7, FAKECLR_INTERPOLATION,
                                       FAKECLR_METHODS, FAKECLR_PAIRED_SEEDS, FAKECLR_PAPER_COLUMNS, FAKECLR_PPL_SAMPLES,
                                       FAKECLR_PRESETS, FAKECLR_SEEDS, FAKECLR_SIZES, FAKECLR_T1, FAKECLR_T1_SEEDS, FAKECLR_T5,
                                       FAKECLR_T6, FAKECLR_T6_TIMING, FAKECLR_T7, FAKECLR_T8, FAKECLR_T8_WEIGHTS,
                                       FAKECLR_T10, fakeclr_budget, fakeclr_comparison, fakeclr_fig2, fakeclr_fig5,
                                       fakeclr_methods, fakeclr_table1, fakeclr_table5, fakeclr_table7, fakeclr_table8,
                                       fakeclr_table10)
from gancl.experiments.calibration import (CALIBRATION_HORIZON, CALIBRATION_RESOLUTIONS, CALIBRATION_SEEDS, FAMILIES,
                                           Family, calibration_configs, first_passing_step)
from gancl.train.config import fakeclr_queue_size, r1_gamma_heuristic

__all__ = [name for name in dir() if not name.startswith("_")]
