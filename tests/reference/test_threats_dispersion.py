"""Statistical checks of the impact scatter against the catalog dispersion (fixed seeds,
two-sided 99.9 % bounds): the mean impact is on the aim point (t bound), the range and
deflection variances match the stated sigmas (chi-square bounds), and the fraction of a
guided raid inside its CEP is 0.5 (Clopper-Pearson bounds)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from amdsim.core.frames import LocalFrame
from amdsim.scenario import load_catalog
from amdsim.threats import ThreatFlight, make_threats
from amdsim.threats.params import bearing_range, local_axes

ALPHA = 1e-3


def _impacts(name: str, n: int, range_m: float, az_deg: float, seed: int):  # type: ignore[no-untyped-def]
    cat = load_catalog().threats
    frame = LocalFrame(31.5, 34.5)
    az = np.radians(az_deg)
    alat, alon, _ = frame.enu_to_geodetic(
        np.array([[range_m * np.sin(az), range_m * np.cos(az), 0.0]])
    )
    rng = np.random.default_rng(seed)
    state = make_threats(
        cat, [name] * n, np.full(n, 31.5), np.full(n, 34.5), np.full(n, alat[0]), np.full(n, alon[0]),
        np.linspace(0.0, 20.0, n), rng,
    )  # fmt: skip
    flight = ThreatFlight(0.1)
    pos = np.full((n, 3), np.nan)
    t = 0.0
    while state.alive.any():
        state, imp = flight.advance(state, t, 0.1)
        t += 0.1
        pos[imp.threat_id] = imp.pos_ecef_m
    # range and deflection errors in polar form about the launch point (great circle)
    launch = state.init.pos0_ecef_m
    east, north, _ = local_axes(launch)
    b_imp, r_imp = bearing_range(launch, pos, east, north)
    b_aim, r_aim = bearing_range(launch, state.aim_ecef_m, east, north)
    dbrg = (b_imp - b_aim + np.pi) % (2 * np.pi) - np.pi
    return r_imp - r_aim, r_aim * dbrg, cat[name]


def _check_normal(x: np.ndarray, sigma: float) -> None:
    n = x.size
    tq = stats.t.ppf(1 - ALPHA / 2, n - 1)
    assert abs(x.mean()) <= tq * x.std(ddof=1) / np.sqrt(n), (x.mean(), sigma)
    chi = (n - 1) * x.var(ddof=1) / sigma**2
    lo, hi = stats.chi2.ppf(ALPHA / 2, n - 1), stats.chi2.ppf(1 - ALPHA / 2, n - 1)
    assert lo <= chi <= hi, (np.sqrt(x.var(ddof=1)), sigma)


def test_grad_raid_scatter_matches_catalog() -> None:
    """400 Grad-class rockets at 20 km: range sigma 1.5 %, deflection sigma 1 % of range."""
    down, cross, t = _impacts("grad", 400, 20_000.0, 60.0, seed=1)
    assert np.all(np.isfinite(down))
    _check_normal(down, t.range_sigma_frac * 20_000.0)
    _check_normal(cross, t.deflection_sigma_frac * 20_000.0)


def test_scatter_detects_a_wrong_sigma() -> None:
    """The same check fails for a sigma 25 % off (the test can fail)."""
    down, _, t = _impacts("grad", 400, 20_000.0, 60.0, seed=1)
    with pytest.raises(AssertionError):
        _check_normal(down, 1.25 * t.range_sigma_frac * 20_000.0)


def test_impact_errors_realise_the_drawn_normals() -> None:
    """Deterministic: the flown impact errors are sigma * z of the standard-normal pairs
    make_threats draws first from its rng (linearised launch errors), within 3 % of sigma + 3 m
    (second-order terms of the linearisation)."""
    n = 60
    down, cross, t = _impacts("r160", n, 120_000.0, 200.0, seed=5)
    z = np.random.default_rng(5).standard_normal((n, 2))
    s_down, s_cross = t.range_sigma_frac * 120_000.0, t.deflection_sigma_frac * 120_000.0
    np.testing.assert_allclose(down, s_down * z[:, 0], atol=3.0 + 0.03 * s_down)
    np.testing.assert_allclose(cross, s_cross * z[:, 1], atol=3.0 + 0.03 * s_cross)


@pytest.mark.slow
def test_srbm_half_inside_cep() -> None:
    """300 SRBMs at 500 km: the fraction of impacts inside the catalog CEP is 0.5."""
    n = 300
    down, cross, t = _impacts("srbm", n, 500_000.0, 120.0, seed=11)
    radial = np.hypot(down, cross)
    k = int(np.count_nonzero(radial <= t.cep_m))
    lo = stats.beta.ppf(ALPHA / 2, k, n - k + 1)
    hi = stats.beta.ppf(1 - ALPHA / 2, k + 1, n - k)
    assert lo <= 0.5 <= hi, k / n
    assert abs(down.mean()) < 3.3 * down.std(ddof=1) / np.sqrt(n)
