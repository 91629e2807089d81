"""The Athans-Wishner-Bertolini (1968) falling-body reentry problem.

Source: M. Athans, R. P. Wishner and A. Bertolini, "Suboptimal state estimation for
continuous-time nonlinear systems from discrete noisy measurements", IEEE TAC 13(5), 1968;
as re-run by Julier and Uhlmann ("A new extension of the Kalman filter to nonlinear
systems", SPIE AeroSense 1997, and Proc. IEEE 92(3), 2004).

A body falls vertically; altitude x1, speed x2, ballistic parameter x3:
``dx1/dt = -x2``, ``dx2/dt = -exp(-gamma x1) x2^2 x3``, ``dx3/dt = 0``, gamma = 5e-5.
A radar at horizontal distance M = 1e5 and height a = 1e5 measures the range
``sqrt(M^2 + (x1 - a)^2)`` with variance R = 1e4, here every 1 s for 60 s. Truth
x(0) = [3e5, 2e4, 1e-3]; both filters start from [3e5, 2e4, 3e-5] with
P(0) = diag(1e6, 4e6, 1e-4). The known result: the EKF becomes badly over-confident and
biased in x3 once drag and geometry turn nonlinear (~10 s); the UKF stays consistent.
The 95 % NEES band of the mean over N runs is chi2(3N) / N at 2.5 % and 97.5 %.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2

from amdsim.tracking.filters import EkfFilter, UkfFilter, ekf_update, ukf_update
from amdsim.tracking.reference import R_VAR, FallingBody
from amdsim.tracking.reference import slant_range as _h
from amdsim.tracking.reference import slant_range_jacobian as _h_jac


def _monte_carlo(n_runs: int = 50, n_steps: int = 60, seed: int = 1):
    rng = np.random.default_rng(seed)
    model, truth_model = FallingBody(0.05), FallingBody(0.01)
    xt = np.tile([3e5, 2e4, 1e-3], (n_runs, 1))
    x0 = np.tile([3e5, 2e4, 3e-5], (n_runs, 1))
    p0 = np.tile(np.diag([1e6, 4e6, 1e-4]), (n_runs, 1, 1))
    est = {"ekf": (x0.copy(), p0.copy()), "ukf": (x0.copy(), p0.copy())}
    ekf, ukf = EkfFilter(model), UkfFilter(model)
    dt = np.ones(n_runs)
    r = np.full((n_runs, 1, 1), R_VAR)
    nees = {"ekf": [], "ukf": []}
    for _ in range(n_steps):
        xt = truth_model.propagate_points(xt, dt)
        z = _h(xt) + np.sqrt(R_VAR) * rng.standard_normal((n_runs, 1))
        x, p = ekf.predict(*est["ekf"], dt)
        est["ekf"] = ekf_update(x, p, z, r, _h, _h_jac)
        x, p = ukf.predict(*est["ukf"], dt)
        est["ukf"] = ukf_update(x, p, z, r, _h)
        for k, (x, p) in est.items():
            e = xt - x
            nees[k].append(
                np.mean(np.einsum("ni,ni->n", e, np.linalg.solve(p, e[..., None])[..., 0]))
            )
    return xt, est, {k: np.array(v) for k, v in nees.items()}


def test_ekf_overconfident_and_biased_ukf_consistent() -> None:
    n_runs = 50
    xt, est, nees = _monte_carlo(n_runs)
    lo, hi = chi2.ppf([0.025, 0.975], 3 * n_runs) / n_runs
    in_band = {k: np.mean((v > lo) & (v < hi)) for k, v in nees.items()}
    # UKF: the run-averaged NEES lies in its 95 % band at (nearly) every step
    assert in_band["ukf"] >= 0.75
    # EKF: after the high-drag pass the NEES is orders of magnitude above the band
    assert in_band["ekf"] <= 0.1
    assert np.all(nees["ekf"][20:] > 100 * hi)
    # EKF bias in x3 is many of its own standard deviations; the UKF's is within one
    for k, factor in (("ekf", 3.0), ("ukf", 1.0)):
        x, p = est[k]
        err = np.mean(xt[:, 2] - x[:, 2])
        sigma = np.mean(np.sqrt(p[:, 2, 2]))
        if k == "ekf":
            assert abs(err) > factor * sigma
        else:
            assert abs(err) < factor * sigma
