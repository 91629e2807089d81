"""Physics kernels: NumPy reference vs Numba paths, fast geodetic height vs pymap3d, drag
tables, gravity consistency, shapes n = 0, 1, many."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest

from amdsim.core.frames import geodetic_to_ecef
from amdsim.physics.drag import CD_MACH, CD_PROFILES, cd_of_mach, cd_scalar, profile_index
from amdsim.physics.eom import EomOptions, accel_numpy, rk4_step_batch, rk4_step_numpy
from amdsim.physics.geodesy import geodetic_altitude_m, height_scalar
from amdsim.physics.gravity import gravity_j2_ecef


def _states(n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    pos = geodetic_to_ecef(
        rng.uniform(-89, 89, n), rng.uniform(-180, 180, n), rng.uniform(-100, 250e3, n)
    )
    pos = pos.reshape(n, 3)
    vel = rng.normal(0, 900, (n, 3))
    mass = rng.uniform(20, 8000, n)
    thrust = np.where(rng.random(n) < 0.5, rng.uniform(1e3, 3e5, n), 0.0)
    mdot = thrust / 2500.0
    area = rng.uniform(0.01, 1.2, n)
    cdp = rng.integers(0, len(CD_PROFILES), n)
    return pos, vel, mass, thrust, mdot, area, cdp


@pytest.mark.parametrize("n", [0, 1, 500])
@pytest.mark.parametrize(
    "options",
    [
        EomOptions(),
        EomOptions(j2=False, rotation=False, drag=False, sphere=True),
        EomOptions(drag=False),
    ],
    ids=["full", "vacuum-sphere", "no-drag"],
)
def test_numba_matches_numpy(n: int, options: EomOptions) -> None:
    pos, vel, mass, thrust, mdot, area, cdp = _states(n)
    a = rk4_step_numpy(pos, vel, mass, 0.1, thrust, mdot, area, cdp, options)
    b = rk4_step_batch(pos, vel, mass, 0.1, thrust, mdot, area, cdp, options)
    np.testing.assert_allclose(b[0], a[0], rtol=0, atol=1e-6)  # metres
    # the kernel atmosphere is a 10 m table (rho within 5e-5): velocity within 1e-4 m/s
    np.testing.assert_allclose(b[1], a[1], rtol=0, atol=1e-4)
    np.testing.assert_allclose(b[2], a[2], rtol=1e-14)


def test_gravity_terms_match_gravity_module() -> None:
    pos, _, mass, *_ = _states(200)
    z = np.zeros(200)
    acc = accel_numpy(
        pos,
        np.zeros_like(pos),
        mass,
        z,
        z,
        np.zeros(200, int),
        EomOptions(rotation=False, drag=False),
    )
    np.testing.assert_allclose(acc, gravity_j2_ecef(pos), rtol=1e-12)


def test_rotating_frame_terms() -> None:
    """At rest on the equator: centrifugal omega^2 r outward; moving east at v: Coriolis
    -2 omega x v = +2 omega v outward (x) at lon 0."""
    pos = np.array([[6_378_137.0, 0.0, 0.0]])
    z = np.zeros(1)
    base = EomOptions(rotation=False, drag=False)
    rot = EomOptions(drag=False)
    g0 = accel_numpy(pos, np.zeros((1, 3)), np.ones(1), z, z, np.zeros(1, int), base)
    g1 = accel_numpy(pos, np.zeros((1, 3)), np.ones(1), z, z, np.zeros(1, int), rot)
    w = 7.292115e-5
    assert g1[0, 0] - g0[0, 0] == pytest.approx(w * w * 6_378_137.0, rel=1e-12)
    g2 = accel_numpy(pos, np.array([[0.0, 100.0, 0.0]]), np.ones(1), z, z, np.zeros(1, int), rot)
    assert g2[0, 0] - g1[0, 0] == pytest.approx(2 * w * 100.0, rel=1e-12)


def test_drag_opposes_velocity_and_thrust_along_it() -> None:
    pos = geodetic_to_ecef(30.0, 30.0, 1000.0).reshape(1, 3)
    vel = np.array([[200.0, -100.0, 50.0]])
    one = np.ones(1)
    opts = EomOptions(j2=False, rotation=False)
    g = accel_numpy(
        pos,
        vel,
        one,
        np.zeros(1),
        np.zeros(1),
        np.zeros(1, int),
        EomOptions(j2=False, rotation=False, drag=False),
    )
    d = accel_numpy(pos, vel, one, np.zeros(1), one * 0.01, np.zeros(1, int), opts) - g
    assert np.allclose(np.cross(d, vel), 0.0, atol=1e-9) and float(np.sum(d * vel)) < 0
    t = accel_numpy(pos, vel, one, one * 10.0, np.zeros(1), np.zeros(1, int), opts) - g
    np.testing.assert_allclose(t[0], 10.0 * vel[0] / np.linalg.norm(vel), rtol=1e-12)


@pytest.mark.parametrize("n", [0, 1, 2000])
def test_bowring_height_vs_pymap3d(n: int) -> None:
    """Fast height within 1 mm of pymap3d's ecef2geodetic from -10 km to 1000 km."""
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)
    h = rng.uniform(-10e3, 1000e3, n)
    pos = geodetic_to_ecef(lat, lon, h).reshape(n, 3)
    ref = np.asarray(pymap3d.ecef2geodetic(pos[:, 0], pos[:, 1], pos[:, 2])[2]).reshape(n)
    np.testing.assert_allclose(geodetic_altitude_m(pos), ref, atol=1e-3)
    scalar = np.array([height_scalar(p[0], p[1], p[2], False) for p in pos])
    np.testing.assert_allclose(scalar, ref, atol=1e-3)


def test_height_at_poles_and_sphere_mode() -> None:
    pos = np.array([[0.0, 0.0, 6_356_752.314245 + 100.0], [0.0, 0.0, -6_356_752.314245 - 5.0]])
    np.testing.assert_allclose(geodetic_altitude_m(pos), [100.0, 5.0], atol=1e-6)
    assert height_scalar(0.0, 0.0, 6_371_010.0, True) == pytest.approx(10.0)
    np.testing.assert_allclose(
        geodetic_altitude_m(pos, sphere=True), np.abs(pos[:, 2]) - 6_371_000.0
    )


def test_drag_profiles_interpolation() -> None:
    for name, values in CD_PROFILES.items():
        k = profile_index(name)
        np.testing.assert_allclose(cd_of_mach(k, CD_MACH), values)
        mid = 0.5 * (CD_MACH[3] + CD_MACH[4])
        assert cd_scalar(k, mid) == pytest.approx(0.5 * (values[3] + values[4]))
        assert cd_scalar(k, 100.0) == values[-1] and cd_scalar(k, -1.0) == values[0]
        # rule of thumb (public-figures §4.2): transonic peak ~ +50 %, supersonic below subsonic
        assert max(values) == pytest.approx(1.5 * values[0], rel=0.01)
        assert values[CD_MACH.tolist().index(2.0)] < values[0]
    with pytest.raises(ValueError, match="unknown drag profile"):
        profile_index("brick")
