"""Metrics that work offline: feature extractors, FD, KID, precision/recall, density/coverage, PPL, interpolation
smoothness, GAN inversion and training diagnostics.

Every distance is computed on a named feature extractor (:func:`get_extractor`): ``inception`` (the TF-ported
InceptionV3 of FID, from local weights only) or ``domain`` (a classifier gancl trains on its embedded data).
Result records carry the extractor, data split and sample counts; :func:`metric_label` gives the table label
("FID" only for Inception, "FD (domain)" otherwise).

Pure functions on features: :func:`frechet_distance`, :func:`kernel_inception_distance`, :func:`precision_recall`,
:func:`density_coverage`. On generators: :func:`evaluate_generator`, :func:`perceptual_path_length`,
:func:`interpolation_smoothness`, :func:`invert`. On run histories (column names in
:mod:`gancl.metrics.diagnostics`): :func:`logit_gap`, :func:`logit_trends`, :func:`accuracy_gap`,
:func:`spectral_norms`, :func:`best_step`, :func:`detect_collapse`, :func:`summarize`, and per-run records of
the dynamics a claim compares (:func:`overfitting_record`, :func:`logit_dynamics_record`); taken while training
(:mod:`gancl.metrics.training`): :func:`logit_statistics_row`, :func:`authenticity_accuracy`,
:func:`layer_spectral_norms`, :class:`SampleMetricsOverTime`. On multi-object scenes:
:func:`evaluate_objects` (object-level FD on located object crops, MsConD supplement Fig. 1).
"""

from gancl.metrics.diagnostics import (DYNAMICS, AccuracyGap, Collapse, accuracy_gap, best_step, detect_collapse,
                                       history_frame, logit_dynamics_record, logit_gap, logit_outputs,
                                       logit_statistics, logit_trends, overfitting_record, spectral_norms, summarize)
from gancl.metrics.domain import (DomainClassifier, DomainConfig, DomainExtractor, default_config, domain_extractor,
                                  load_or_train, train_domain_classifier)
from gancl.metrics.evaluate import (EvalResult, balanced_labels, class_confusion, class_consistency,
                                    evaluate_features, evaluate_generator, evaluate_real, generate_features,
                                    intra_class_fd, label_landing, metric_label)
from gancl.metrics.extractors import (FeatureExtractor, InceptionExtractor, MissingWeightsError, extractor_for,
                                      find_inception_weights, get_extractor, quantize)
from gancl.metrics.frechet import feature_statistics, frechet_distance, frechet_distance_from_features
from gancl.metrics.interpolation import (InversionResult, SmoothnessResult, frame_differences,
                                         interpolation_smoothness, invert, path_points, random_endpoints)
from gancl.metrics.kid import kernel_inception_distance
from gancl.metrics.ppl import (PPLResult, feature_distance, lerp, lpips_available, lpips_distance,
                               perceptual_path_length, pixel_distance, slerp, trimmed, trimmed_mean)
from gancl.metrics.objects import (ObjectLocations, crop_agreement, evaluate_objects, locate_objects,
                                   localisation_accuracy, object_crops, require_object_boxes, samples_by_category)
from gancl.metrics.prdc import density_coverage, knn_radii, precision_recall
from gancl.metrics.stats import RealStats, compute_real_stats, real_stats
from gancl.metrics.memorisation import (memorisation, nearest_distance, nearest_k,
                                        nearest_training_images)
from gancl.metrics.training import (
    SampleMetricsOverTime, authenticity_accuracy, layer_spectral_norms, logit_statistics_row,
)

__all__ = [
    "frechet_distance", "frechet_distance_from_features", "feature_statistics", "kernel_inception_distance",
    "precision_recall", "density_coverage", "knn_radii",
    "perceptual_path_length", "PPLResult", "pixel_distance", "feature_distance", "lpips_distance", "lpips_available",
    "slerp", "lerp", "trimmed", "trimmed_mean",
    "FeatureExtractor", "InceptionExtractor", "DomainExtractor", "DomainClassifier", "DomainConfig", "default_config",
    "domain_extractor", "train_domain_classifier", "load_or_train", "get_extractor", "extractor_for",
    "find_inception_weights",
    "quantize", "MissingWeightsError",
    "RealStats", "real_stats", "compute_real_stats",
    "EvalResult", "evaluate_generator", "evaluate_real", "evaluate_features", "generate_features", "class_consistency",
    "class_confusion", "label_landing", "intra_class_fd", "metric_label", "balanced_labels",
    "interpolation_smoothness", "SmoothnessResult", "invert", "InversionResult", "path_points", "frame_differences",
    "random_endpoints",
    "history_frame", "logit_outputs", "logit_statistics", "logit_gap", "logit_trends", "accuracy_gap",
    "AccuracyGap",
    "spectral_norms", "best_step", "detect_collapse", "Collapse", "summarize", "overfitting_record",
    "logit_dynamics_record", "DYNAMICS",
    "evaluate_objects", "crop_agreement", "locate_objects", "samples_by_category", "object_crops", "localisation_accuracy", "ObjectLocations",
    "require_object_boxes",
    "logit_statistics_row", "layer_spectral_norms", "authenticity_accuracy", "SampleMetricsOverTime",
    "memorisation", "nearest_distance", "nearest_k", "nearest_training_images",
]
