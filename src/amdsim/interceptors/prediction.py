"""Where a fire order aims: the predicted path of a track and its earliest engagement point.

Used by :func:`amdsim.interceptors.battery.fire`: missiles launch toward
:func:`predicted_intercept_point`; guns and lasers hold fire until
:func:`earliest_engagement`.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from amdsim.core.constants import G0_MPS2
from amdsim.interceptors.protocols import Envelope
from amdsim.physics.atmosphere import atmosphere

__all__ = ["MIN_BETA_KG_M2", "earliest_engagement", "predict_path", "predicted_intercept_point"]

MIN_BETA_KG_M2 = 100.0
"""Floor on a track's estimated ballistic coefficient used in fire-order predictions (a
fresh track's estimate can be far too small; rockets and shells are above ~1,000 kg/m^2)."""


def predicted_intercept_point(
    env: Envelope,
    launcher_m: np.ndarray,
    pos_m: np.ndarray,
    vel_mps: np.ndarray,
    ballistic: bool,
    t_max_s: float,
    n_samples: int = 256,
    *,
    beta_kg_m2: float = np.inf,
    alt0_m: float = 0.0,
) -> np.ndarray:
    """Where to aim the launch: the earliest point of the predicted threat path that the
    interceptor reaches no later than the threat (``tof(PIP(tau)) <= tau``).

    The threat is predicted at constant velocity, plus gravity ``g0`` downward for a
    ballistic track. Without a feasible point, the point of the path whose time of flight
    comes closest to the threat's arrival is used, and failing that (all outside the
    envelope) the point ``t_max_s / 2`` ahead, kept above ground. A finite ballistic
    coefficient ``beta_kg_m2`` adds drag to the prediction (:func:`predict_path`).
    """
    return earliest_engagement(
        env, launcher_m, pos_m, vel_mps, ballistic, t_max_s, n_samples,
        beta_kg_m2=beta_kg_m2, alt0_m=alt0_m,
    )[1]  # fmt: skip


def earliest_engagement(
    env: Envelope,
    launcher_m: np.ndarray,
    pos_m: np.ndarray,
    vel_mps: np.ndarray,
    ballistic: bool,
    t_max_s: float,
    n_samples: int = 256,
    pk_fraction: float = 0.0,
    *,
    beta_kg_m2: float = np.inf,
    alt0_m: float = 0.0,
) -> tuple[float, np.ndarray, bool]:
    """Earliest engagement of a predicted threat path: ``(tau_s, point_m, feasible)``.

    ``tau_s`` is the time from now at which the threat reaches ``point_m`` (the first sample
    with ``tof(point) <= tau``, inside the envelope and above the launcher, and with a
    single-shot Pk of at least ``pk_fraction`` times the best Pk along the path);
    ``feasible`` is False when no sample qualifies, and the point is then the fallback of
    :func:`predicted_intercept_point`.
    """
    tau = np.linspace(0.0, t_max_s, n_samples)
    path = predict_path(pos_m, vel_mps, ballistic, tau, beta_kg_m2=beta_kg_m2, alt0_m=alt0_m)
    d = path - launcher_m[None, :]
    tof = np.asarray(env.time_of_flight(np.hypot(d[:, 0], d[:, 1]), d[:, 2]), float)
    above = path[:, 2] >= launcher_m[2]
    ok = np.isfinite(tof) & (tof <= tau) & above
    if ok.any() and pk_fraction > 0.0:
        pk = np.asarray(env.single_shot_pk(np.hypot(d[:, 0], d[:, 1]), d[:, 2]), float)
        ok &= pk >= pk_fraction * float(np.max(np.where(ok, pk, 0.0)))
    if ok.any():
        i = int(np.argmax(ok))
        return float(tau[i]), path[i], True
    fin = np.isfinite(tof) & above
    if fin.any():
        i = int(np.nanargmin(np.where(fin, tof - tau, np.nan)))
        return float(tau[i]), path[i], False
    mid = path[n_samples // 2].copy()
    mid[2] = max(mid[2], launcher_m[2] + 100.0)
    return float(tau[n_samples // 2]), mid, False


def predict_path(
    pos_m: np.ndarray,
    vel_mps: np.ndarray,
    ballistic: bool,
    tau_s: np.ndarray,
    *,
    beta_kg_m2: float = np.inf,
    alt0_m: float = 0.0,
) -> np.ndarray:
    """Predicted track positions ``(k, 3)`` (ENU, m) at times ``tau_s`` (s from now, sorted,
    starting at 0).

    Constant velocity for a non-ballistic track. A ballistic track falls with ``g0``; with a
    finite ballistic coefficient :math:`\\beta = m / (C_d A)` (kg/m^2) it also decelerates by
    drag, :math:`\\dot v = g - \\rho(h) |v| v / (2 \\beta)` (USSA76 density, log-interpolated
    every 50 m, at altitude ``z + alt0_m``), integrated with Heun's method on the ``tau_s``
    grid (flat Earth: the horizon of a fire order is a couple of minutes at most).
    """
    tau = np.asarray(tau_s, float)
    if not ballistic:
        return pos_m[None, :] + vel_mps[None, :] * tau[:, None]
    if not (np.isfinite(beta_kg_m2) and beta_kg_m2 > 0.0) or tau.size < 2:
        path = pos_m[None, :] + vel_mps[None, :] * tau[:, None]
        path[:, 2] -= 0.5 * G0_MPS2 * tau**2
        return path
    k = 0.5 / max(float(beta_kg_m2), MIN_BETA_KG_M2)
    z_tab, log_rho = _density_table()
    return _drag_path(
        np.asarray(pos_m, float), np.asarray(vel_mps, float), tau, k, float(alt0_m), z_tab, log_rho
    )


@functools.lru_cache(maxsize=1)
def _density_table() -> tuple[np.ndarray, np.ndarray]:
    """USSA76 log-density every 50 m from 0 to 120 km (interpolated: < 0.1 % error)."""
    z = np.arange(0.0, 120_000.0 + 1.0, 50.0)
    return z, np.log(atmosphere(z)[2])


@njit(cache=True)
def _drag_path(
    p0: np.ndarray, v0: np.ndarray, tau: np.ndarray, k: float, alt0: float,
    z_tab: np.ndarray, log_rho: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Heun integration of ``dv/dt = g - k rho(z) |v| v`` on the ``tau`` grid (see
    :func:`predict_path`)."""
    path = np.empty((tau.size, 3))
    p = p0.copy()
    v = v0.copy()
    path[0] = p
    a0 = np.empty(3)
    a1 = np.empty(3)
    for i in range(1, tau.size):
        h = tau[i] - tau[i - 1]
        rho = np.exp(np.interp(p[2] + alt0, z_tab, log_rho))
        sp = np.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
        for c in range(3):
            a0[c] = -k * rho * sp * v[c]
        a0[2] -= G0_MPS2
        p1 = p + h * v
        v1 = v + h * a0
        rho = np.exp(np.interp(p1[2] + alt0, z_tab, log_rho))
        sp = np.sqrt(v1[0] * v1[0] + v1[1] * v1[1] + v1[2] * v1[2])
        for c in range(3):
            a1[c] = -k * rho * sp * v1[c]
        a1[2] -= G0_MPS2
        p = p + 0.5 * h * (v + v1)
        v = v + 0.5 * h * (a0 + a1)
        path[i] = p
    return path
