"""Confidence intervals of amdsim.analysis.stats against scipy.stats (independent code)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from amdsim.analysis.stats import clopper_pearson, mean_ci, paired_diff_ci, summarise_column, wilson


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (57, 200), (1, 1)])
def test_wilson_matches_scipy_binomtest(k: int, n: int) -> None:
    ref = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(ref.low, abs=1e-9)
    assert hi == pytest.approx(ref.high, abs=1e-9)


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (57, 200)])
def test_clopper_pearson_matches_scipy_exact(k: int, n: int) -> None:
    ref = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    lo, hi = clopper_pearson(k, n)
    assert lo == pytest.approx(ref.low, abs=1e-9)
    assert hi == pytest.approx(ref.high, abs=1e-9)


def test_mean_ci_matches_scipy_t_interval() -> None:
    x = np.array([3.0, 5.0, 4.0, 9.0, 1.0, 2.0])
    m, s, lo, hi = mean_ci(x)
    ref = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert m == pytest.approx(4.0)
    assert s == pytest.approx(x.std(ddof=1))
    assert (lo, hi) == pytest.approx(ref, abs=1e-12)


def test_mean_ci_degenerate_cases() -> None:
    assert all(math.isnan(v) for v in mean_ci([]))
    m, _, lo, hi = mean_ci([2.0])
    assert m == 2.0 and lo == -math.inf and hi == math.inf
    assert mean_ci([1.0, 1.0, 1.0])[2:] == (1.0, 1.0)


def test_paired_diff_ci_is_t_interval_of_differences() -> None:
    a = np.array([10.0, 12.0, 9.0, 14.0, 11.0])
    b = a - np.array([2.0, 3.0, 1.0, 4.0, 2.0])
    p = paired_diff_ci(a, b)
    ref = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert p["diff_mean"] == pytest.approx(-2.4)
    assert (p["ci_low"], p["ci_high"]) == pytest.approx((ref.low, ref.high), abs=1e-12)
    with pytest.raises(ValueError, match="equal length"):
        paired_diff_ci(a, b[:3])


def test_summarise_column_picks_wilson_for_0_1_values() -> None:
    agg = summarise_column(np.array([0, 1, 1, 0, 1.0]), unit="probability")
    assert agg["interval"] == "wilson"
    assert (agg["ci_low"], agg["ci_high"]) == pytest.approx(wilson(3, 5))
    assert summarise_column(np.array([0, 2, 1.0]))["interval"] == "t"
