"""Impact-point prediction: hit probabilities, level-flight tracks, batch sizes, calibration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta as beta_dist
from scipy.stats import chi2

from amdsim.battle.impact import ImpactPredictor, gaussian_quadrature_2d
from amdsim.core.areas import DefendedAreas
from amdsim.core.frames import LocalFrame
from amdsim.tracking.batches import Tracks

FRAME = LocalFrame(31.5, 34.6, 0.0)


def _areas():
    square = np.array(
        [[-1000.0, 19000.0], [1000.0, 19000.0], [1000.0, 21000.0], [-1000.0, 21000.0]]
    )
    return DefendedAreas(
        np.array(["City", "Base"], object), np.array([100.0, 50.0]),
        np.array([[10000.0, 0.0], [0.0, 20000.0]]), np.array([3000.0, np.nan]), (None, square),
    )  # fmt: skip


def _tracks(states, covs, beta=np.nan):
    s = np.asarray(states, float).reshape(-1, 6)
    n = s.shape[0]
    return Tracks(
        np.arange(n),
        s,
        np.asarray(covs, float).reshape(n, 6, 6),
        np.ones(n, np.int8),
        np.zeros(n),
        np.full(n, beta),
    )


def _clopper_pearson(k, n, conf=0.999):
    a = 1.0 - conf
    lo = beta_dist.ppf(a / 2, k, n - k + 1) if k > 0 else 0.0
    hi = beta_dist.ppf(1 - a / 2, k + 1, n - k) if k < n else 1.0
    return lo, hi


def test_quadrature_has_unit_covariance():
    z = gaussian_quadrature_2d(128)
    assert np.allclose(z.mean(axis=0), 0.0, atol=0.02)
    assert np.allclose(np.cov(z.T, bias=True), np.eye(2), atol=0.05)


@pytest.mark.parametrize("sigma", [500.0, 2000.0, 4000.0])
def test_p_hit_of_a_circle_matches_rayleigh(sigma):
    """Impact ~ N(centre, sigma^2 I): P(inside radius R) = 1 - exp(-R^2 / (2 sigma^2))."""
    pred = ImpactPredictor(FRAME, _areas())
    mean = np.array([[10000.0, 0.0]])
    cov = np.eye(2)[None] * sigma**2
    p = pred._p_hit_gauss(mean, cov)
    expected = 1.0 - np.exp(-(3000.0**2) / (2 * sigma**2))
    assert p[0, 0] == pytest.approx(expected, abs=0.01)
    assert p[0, 1] < 0.01


def test_rocket_towards_city_vs_open_ground():
    """Same rocket, two headings: one lands in the city circle, one in open ground."""
    pred = ImpactPredictor(FRAME, _areas())
    cov = np.diag([20.0, 20.0, 20.0, 2.0, 2.0, 2.0]) ** 2
    # find the vacuum range of this shot, then aim it at the city centre (10 km east)
    probe = pred.predict(_tracks([0, 0, 50, 100.0, 0, 250.0], [cov]), np.ones(1, bool))
    rng_m = probe.assessment.impact_m[0, 0]
    scale = 10000.0 / rng_m
    at_city = [0, 0, 50, 100.0 * np.sqrt(scale), 0, 250.0 * np.sqrt(scale)]
    away = [0, 0, 50, -100.0 * np.sqrt(scale), 0, 250.0 * np.sqrt(scale)]
    res = pred.predict(_tracks([at_city, away], [cov, cov]), np.ones(2, bool))
    a = res.assessment
    assert a.p_hit[0, 0] > 0.9
    assert a.p_hit[1].sum() == 0.0
    assert a.threat_value[0] == pytest.approx(100.0 * a.p_hit[0, 0])
    assert np.all(np.isfinite(a.t_impact_s))
    assert a.impact_cov_m2.shape == (2, 2, 2)


def test_level_track_closest_approach():
    pred = ImpactPredictor(FRAME, _areas())
    cov = np.diag([50.0, 50.0, 50.0, 0.3, 0.3, 0.3]) ** 2
    towards_base = [0.0, 0.0, 300.0, 0.0, 50.0, 0.0]  # drone flying north at 50 m/s over the base
    past_city = [10000.0, -30000.0, 300.0, 0.0, 200.0, 0.0]  # cruise missile over the city
    missing = [30000.0, 0.0, 300.0, 0.0, 200.0, 0.0]  # 20 km east of the city, flying north
    res = pred.predict(_tracks([towards_base, past_city, missing], [cov] * 3), np.zeros(3, bool))
    a = res.assessment
    assert a.p_hit[0, 1] > 0.99 and a.p_hit[0, 0] < 1e-6
    assert a.t_impact_s[0] == pytest.approx(20000.0 / 50.0, rel=1e-6)
    assert a.p_hit[1, 0] > 0.99
    assert a.t_impact_s[1] == pytest.approx(30000.0 / 200.0, rel=1e-6)
    assert np.allclose(a.impact_m[1], [10000.0, 0.0])
    assert a.p_hit[2].sum() < 1e-6 and np.isinf(a.t_impact_s[2])


def test_classification_heuristic():
    pred = ImpactPredictor(FRAME, _areas())
    z = np.zeros((6, 6))
    tr = _tracks(
        [[0, 0, 300, 50, 0, 0], [0, 0, 3000, 200, 0, 200], [0, 0, 300, 250, 0, 0]], [z, z, z]
    )
    assert pred.is_ballistic(tr).tolist() == [False, True, False]
    tr_beta = _tracks([[0, 0, 300, 50, 0, 0]], [z], beta=2000.0)
    assert pred.is_ballistic(tr_beta).tolist() == [True]


@pytest.mark.parametrize("n", [0, 1, 7])
def test_batch_sizes(n):
    pred = ImpactPredictor(FRAME, _areas())
    rng = np.random.default_rng(1)
    states = np.column_stack(
        [
            rng.uniform(-1e3, 1e3, (n, 2)),
            rng.uniform(100, 3000, n),
            rng.uniform(-200, 200, (n, 2)),
            rng.uniform(0, 300, n),
        ]
    )
    covs = np.tile(np.eye(6) * 100.0, (n, 1, 1))
    res = pred.predict(_tracks(states, covs))
    assert len(res) == n
    assert res.assessment.p_hit.shape == (n, 2)
    assert res.path_m.shape == (n, pred.n_path, 3)


@pytest.mark.slow
def test_predicted_90_percent_ellipses_are_calibrated():
    """Sample true states around a track estimate with the track's covariance; the true impact
    must fall in the predicted 90 % ellipse in 90 % of the trials (Clopper-Pearson 99.9 %)."""
    pred = ImpactPredictor(FRAME, _areas(), screen_sigma=np.inf)
    rng = np.random.default_rng(20261122)
    n = 600
    est = np.array([0.0, 0.0, 3000.0, 300.0, 150.0, 200.0])
    cov = np.diag([80.0, 80.0, 60.0, 6.0, 6.0, 5.0]) ** 2
    truth = est + rng.multivariate_normal(np.zeros(6), cov, size=n)
    p_est = pred.predict(_tracks([est], [cov], beta=2500.0), np.ones(1, bool)).assessment
    p_true = pred.predict(
        _tracks(truth, np.zeros((n, 6, 6)), beta=2500.0), np.ones(n, bool)
    ).assessment
    d = p_true.impact_m - p_est.impact_m[0]
    m2 = np.einsum("ni,ij,nj->n", d, np.linalg.inv(p_est.impact_cov_m2[0]), d)
    k = int(np.sum(m2 <= chi2.ppf(0.9, 2)))
    lo, hi = _clopper_pearson(k, n)
    assert lo <= 0.9 <= hi, (k, n, lo, hi)
    t_err = p_true.t_impact_s - p_est.t_impact_s[0]
    assert abs(t_err.mean()) < 3.0 * t_err.std() / np.sqrt(n) + 0.05


def test_non_finite_track_raises_numerical_fault():
    from amdsim.core.errors import NumericalFault

    pred = ImpactPredictor(FRAME, _areas())
    z = np.zeros((6, 6))
    tr = _tracks([[0, 0, 300, 50, 0, 0], [0, 0, np.nan, 200, 0, 200]], [z, z])
    with pytest.raises(NumericalFault, match=r"\[1\]"):
        pred.predict(tr)
