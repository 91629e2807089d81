"""Numba kernel of the missile flyout of :func:`amdsim.interceptors.homing.advance`.

One call (:func:`fly_missiles`) flies every missile through one engine step: the aim point
(track prediction or true threat) and the seeker acquisition, then for each of the ``n_sub``
sub-steps the aim on its cubic Hermite curve, the guidance law (:func:`command`), the Heun
step of :func:`amdsim.interceptors.kinematics.heun`, the closing-to-opening test with the
closest approach (:func:`closest`) and the ends of flight (flight time, too slow, ground,
zero closing). It is the scalar transcription, operation for operation, of the NumPy
reference ``homing._advance_missiles`` (kept as the test oracle:
``advance(..., reference=True)``); the two agree to rounding
(``tests/unit/test_interceptors_homing_kernel.py``). Rows are independent: the kill draws,
which depend on the order of the closest approaches over all rounds, stay in Python.

Small helpers are ``inline="always"``: Numba does not inline across its functions otherwise,
and the calls cost more than the arithmetic (the Heun step runs ~1.8x faster inlined).

Row codes written to ``end_code``: :data:`FLYING` (still in flight at the end of the step),
:data:`CPA` (closest approach reached), the ends of flight (:data:`END_REASONS`, in the order
the reference tests them), :data:`GONE` and :data:`BEHIND`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from amdsim.core.constants import R_MEAN_EARTH_M
from amdsim.interceptors.kinematics import heun

__all__ = [
    "ACQ_GATE_M", "BEHIND", "CPA", "END_REASONS", "FLYING", "GONE", "LAW_CODES", "closest",
    "command", "fly_missiles",
]  # fmt: skip

ACQ_GATE_M = 1500.0
"""See :data:`amdsim.interceptors.homing.ACQ_GATE_M` (defined here for the kernel)."""

LAW_CODES: dict[str, int] = {"pn": 0, "ppn": 1, "apn": 2}
"""Kernel code of each guidance law of :data:`amdsim.interceptors.guidance.LAWS`."""
FLYING = -1
CPA = 0
END_REASONS: dict[int, str] = {
    1: "fuel/time exhausted (flight time limit)",
    2: "fuel/time exhausted (too slow after burnout)",
    3: "hit the ground",
    4: "zero closing speed",
}
"""Codes of the ends of flight (tested in this order after each sub-step) and their reason."""
GONE = 5
"""Code of a locked round whose threat is no longer flying."""
BEHIND = 6
"""Code of a round whose threat is behind it at seeker acquisition."""
H_BURNOUT, H_DELAY, H_GAIN, H_TMAX, H_VMIN, H_SEEKER = range(6)
"""Columns of the per-type homing parameters ``hpar``."""

_TINY = 1e-12  # as amdsim.interceptors.guidance._TINY


@njit(cache=True, fastmath=False, inline="always")
def _cross(ax, ay, az, bx, by, bz):  # type: ignore[no-untyped-def]  # pragma: no cover
    return ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx


@njit(cache=True, fastmath=False, inline="always")
def command(law, rx, ry, rz, vx, vy, vz, mx, my, mz, tx, ty, tz, gain):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Commanded acceleration of one round (m/s^2) by law code (:data:`LAW_CODES`).

    Scalar form of :mod:`amdsim.interceptors.guidance` (same operations, same order):
    ``r, v`` target minus round position / velocity, ``m`` the round's velocity, ``t`` the
    target acceleration relative to the round's gravity, ``gain`` N'.
    """
    r2 = rx * rx + ry * ry + rz * rz
    inv_r2 = 1.0 / r2 if r2 > _TINY else 0.0
    wx, wy, wz = _cross(rx, ry, rz, vx, vy, vz)
    wx, wy, wz = wx * inv_r2, wy * inv_r2, wz * inv_r2
    if law == 1:  # pure PN: N' |v_M| (Omega x v_hat_M)
        speed = math.sqrt(mx * mx + my * my + mz * mz)
        inv = 1.0 / speed if speed > _TINY else 0.0
        cx, cy, cz = _cross(wx, wy, wz, mx * inv, my * inv, mz * inv)
        k = gain * speed
        return k * cx, k * cy, k * cz
    vc = -(rx * vx + ry * vy + rz * vz) * math.sqrt(inv_r2)
    n = math.sqrt(r2)
    inv = 1.0 / n if n > _TINY else 0.0
    hx, hy, hz = rx * inv, ry * inv, rz * inv
    cx, cy, cz = _cross(wx, wy, wz, hx, hy, hz)
    k = gain * vc
    ax, ay, az = k * cx, k * cy, k * cz
    if law == 2:  # augmented PN: + N'/2 a_T normal to the LOS
        d = tx * hx + ty * hy + tz * hz
        half = 0.5 * gain
        ax = ax + half * (tx - d * hx)
        ay = ay + half * (ty - d * hy)
        az = az + half * (tz - d * hz)
    return ax, ay, az


@njit(cache=True, fastmath=False, inline="always")
def _hermite_coef(s):  # type: ignore[no-untyped-def]  # pragma: no cover
    s2 = s * s
    s3 = s * s * s
    return (
        2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2,
        6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, 3 * s2 - 2 * s,
    )  # fmt: skip


@njit(cache=True, fastmath=False, inline="always")
def _hermite_pos(a, b, c, d, p0, v0, p1, v1, dt):  # type: ignore[no-untyped-def]  # pragma: no cover
    return a * p0 + b * dt * v0 + c * p1 + d * dt * v1


@njit(cache=True, fastmath=False, inline="always")
def _hermite(aim, dt, s, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Aim position and velocity at fraction ``s`` into ``out[0:6]`` (``aim (4, 3)``: start
    position and velocity, end position and velocity)."""
    a, b, c, d, e, f, g = _hermite_coef(s)
    for x in range(3):
        out[x] = _hermite_pos(a, b, c, d, aim[0, x], aim[1, x], aim[2, x], aim[3, x], dt)
        out[3 + x] = e * (aim[0, x] - aim[2, x]) / dt + f * aim[1, x] + g * aim[3, x]


@njit(cache=True, fastmath=False, inline="always")
def _dist2(s, r0, w0, r1, w1, h):  # type: ignore[no-untyped-def]  # pragma: no cover
    a, b, c, d, _, _, _ = _hermite_coef(s)
    x = _hermite_pos(a, b, c, d, r0[0], w0[0], r1[0], w1[0], h)
    y = _hermite_pos(a, b, c, d, r0[1], w0[1], r1[1], w1[1], h)
    z = _hermite_pos(a, b, c, d, r0[2], w0[2], r1[2], w1[2], h)
    return x * x + y * y + z * z


@njit(cache=True, fastmath=False)
def closest(r0, w0, r1, w1, h):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Scalar :func:`amdsim.interceptors.homing.closest_approach` (65 samples, then 33
    around the best): fraction ``s`` and distance (m)."""
    best, d_best = 0, np.inf
    for q in range(65):
        d2 = _dist2(q / 64.0, r0, w0, r1, w1, h)
        if d2 < d_best:
            best, d_best = q, d2
    lo = min(max(best / 64.0 - 1.0 / 64, 0.0), 1.0)
    s_best, d_best = 0.0, np.inf
    for q in range(33):
        s = min(max(lo + q * (2.0 / 64 / 32), 0.0), 1.0)
        d2 = _dist2(s, r0, w0, r1, w1, h)
        if d2 < d_best:
            s_best, d_best = s, d2
    return s_best, math.sqrt(d_best)


@njit(cache=True, fastmath=False, inline="always")
def _lookup(sorted_ids, order, x):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Index of id ``x`` in the original array (-1 where absent), as ``homing._lookup``."""
    n = sorted_ids.shape[0]
    if n == 0:
        return -1
    q = min(np.searchsorted(sorted_ids, x), n - 1)
    return order[q] if sorted_ids[q] == x else -1


@njit(cache=True, fastmath=False, inline="always")
def _gravity(px, py, pz, rc, mu):  # type: ignore[no-untyped-def]  # pragma: no cover
    """As :func:`amdsim.interceptors.kinematics.gravity_mps2` (same operations)."""
    dz = pz - -rc
    r = math.sqrt(px * px + py * py + dz * dz)
    r3 = r * r * r
    return -mu * px / r3, -mu * py / r3, -mu * dz / r3


@njit(cache=True, fastmath=False)
def fly_missiles(  # type: ignore[no-untyped-def]  # pragma: no cover
    rows, type_idx, track_id, threat_id, closing0, pos, vel, t_launch, aim_pos, aim_vel,
    trk_sorted, trk_order, trk_state, trk_t, trk_beta, tru_sorted, tru_order, tru_id,
    tru_pos, tru_vel, law, par, hpar, t0, dt, n_sub, alt0_m, mu, cd_mach, cd_shape,
    new_pos, new_vel, new_aim_pos, new_aim_vel, new_threat, new_closing, end_code, end_f,
):  # fmt: skip
    """Fly the missile rows ``rows`` of a batch of flyouts from ``t0`` to ``t0 + dt``.

    Transcription of :func:`amdsim.interceptors.homing._advance_missiles` (aim point,
    seeker acquisition, then ``n_sub`` sub-steps per row). Inputs: the
    :class:`~amdsim.interceptors.flyouts.Flyouts` columns; the tracks sorted by id
    (``trk_sorted, trk_order``) with ``trk_state (k, >=6)``, state time and ballistic
    coefficient; the true threats sorted likewise with their ids, positions and velocities;
    ``law`` code per type, ``par`` :attr:`InterceptorTable.kinematic_params`, ``hpar`` the
    homing parameters (columns ``H_*``). Writes the ``new_*`` columns of the rows still
    flying; for the rows that end, ``end_code[i]`` (left as is for the others) and
    ``end_f[i]``: time, miss distance, position, threat id, sub-step.
    """
    h = dt / n_sub
    rc = R_MEAN_EARTH_M + alt0_m
    n_tru = tru_id.shape[0]
    tru_state = np.empty((n_tru, 6))
    for q in range(n_tru):
        for x in range(3):
            tru_state[q, x], tru_state[q, 3 + x] = tru_pos[q, x], tru_vel[q, x]
    a = np.empty((4, 3))  # aim: start position, start velocity, end position, end velocity
    tgt = np.empty(6)
    r0, w0, r1, w1 = np.empty(3), np.empty(3), np.empty(3), np.empty(3)
    for i in rows:
        j = type_idx[i]
        burnout, delay = hpar[j, H_BURNOUT], hpar[j, H_DELAY]
        px, py, pz = pos[i, 0], pos[i, 1], pos[i, 2]
        vx, vy, vz = vel[i, 0], vel[i, 1], vel[i, 2]
        t_fl = t0 - t_launch[i]
        thr = threat_id[i]
        closing = closing0[i]
        locked = thr >= 0
        for x in range(3):
            a[0, x], a[1, x] = aim_pos[i, x], aim_vel[i, x]
            a[2, x], a[3, x] = a[0, x] + a[1, x] * dt, a[1, x]
        ballistic = False
        # midcourse: the track's prediction at t1, the start re-based on the same estimate
        kt = _lookup(trk_sorted, trk_order, track_id[i])
        if (not locked) and kt >= 0:
            age = t0 + dt - trk_t[kt]
            for x in range(3):
                a[2, x] = trk_state[kt, x] + trk_state[kt, 3 + x] * age
                a[3, x] = trk_state[kt, 3 + x]
                a[0, x] = trk_state[kt, x] + trk_state[kt, 3 + x] * (age - dt)
                a[1, x] = trk_state[kt, 3 + x]
            ballistic = np.isfinite(trk_beta[kt])
        # terminal: the true threat
        code = FLYING
        if locked:
            u = _lookup(tru_sorted, tru_order, thr)
            if u < 0:
                code = GONE
            else:
                for x in range(3):
                    a[2, x], a[3, x] = tru_state[u, x], tru_state[u, 3 + x]
        # seeker acquisition at t0: the true threat nearest the predicted point
        if code == FLYING and not locked and n_tru > 0:
            dx, dy, dz = a[0, 0] - px, a[0, 1] - py, a[0, 2] - pz
            rng_aim = math.sqrt(dx * dx + dy * dy + dz * dz)
            if rng_aim < hpar[j, H_SEEKER] and t_fl >= delay:
                u, d_u = 0, np.inf
                for q in range(n_tru):
                    ex = a[0, 0] - (tru_state[q, 0] - tru_state[q, 3] * dt)
                    ey = a[0, 1] - (tru_state[q, 1] - tru_state[q, 4] * dt)
                    ez = a[0, 2] - (tru_state[q, 2] - tru_state[q, 5] * dt)
                    d = math.sqrt(ex * ex + ey * ey + ez * ez)
                    if d < d_u:
                        u, d_u = q, d
                if d_u <= ACQ_GATE_M:
                    lx = (tru_state[u, 0] - tru_state[u, 3] * dt) - px
                    ly = (tru_state[u, 1] - tru_state[u, 4] * dt) - py
                    lz = (tru_state[u, 2] - tru_state[u, 5] * dt) - pz
                    if lx * vx + ly * vy + lz * vz <= 0.0:
                        code, thr = BEHIND, tru_id[u]
                    else:
                        thr, locked = tru_id[u], True
                        for x in range(3):
                            a[0, x] = tru_state[u, x] - tru_state[u, 3 + x] * dt
                            a[1, x] = a[3, x] = tru_state[u, 3 + x]
                            a[2, x] = tru_state[u, x]
        if code != FLYING:
            end_code[i] = code
            end_f[i, 0], end_f[i, 1] = t0, np.nan
            end_f[i, 2], end_f[i, 3], end_f[i, 4] = px, py, pz
            end_f[i, 5], end_f[i, 6] = thr, 0
            continue
        # target acceleration relative to the round's gravity (augmented PN only)
        gx, gy, gz = _gravity(px, py, pz, rc, mu)
        tx = ty = tz = 0.0
        if ballistic:
            tx, ty, tz = _gravity(a[0, 0], a[0, 1], a[0, 2], rc, mu)
        if locked:
            tx, ty, tz = (
                (a[3, 0] - a[1, 0]) / dt,
                (a[3, 1] - a[1, 1]) / dt,
                (a[3, 2] - a[1, 2]) / dt,
            )
        tx, ty, tz = tx - gx, ty - gy, tz - gz
        # sub-steps
        _hermite(a, dt, 0.0, tgt)
        r0[0], r0[1], r0[2] = tgt[0] - px, tgt[1] - py, tgt[2] - pz
        w0[0], w0[1], w0[2] = tgt[3] - vx, tgt[4] - vy, tgt[5] - vz
        for j_sub in range(n_sub):
            cx = cy = cz = 0.0
            if t_fl >= delay:
                cx, cy, cz = command(
                    law[j], r0[0], r0[1], r0[2], w0[0], w0[1], w0[2], vx, vy, vz, tx, ty, tz,
                    hpar[j, H_GAIN],
                )  # fmt: skip
            qx, qy, qz = px, py, pz
            px, py, pz, vx, vy, vz, _ = heun(
                px, py, pz, vx, vy, vz, t_fl, j, par, cx, cy, cz, h, rc, mu, cd_mach, cd_shape
            )
            t_fl = t_fl + h
            _hermite(a, dt, (j_sub + 1) / n_sub, tgt)
            r1[0], r1[1], r1[2] = tgt[0] - px, tgt[1] - py, tgt[2] - pz
            w1[0], w1[1], w1[2] = tgt[3] - vx, tgt[4] - vy, tgt[5] - vz
            rr0 = r0[0] * w0[0] + r0[1] * w0[1] + r0[2] * w0[2]
            rr1 = r1[0] * w1[0] + r1[1] * w1[1] + r1[2] * w1[2]
            if rr1 < 0.0:
                closing = True
            t_sub = t0 + j_sub * h
            if rr0 < 0.0 and rr1 >= 0.0:  # closest approach inside this sub-step
                s, miss = closest(r0, w0, r1, w1, h)
                code = CPA
                end_f[i, 0], end_f[i, 1] = t_sub + s * h, miss
                end_f[i, 2] = qx + (px - qx) * s
                end_f[i, 3] = qy + (py - qy) * s
                end_f[i, 4] = qz + (pz - qz) * s
            else:
                speed = math.sqrt(vx * vx + vy * vy + vz * vz)
                dz = pz - -rc
                alt = math.sqrt(px * px + py * py + dz * dz) - R_MEAN_EARTH_M
                if t_fl > hpar[j, H_TMAX]:
                    code = 1
                elif t_fl > burnout and speed < hpar[j, H_VMIN]:
                    code = 2
                elif t_fl > 1.0 and alt < 0.0:
                    code = 3
                elif t_fl > max(burnout, delay) and not closing:
                    code = 4
                if code != FLYING:
                    end_f[i, 0], end_f[i, 1] = t_sub + h, np.nan
                    end_f[i, 2], end_f[i, 3], end_f[i, 4] = px, py, pz
            if code != FLYING:
                end_code[i] = code
                end_f[i, 5], end_f[i, 6] = thr, j_sub
                break
            r0[:] = r1
            w0[:] = w1
        new_pos[i, 0], new_pos[i, 1], new_pos[i, 2] = px, py, pz
        new_vel[i, 0], new_vel[i, 1], new_vel[i, 2] = vx, vy, vz
        for x in range(3):
            new_aim_pos[i, x], new_aim_vel[i, x] = a[2, x], a[3, x]
        new_threat[i], new_closing[i] = thr, closing
