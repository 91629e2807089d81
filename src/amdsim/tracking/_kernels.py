"""Numba kernels of the tracker's scan cycle (the hot path of :class:`Tracker`).

Each kernel is a per-track loop that computes exactly what the vectorised NumPy code of
:mod:`amdsim.tracking.filters`, :mod:`amdsim.tracking.models` and
:mod:`amdsim.tracking.association` computes (same equations, same order of operations where
it matters; results agree to rounding). The NumPy code stays the readable reference and the
path for the filters the kernels do not cover; ``tests/unit/test_tracking_kernels.py`` checks
one against the other.

* :func:`imm_predict` — IMM mixing (Blom and Bar-Shalom 1988) and the EKF prediction of every
  mode, in place: :class:`~amdsim.tracking.models.ConstantVelocity` (any ``d >= 6``) and
  :class:`~amdsim.tracking.models.BallisticDrag` (RK4 sub-steps, transition Jacobian as the
  product of ``I + A h + A^2 h^2 / 2``, exponential air, uniform or J2 gravity evaluated in
  the ENU axes with the frame's rotation and origin).
* :func:`mixture` / :func:`mixture_pos` — moment-matched mixtures (all terms / position only).
* :func:`gate_pairs` — the exact Mahalanobis gate; candidates from the detections sorted on
  east, with the bounds of :func:`amdsim.tracking.association.gate`.
* :func:`gnn_two_stage` — GNN: confirmed tracks first, tentative tracks on the detections
  left; per connected cluster (union-find), closed form for single pairs and stars, else the
  shortest-augmenting-path assignment (Crouse, IEEE TAES 52(4), 2016; the algorithm of
  :func:`scipy.optimize.linear_sum_assignment`) with a dummy "unassigned" column per track.
* :func:`kf_update_imm` — Joseph-form position update of every mode of the assigned tracks,
  measurement likelihoods and the new mode probabilities.

Mode codes: 0 constant velocity, 1 ballistic with drag. ``par[j]`` holds
``[q, q_b, max_step_s, gravity kind (0 uniform, 1 J2 ENU), altitude offset (m)]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from amdsim.core.constants import (
    G0_MPS2,
    GM_EARTH_M3PS2,
    J2_EARTH,
    R_MEAN_EARTH_M,
    WGS84_A_M,
)
from amdsim.tracking.models import RHO0_KGPM3, SCALE_HEIGHT_M

__all__ = [
    "BALLISTIC",
    "CV",
    "ENABLED",
    "gate_pairs",
    "gnn_two_stage",
    "imm_predict",
    "kf_update_imm",
    "lsap",
    "mixture",
    "mixture_pos",
]

ENABLED = True
"""The tracker runs its scan cycle in these kernels where they cover its filters (False: the
NumPy reference path throughout; for tests and comparisons)."""

CV, BALLISTIC = 0, 1
_LOG2PI3 = 3.0 * math.log(2.0 * math.pi)
_J2K = 1.5 * J2_EARTH * GM_EARTH_M3PS2 * WGS84_A_M**2
_BIG = 1e12


# ---------------------------------------------------------------------------- prediction
@njit(cache=True, fastmath=False)
def _gravity(px, py, pz, gk, rot, org):  # type: ignore[no-untyped-def]
    if gk == 0:
        return 0.0, 0.0, -G0_MPS2
    # ENU -> ECEF (row vector times rot, plus origin), J2 gravity, back to ENU axes
    x = px * rot[0, 0] + py * rot[1, 0] + pz * rot[2, 0] + org[0]
    y = px * rot[0, 1] + py * rot[1, 1] + pz * rot[2, 1] + org[1]
    z = px * rot[0, 2] + py * rot[1, 2] + pz * rot[2, 2] + org[2]
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    mu_r3 = GM_EARTH_M3PS2 / (r2 * r)
    k = _J2K / (r2 * r2 * r)
    zr2 = 5.0 * z * z / r2
    gx = -mu_r3 * x - k * x * (1.0 - zr2)
    gy = -mu_r3 * y - k * y * (1.0 - zr2)
    gz = -mu_r3 * z - k * z * (3.0 - zr2)
    e = gx * rot[0, 0] + gy * rot[0, 1] + gz * rot[0, 2]
    n = gx * rot[1, 0] + gy * rot[1, 1] + gz * rot[1, 2]
    u = gx * rot[2, 0] + gy * rot[2, 1] + gz * rot[2, 2]
    return e, n, u


@njit(cache=True, fastmath=False)
def _ball_deriv(x, out, gk, alt0, rot, org):  # type: ignore[no-untyped-def]
    px, py, pz = x[0], x[1], x[2]
    vx, vy, vz = x[3], x[4], x[5]
    h = pz + (px * px + py * py) / (2.0 * R_MEAN_EARTH_M) + alt0
    rho = RHO0_KGPM3 * math.exp(-max(h, 0.0) / SCALE_HEIGHT_M)
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    gx, gy, gz = _gravity(px, py, pz, gk, rot, org)
    k = 0.5 * rho * speed * max(x[6], 0.0)  # no anti-drag (BallisticDrag._deriv)
    out[:] = 0.0
    out[0], out[1], out[2] = vx, vy, vz
    out[3] = gx - k * vx
    out[4] = gy - k * vy
    out[5] = gz - k * vz


@njit(cache=True, fastmath=False)
def _ball_jac(x, a, hstep, alt0):  # type: ignore[no-untyped-def]
    """``A h`` (continuous-time Jacobian times the sub-step; gravity gradient neglected)."""
    px, py, pz = x[0], x[1], x[2]
    b = max(x[6], 0.0)
    h = pz + (px * px + py * py) / (2.0 * R_MEAN_EARTH_M) + alt0
    rho = RHO0_KGPM3 * math.exp(-max(h, 0.0) / SCALE_HEIGHT_M)
    drho = -rho / SCALE_HEIGHT_M if h > 0.0 else 0.0
    v0, v1, v2 = x[3], x[4], x[5]
    speed = max(math.sqrt(v0 * v0 + v1 * v1 + v2 * v2), 1e-9)
    a[:, :] = 0.0
    a[0, 3] = a[1, 4] = a[2, 5] = hstep
    k = 0.5 * rho * b
    dh0, dh1 = px / R_MEAN_EARTH_M, py / R_MEAN_EARTH_M
    c6 = 0.5 * rho * speed
    cp = 0.5 * b * speed * drho
    for i in range(3):
        vi = x[3 + i]
        for j in range(3):
            vvt = vi * x[3 + j] / speed
            a[3 + i, 3 + j] = -k * ((speed if i == j else 0.0) + vvt) * hstep
        a[3 + i, 6] = -c6 * vi * hstep
        a[3 + i, 0] = -cp * vi * dh0 * hstep
        a[3 + i, 1] = -cp * vi * dh1 * hstep
        a[3 + i, 2] = -cp * vi * 1.0 * hstep


@njit(cache=True, fastmath=False)
def _ball_propagate(x, f, hstep, n_sub, gk, alt0, rot, org, w):  # type: ignore[no-untyped-def]
    """RK4 sub-steps of the state ``x`` in place and the transition Jacobian ``f``."""
    d = x.shape[0]
    a, a2, tmp = w[0], w[1], w[2]
    k1, k2, k3, k4, xt = w[3, 0], w[3, 1], w[3, 2], w[3, 3], w[3, 4]
    f[:, :] = 0.0
    for i in range(d):
        f[i, i] = 1.0
    for _ in range(n_sub):
        _ball_jac(x, a, hstep, alt0)
        # f = (I + a + 0.5 a a) f
        for i in range(d):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += a[i, k] * a[k, j]
                a2[i, j] = ((1.0 if i == j else 0.0) + a[i, j]) + 0.5 * s
        for i in range(d):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += a2[i, k] * f[k, j]
                tmp[i, j] = s
        f[:, :] = tmp
        half = 0.5 * hstep
        _ball_deriv(x, k1, gk, alt0, rot, org)
        for i in range(d):
            xt[i] = x[i] + half * k1[i]
        _ball_deriv(xt, k2, gk, alt0, rot, org)
        for i in range(d):
            xt[i] = x[i] + half * k2[i]
        _ball_deriv(xt, k3, gk, alt0, rot, org)
        for i in range(d):
            xt[i] = x[i] + hstep * k3[i]
        _ball_deriv(xt, k4, gk, alt0, rot, org)
        h6 = hstep / 6.0
        for i in range(d):
            x[i] = x[i] + h6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])


@njit(cache=True, fastmath=False)
def _cov_predict(p, f, dt, q, qb, ball, tmp):  # type: ignore[no-untyped-def]
    """``P <- sym(F P F^T + Q)`` in place (continuous white-noise acceleration ``Q``)."""
    d = p.shape[0]
    for i in range(d):
        for j in range(d):
            s = 0.0
            for k in range(d):
                s += f[i, k] * p[k, j]
            tmp[i, j] = s
    for i in range(d):
        for j in range(d):
            s = 0.0
            for k in range(d):
                s += tmp[i, k] * f[j, k]
            p[i, j] = s
    qa, qbk, qc = q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt
    for k in range(3):
        p[k, k] += qa
        p[k, k + 3] += qbk
        p[k + 3, k] += qbk
        p[k + 3, k + 3] += qc
    if ball:
        p[6, 6] += qb * dt
    for i in range(d):
        for j in range(i + 1, d):
            s = 0.5 * (p[i, j] + p[j, i])
            p[i, j] = s
            p[j, i] = s


@njit(cache=True, fastmath=False)
def imm_predict(ms, mc, mu, t_state, t, mix, pi, codes, par, rot, org):  # type: ignore[no-untyped-def]
    """Mix (when ``mix`` and more than one mode) and predict every mode of every track to
    ``t`` in place; ``mu`` becomes the predicted mode probabilities, ``t_state`` ``max(., t)``.

    ``ms (n, m, d)``, ``mc (n, m, d, d)``, ``mu (n, m)``, ``pi (m, m)`` the mode transition
    matrix, ``codes (m,)`` / ``par (m, 5)`` the mode models. The number of RK4 sub-steps of a
    mode is ``ceil(max dt / max_step)`` over the batch, as in
    :meth:`amdsim.tracking.models.BallisticDrag.propagate`."""
    n, m, d = ms.shape
    dtmax = 0.0
    for i in range(n):
        dtmax = max(dtmax, t - t_state[i])
    n_sub = np.ones(m, np.int64)
    for j in range(m):
        if codes[j] == BALLISTIC:
            n_sub[j] = max(1, math.ceil(dtmax / par[j, 2]))
    w = np.empty((4, d, d))
    f = np.empty((d, d))
    c = np.empty(m)
    wt = np.empty((m, m))
    x0 = np.empty((m, d))
    p0 = np.empty((m, d, d))
    dx = np.empty(d)
    for i in range(n):
        dt = max(t - t_state[i], 0.0)
        if mix and m > 1:
            for j in range(m):
                acc = 0.0
                for k in range(m):
                    acc += mu[i, k] * pi[k, j]
                c[j] = acc
            for k in range(m):
                for j in range(m):
                    wt[k, j] = mu[i, k] * pi[k, j] / max(c[j], 1e-300)
            for j in range(m):
                for a in range(d):
                    acc = 0.0
                    for k in range(m):
                        acc += wt[k, j] * ms[i, k, a]
                    x0[j, a] = acc
                for a in range(d):
                    for b in range(d):
                        p0[j, a, b] = 0.0
                for k in range(m):
                    wk = wt[k, j]
                    for a in range(d):
                        dx[a] = ms[i, k, a] - x0[j, a]
                    for a in range(d):
                        for b in range(d):
                            p0[j, a, b] += wk * (mc[i, k, a, b] + dx[a] * dx[b])
            for j in range(m):
                mu[i, j] = c[j]
                for a in range(d):
                    ms[i, j, a] = x0[j, a]
                    for b in range(d):
                        mc[i, j, a, b] = p0[j, a, b]
        if dt > 0.0:
            for j in range(m):
                x = ms[i, j]
                p = mc[i, j]
                if codes[j] == BALLISTIC:
                    hstep = dt / n_sub[j]
                    _ball_propagate(x, f, hstep, n_sub[j], int(par[j, 3]), par[j, 4], rot, org, w)
                    _cov_predict(p, f, dt, par[j, 0], par[j, 1], True, w[0])
                else:
                    f[:, :] = 0.0
                    for a in range(d):
                        f[a, a] = 1.0
                    for a in range(3):
                        x[a] = x[a] + x[a + 3] * dt
                        f[a, a + 3] = dt
                    _cov_predict(p, f, dt, par[j, 0], 0.0, False, w[0])
        t_state[i] = max(t_state[i], t)


@njit(cache=True, fastmath=False)
def mixture(mu, ms, mc):  # type: ignore[no-untyped-def]
    """Moment-matched mixture ``x (n, d)``, ``P (n, d, d)`` (eq. 11.6.6-20)."""
    n, m, d = ms.shape
    x = np.zeros((n, d))
    p = np.zeros((n, d, d))
    dx = np.empty(d)
    for i in range(n):
        for k in range(m):
            for a in range(d):
                x[i, a] += mu[i, k] * ms[i, k, a]
        for k in range(m):
            for a in range(d):
                dx[a] = ms[i, k, a] - x[i, a]
            for a in range(d):
                for b in range(d):
                    p[i, a, b] += mu[i, k] * (mc[i, k, a, b] + dx[a] * dx[b])
        for a in range(d):
            for b in range(a + 1, d):
                s = 0.5 * (p[i, a, b] + p[i, b, a])
                p[i, a, b] = s
                p[i, b, a] = s
    return x, p


@njit(cache=True, fastmath=False)
def mixture_pos(mu, ms, mc):  # type: ignore[no-untyped-def]
    """Position part of :func:`mixture`: ``x (n, 3)``, ``P (n, 3, 3)``."""
    n, m, _ = ms.shape
    x = np.zeros((n, 3))
    p = np.zeros((n, 3, 3))
    dx = np.empty(3)
    for i in range(n):
        for k in range(m):
            for a in range(3):
                x[i, a] += mu[i, k] * ms[i, k, a]
        for k in range(m):
            for a in range(3):
                dx[a] = ms[i, k, a] - x[i, a]
            for a in range(3):
                for b in range(3):
                    p[i, a, b] += mu[i, k] * (mc[i, k, a, b] + dx[a] * dx[b])
        for a in range(3):
            for b in range(a + 1, 3):
                s = 0.5 * (p[i, a, b] + p[i, b, a])
                p[i, a, b] = s
                p[i, b, a] = s
    return x, p


# ---------------------------------------------------------------------------- gating
@njit(cache=True, fastmath=False)
def _chol3_d2(s, nu):  # type: ignore[no-untyped-def]
    """``(d2, log det S, ok)`` through a jittered Cholesky factor of symmetric ``s`` (the
    fallback of :func:`amdsim.tracking.filters.cholesky_psd`)."""
    scale = max((s[0, 0] + s[1, 1] + s[2, 2]) / 3.0, 1e-300)
    for attempt in range(4):
        eps = 0.0 if attempt == 0 else (1e-12, 1e-9, 1e-6)[attempt - 1] * scale
        a = s[0, 0] + eps
        if not a > 0.0:
            continue
        l00 = math.sqrt(a)
        l10 = s[1, 0] / l00
        l20 = s[2, 0] / l00
        b = s[1, 1] + eps - l10 * l10
        if not b > 0.0:
            continue
        l11 = math.sqrt(b)
        l21 = (s[2, 1] - l20 * l10) / l11
        c = s[2, 2] + eps - l20 * l20 - l21 * l21
        if not c > 0.0:
            continue
        l22 = math.sqrt(c)
        w0 = nu[0] / l00
        w1 = (nu[1] - l10 * w0) / l11
        w2 = (nu[2] - l20 * w0 - l21 * w1) / l22
        d2 = w0 * w0 + w1 * w1 + w2 * w2
        return d2, 2.0 * (math.log(l00) + math.log(l11) + math.log(l22)), True
    return 0.0, 0.0, False


@njit(cache=True, fastmath=False)
def _log_gauss3(s, nu):  # type: ignore[no-untyped-def]
    """``(d2, log N(nu; 0, S), ok)`` for a 3 x 3 ``s`` (closed form as
    :func:`amdsim.tracking.filters.mahalanobis3`, Cholesky when not clearly positive)."""
    a, d, f = s[0, 0], s[1, 1], s[2, 2]
    b = 0.5 * (s[0, 1] + s[1, 0])
    c = 0.5 * (s[0, 2] + s[2, 0])
    e = 0.5 * (s[1, 2] + s[2, 1])
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    det = a * c00 + b * c01 + c * c02
    x, y, z = nu[0], nu[1], nu[2]
    q = (
        c00 * x * x
        + (a * f - c * c) * y * y
        + (a * d - b * b) * z * z
        + 2.0 * (c01 * x * y + c02 * x * z + (b * c - a * e) * y * z)
    )
    if math.isfinite(det) and det > 1e-12 * abs(a * d * f) and a > 0 and a * d - b * b > 0:
        d2 = q / det
        return d2, -0.5 * (d2 + math.log(det) + _LOG2PI3), True
    sym = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            sym[i, j] = 0.5 * (s[i, j] + s[j, i])
    d2, logdet, ok = _chol3_d2(sym, nu)
    return d2, -0.5 * (d2 + logdet + _LOG2PI3), ok


@njit(cache=True, fastmath=False)
def gate_pairs(px, pp, z, r, gamma):  # type: ignore[no-untyped-def]
    """All pairs with ``nu^T (P_pos + R)^-1 nu <= gamma``: ``(track, det, d2, loglik, ok)``,
    ordered by track then by the detections' east coordinate; ``ok`` False when a gated
    covariance could not be factorised."""
    n, m = px.shape[0], z.shape[0]
    cap = 4 * (n + m) + 16
    ti = np.empty(cap, np.int64)
    dj = np.empty(cap, np.int64)
    d2o = np.empty(cap)
    llo = np.empty(cap)
    k = 0
    if n == 0 or m == 0:
        return ti[:0], dj[:0], d2o[:0], llo[:0], True
    # detections grouped by covariance size (factors of 4 in the trace) and sorted on east
    # within a group: each group's window uses its own largest trace, so a few far, noisy
    # detections do not widen every search
    tr_r = np.empty(m)
    grp = np.empty(m, np.int64)
    for j in range(m):
        tr_r[j] = r[j, 0, 0] + r[j, 1, 1] + r[j, 2, 2]
        grp[j] = math.floor(math.log(max(tr_r[j], 1e-300)) / math.log(4.0))
    o1 = np.argsort(z[:, 0], kind="mergesort")
    order = o1[np.argsort(grp[o1], kind="mergesort")]
    ze = z[order, 0]
    starts = [0]
    for q in range(1, m):
        if grp[order[q]] != grp[order[q - 1]]:
            starts.append(q)
    starts.append(m)
    n_grp = len(starts) - 1
    g_lo = np.array(starts[:-1], np.int64)
    g_hi = np.array(starts[1:], np.int64)
    g_max = np.zeros(n_grp)
    for g in range(n_grp):
        for q in range(g_lo[g], g_hi[g]):
            g_max[g] = max(g_max[g], tr_r[order[q]])
    s = np.empty((3, 3))
    nu = np.empty(3)
    for i in range(n):
        tr_p = pp[i, 0, 0] + pp[i, 1, 1] + pp[i, 2, 2]
        if not (math.isfinite(tr_p) and math.isfinite(px[i, 0] + px[i, 1] + px[i, 2])):
            continue  # a track predicted to infinity gates nothing (management deletes it)
        for g in range(n_grp):
            lo, hi = g_lo[g], g_hi[g]
            rad = math.sqrt(gamma * (tr_p + g_max[g])) * (1.0 + 1e-9) + 1e-6
            if math.isfinite(rad):
                lo, hi = _bisect(ze, lo, hi, px[i, 0] - rad), _bisect(ze, lo, hi, px[i, 0] + rad)
            for q in range(lo, hi):
                j = order[q]
                nu[0] = z[j, 0] - px[i, 0]
                nu[1] = z[j, 1] - px[i, 1]
                nu[2] = z[j, 2] - px[i, 2]
                if not nu[0] * nu[0] + nu[1] * nu[1] + nu[2] * nu[2] <= gamma * (tr_p + tr_r[j]):
                    continue
                for a in range(3):
                    for b in range(3):
                        s[a, b] = pp[i, a, b] + r[j, a, b]
                d2, ll, ok = _log_gauss3(s, nu)
                if not ok:
                    return ti[:0], dj[:0], d2o[:0], llo[:0], False
                if d2 <= gamma:
                    if k == ti.shape[0]:
                        ti, dj, d2o, llo = _grow(ti, dj, d2o, llo)
                    ti[k], dj[k], d2o[k], llo[k] = i, j, d2, ll
                    k += 1
    return ti[:k], dj[:k], d2o[:k], llo[:k], True


@njit(cache=True, fastmath=False)
def _bisect(a, lo, hi, x):  # type: ignore[no-untyped-def]
    """First index in ``[lo, hi)`` of sorted ``a`` with ``a[k] > x`` (``hi`` if none)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, fastmath=False)
def _grow(ti, dj, d2, ll):  # type: ignore[no-untyped-def]
    k = ti.shape[0]
    ti2 = np.empty(2 * k, np.int64)
    dj2 = np.empty(2 * k, np.int64)
    d22 = np.empty(2 * k)
    ll2 = np.empty(2 * k)
    ti2[:k], dj2[:k], d22[:k], ll2[:k] = ti, dj, d2, ll
    return ti2, dj2, d22, ll2


# ---------------------------------------------------------------------------- assignment
@njit(cache=True, fastmath=False)
def lsap(cost):  # type: ignore[no-untyped-def]
    """Minimum-cost assignment of every row of ``cost (nr, nc)``, ``nr <= nc``, to a distinct
    column (shortest augmenting paths, Crouse 2016); returns ``col4row (nr,)``, or -1
    everywhere when infeasible."""
    nr, nc = cost.shape
    u = np.zeros(nr)
    v = np.zeros(nc)
    shortest = np.empty(nc)
    path = np.full(nc, -1, np.int64)
    col4row = np.full(nr, -1, np.int64)
    row4col = np.full(nc, -1, np.int64)
    sr = np.zeros(nr, np.bool_)
    sc = np.zeros(nc, np.bool_)
    remaining = np.empty(nc, np.int64)
    for cur in range(nr):
        min_val = 0.0
        num_rem = nc
        for it in range(nc):
            remaining[it] = nc - it - 1
        sr[:] = False
        sc[:] = False
        shortest[:] = np.inf
        sink = -1
        i = cur
        while sink == -1:
            index = -1
            lowest = np.inf
            sr[i] = True
            for it in range(num_rem):
                j = remaining[it]
                rr = min_val + cost[i, j] - u[i] - v[j]
                if rr < shortest[j]:
                    path[j] = i
                    shortest[j] = rr
                if shortest[j] < lowest or (shortest[j] == lowest and row4col[j] == -1):
                    lowest = shortest[j]
                    index = it
            min_val = lowest
            if min_val == np.inf or index < 0:
                col4row[:] = -1
                return col4row
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            sc[j] = True
            num_rem -= 1
            remaining[index] = remaining[num_rem]
        u[cur] += min_val
        for i in range(nr):
            if sr[i] and i != cur:
                u[i] += min_val - shortest[col4row[i]]
        for j in range(nc):
            if sc[j]:
                v[j] -= min_val - shortest[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            prev = col4row[i]
            col4row[i] = j
            j = prev
            if i == cur:
                break
    return col4row


@njit(cache=True, fastmath=False)
def _find(parent, a):  # type: ignore[no-untyped-def]
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True, fastmath=False)
def _gnn(ti, dj, d2, ll, sel, n, m, gamma, out_t, out_d, k):  # type: ignore[no-untyped-def]
    """GNN over the pairs ``sel`` (see :func:`amdsim.tracking.association.gnn_assign`);
    appends the assigned pairs to ``out_t, out_d`` from ``k``; returns the new count."""
    t_deg = np.zeros(n, np.int64)
    d_deg = np.zeros(m, np.int64)
    for q in sel:
        t_deg[ti[q]] += 1
        d_deg[dj[q]] += 1
    edge = np.full(n, np.inf)
    parent = np.arange(n + m)
    n_rest = 0
    for q in sel:
        t, d = ti[q], dj[q]
        if t_deg[t] == 1 and d_deg[d] == 1:
            out_t[k], out_d[k] = t, d
            k += 1
            continue
        n_rest += 1
        edge[t] = min(edge[t], -2.0 * ll[q] - d2[q] + gamma)
        ra, rb = _find(parent, t), _find(parent, n + d)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    if n_rest == 0:
        return k
    rest = np.empty(n_rest, np.int64)
    root = np.empty(n_rest, np.int64)
    p = 0
    for q in sel:
        if not (t_deg[ti[q]] == 1 and d_deg[dj[q]] == 1):
            rest[p] = q
            root[p] = _find(parent, ti[q])
            p += 1
    order = np.argsort(root, kind="mergesort")
    t_loc = np.full(n, -1, np.int64)
    d_loc = np.full(m, -1, np.int64)
    a = 0
    while a < n_rest:
        b = a
        while b < n_rest and root[order[b]] == root[order[a]]:
            b += 1
        # local indices of the cluster's tracks and detections (in first-seen order)
        nt = 0
        nd = 0
        for e in range(a, b):
            q = rest[order[e]]
            if t_loc[ti[q]] < 0:
                t_loc[ti[q]] = nt
                nt += 1
            if d_loc[dj[q]] < 0:
                d_loc[dj[q]] = nd
                nd += 1
        tr = np.empty(nt, np.int64)
        de = np.empty(nd, np.int64)
        for e in range(a, b):
            q = rest[order[e]]
            tr[t_loc[ti[q]]] = ti[q]
            de[d_loc[dj[q]]] = dj[q]
        if nt == 1 or nd == 1:
            # star: one track takes its cheapest detection; one detection goes to the track
            # that gains most over staying unassigned
            best, bq = np.inf, -1
            for e in range(a, b):
                q = rest[order[e]]
                sc = -2.0 * ll[q] if nt == 1 else -2.0 * ll[q] - edge[ti[q]]
                if sc < best:
                    best, bq = sc, q
            out_t[k], out_d[k] = ti[bq], dj[bq]
            k += 1
        else:
            mat = np.full((nt, nd + nt), _BIG)
            for e in range(a, b):
                q = rest[order[e]]
                mat[t_loc[ti[q]], d_loc[dj[q]]] = -2.0 * ll[q]
            for u in range(nt):
                mat[u, nd + u] = edge[tr[u]]
            cols = lsap(mat)
            for u in range(nt):
                cc = cols[u]
                if 0 <= cc < nd and mat[u, cc] < _BIG:
                    out_t[k], out_d[k] = tr[u], de[cc]
                    k += 1
        for u in range(nt):
            t_loc[tr[u]] = -1
        for u in range(nd):
            d_loc[de[u]] = -1
        a = b
    return k


@njit(cache=True, fastmath=False)
def gnn_two_stage(ti, dj, d2, ll, status, n, m, gamma):  # type: ignore[no-untyped-def]
    """GNN with confirmed tracks first and tentative tracks on the detections left over;
    returns the assigned ``(track_rows, det_rows)``."""
    cap = min(n, m)
    out_t = np.empty(cap, np.int64)
    out_d = np.empty(cap, np.int64)
    k_pairs = ti.shape[0]
    n_conf = 0
    for q in range(k_pairs):
        if status[ti[q]] == 1:
            n_conf += 1
    sel = np.empty(n_conf, np.int64)
    p = 0
    for q in range(k_pairs):
        if status[ti[q]] == 1:
            sel[p] = q
            p += 1
    k = _gnn(ti, dj, d2, ll, sel, n, m, gamma, out_t, out_d, 0)
    used = np.zeros(m, np.bool_)
    for e in range(k):
        used[out_d[e]] = True
    n2 = 0
    for q in range(k_pairs):
        if status[ti[q]] != 1 and not used[dj[q]]:
            n2 += 1
    sel2 = np.empty(n2, np.int64)
    p = 0
    for q in range(k_pairs):
        if status[ti[q]] != 1 and not used[dj[q]]:
            sel2[p] = q
            p += 1
    k = _gnn(ti, dj, d2, ll, sel2, n, m, gamma, out_t, out_d, k)
    return out_t[:k], out_d[:k]


# ---------------------------------------------------------------------------- update
@njit(cache=True, fastmath=False)
def kf_update_imm(ms, mc, mu, ti, dj, z, r):  # type: ignore[no-untyped-def]
    """Joseph-form position update of every mode of tracks ``ti`` with detections ``dj``
    (in place, as :func:`amdsim.tracking.filters.kf_update_position`), then the mode
    probabilities ``mu`` of those tracks from the measurement likelihoods. Returns False
    when an innovation covariance could not be factorised."""
    _n, m, d = ms.shape
    s = np.empty((3, 3))
    inv = np.empty((3, 3))
    k = np.empty((d, 3))
    tmp = np.empty((d, d))
    kr = np.empty((d, 3))
    nu = np.empty(3)
    lw = np.empty(m)
    for e in range(ti.shape[0]):
        i, j = ti[e], dj[e]
        for mode in range(m):
            x = ms[i, mode]
            p = mc[i, mode]
            for a in range(3):
                nu[a] = z[j, a] - x[a]
            for a in range(3):
                for b in range(3):
                    s[a, b] = 0.5 * ((p[a, b] + r[j, a, b]) + (p[b, a] + r[j, b, a]))
            sa, sb, sc = s[0, 0], s[0, 1], s[0, 2]
            sd, se, sf = s[1, 1], s[1, 2], s[2, 2]
            c00 = sd * sf - se * se
            c01 = sc * se - sb * sf
            c02 = sb * se - sc * sd
            c11 = sa * sf - sc * sc
            c12 = sb * sc - sa * se
            c22 = sa * sd - sb * sb
            det = sa * c00 + sb * c01 + sc * c02
            pd = (
                math.isfinite(det)
                and det > 1e-12 * abs(sa * sd * sf)
                and sa > 0
                and sa * sd - sb * sb > 0
            )
            if pd:
                kk = 1.0 / det
                inv[0, 0], inv[1, 1], inv[2, 2] = c00 * kk, c11 * kk, c22 * kk
                inv[0, 1] = inv[1, 0] = c01 * kk
                inv[0, 2] = inv[2, 0] = c02 * kk
                inv[1, 2] = inv[2, 1] = c12 * kk
                for a in range(d):
                    for b in range(3):
                        k[a, b] = p[a, 0] * inv[0, b] + p[a, 1] * inv[1, b] + p[a, 2] * inv[2, b]
            else:
                pht = np.ascontiguousarray(p[:, 0:3].T)
                k[:, :] = np.linalg.solve(s, pht).T
            _d2, ll, ok = _log_gauss3(s, nu)
            if not ok:
                return False
            lw[mode] = ll
            for a in range(d):
                x[a] = x[a] + (k[a, 0] * nu[0] + k[a, 1] * nu[1] + k[a, 2] * nu[2])
            # Joseph form with H = [I 0]: A = (I - K H) P = P - K P[:3, :];
            # P+ = A (I - K H)^T + K R K^T = A - A[:, :3] K^T + (K R) K^T (upper triangle,
            # mirrored: the result is symmetric by construction)
            for a in range(d):
                for b in range(d):
                    tmp[a, b] = p[a, b] - (
                        k[a, 0] * p[0, b] + k[a, 1] * p[1, b] + k[a, 2] * p[2, b]
                    )
            for a in range(d):
                for b in range(3):
                    kr[a, b] = k[a, 0] * r[j, 0, b] + k[a, 1] * r[j, 1, b] + k[a, 2] * r[j, 2, b]
            for a in range(d):
                for b in range(a, d):
                    v = (
                        tmp[a, b]
                        - (tmp[a, 0] * k[b, 0] + tmp[a, 1] * k[b, 1] + tmp[a, 2] * k[b, 2])
                    ) + (kr[a, 0] * k[b, 0] + kr[a, 1] * k[b, 1] + kr[a, 2] * k[b, 2])
                    p[a, b] = v
                    p[b, a] = v
        if m > 1:
            top = -np.inf
            for mode in range(m):
                lw[mode] = math.log(max(mu[i, mode], 1e-300)) + lw[mode]
                top = max(top, lw[mode])
            tot = 0.0
            for mode in range(m):
                lw[mode] = math.exp(lw[mode] - top)
                tot += lw[mode]
            for mode in range(m):
                mu[i, mode] = lw[mode] / tot
    return True


# ---------------------------------------------------------------------------- management
KEEP, SILENT, MISSES, COAST, COVARIANCE = 0, 1, 2, 3, 4
"""Drop codes of :func:`manage_tracks` (SILENT: a tentative track deleted without event)."""


@njit(cache=True, fastmath=False)
def manage_tracks(  # type: ignore[no-untyped-def]
    hist, n_counted, misses, sensors, t_upd, status, inst, mu, ms, mc, hit, bit, t,
    count, close, confirm_m, confirm_n, max_misses, max_tent, max_coast, max_var,
):  # fmt: skip
    """Track management of :mod:`amdsim.tracking._management` in one pass, in place.

    When ``count``: count one scan of the sensor ``bit`` (``hit``: track updated) into the
    instant flags ``inst`` (1 hit, 2 looked at by a sensor that updated it before, 4 born at
    this instant; the first hit of the instant pushes a 1 into the history) and confirm
    (status 0 -> 1 with at least ``confirm_m`` hits in the history). When ``close`` (the
    instant's last scan, or a prune): one 0 bit and one miss for each track looked at but not
    hit, deletion of the tracks not born at this instant, flags cleared. ``max_tent < 0``: no
    tentative miss limit. Returns the newly confirmed tracks, each track's drop code (the
    first of misses, coast, covariance for a confirmed track) and the mixture positions
    ``(n, 3)`` of the newly confirmed tracks and, when ``close``, of all (for the events)."""
    n = hist.shape[0]
    m = ms.shape[1]
    mask_n = np.uint64((1 << confirm_n) - 1)
    new_conf = np.zeros(n, np.bool_)
    code = np.zeros(n, np.int8)
    pos = np.zeros((n, 3))
    for i in range(n):
        if count:
            if hit[i]:
                if inst[i] & 1 == 0:
                    hist[i] = ((hist[i] << np.uint64(1)) | np.uint64(1)) & mask_n
                    n_counted[i] = min(n_counted[i] + 1, confirm_n)
                    inst[i] |= 1
                misses[i] = 0
                sensors[i] = sensors[i] | bit
                t_upd[i] = t
            elif (sensors[i] & bit) != 0:
                inst[i] |= 2
        born = False
        if close:
            if inst[i] & 3 == 2:
                hist[i] = (hist[i] << np.uint64(1)) & mask_n
                n_counted[i] = min(n_counted[i] + 1, confirm_n)
                misses[i] += 1
            born = inst[i] & 4 != 0
            inst[i] = 0
        h = hist[i]
        n_hits = 0
        while h:
            n_hits += int(h & np.uint64(1))
            h = h >> np.uint64(1)
        if count and status[i] == 0 and n_hits >= confirm_m:
            status[i] = 1
            new_conf[i] = True
        if not (close or new_conf[i]):
            continue
        # mixture position and its variance (trace / 3)
        xa = pos[i]
        for k in range(m):
            for a in range(3):
                xa[a] += mu[i, k] * ms[i, k, a]
        if not close or born:
            continue
        var = 0.0
        for a in range(3):
            acc = 0.0
            for k in range(m):
                dx = ms[i, k, a] - xa[a]
                acc += mu[i, k] * (mc[i, k, a, a] + dx * dx)
            var += acc
        var /= 3.0
        if status[i] == 0:
            dead = (n_counted[i] - n_hits) > (confirm_n - confirm_m)
            dead = dead or (max_tent >= 0 and misses[i] >= max_tent)
            dead = dead or (t - t_upd[i]) > max_coast or var > max_var
            if dead:
                code[i] = SILENT
        elif status[i] == 1:
            if misses[i] >= max_misses:
                code[i] = MISSES
            elif (t - t_upd[i]) > max_coast:
                code[i] = COAST
            elif var > max_var:
                code[i] = COVARIANCE
    return new_conf, code, pos


@njit(cache=True, fastmath=False)
def initial_modes(z, r, m, d, extra_mean, vel_sigma, extra_sigma):  # type: ignore[no-untyped-def]
    """Mode states ``(k, m, d)`` and covariances ``(k, m, d, d)`` of new tracks at the
    measured positions ``z`` (covariance ``r``): zero velocity with ``vel_sigma``, extra terms
    ``extra_mean`` with ``extra_sigma`` (see :func:`amdsim.tracking._management.initiate`)."""
    k = z.shape[0]
    ms = np.zeros((k, m, d))
    mc = np.zeros((k, m, d, d))
    for i in range(k):
        for j in range(m):
            for a in range(3):
                ms[i, j, a] = z[i, a]
                for b in range(3):
                    mc[i, j, a, b] = r[i, a, b]
                mc[i, j, 3 + a, 3 + a] = vel_sigma**2
            for a in range(d - 6):
                ms[i, j, 6 + a] = extra_mean[a]
                mc[i, j, 6 + a, 6 + a] = extra_sigma[a] ** 2
    return ms, mc
