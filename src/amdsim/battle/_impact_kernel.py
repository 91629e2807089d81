"""Numba kernel: fly many ballistic states to the ground (impact-point prediction).

Equations of motion in the rotating ECEF frame (as :mod:`amdsim.physics.eom`):

.. math::
    \\dot{\\mathbf v} = \\mathbf g_{J2}(\\mathbf r) - 2\\boldsymbol\\omega\\times\\mathbf v
      - \\boldsymbol\\omega\\times(\\boldsymbol\\omega\\times\\mathbf r)
      - \\frac{\\rho(h)\\,|\\mathbf v|}{2\\beta}\\mathbf v ,

with the ballistic coefficient :math:`\\beta = m / (C_d A)` held constant (what the tracker
estimates). Gravity (J2, Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.,
eq. 8-30) and the rotating-frame terms are :func:`amdsim.physics.eom.gravity_frame_scalar`, the
USSA76 density the table of :func:`amdsim.physics.atmosphere.density_and_sound_speed_fast`, both
shared with the threat flight; the ground test uses the height above the WGS84 ellipsoid
:func:`amdsim.physics.geodesy.height_scalar`.

Each object is stepped with classical RK4 at its own fixed step (chosen by the caller from a
vacuum estimate of the time to the ground) until its height crosses ``h_ground``; the crossing
is located on the cubic Hermite interpolant of the last step (position and velocity at both
ends) by three secant iterations on the height. Inside the drag term the height is measured from
the sphere of the local Earth radius under the starting point (over a 300 km flight this
differs from the ellipsoidal height by < 100 m, < 1.5 % in density).

The kernel is serial on purpose (the batches of a decision cycle are a few thousand objects at
most; threads cost more than they save on a busy 2-core machine) and deterministic.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from amdsim.physics.atmosphere import density_and_sound_speed_fast
from amdsim.physics.eom import DRAG_CEILING_M, gravity_frame_scalar
from amdsim.physics.geodesy import height_scalar

__all__ = ["fly_to_ground", "quadrature_hits"]


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _accel(x, y, z, vx, vy, vz, k_drag, j2, omega, r_local):  # type: ignore[no-untyped-def]
    """Acceleration with the drag ``k_drag rho |v| v`` (``k_drag = 1 / (2 beta)``)."""
    ax, ay, az, rn = gravity_frame_scalar(x, y, z, vx, vy, j2, omega)
    if k_drag > 0.0:
        h = rn - r_local  # height for the density only: local-radius sphere, see module doc
        if h < DRAG_CEILING_M:
            kd = (
                k_drag * density_and_sound_speed_fast(h)[0] * math.sqrt(vx * vx + vy * vy + vz * vz)
            )
            ax -= kd * vx
            ay -= kd * vy
            az -= kd * vz
    return ax, ay, az


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
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


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
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


@njit(cache=True, fastmath=False, error_model="numpy")
def _fly(pos, vel, k_drag, dt, max_steps, h_ground, j2, omega, sphere, rec_row, n_rec_rows, n_rec):  # type: ignore[no-untyped-def]
    n = pos.shape[0]
    out_p = np.full((n, 3), np.nan)
    out_v = np.full((n, 3), np.nan)
    out_t = np.full(n, np.nan)
    rec = np.full((n_rec_rows, n_rec, 3), np.nan)
    for i in range(n):
        _fly_one(
            i, pos, vel, k_drag, dt, max_steps, h_ground, j2, omega, sphere, rec_row, n_rec,
            out_p, out_v, out_t, rec,
        )  # fmt: skip
    return out_p, out_v, out_t, rec


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
    return _fly(  # type: ignore[no-any-return]
        f(pos_ecef_m, dtype=float), f(vel_ecef_mps, dtype=float), f(k_drag), f(dt_s, dtype=float),
        int(max_steps), hg, bool(j2), float(omega_radps), bool(sphere), rec_row,
        int(rec_mask.sum()), int(n_record),
    )  # fmt: skip


@njit(cache=True, fastmath=False, error_model="numpy")
def quadrature_hits(mean, l11, l21, l22, z, center, radius, poly_xy, poly_start):  # type: ignore[no-untyped-def]
    """Fraction of the quadrature points of each impact distribution inside each asset.

    Point ``q`` of row ``i`` is ``mean_i + L_i z_q`` with the Cholesky factor
    ``L = [[l11, 0], [l21, l22]]``; non-finite points count as far away. Asset ``j`` is the
    circle ``(center[j], radius[j])`` or, where ``poly_start[j] < poly_start[j + 1]``, the
    polygon ``poly_xy[poly_start[j]:poly_start[j + 1]]`` (even-odd rule, as
    :func:`amdsim.core.areas.points_in_polygon`). Returns ``(n, m)``; rows whose mean is not
    finite are 0.
    """
    n, nq, m = mean.shape[0], z.shape[0], center.shape[0]
    out = np.zeros((n, m))
    for i in range(n):
        if not np.isfinite(mean[i, 0]):
            continue
        for q in range(nq):
            px = mean[i, 0] + l11[i] * z[q, 0]
            py = mean[i, 1] + l21[i] * z[q, 0] + l22[i] * z[q, 1]
            if not np.isfinite(px):
                px = 1e30
            if not np.isfinite(py):
                py = 1e30
            for j in range(m):
                a, b = poly_start[j], poly_start[j + 1]
                if a == b:
                    dx = px - center[j, 0]
                    dy = py - center[j, 1]
                    inside = dx * dx + dy * dy <= radius[j] * radius[j]
                else:
                    cross = 0
                    for v in range(a, b):
                        w = v + 1 if v + 1 < b else a
                        x0, y0 = poly_xy[v, 0], poly_xy[v, 1]
                        x1, y1 = poly_xy[w, 0], poly_xy[w, 1]
                        if (y0 > py) != (y1 > py):
                            if px < x0 + (py - y0) * (x1 - x0) / (y1 - y0):
                                cross += 1
                    inside = cross % 2 == 1
                if inside:
                    out[i, j] += 1.0
    for i in range(n):
        for j in range(m):
            out[i, j] /= nq
    return out
