"""Frechet distance at d = 2048: gancl (symmetric eigenvalues, no sqrtm) against pytorch-fid (scipy ``sqrtm``).

Run: ``python benchmarks/metrics.py [--dim 2048] [--repeats 3] [--threads N]``. Both functions get the same
float64 statistics (covariances of 2 x dim random correlated features, as from a real feature set); the script prints
the median wall time of each, the speed ratio (target: gancl at least 5x faster) and the absolute difference of the
two results.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch


def random_statistics(dim: int, seed: int, shift: float = 0.0):
    """Mean and covariance of 2 * dim correlated random features."""
    from gancl.metrics import feature_statistics

    rng = np.random.default_rng(seed)
    mix = np.eye(dim) + 0.3 * rng.standard_normal((dim, dim)) / np.sqrt(dim)
    return feature_statistics(rng.standard_normal((2 * dim, dim)) @ mix + shift)


def median_time(fn, repeats: int) -> tuple[float, float]:
    """(median seconds, result) over ``repeats`` calls."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from pytorch_fid.fid_score import calculate_frechet_distance

    from gancl.metrics import frechet_distance

    mu1, s1 = random_statistics(args.dim, 0)
    mu2, s2 = random_statistics(args.dim, 1, shift=0.1)
    t_ours, fd_ours = median_time(lambda: frechet_distance(mu1, s1, mu2, s2), args.repeats)
    t_ref, fd_ref = median_time(lambda: calculate_frechet_distance(mu1, s1, mu2, s2), args.repeats)
    print(f"Frechet distance, d={args.dim}, median of {args.repeats}, torch threads={torch.get_num_threads()}")
    print(f"{'implementation':<46}{'seconds':>10}{'FD':>22}")
    print(f"{'gancl.metrics.frechet_distance (symmetric eig)':<46}{t_ours:>10.3f}{fd_ours:>22.12f}")
    print(f"{'pytorch_fid calculate_frechet_distance (sqrtm)':<46}{t_ref:>10.3f}{fd_ref:>22.12f}")
    print(f"speed-up (pytorch-fid / gancl): {t_ref / t_ours:.1f}x  (target >= 5x)")
    print(f"|difference|: {abs(fd_ours - fd_ref):.3e}  (relative {abs(fd_ours - fd_ref) / abs(fd_ref):.3e})")


if __name__ == "__main__":
    main()
