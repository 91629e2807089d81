"""Zarchan, *Tactical and Strategic Missile Guidance* (7th ed.), listing C12L1: a falling
object with ballistic coefficient beta in an exponential atmosphere (public-figures §4.3(d),
trajectory independently computed there with RK45, rtol 1e-11). Checks the RK4 integrator
and the drag formula (``rho V^2 / (2 beta)``) in the book's units (ft, slug, lb)."""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.physics.integrators import drag_acceleration, rk4_step

G_FTPS2 = 32.2

# t (s): (h ft, hdot ft/s) for beta = 500 and 1000 lb/ft^2 (public-figures §4.3(d), CALC)
TABLE = {
    500.0: {10: (138_464, -6_296.0), 20: (75_258, -6_150.8), 30: (25_404, -3_330.1)},
    1000.0: {10: (138_427, -6_309.0), 20: (74_434, -6_383.1), 30: (18_378, -4_180.9)},
}


def fall(beta_lbpft2: float, dt: float, t_end: float = 30.0) -> dict[int, np.ndarray]:
    # beta = W / (Cd A): with the weight W = m g, drag accel = rho g V^2 / (2 beta)
    def f(_t: float, y: np.ndarray) -> np.ndarray:
        rho = 0.0034 * np.exp(-y[0] / 22_000.0)  # slug/ft^3
        # drag_acceleration(rho, V, Cd, A, m) with Cd A / m = g / beta
        d = drag_acceleration(rho, y[1], G_FTPS2 / beta_lbpft2, 1.0, 1.0)
        return np.array([y[1], d - G_FTPS2])

    y = np.array([200_000.0, -6_000.0])
    out = {}
    t = 0.0
    for k in range(round(t_end / dt)):
        y = rk4_step(f, t, y, dt)
        t = (k + 1) * dt
        if abs(t - round(t)) < 1e-9 and round(t) % 10 == 0:
            out[round(t)] = y.copy()
    return out


@pytest.mark.parametrize("beta", [500.0, 1000.0])
def test_c12l1_falling_object(beta: float) -> None:
    got = fall(beta, dt=0.01)
    for t, (h, hdot) in TABLE[beta].items():
        assert got[t][0] == pytest.approx(h, abs=1.0)  # table printed to 1 ft
        assert got[t][1] == pytest.approx(hdot, abs=0.1)  # printed to 0.1 ft/s


def test_c12l1_peak_deceleration() -> None:
    """Peak drag deceleration ~12.65 g near t = 28.0 s, h ~ 32,800 ft (beta = 500)."""
    beta, dt = 500.0, 0.01
    y = np.array([200_000.0, -6_000.0])
    best = (0.0, 0.0, 0.0)
    for k in range(3000):
        rho = 0.0034 * np.exp(-y[0] / 22_000.0)
        drag_g = rho * y[1] ** 2 / (2 * beta)
        if drag_g > best[0]:
            best = (drag_g, k * dt, y[0])

        def f(_t: float, s: np.ndarray) -> np.ndarray:
            r = 0.0034 * np.exp(-s[0] / 22_000.0)
            return np.array([s[1], r * G_FTPS2 * s[1] ** 2 / (2 * beta) - G_FTPS2])

        y = rk4_step(f, k * dt, y, dt)
    assert best[0] == pytest.approx(12.65, abs=0.01)
    assert best[1] == pytest.approx(28.0, abs=0.1)
    assert best[2] == pytest.approx(32_800, abs=150)
