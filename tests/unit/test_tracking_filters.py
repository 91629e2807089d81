"""Kalman predict/update against the closed-form equations; motion models; covariances SPD."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from amdsim.tracking.filters import EkfFilter, UkfFilter, kf_update_position, ukf_predict
from amdsim.tracking.models import (
    BallisticDrag,
    ConstantAcceleration,
    ConstantVelocity,
    air_density_kgpm3,
)


def _rand_spd(rng: np.random.Generator, d: int, scale: float = 1.0) -> np.ndarray:
    a = rng.standard_normal((d, d))
    return scale * (a @ a.T + d * np.eye(d))


def test_cv_predict_matches_closed_form() -> None:
    """F = [[I, T I], [0, I]], Q = q [[T^3/3, T^2/2], [T^2/2, T]] (Bar-Shalom et al. 6.2.2)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 6)) * 100
    p = _rand_spd(rng, 6)[None]
    t, q = 2.5, 3.0
    f = np.block([[np.eye(3), t * np.eye(3)], [np.zeros((3, 3)), np.eye(3)]])
    qm = q * np.block(
        [[t**3 / 3 * np.eye(3), t**2 / 2 * np.eye(3)], [t**2 / 2 * np.eye(3), t * np.eye(3)]]
    )
    xn, pn = EkfFilter(ConstantVelocity(q_m2ps3=q)).predict(x, p, np.array([t]))
    assert np.allclose(xn[0], f @ x[0])
    assert np.allclose(pn[0], f @ p[0] @ f.T + qm)


def test_cv_noise_composes_over_split_steps() -> None:
    """Continuous white-noise acceleration: predicting T in two pieces equals one step."""
    m = ConstantVelocity(q_m2ps3=5.0)
    f = EkfFilter(m)
    x, p = np.zeros((1, 6)), np.eye(6)[None] * 10
    one = f.predict(x, p, np.array([3.0]))[1]
    two = f.predict(*f.predict(x, p, np.array([1.0])), np.array([2.0]))[1]
    assert np.allclose(one, two)


def test_ca_transition() -> None:
    x = np.array([[0, 0, 0, 1, 2, 3, 0.5, -0.5, 1.0]], float)
    xn, _ = ConstantAcceleration().propagate(x, np.array([2.0]))
    assert np.allclose(
        xn[0, 0:3], [1 * 2 + 0.5 * 0.5 * 4, 2 * 2 - 0.5 * 0.5 * 4, 3 * 2 + 0.5 * 1 * 4]
    )
    assert np.allclose(xn[0, 3:6], [2.0, 1.0, 5.0])
    q = ConstantAcceleration(q_m2ps5=2.0).noise(x, np.array([2.0]))[0]
    assert q[0, 6] == pytest.approx(2.0 * 2**3 / 6) and q[6, 6] == pytest.approx(4.0)


def test_position_update_matches_closed_form() -> None:
    """K = P H^T (H P H^T + R)^-1, x+ = x + K (z - H x), P+ = (I - K H) P."""
    rng = np.random.default_rng(1)
    for d in (6, 7, 9):
        x = rng.standard_normal((1, d))
        p = _rand_spd(rng, d)[None]
        r = _rand_spd(rng, 3, 0.5)[None]
        z = rng.standard_normal((1, 3))
        h = np.hstack([np.eye(3), np.zeros((3, d - 3))])
        s = h @ p[0] @ h.T + r[0]
        k = p[0] @ h.T @ np.linalg.inv(s)
        xn, pn, nu, sn = kf_update_position(x, p, z, r)
        assert np.allclose(xn[0], x[0] + k @ (z[0] - h @ x[0]))
        assert np.allclose(pn[0], (np.eye(d) - k @ h) @ p[0], atol=1e-10)
        assert np.allclose(sn[0], s) and np.allclose(nu[0], z[0] - x[0, :3])


@pytest.mark.parametrize("n", [0, 1, 40])
def test_ukf_predict_equals_kf_for_linear_model(n: int) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, 6)) * 50
    p = np.stack([_rand_spd(rng, 6) for _ in range(n)]) if n else np.empty((0, 6, 6))
    dt = rng.uniform(0.1, 3.0, n)
    m = ConstantVelocity(q_m2ps3=2.0)
    xe, pe = EkfFilter(m).predict(x, p, dt)
    xu, pu = ukf_predict(x, p, m, dt)
    assert xe.shape == (n, 6) and pe.shape == (n, 6, 6)
    assert np.allclose(xe, xu) and np.allclose(pe, pu)


def _ballistic_rhs(_t: float, y: np.ndarray) -> np.ndarray:
    rho = 1.225 * np.exp(-(y[2] + (y[0] ** 2 + y[1] ** 2) / (2 * 6_371_000.0)) / 7200.0)
    v = y[3:6]
    acc = np.array([0.0, 0.0, -9.80665]) - 0.5 * rho * np.linalg.norm(v) * y[6] * v
    return np.concatenate([v, acc, [0.0]])


def test_ballistic_propagation_against_solve_ivp() -> None:
    x0 = np.array([1000.0, -2000.0, 15000.0, 600.0, 300.0, -900.0, 1.0 / 3000.0])
    ref = solve_ivp(_ballistic_rhs, (0.0, 4.0), x0, rtol=1e-11, atol=1e-9).y[:, -1]
    xn, _ = BallisticDrag().propagate(x0[None], np.array([4.0]))
    assert np.allclose(xn[0, 0:3], ref[0:3], atol=0.05)  # m
    assert np.allclose(xn[0, 3:6], ref[3:6], atol=0.01)  # m/s


def test_ballistic_jacobian_against_finite_differences() -> None:
    model = BallisticDrag(max_step_s=0.05)
    x0 = np.array([500.0, 800.0, 8000.0, 400.0, -200.0, -700.0, 2e-4])
    _, f = model.propagate(x0[None], np.array([0.5]))
    scale = np.array([1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 1e-7])
    num = np.zeros((7, 7))
    for j in range(7):
        dx = np.zeros(7)
        dx[j] = scale[j]
        up = model.propagate_points((x0 + dx)[None], np.array([0.5]))[0]
        dn = model.propagate_points((x0 - dx)[None], np.array([0.5]))[0]
        num[:, j] = (up - dn) / (2 * scale[j])
    assert np.allclose(f[0], num, rtol=2e-3, atol=1e-4)


def test_density_model() -> None:
    rho, drho = air_density_kgpm3(np.array([0.0, 7200.0, -10.0]))
    assert rho[0] == pytest.approx(1.225) and rho[1] == pytest.approx(1.225 / np.e)
    assert rho[2] == pytest.approx(1.225) and drho[2] == 0.0


@pytest.mark.parametrize("flt", [EkfFilter, UkfFilter])
def test_covariance_stays_spd_with_tiny_noise(flt) -> None:
    """Many updates with 1 mm noise and zero process noise: symmetric, positive definite, no NaN."""
    f = flt(ConstantVelocity(q_m2ps3=0.0))
    rng = np.random.default_rng(4)
    x = np.zeros((5, 6))
    p = np.tile(np.diag([1e6] * 3 + [1e4] * 3), (5, 1, 1))
    r = np.tile(np.eye(3) * 1e-6, (5, 1, 1))
    for k in range(200):
        x, p = f.predict(x, p, np.full(5, 0.1))
        z = np.array([[1.0, 2.0, 3.0]]) * k * 0.1 + rng.standard_normal((5, 3)) * 1e-3
        x, p, _, _ = f.update(x, p, z, r)
    assert np.all(np.isfinite(x)) and np.allclose(p, np.swapaxes(p, 1, 2))
    assert np.all(np.linalg.eigvalsh(p) > 0)


def test_enu_gravity_points_to_earth_centre() -> None:
    """J2 gravity in scenario ENU axes: ~9.8 m/s^2 down at the origin; 100 km east it tilts
    towards the Earth's centre by x / R (to 5 %)."""
    from amdsim.core.frames import LocalFrame
    from amdsim.tracking import enu_gravity

    g = enu_gravity(LocalFrame(31.5, 34.6, 0.0))(np.array([[0.0, 0, 0], [100e3, 0, 0]]))
    assert 9.78 < -g[0, 2] < 9.83 and abs(g[0, 0]) < 1e-9
    assert g[1, 0] == pytest.approx(-9.82 * 100e3 / 6_371e3, rel=0.05)
