"""Coverage of the study confidence intervals on a case with a known answer.

Reference: the synthetic raid of :mod:`amdsim.analysis.synthetic` leaks each of K threats
independently with probability p = λ[1 − q(1 − (1 − pk)^m)], so leakers ~ Binomial(K, p)
with known mean K·p, and "any leaker" with K = 1 is Bernoulli(p). A 95 % interval must
contain the true value in about 95 % of studies; the observed coverage over M studies is
checked with a Clopper–Pearson interval (α = 0.001) around the count.
"""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.analysis.montecarlo import monte_carlo
from amdsim.analysis.stats import clopper_pearson, summarise_column
from amdsim.analysis.synthetic import SyntheticRaid, expected_leak_probability, synthetic_run

M_STUDIES = 300


def _coverage(raid: SyntheticRaid, metric: str, truth: float, n: int) -> tuple[int, int]:
    """M independent studies of n replications: blocks of one long study (replication
    streams are independent), each aggregated exactly as ``monte_carlo`` aggregates."""
    r = monte_carlo(raid, n * M_STUDIES, workers=1, seed=1000, run_fn=synthetic_run, progress=False)
    col = r.metric(metric)
    hit = 0
    for k in range(M_STUDIES):
        agg = summarise_column(col[k * n : (k + 1) * n])
        hit += int(agg["ci_low"] <= truth <= agg["ci_high"])
    return hit, M_STUDIES


def test_study_aggregate_is_summarise_column_of_its_replications() -> None:
    r = monte_carlo(SyntheticRaid(), 30, workers=1, seed=2, run_fn=synthetic_run, progress=False)
    for k in ("leakers", "any_leaker", "cost_usd"):
        assert r.aggregate[k] == summarise_column(r.metric(k), r.units.get(k, ""))


def test_closed_form_leak_probability() -> None:
    raid = SyntheticRaid(p_endanger=0.8, p_engage=0.9, pk=0.7, max_shots=2)
    assert expected_leak_probability(raid) == pytest.approx(0.8 * (1 - 0.9 * (1 - 0.3**2)))


@pytest.mark.slow
def test_t_interval_of_mean_leakers_covers_binomial_mean() -> None:
    raid = SyntheticRaid(n_threats=20)
    truth = 20 * expected_leak_probability(raid)
    hit, m = _coverage(raid, "leakers", truth, n=40)
    lo, hi = clopper_pearson(hit, m, alpha=0.001)
    assert lo <= 0.95 <= hi, f"coverage {hit}/{m}"


@pytest.mark.slow
def test_wilson_interval_of_leak_probability_covers_p() -> None:
    raid = SyntheticRaid(n_threats=1, p_endanger=0.5, p_engage=0.8, pk=0.6)
    truth = expected_leak_probability(raid)
    hit, m = _coverage(raid, "any_leaker", truth, n=40)
    lo, hi = clopper_pearson(hit, m, alpha=0.001)
    assert lo <= 0.95 <= hi, f"coverage {hit}/{m}"


def test_interval_would_fail_for_a_wrong_truth() -> None:
    """The check can fail: a 10 % error in the truth is caught in most studies."""
    raid = SyntheticRaid(n_threats=20)
    truth = 1.1 * 20 * expected_leak_probability(raid)
    r = monte_carlo(raid, 2000, workers=1, seed=3, run_fn=synthetic_run, progress=False)
    assert not r.aggregate["leakers"]["ci_low"] <= truth <= r.aggregate["leakers"]["ci_high"]
    assert np.isclose(r.aggregate["leakers"]["mean"], truth / 1.1, rtol=0.05)
