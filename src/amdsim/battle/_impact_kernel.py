"""Numba kernel: fly many ballistic states to the ground (impact-point prediction).

Equations of motion in the rotating ECEF frame (as :mod:`amdsim.physics.eom`):

.. math::
    \\dot{\\mathbf v} = \\mathbf g_{J2}(\\mathbf r) - 2\\boldsymbol\\omega\\times\\mathbf v
      - \\boldsymbol\\omega\\times(\\boldsymbol\\omega\\times\\mathbf r)
      - \\frac{\\rho(h)\\,|\\mathbf v|}{2\\beta}\\mathbf v ,

with the ballistic coefficient :math:`\\beta = m / (C_d A)` held constant (what the tracker
estimates), USSA76 density (:func:`amdsim.physics.atmosphere.atmosphere`, tabulated), and the
height above the WGS84 ellipsoid :func:`amdsim.physics.geodesy.height_scalar`. Gravity with J2:
Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., eq. 8-30.

Each object is stepped with classical RK4 at its own fixed step (chosen by the caller from a
vacuum estimate of the time to the ground) until its height crosses ``h_ground``; the crossing
is located on the cubic Hermite interpolant of the last step (position and velocity at both
ends) by three secant iterations on the height. Inside the drag term the height is measured from
the sphere of the local Earth radius under the starting point (over a 300 km flight this
differs from the ellipsoidal height by < 100 m, < 1.5 % in density).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from amdsim.core.constants import GM_EARTH_M3PS2, J2_EARTH, WGS84_A_M
from amdsim.physics.atmosphere import atmosphere
from amdsim.physics.geodesy import height_scalar

__all__ = ["fly_to_ground"]

_K_J2 = 1.5 * J2_EARTH * GM_EARTH_M3PS2 * WGS84_A_M**2
_DRAG_CEILING_M = 120_000.0
_RHO_DH_M = 250.0
_RHO_H_M = np.arange(-1_000.0, _DRAG_CEILING_M + _RHO_DH_M, _RHO_DH_M)
_LN_RHO = np.log(atmosphere(_RHO_H_M)[2])
"""ln(USSA76 density) every 250 m; log-linear interpolation between nodes is within 0.05 %
of the layer equations (checked in tests) and ~10x cheaper than evaluating them."""


@njit(cache=True, inline="always")
def _density(h: float) -> float:
    u = (h - _RHO_H_M[0]) / _RHO_DH_M
    if u <= 0.0:
        return math.exp(_LN_RHO[0])
    k = int(u)
    if k >= _LN_RHO.shape[0] - 1:
        return math.exp(_LN_RHO[-1])
    f = u - k
    return math.exp(_LN_RHO[k] + f * (_LN_RHO[k + 1] - _LN_RHO[k]))


@njit(cache=True, inline="always")
def _accel(x, y, z, vx, vy, vz, k_drag, j2, omega, r_local):  # type: ignore[no-untyped-def]
    r2 = x * x + y * y + z * z
    rn = math.sqrt(r2)
    mu_r3 = GM_EARTH_M3PS2 / (r2 * rn)
    ax = -mu_r3 * x
    ay = -mu_r3 * y
    az = -mu_r3 * z
    if j2:
        k = _K_J2 / (r2 * r2 * rn)
        zr2 = 5.0 * z * z / r2
        ax -= k * x * (1.0 - zr2)
        ay -= k * y * (1.0 - zr2)
        az -= k * z * (3.0 - zr2)
    if omega != 0.0:
        ax += 2.0 * omega * vy + omega * omega * x
        ay += -2.0 * omega * vx + omega * omega * y
    if k_drag > 0.0:
        h = rn - r_local  # height for the density only: local-radius sphere, see module doc
        if h < _DRAG_CEILING_M:
            rho = _density(h)
            kd = k_drag * rho * math.sqrt(vx * vx + vy * vy + vz * vz)
            ax -= kd * vx
            ay -= kd * vy
            az -= kd * vz
    return ax, ay, az


@njit(cache=True, inline="always")
def _hermite(p0, v0, p1, v1, dt, s):  # type: ignore[no-untyped-def]
    """Cubic Hermite position at fraction ``s`` of a step of length ``dt`` (one axis)."""
    s2 = s * s
    s3 = s2 * s
    return (
        (2 * s3 - 3 * s2 + 1) * p0
        + (s3 - 2 * s2 + s) * dt * v0
        + (-2 * s3 + 3 * s2) * p1
        + (s3 - s2) * dt * v1
    )


@njit(cache=True)
def _fly_one(
    i,
    pos,
    vel,
    k_drag,
    dt,
    max_steps,
    h_ground,
    j2,
    omega,
    sphere,
    rec_row,
    n_rec,
    out_p,
    out_v,
    out_t,
    rec,
):  # type: ignore[no-untyped-def]
    """Fly object ``i`` to the ground (RK4), writing its row of the outputs."""
    x, y, z = pos[i, 0], pos[i, 1], pos[i, 2]
    vx, vy, vz = vel[i, 0], vel[i, 1], vel[i, 2]
    h0 = height_scalar(x, y, z, sphere)
    ri = rec_row[i]
    if ri >= 0 and n_rec > 0:
        rec[ri, 0, 0], rec[ri, 0, 1], rec[ri, 0, 2] = x, y, z
    if h0 <= h_ground[i]:
        out_p[i, 0], out_p[i, 1], out_p[i, 2] = x, y, z
        out_v[i, 0], out_v[i, 1], out_v[i, 2] = vx, vy, vz
        out_t[i] = 0.0
        return
    h = dt[i]
    kd = k_drag[i]
    rl = math.sqrt(x * x + y * y + z * z) - h0  # local Earth radius under the start point
    t = 0.0
    for step in range(max_steps):
        h2 = 0.5 * h
        a1x, a1y, a1z = _accel(x, y, z, vx, vy, vz, kd, j2, omega, rl)
        x2, y2, z2 = x + h2 * vx, y + h2 * vy, z + h2 * vz
        u2x, u2y, u2z = vx + h2 * a1x, vy + h2 * a1y, vz + h2 * a1z
        a2x, a2y, a2z = _accel(x2, y2, z2, u2x, u2y, u2z, kd, j2, omega, rl)
        x3, y3, z3 = x + h2 * u2x, y + h2 * u2y, z + h2 * u2z
        u3x, u3y, u3z = vx + h2 * a2x, vy + h2 * a2y, vz + h2 * a2z
        a3x, a3y, a3z = _accel(x3, y3, z3, u3x, u3y, u3z, kd, j2, omega, rl)
        x4, y4, z4 = x + h * u3x, y + h * u3y, z + h * u3z
        u4x, u4y, u4z = vx + h * a3x, vy + h * a3y, vz + h * a3z
        a4x, a4y, a4z = _accel(x4, y4, z4, u4x, u4y, u4z, kd, j2, omega, rl)
        s6 = h / 6.0
        nx = x + s6 * (vx + 2.0 * u2x + 2.0 * u3x + u4x)
        ny = y + s6 * (vy + 2.0 * u2y + 2.0 * u3y + u4y)
        nz = z + s6 * (vz + 2.0 * u2z + 2.0 * u3z + u4z)
        nvx = vx + s6 * (a1x + 2.0 * a2x + 2.0 * a3x + a4x)
        nvy = vy + s6 * (a1y + 2.0 * a2y + 2.0 * a3y + a4y)
        nvz = vz + s6 * (a1z + 2.0 * a2z + 2.0 * a3z + a4z)
        h1 = height_scalar(nx, ny, nz, sphere)
        if ri >= 0 and step + 1 < n_rec:
            rec[ri, step + 1, 0], rec[ri, step + 1, 1], rec[ri, step + 1, 2] = nx, ny, nz
        if h1 <= h_ground[i]:
            # secant on the Hermite interpolant of the step for height == h_ground
            sa, fa = 0.0, h0 - h_ground[i]
            sb, fb = 1.0, h1 - h_ground[i]
            s = sa - fa * (sb - sa) / (fb - fa)
            for _ in range(3):
                px = _hermite(x, vx, nx, nvx, h, s)
                py = _hermite(y, vy, ny, nvy, h, s)
                pz = _hermite(z, vz, nz, nvz, h, s)
                fs = height_scalar(px, py, pz, sphere) - h_ground[i]
                if fs > 0.0:
                    sa, fa = s, fs
                else:
                    sb, fb = s, fs
                if fb == fa:
                    break
                s = sa - fa * (sb - sa) / (fb - fa)
            out_p[i, 0] = _hermite(x, vx, nx, nvx, h, s)
            out_p[i, 1] = _hermite(y, vy, ny, nvy, h, s)
            out_p[i, 2] = _hermite(z, vz, nz, nvz, h, s)
            out_v[i, 0] = vx + s * (nvx - vx)
            out_v[i, 1] = vy + s * (nvy - vy)
            out_v[i, 2] = vz + s * (nvz - vz)
            out_t[i] = t + s * h
            return
        x, y, z, vx, vy, vz = nx, ny, nz, nvx, nvy, nvz
        h0 = h1
        t += h


def _fly_impl(
    pos, vel, k_drag, dt, max_steps, h_ground, j2, omega, sphere, rec_row, n_rec_rows, n_rec
):  # type: ignore[no-untyped-def]
    n = pos.shape[0]
    out_p = np.full((n, 3), np.nan)
    out_v = np.full((n, 3), np.nan)
    out_t = np.full(n, np.nan)
    rec = np.full((n_rec_rows, n_rec, 3), np.nan)
    for i in prange(n):
        _fly_one(
            i,
            pos,
            vel,
            k_drag,
            dt,
            max_steps,
            h_ground,
            j2,
            omega,
            sphere,
            rec_row,
            n_rec,
            out_p,
            out_v,
            out_t,
            rec,
        )
    return out_p, out_v, out_t, rec


_fly = njit(cache=True, parallel=True)(_fly_impl)
# Serial twin for small batches: thread start-up and a busy machine make the threaded
# kernel far slower than one core on a few hundred objects.
_fly_serial = njit(cache=True)(_fly_impl)
PARALLEL_MIN = 2000
"""Batch size from which :func:`fly_to_ground` uses the threaded kernel."""


def fly_to_ground(
    pos_ecef_m: np.ndarray,
    vel_ecef_mps: np.ndarray,
    inv_beta_m2_kg: np.ndarray,
    dt_s: np.ndarray,
    *,
    max_steps: int = 400,
    h_ground_m: np.ndarray | float = 0.0,
    j2: bool = True,
    omega_radps: float = 7.292115e-5,
    sphere: bool = False,
    n_record: int = 0,
    record: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fly ``(n, 3)`` ECEF states to the ground.

    Returns ``(impact_ecef_m (n, 3), impact_vel_mps (n, 3), t_flight_s (n,), track
    (r, n_record, 3))``; NaN where the ground is not reached within ``max_steps`` steps.
    ``track[:, k]`` is the position after ``k`` steps (step ``dt_s``), NaN after impact, for
    the ``r`` objects where ``record`` (bool ``(n,)``, default all) is set, in their order.
    ``inv_beta_m2_kg`` is :math:`1/\\beta` (0 for vacuum).
    """
    n = pos_ecef_m.shape[0]
    f = np.ascontiguousarray
    k_drag = 0.5 * np.asarray(inv_beta_m2_kg, float) * np.ones(n)
    hg = np.broadcast_to(np.asarray(h_ground_m, float), (n,)).copy()
    rec_mask = np.ones(n, bool) if record is None else np.asarray(record, bool)
    rec_row = np.where(rec_mask, np.cumsum(rec_mask) - 1, -1).astype(np.int64)
    kernel = _fly if n >= PARALLEL_MIN else _fly_serial
    return kernel(  # type: ignore[no-any-return]
        f(pos_ecef_m, dtype=float), f(vel_ecef_mps, dtype=float), f(k_drag), f(dt_s, dtype=float),
        int(max_steps), hg, bool(j2), float(omega_radps), bool(sphere), rec_row,
        int(rec_mask.sum()), int(n_record),
    )  # fmt: skip
