"""Vacuum flight on a non-rotating spherical Earth against the closed-form Kepler solution,
the minimum-energy table of public-figures §4.4, energy / Jacobi-constant conservation and
RK4 step-size convergence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from amdsim.core.constants import (
    GM_EARTH_M3PS2,
    J2_EARTH,
    OMEGA_EARTH_RADPS,
    R_MEAN_EARTH_M,
    WGS84_A_M,
)
from amdsim.physics.eom import EomOptions, rk4_step_batch
from amdsim.threats.launch import FlightInit, fly_to_impact

VACUUM_SPHERE = EomOptions(j2=False, rotation=False, drag=False, sphere=True)
MU = GM_EARTH_M3PS2
RE = R_MEAN_EARTH_M


def kepler_closed_form(v: float, gamma: float) -> tuple[float, float, float]:
    """Ground range (m), apogee height (m) and time of flight (s) of a vacuum ballistic
    flight from and to the surface of a sphere (two-body conic; e.g. Bate, Mueller & White,
    *Fundamentals of Astrodynamics*, ch. 6)."""
    h = RE * v * math.cos(gamma)
    eps = v * v / 2 - MU / RE
    p = h * h / MU
    e = math.sqrt(1 + 2 * eps * h * h / MU**2)
    a = p / (1 - e * e)
    th1 = math.acos((p / RE - 1) / e)  # true anomaly of the launch point (ascending)
    psi = 2 * (math.pi - th1)
    big_e = 2 * math.atan(math.sqrt((1 - e) / (1 + e)) * math.tan(th1 / 2))
    m1 = big_e - e * math.sin(big_e)
    tof = 2 * (math.pi - m1) / math.sqrt(MU / a**3)
    return RE * psi, a * (1 + e) - RE, tof


def launch_init(
    v: np.ndarray, gamma: np.ndarray, lat_deg: float = 20.0, lon_deg: float = 10.0
) -> FlightInit:
    """Unpowered point masses launched north from the sphere surface."""
    n = v.shape[0]
    la, lo = math.radians(lat_deg), math.radians(lon_deg)
    up = np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    north = np.array([-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)])
    vel = v[:, None] * (np.cos(gamma)[:, None] * north + np.sin(gamma)[:, None] * up)
    z = np.zeros(n)
    return FlightInit(
        kind=np.ones(n, dtype=np.int8), pos0_ecef_m=np.repeat((RE * up)[None], n, 0), vel0_ecef_mps=vel,
        mass0_kg=np.ones(n), t_cut_s=z, thrust_n=z, mdot_kgps=z, area_m2=z, cd_profile=np.zeros(n, np.int64),
        waypoints_ecef_m=np.zeros((n, 1, 3)), n_waypoints=np.ones(n, np.int64), speed_mps=z,
        cruise_alt_m=z, tan_dive=z, sin_climb=z,
    )  # fmt: skip


def central_angle_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ua = a / np.linalg.norm(a, axis=-1, keepdims=True)
    ub = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return RE * np.arctan2(np.linalg.norm(np.cross(ua, ub), axis=-1), np.sum(ua * ub, axis=-1))


# public-figures §4.4 (CALC): range km, burnout speed m/s, gamma deg, apogee km, tof s
MIN_ENERGY = [
    (10, 313, 45.0, 2.5, 45),
    (20, 443, 45.0, 5.0, 64),
    (70, 827, 44.8, 17.5, 120),
    (300, 1696, 44.3, 74.1, 251),
    (1000, 3016, 42.8, 239.9, 474),
    (1300, 3401, 42.1, 307.9, 548),
    (2000, 4113, 40.5, 458.8, 702),
]


def min_energy(range_m: float) -> tuple[float, float]:
    """Burnout speed and flight-path angle of the minimum-energy trajectory (§4.4 formulas)."""
    psi = range_m / RE
    return math.sqrt(MU / RE * 2 * math.sin(psi / 2) / (1 + math.sin(psi / 2))), (math.pi - psi) / 4


@pytest.mark.parametrize("row", MIN_ENERGY, ids=[f"{r[0]}km" for r in MIN_ENERGY])
def test_min_energy_table_closed_form(row: tuple[float, ...]) -> None:
    """The §4.4 formulas through the closed form give the table (printed precision)."""
    rng_km, v_tab, g_tab, apo_km, tof_s = row
    v, g = min_energy(rng_km * 1e3)
    assert v == pytest.approx(v_tab, abs=0.5)
    assert math.degrees(g) == pytest.approx(g_tab, abs=0.05)
    r, apo, tof = kepler_closed_form(v, g)
    assert r == pytest.approx(rng_km * 1e3, rel=1e-9)
    assert apo / 1e3 == pytest.approx(apo_km, abs=0.05)
    assert tof == pytest.approx(tof_s, abs=0.5)


def test_kernel_matches_closed_form_min_energy_table() -> None:
    """RK4 kernel (dt 0.1 s) vs the conic: range within 2 m, time of flight within 0.01 s."""
    cases = [min_energy(r[0] * 1e3) for r in MIN_ENERGY]
    v = np.array([c[0] for c in cases])
    g = np.array([c[1] for c in cases])
    init = launch_init(v, g)
    imp, tof, code = fly_to_impact(init, VACUUM_SPHERE, dt_s=0.1)
    assert np.all(code == 1)
    rng_m = central_angle_m(init.pos0_ecef_m, imp)
    ref = np.array([kepler_closed_form(a, b) for a, b in zip(v, g, strict=True)])
    np.testing.assert_allclose(rng_m, ref[:, 0], atol=2.0)
    np.testing.assert_allclose(tof, ref[:, 2], atol=0.01)
    np.testing.assert_allclose(rng_m, [r[0] * 1e3 for r in MIN_ENERGY], rtol=1e-6, atol=2.0)


def test_kernel_apogee_and_lofted_shots() -> None:
    v = np.array([800.0, 2500.0, 3000.0])
    g = np.radians([70.0, 60.0, 30.0])
    init = launch_init(v, g)
    pos, vel, mass = init.pos0_ecef_m.copy(), init.vel0_ecef_mps.copy(), init.mass0_kg.copy()
    z = np.zeros(3)
    apo = np.zeros(3)
    for _ in range(6000):
        pos, vel, mass = rk4_step_batch(
            pos, vel, mass, 0.1, z, z, z, np.zeros(3, np.int64), VACUUM_SPHERE
        )
        h = np.linalg.norm(pos, axis=1) - RE
        apo = np.where(h > 0, np.maximum(apo, h), apo)
    ref = np.array([kepler_closed_form(a, b) for a, b in zip(v, g, strict=True)])
    np.testing.assert_allclose(apo, ref[:, 1], atol=1.0)  # sampled every 0.1 s: < 1 m below


def _specific_energy(pos: np.ndarray, vel: np.ndarray) -> np.ndarray:
    return 0.5 * np.sum(vel**2, axis=1) - MU / np.linalg.norm(pos, axis=1)


def _jacobi(pos: np.ndarray, vel: np.ndarray) -> np.ndarray:
    """Jacobi-like constant of the rotating frame with J2 (conserved without drag/thrust):
    v^2/2 - U(r) - omega^2 (x^2 + y^2) / 2, U = mu/r - mu J2 a^2 (3 z^2/r^2 - 1) / (2 r^3)."""
    r = np.linalg.norm(pos, axis=1)
    u = MU / r - MU * J2_EARTH * WGS84_A_M**2 * (3 * pos[:, 2] ** 2 / r**2 - 1) / (2 * r**3)
    w2 = OMEGA_EARTH_RADPS**2 * (pos[:, 0] ** 2 + pos[:, 1] ** 2)
    return 0.5 * np.sum(vel**2, axis=1) - u - 0.5 * w2


@pytest.mark.parametrize(
    ("options", "invariant"),
    [(VACUUM_SPHERE, _specific_energy), (EomOptions(drag=False), _jacobi)],
    ids=["inertial-energy", "rotating-J2-jacobi"],
)
def test_energy_conservation_without_drag(options: EomOptions, invariant: object) -> None:
    """Drift of the invariant over 800 s at dt 0.1 s below 1e-4 J/kg (|E| ~ 6e7 J/kg)."""
    v = np.array([1700.0, 3400.0, 4100.0])
    g = np.radians([44.0, 42.0, 40.0])
    init = launch_init(v, g)
    pos, vel, mass = init.pos0_ecef_m.copy(), init.vel0_ecef_mps.copy(), init.mass0_kg.copy()
    z = np.zeros(3)
    e0 = invariant(pos, vel)  # type: ignore[operator]
    for _ in range(8000):
        pos, vel, mass = rk4_step_batch(
            pos, vel, mass, 0.1, z, z, z, np.zeros(3, np.int64), options
        )
    drift = np.abs(invariant(pos, vel) - e0)  # type: ignore[operator]
    assert np.all(drift < 1e-4), drift


@pytest.mark.parametrize(
    ("options", "lo", "hi"),
    [(EomOptions(drag=False), 13.0, 19.0), (EomOptions(), 2.5, 20.0)],
    ids=["smooth-rk4-order-4", "with-drag-tables"],
)
def test_rk4_convergence(options: EomOptions, lo: float, hi: float) -> None:
    """Halving the step divides the error by ~16 with smooth forces (J2, rotation, thrust,
    mass flow). With drag the piecewise-linear Cd(Mach) and atmosphere tables have slope
    kinks that lower the observed order towards 2 (ratio >= 3), still convergent."""
    from amdsim.core.frames import geodetic_to_ecef

    pos0 = geodetic_to_ecef(31.5, 34.5, 0.0).reshape(1, 3)
    up = pos0 / np.linalg.norm(pos0)
    vel0 = 300.0 * up + 300.0 * np.array([[0.0, 0.0, 1.0]])
    thrust, mdot, area = np.array([2.0e4]), np.array([5.0]), np.array([0.05])
    cdp = np.zeros(1, np.int64)
    t_end = 20.0  # mass 150 -> 50 kg, burning throughout

    def run(dt: float) -> np.ndarray:
        p, v, m = pos0.copy(), vel0.copy(), np.array([150.0])
        for _ in range(round(t_end / dt)):
            p, v, m = rk4_step_batch(p, v, m, dt, thrust, mdot, area, cdp, options)
        return p[0]

    x = [run(dt) for dt in (1.0, 0.5, 0.25, 0.125)]
    e = [np.linalg.norm(x[k] - x[k + 1]) for k in range(3)]
    ratios = [e[0] / e[1], e[1] / e[2]]
    assert all(lo < r < hi for r in ratios), ratios
