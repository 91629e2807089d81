"""Numba flight kernels of the threats: one object's advance, the engine step, fly-to-impact.

Boosted kinds (rocket, mortar, ballistic) are point masses flown by
:func:`amdsim.physics.eom.rk4_scalar`; a step that contains the engine cut-off is split there
so the thrust discontinuity never falls inside an RK4 step. Cruise missiles and drones are
kinematic (:func:`_kinematic_velocity`): constant speed, climb to and hold the cruise height,
steer along the ground towards the current waypoint, and dive straight at the last one once
its line of sight is as steep as the dive angle. Ground impact is the first sub-step ending
below the ellipsoid (or sphere); the impact point and time are interpolated linearly in
height between the two sub-step ends.

Per-object codes: ``kind`` 0 rocket, 1 mortar, 2 ballistic, 3 cruise, 4 drone;
``status`` 0 waiting, 1 flying, 2 impacted, 3 killed, 4 numerical fault.

Arrays are packed so that a call passes few arrays (Numba reference-counts every array
argument of every call; with ~25 separate arrays that cost more than the physics):
``S (n, 7)`` dynamic state ``x, y, z, vx, vy, vz, m``; ``P (n, 9)`` static floats (columns
``P_*``); ``Q (n, 3)`` static ints (``Q_*``); ``wp (n, k, 3)`` waypoints; ``wp_idx (n,)``.
"""

from __future__ import annotations

import math

from numba import njit, prange

from amdsim.physics.eom import rk4_scalar
from amdsim.physics.geodesy import height_scalar, lat_height_scalar

KIND_CODES: dict[str, int] = {"rocket": 0, "mortar": 1, "ballistic": 2, "cruise": 3, "drone": 4}
WAITING, FLYING, IMPACTED, KILLED, FAULT = 0, 1, 2, 3, 4
_TAU_ALT_S = 10.0  # time constant of the cruise height-hold loop (ASSUMPTION)
_R_MAX_M = 1.0e7
P_TCUT, P_THRUST, P_MDOT, P_AREA, P_SPEED, P_ALT, P_TANDIVE, P_SINCLIMB, P_TLAUNCH = range(9)
Q_KIND, Q_CDP, Q_NWP = range(3)
_H_MIN_M = -10_000.0


@njit(cache=True, fastmath=False, error_model="numpy")
def _kinematic_velocity(i, S, P, Q, wp, wp_idx, dt):  # type: ignore[no-untyped-def]
    x, y, z = S[i, 0], S[i, 1], S[i, 2]
    sl, cl, h = lat_height_scalar(x, y, z)
    p = math.sqrt(x * x + y * y)
    clon = x / p if p > 0.0 else 1.0
    slon = y / p if p > 0.0 else 0.0
    ux, uy, uz = cl * clon, cl * slon, sl
    s = P[i, P_SPEED]
    n_wp = Q[i, Q_NWP]
    for _ in range(2):  # at most one waypoint switch per step
        k = wp_idx[i]
        dx, dy, dz = wp[i, k, 0] - x, wp[i, k, 1] - y, wp[i, k, 2] - z
        dup = dx * ux + dy * uy + dz * uz
        hx, hy, hz = dx - dup * ux, dy - dup * uy, dz - dup * uz
        g = math.sqrt(hx * hx + hy * hy + hz * hz)
        last = k >= n_wp - 1
        if (not last) and g < max(1.5 * s * dt, 100.0):
            wp_idx[i] = k + 1
            continue
        break
    if last and h >= P[i, P_TANDIVE] * g:
        dn = math.sqrt(dx * dx + dy * dy + dz * dz)
        if dn > 0.0:
            return s * dx / dn, s * dy / dn, s * dz / dn
    vmax = s * P[i, P_SINCLIMB]
    vz = (P[i, P_ALT] - h) / _TAU_ALT_S
    vz = min(max(vz, -vmax), vmax)
    vh = math.sqrt(max(s * s - vz * vz, 0.0))
    if g > 0.0:
        return vh * hx / g + vz * ux, vh * hy / g + vz * uy, vh * hz / g + vz * uz
    return vz * ux, vz * uy, vz * uz


@njit(cache=True, fastmath=False, error_model="numpy")
def _advance_one(i, tau0, tau1, dt_max, S, P, Q, wp, wp_idx, j2, omega, drag, sphere, imp_pos):  # type: ignore[no-untyped-def]
    """Advance object ``i`` from ``tau0`` to ``tau1`` (s since its launch).

    Returns ``(code, tau_impact)``: code 0 still flying, 1 impacted (``imp_pos[i]`` set),
    2 numerical fault.
    """
    tau = tau0
    h_prev = height_scalar(S[i, 0], S[i, 1], S[i, 2], sphere)
    boosted = Q[i, Q_KIND] <= 2
    t_cut = P[i, P_TCUT]
    while tau < tau1 - 1e-9:
        tb = min(tau1, tau + dt_max)
        px, py, pz = S[i, 0], S[i, 1], S[i, 2]
        if boosted:
            on = tau < t_cut - 1e-12
            if on and t_cut < tb:
                tb = t_cut
            th = P[i, P_THRUST] if on else 0.0
            md = P[i, P_MDOT] if on else 0.0
            out = rk4_scalar(
                px, py, pz, S[i, 3], S[i, 4], S[i, 5], S[i, 6], tb - tau,
                th, md, P[i, P_AREA], Q[i, Q_CDP], j2, omega, drag, sphere,
            )  # fmt: skip
            for c in range(7):
                S[i, c] = out[c]
        else:
            vx, vy, vz = _kinematic_velocity(i, S, P, Q, wp, wp_idx, tb - tau)
            S[i, 3], S[i, 4], S[i, 5] = vx, vy, vz
            S[i, 0], S[i, 1], S[i, 2] = (
                px + vx * (tb - tau),
                py + vy * (tb - tau),
                pz + vz * (tb - tau),
            )
        x, y, z = S[i, 0], S[i, 1], S[i, 2]
        r2 = x * x + y * y + z * z
        if not (r2 < _R_MAX_M * _R_MAX_M) or not math.isfinite(S[i, 3] + S[i, 4] + S[i, 5]):
            return 2, tb
        h = height_scalar(x, y, z, sphere)
        if h < _H_MIN_M:
            return 2, tb
        if h < 0.0:
            f = h_prev / (h_prev - h) if h_prev > h else 0.0
            imp_pos[i, 0] = px + f * (x - px)
            imp_pos[i, 1] = py + f * (y - py)
            imp_pos[i, 2] = pz + f * (z - pz)
            return 1, tau + f * (tb - tau)
        h_prev = h
        tau = tb
    return 0, tau1


# The per-row body of the engine step is written out in both loops below (serial and
# threaded) rather than called: a call would pass the arrays again (see module docstring).


@njit(cache=True, fastmath=False, error_model="numpy", parallel=True)
def advance_batch(  # type: ignore[no-untyped-def]
    t0, t1, dt_max, status, S, S0, P, Q, wp, wp_idx, j2, omega, drag, sphere,
    launched, impacted, t_imp, imp_pos,
):  # fmt: skip
    """Engine step ``(t0, t1]`` of every object, in place on ``status, S, wp_idx`` (threads).

    Objects waiting with launch time ``<= t1`` are launched (state reset to ``S0``) and
    flown from their launch time; flying objects are flown from ``t0``. Sets
    ``launched[i]``, ``impacted[i]``, ``t_imp[i]``, ``imp_pos[i]``; status 4 = fault.
    """
    for i in prange(status.shape[0]):
        st = status[i]
        tl = P[i, P_TLAUNCH]
        if st == 0 and tl <= t1:
            for c in range(7):
                S[i, c] = S0[i, c]
            wp_idx[i] = 0
            status[i] = 1
            launched[i] = True
            tau0 = 0.0
        elif st == 1:
            tau0 = t0 - tl
        else:
            continue
        code, tau_i = _advance_one(
            i, tau0, t1 - tl, dt_max, S, P, Q, wp, wp_idx, j2, omega, drag, sphere, imp_pos
        )
        if code == 1:
            status[i] = 2
            impacted[i] = True
            t_imp[i] = tl + tau_i
        elif code == 2:
            status[i] = 4


@njit(cache=True, fastmath=False, error_model="numpy")
def advance_batch_serial(  # type: ignore[no-untyped-def]
    t0, t1, dt_max, status, S, S0, P, Q, wp, wp_idx, j2, omega, drag, sphere,
    launched, impacted, t_imp, imp_pos,
):  # fmt: skip
    """Single-threaded :func:`advance_batch` (no thread start-up cost for small batches)."""
    for i in range(status.shape[0]):
        st = status[i]
        tl = P[i, P_TLAUNCH]
        if st == 0 and tl <= t1:
            for c in range(7):
                S[i, c] = S0[i, c]
            wp_idx[i] = 0
            status[i] = 1
            launched[i] = True
            tau0 = 0.0
        elif st == 1:
            tau0 = t0 - tl
        else:
            continue
        code, tau_i = _advance_one(
            i, tau0, t1 - tl, dt_max, S, P, Q, wp, wp_idx, j2, omega, drag, sphere, imp_pos
        )
        if code == 1:
            status[i] = 2
            impacted[i] = True
            t_imp[i] = tl + tau_i
        elif code == 2:
            status[i] = 4


@njit(cache=True, fastmath=False, error_model="numpy", parallel=True)
def fly_to_impact_batch(
    dt, tau_max, S, P, Q, wp, wp_idx, j2, omega, drag, sphere, imp_pos, tau_imp, code
):  # type: ignore[no-untyped-def]
    """Fly every object from launch (its state in ``S``) to impact.

    ``code[i]`` 1 impacted (``imp_pos[i]``, ``tau_imp[i]``), 0 still flying at ``tau_max``,
    2 numerical fault. Modifies ``S`` and ``wp_idx`` in place.
    """
    for i in prange(S.shape[0]):
        tau = 0.0
        c = 0
        ti = 0.0
        while tau < tau_max:
            c, ti = _advance_one(
                i, tau, tau + dt, dt, S, P, Q, wp, wp_idx, j2, omega, drag, sphere, imp_pos
            )
            if c != 0:
                break
            tau += dt
        code[i] = c
        tau_imp[i] = ti


@njit(cache=True, fastmath=False, error_model="numpy")
def fly_to_impact_serial(
    dt, tau_max, S, P, Q, wp, wp_idx, j2, omega, drag, sphere, imp_pos, tau_imp, code
):  # type: ignore[no-untyped-def]
    """Single-threaded :func:`fly_to_impact_batch`."""
    for i in range(S.shape[0]):
        tau = 0.0
        c = 0
        ti = 0.0
        while tau < tau_max:
            c, ti = _advance_one(
                i, tau, tau + dt, dt, S, P, Q, wp, wp_idx, j2, omega, drag, sphere, imp_pos
            )
            if c != 0:
                break
            tau += dt
        code[i] = c
        tau_imp[i] = ti
