"""Property tests of the frames in ``amdsim.core.frames`` against pymap3d's own functions.

Reference: pymap3d (M. Hirsch, JOSS 2018) geodetic2enu / enu2geodetic / ecef2enuv, an
independent implementation of the same WGS84 formulas (Hofmann-Wellenhof et al., GNSS,
2008, §5.6). Tolerances are physical: 1 mm in position, 1e-8 deg in angle (about 1 mm on the ground),
except where noted.
"""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amdsim.core.constants import WGS84_A_M, WGS84_B_M
from amdsim.core.frames import LocalFrame, ecef_to_geodetic, enu_rotation, geodetic_to_ecef

lat = st.floats(-89.9, 89.9)
lon = st.floats(-179.999, 179.999)
alt = st.floats(-400.0, 1_000_000.0)
enu = st.floats(-500_000.0, 500_000.0)
SETTINGS = settings(max_examples=60, deadline=None)
MM = 1e-3


def test_known_ecef_points() -> None:
    """Equator/prime meridian is (a, 0, 0); the north pole is (0, 0, b) (WGS84, NIMA TR8350.2)."""
    np.testing.assert_allclose(geodetic_to_ecef(0.0, 0.0, 0.0), [WGS84_A_M, 0.0, 0.0], atol=MM)
    np.testing.assert_allclose(geodetic_to_ecef(90.0, 0.0, 0.0), [0.0, 0.0, WGS84_B_M], atol=MM)
    np.testing.assert_allclose(
        geodetic_to_ecef(0.0, 90.0, 100.0), [0.0, WGS84_A_M + 100.0, 0.0], atol=MM
    )


@SETTINGS
@given(lat, lon, alt)
def test_geodetic_ecef_round_trip(la: float, lo: float, h: float) -> None:
    """Round trip through ECEF. Up to 100 km altitude pymap3d's ecef2geodetic is exact to
    ~1e-11 deg; above (exo-atmospheric BMD heights, to 1000 km) it was measured at up to
    7e-8 deg (~9 mm), so the tolerance there is 1e-7 deg / 1 cm."""
    p = geodetic_to_ecef(la, lo, h)
    la2, lo2, h2 = ecef_to_geodetic(p)
    tol_deg = 1e-9 if h <= 100_000.0 else 1e-7
    assert abs(float(la2) - la) < tol_deg
    dlon = (float(lo2) - lo + 180.0) % 360.0 - 180.0
    assert abs(dlon) < tol_deg
    assert abs(float(h2) - h) < MM
    back = geodetic_to_ecef(la2, lo2, h2)
    assert np.linalg.norm(back - p) < (MM if h <= 100_000.0 else 10 * MM)


@SETTINGS
@given(lat, lon, alt, lat, lon, st.floats(-400.0, 5000.0))
def test_geodetic_to_enu_matches_pymap3d(
    la: float, lo: float, h: float, la0: float, lo0: float, h0: float
) -> None:
    frame = LocalFrame(la0, lo0, h0)
    ours = frame.geodetic_to_enu(la, lo, h)
    e, n, u = pymap3d.geodetic2enu(la, lo, h, la0, lo0, h0)
    np.testing.assert_allclose(ours.reshape(3), [e, n, u], atol=MM, rtol=0)


@SETTINGS
@given(enu, enu, st.floats(-400.0, 500_000.0), lat, lon, st.floats(-400.0, 5000.0))
def test_enu_to_geodetic_matches_pymap3d(
    x: float, y: float, z: float, la0: float, lo0: float, h0: float
) -> None:
    frame = LocalFrame(la0, lo0, h0)
    la, lo, h = frame.enu_to_geodetic(np.array([x, y, z]))
    la_r, lo_r, h_r = pymap3d.enu2geodetic(x, y, z, la0, lo0, h0)
    assert abs(float(la) - float(la_r)) < 1e-8
    assert abs((float(lo) - float(lo_r) + 180.0) % 360.0 - 180.0) < 1e-8
    assert abs(float(h) - float(h_r)) < MM
    assert abs(float(frame.altitude_m(np.array([x, y, z]))) - float(h_r)) < MM


@SETTINGS
@given(lat, lon, st.lists(st.tuples(enu, enu, enu), min_size=0, max_size=6))
def test_enu_ecef_round_trip_batch(
    la0: float, lo0: float, pts: list[tuple[float, float, float]]
) -> None:
    frame = LocalFrame(la0, lo0)
    p = np.array(pts, dtype=float).reshape(-1, 3)
    back = frame.ecef_to_enu(frame.enu_to_ecef(p))
    assert back.shape == p.shape
    np.testing.assert_allclose(back, p, atol=MM, rtol=0)


@SETTINGS
@given(lat, lon)
def test_rotation_is_orthonormal_and_proper(la: float, lo: float) -> None:
    r = enu_rotation(la, lo)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-14)
    assert np.linalg.det(r) == pytest.approx(1.0, abs=1e-14)
    # the up axis is the ellipsoid normal: the direction from the origin to a point 1 km above
    frame = LocalFrame(la, lo)
    above = geodetic_to_ecef(la, lo, 1000.0) - frame.origin_ecef_m
    np.testing.assert_allclose(r[2], above / np.linalg.norm(above), atol=1e-12)


@SETTINGS
@given(lat, lon, enu, enu, enu)
def test_vectors_match_pymap3d_and_ignore_the_origin(
    la0: float, lo0: float, vx: float, vy: float, vz: float
) -> None:
    frame = LocalFrame(la0, lo0, 0.0)
    v = np.array([vx, vy, vz])
    ours = frame.vec_ecef_to_enu(v)
    ref = pymap3d.ecef2enuv(vx, vy, vz, la0, lo0)
    np.testing.assert_allclose(ours, ref, atol=1e-6, rtol=0)
    np.testing.assert_allclose(frame.vec_enu_to_ecef(ours), v, atol=1e-6, rtol=0)
    assert np.linalg.norm(ours) == pytest.approx(np.linalg.norm(v), abs=1e-6)


@SETTINGS
@given(lat, lon, st.lists(st.floats(-1e3, 1e3), min_size=9, max_size=9))
def test_covariance_rotation_preserves_eigenvalues(la: float, lo: float, vals: list[float]) -> None:
    a = np.array(vals).reshape(3, 3)
    cov = a @ a.T + np.eye(3)
    out = LocalFrame(la, lo).cov_ecef_to_enu(cov[None])[0]
    np.testing.assert_allclose(out, out.T, atol=1e-9 * np.abs(cov).max())
    np.testing.assert_allclose(
        np.linalg.eigvalsh(out), np.linalg.eigvalsh(cov), rtol=1e-9, atol=1e-9 * np.abs(cov).max()
    )


def test_origin_and_up() -> None:
    f = LocalFrame(31.5, 34.6, 120.0)
    np.testing.assert_allclose(f.ecef_to_enu(f.origin_ecef_m), 0.0, atol=MM)
    np.testing.assert_allclose(
        f.geodetic_to_enu(31.5, 34.6, 1120.0).reshape(3), [0, 0, 1000.0], atol=MM
    )
    assert f.ecef_to_enu(np.zeros((0, 3))).shape == (0, 3)
    assert f.enu_to_ecef(np.zeros((2, 5, 3))).shape == (2, 5, 3)
