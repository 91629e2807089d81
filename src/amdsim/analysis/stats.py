"""Confidence intervals used by every study: t-intervals for means, Wilson and
Clopper–Pearson intervals for proportions, and paired differences.

All intervals are two-sided at level ``1 - alpha`` (default 95 %).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def _special() -> Any:
    # imported on first use: scipy.special costs ~1 s of start-up in every worker process
    from scipy import special

    return special


__all__ = [
    "clopper_pearson",
    "mean_ci",
    "paired_diff_ci",
    "summarise_column",
    "wilson",
]


def mean_ci(
    x: Sequence[float] | np.ndarray, alpha: float = 0.05
) -> tuple[float, float, float, float]:
    """Mean, sample standard deviation and Student-t confidence interval of the mean.

    .. math:: \\bar x \\pm t_{1-\\alpha/2,\\,n-1}\\, s/\\sqrt{n}

    (e.g. Montgomery & Runger, *Applied Statistics and Probability for Engineers*, §8.2).
    NaN values are ignored. With a single value the spread is unknown and the interval is
    ``(-inf, inf)``; with zero spread it collapses to the mean.

    Returns
    -------
    mean, std, ci_low, ci_high
    """
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    n = a.size
    if n == 0:
        return (math.nan, math.nan, math.nan, math.nan)
    m = float(a.mean())
    if n == 1:
        return (m, math.nan, -math.inf, math.inf)
    s = float(a.std(ddof=1))
    if s == 0.0:
        return (m, 0.0, m, m)
    half = float(_special().stdtrit(n - 1, 1.0 - alpha / 2.0)) * s / math.sqrt(n)
    return (m, s, m - half, m + half)


def wilson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    (Wilson 1927, JASA 22:209; Agresti & Coull 1998, Am. Stat. 52:119).
    """
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n] (got {successes} of {n})")
    z = float(_special().ndtri(1.0 - alpha / 2.0))
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def clopper_pearson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper–Pearson 1934, Biometrika 26:404) interval from Beta quantiles."""
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n] (got {successes} of {n})")
    lo = (
        0.0
        if successes == 0
        else float(_special().betaincinv(successes, n - successes + 1, alpha / 2))
    )
    hi = (
        1.0
        if successes == n
        else float(_special().betaincinv(successes + 1, n - successes, 1 - alpha / 2))
    )
    return (lo, hi)


def paired_diff_ci(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, alpha: float = 0.05
) -> dict[str, float]:
    """Paired difference ``b - a`` with a t-interval on the per-pair differences.

    Used with common random numbers: pair ``k`` of ``a`` and ``b`` ran with the same seed,
    so the variance of the difference is reduced by their positive correlation.
    Pairs where either value is NaN are dropped.
    """
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    if xa.shape != xb.shape:
        raise ValueError(f"paired samples must have equal length (got {xa.size} and {xb.size})")
    ok = np.isfinite(xa) & np.isfinite(xb)
    xa, xb = xa[ok], xb[ok]
    d_mean, d_std, lo, hi = mean_ci(xb - xa, alpha)
    return {
        "a_mean": float(xa.mean()) if xa.size else math.nan,
        "b_mean": float(xb.mean()) if xb.size else math.nan,
        "diff_mean": d_mean,
        "diff_std": d_std,
        "ci_low": lo,
        "ci_high": hi,
        "n": int(xa.size),
    }


def summarise_column(values: np.ndarray, unit: str = "", alpha: float = 0.05) -> dict[str, object]:
    """Aggregate one metric over replications.

    A column whose values are all 0 or 1 is treated as a proportion (Wilson interval);
    anything else gets the t-interval of the mean.
    """
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    n = int(a.size)
    if n and np.all((a == 0.0) | (a == 1.0)):
        k = int(a.sum())
        lo, hi = wilson(k, n, alpha)
        std = float(a.std(ddof=1)) if n > 1 else math.nan
        return {
            "mean": k / n,
            "std": std,
            "ci_low": lo,
            "ci_high": hi,
            "n": n,
            "unit": unit,
            "interval": "wilson",
        }
    m, s, lo, hi = mean_ci(a, alpha)
    return {"mean": m, "std": s, "ci_low": lo, "ci_high": hi, "n": n, "unit": unit, "interval": "t"}
