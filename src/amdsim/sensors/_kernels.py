"""Numba kernels of the radar scan geometry (one pass per scan instead of ~30 NumPy calls).

They compute exactly what :meth:`amdsim.sensors.radar.Radar.look_numpy` and
:meth:`~amdsim.sensors.radar.Radar.measure_numpy` compute (the readable references the tests
compare them with), row by row: look angles and coverage over the 4/3-Earth horizon of
:func:`amdsim.sensors.geometry.horizon_geometry`, and measured polar coordinates to ENU
position and first-order covariance.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, fastmath=False)
def look_kernel(  # type: ignore[no-untyped-def]
    pos, site, rot, height_m, earth_radius_m, k_eff, boresight, az_half,
    min_range, max_range, el_min, el_max,
):  # fmt: skip
    """Range, azimuth, geometric elevation and coverage of ENU positions ``pos (n, 3)``."""
    n = pos.shape[0]
    rng_m = np.empty(n)
    az = np.empty(n)
    el = np.empty(n)
    cover = np.zeros(n, np.bool_)
    re = k_eff * earth_radius_m
    r1 = re + max(height_m, 0.0)
    two_pi = 2.0 * math.pi
    for i in range(n):
        d0 = pos[i, 0] - site[0]
        d1 = pos[i, 1] - site[1]
        d2 = pos[i, 2] - site[2]
        x = rot[0, 0] * d0 + rot[0, 1] * d1 + rot[0, 2] * d2
        y = rot[1, 0] * d0 + rot[1, 1] * d1 + rot[1, 2] * d2
        z = rot[2, 0] * d0 + rot[2, 1] * d1 + rot[2, 2] * d2
        rho = math.hypot(x, y)
        r = math.sqrt(x * x + y * y + z * z)
        rng_m[i] = r
        az[i] = math.atan2(x, y)
        el[i] = math.atan2(z, rho)
        # horizon (geometry.horizon_geometry)
        zc = earth_radius_m + height_m + z
        r_t = math.hypot(rho, zc)
        h = r_t - earth_radius_m
        theta = earth_radius_m * math.atan2(rho, zc) / re
        r2 = re + max(h, 0.0)
        if rho < 1e-9:
            el_app = math.pi / 2 if z >= 0 else -math.pi / 2
        else:
            el_app = math.atan2(r2 * math.cos(theta) - r1, r2 * math.sin(theta))
        visible = theta <= math.acos(re / r1) + math.acos(re / r2) and h >= 0.0
        daz = (az[i] - boresight + math.pi) % two_pi - math.pi
        cover[i] = (
            visible and r >= min_range and r <= max_range and abs(daz) <= az_half
            and el_app >= el_min and el_app <= el_max
        )  # fmt: skip
    return rng_m, az, el, cover


@njit(cache=True, fastmath=False)
def measure_kernel(r_m, az, el, rot, site, sr2, sa2, se2, min_cross_m):  # type: ignore[no-untyped-def]
    """Measured range/azimuth/elevation -> ENU positions ``(n, 3)`` and covariances
    ``(n, 3, 3)`` (``rot.T @ J diag(sr2, sa2, se2) J^T @ rot``, symmetrised)."""
    n = r_m.shape[0]
    pos = np.empty((n, 3))
    cov = np.empty((n, 3, 3))
    jac = np.empty((3, 3))
    loc = np.empty((3, 3))
    for i in range(n):
        sa, ca = math.sin(az[i]), math.cos(az[i])
        se, ce = math.sin(el[i]), math.cos(el[i])
        r = r_m[i]
        lx, ly, lz = r * ce * sa, r * ce * ca, r * se
        for c in range(3):
            pos[i, c] = lx * rot[0, c] + ly * rot[1, c] + lz * rot[2, c] + site[c]
        rf = max(r, min_cross_m)
        jac[0, 0], jac[0, 1], jac[0, 2] = ce * sa, rf * ce * ca, -rf * se * sa
        jac[1, 0], jac[1, 1], jac[1, 2] = ce * ca, -rf * ce * sa, -rf * se * ca
        jac[2, 0], jac[2, 1], jac[2, 2] = se, 0.0, rf * ce
        for a in range(3):
            for b in range(3):
                loc[a, b] = (
                    jac[a, 0] * sr2 * jac[b, 0] + jac[a, 1] * sa2 * jac[b, 1]
                    + jac[a, 2] * se2 * jac[b, 2]
                )  # fmt: skip
        for a in range(3):
            for b in range(3):
                acc = 0.0
                for p in range(3):
                    for q in range(3):
                        acc += rot[p, a] * loc[p, q] * rot[q, b]
                cov[i, a, b] = acc
        for a in range(3):
            for b in range(a + 1, 3):
                s = 0.5 * (cov[i, a, b] + cov[i, b, a])
                cov[i, a, b] = s
                cov[i, b, a] = s
    return pos, cov
