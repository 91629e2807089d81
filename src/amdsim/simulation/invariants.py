"""Numerical invariants of the engine's batches, checked every step.

Pure functions over the batches (no state, no I/O). Each ``check_*`` function returns
``None`` when the batch is sane and raises :class:`~amdsim.core.errors.NumericalFault`
naming the stage, the simulation time and the ids of the offending objects otherwise; a
run never continues silently with nonsense.

Two levels, so that the always-on checks cost little:

* ``cheap=True`` (always on): every number finite, speeds below :data:`MAX_SPEED_MPS`,
  threat positions inside a spherical shell that contains the altitude band (geocentric
  radius only: one norm per row), track covariance diagonals positive.
* ``cheap=False`` (``amdsim run --check``): exact WGS84 altitudes within
  [:data:`MIN_ALT_M`, :data:`MAX_ALT_M`], track covariances symmetric and positive
  definite (smallest eigenvalue), interceptor altitudes when a frame is given.

:func:`repair_covariances` / :func:`repair_tracks` symmetrise a covariance and floor its
eigenvalues; they return which rows were repaired so that the engine can log it.

Engine calls (each step ``t -> t1 = t + dt``)::

    state, impacts = flight.advance(state, t, dt)
    check_threats(state, t1, cheap=not check)
    tracks, ev = tracker.update(tracks, dets, t1)
    if check:
        tracks, repaired = repair_tracks(tracks, t1)   # log an event naming `repaired`
    check_tracks(tracks, t1, cheap=not check)
    flyouts, out, ev = interceptors.advance(...)
    check_interceptors(flyouts, t1, frame=frame if check else None)

Bounds (ASSUMPTION, ours, deliberately loose so that only broken numbers trip them): no
object of the catalog flies faster than 8 km/s (below orbital speed, about 7.9 km/s at the
surface; ICBM re-entry is about 7 km/s) or higher than 2,000 km (ICBM apogees are about
1,200 km); nothing is more than 10 km below the WGS84 ellipsoid (the Dead Sea shore is at
about -0.43 km, the geoid departs from the ellipsoid by at most about 0.1 km).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np

from amdsim.core.errors import NumericalFault
from amdsim.core.frames import LocalFrame, ecef_to_geodetic

__all__ = [
    "MAX_ALT_M",
    "MAX_SPEED_MPS",
    "MIN_ALT_M",
    "check_finite",
    "check_interceptors",
    "check_threats",
    "check_tracks",
    "repair_covariances",
    "repair_tracks",
]

MIN_ALT_M = -10_000.0
MAX_ALT_M = 2_000_000.0
MAX_SPEED_MPS = 8_000.0
_WGS84_A_M = 6_378_137.0  # equatorial radius (WGS84 definition)
_WGS84_B_M = 6_356_752.314245  # polar radius (WGS84, derived)
_MAX_IDS = 10  # ids named in one message

_log = logging.getLogger("amdsim.invariants")


def _ids(ids: np.ndarray, bad: np.ndarray) -> list[int]:
    return [int(i) for i in np.asarray(ids)[bad][:_MAX_IDS]]


def _fault(stage: str, t_s: float, ids: np.ndarray, bad: np.ndarray, message: str) -> None:
    n = int(np.count_nonzero(bad))
    more = f" ({n} objects, first {_MAX_IDS} named)" if n > _MAX_IDS else ""
    raise NumericalFault(stage, float(t_s), _ids(ids, bad), message + more)


def check_finite(stage: str, t_s: float, ids: np.ndarray, *arrays: np.ndarray) -> None:
    """Raise if any row of any array (first axis = object) holds NaN or inf."""
    for arr in arrays:
        a = np.asarray(arr)
        if a.shape[0] == 0:
            continue
        bad = ~np.isfinite(a.reshape(a.shape[0], -1)).all(axis=1)
        if bad.any():
            _fault(stage, t_s, ids, bad, "non-finite state (NaN or inf)")


def _check_speed(stage: str, t_s: float, ids: np.ndarray, vel: np.ndarray, what: str) -> None:
    speed = np.sqrt(np.einsum("ij,ij->i", vel, vel))
    bad = speed >= MAX_SPEED_MPS
    if bad.any():
        top = float(speed[bad].max())
        _fault(stage, t_s, ids, bad, f"{what} speed {top:.0f} m/s >= {MAX_SPEED_MPS:.0f} m/s")


def _check_alt(stage: str, t_s: float, ids: np.ndarray, alt_m: np.ndarray, what: str) -> None:
    bad = (alt_m < MIN_ALT_M) | (alt_m > MAX_ALT_M)
    if bad.any():
        worst = float(alt_m[bad][np.argmax(np.abs(alt_m[bad]))])
        _fault(
            stage,
            t_s,
            ids,
            bad,
            f"{what} altitude {worst / 1e3:.1f} km outside "
            f"[{MIN_ALT_M / 1e3:.0f} km, {MAX_ALT_M / 1e3:.0f} km]",
        )


def check_threats(state: Any, t_s: float, *, cheap: bool = True, stage: str = "threats") -> None:
    """Invariants of the threats in flight of a :class:`~amdsim.threats.ThreatState`.

    Parameters
    ----------
    state : ThreatState
        Uses ``id``, ``status`` (1 = flying) and ``dyn`` ``(n, 7)``: ECEF position (m),
        ECEF velocity (m/s), mass (kg).
    t_s : float
        Simulation time (s), for the message.
    cheap : bool
        True: geocentric radius in ``[b + MIN_ALT_M, a + MAX_ALT_M]`` (WGS84 semi-axes a, b;
        a superset of the altitude band). False: exact WGS84 height (Bowring/pymap3d
        through :func:`amdsim.core.frames.ecef_to_geodetic`).

    Raises
    ------
    NumericalFault
        Non-finite state or mass, speed >= 8 km/s, altitude outside [-10 km, 2,000 km].
    """
    flying = np.asarray(state.status) == 1
    if not flying.any():
        return
    ids = np.asarray(state.id)[flying]
    dyn = np.asarray(state.dyn)[flying]
    check_finite(stage, t_s, ids, dyn)
    _check_speed(stage, t_s, ids, dyn[:, 3:6], "threat")
    pos = dyn[:, 0:3]
    if cheap:
        r = np.sqrt(np.einsum("ij,ij->i", pos, pos))
        bad = (r < _WGS84_B_M + MIN_ALT_M) | (r > _WGS84_A_M + MAX_ALT_M)
        if bad.any():
            _fault(stage, t_s, ids, bad, "threat position off the Earth (geocentric radius)")
    else:
        _check_alt(stage, t_s, ids, np.asarray(ecef_to_geodetic(pos)[2]), "threat")
    bad = dyn[:, 6] <= 0
    if bad.any():
        _fault(stage, t_s, ids, bad, "threat mass <= 0 kg")


def _min_eig(cov: np.ndarray) -> np.ndarray:
    sym = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    return np.linalg.eigvalsh(sym)[:, 0]


def check_tracks(
    tracks: Any, t_s: float, *, cheap: bool = True, stage: str = "tracking", sym_rtol: float = 1e-6
) -> None:
    """Invariants of a :class:`~amdsim.tracking.Tracks` batch.

    Cheap: state and covariance finite, covariance diagonal > 0. Full (``cheap=False``):
    also ``|P - P^T| <= sym_rtol * max|P|`` per track and smallest eigenvalue of the
    symmetric part > 0 (positive definite).

    Raises
    ------
    NumericalFault
        Naming the track ids.
    """
    if len(tracks) == 0:
        return
    ids = np.asarray(tracks.track_id)
    cov = np.asarray(tracks.cov, float)
    check_finite(stage, t_s, ids, np.asarray(tracks.state), cov)
    diag = np.diagonal(cov, axis1=1, axis2=2)
    bad = np.asarray((diag <= 0).any(axis=1))
    if bad.any():
        _fault(stage, t_s, ids, bad, "track covariance has a variance <= 0")
    if cheap:
        return
    asym = np.abs(cov - np.swapaxes(cov, 1, 2)).max(axis=(1, 2))
    scale = np.abs(cov).max(axis=(1, 2))
    bad = asym > sym_rtol * scale
    if bad.any():
        _fault(stage, t_s, ids, bad, "track covariance not symmetric")
    bad = _min_eig(cov) <= 0
    if bad.any():
        _fault(stage, t_s, ids, bad, "track covariance not positive definite")


def repair_covariances(
    cov: np.ndarray, *, rel_floor: float = 1e-12, abs_floor: float = 1e-9, sym_rtol: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrise covariances and floor their eigenvalues.

    For each ``P`` (rows of ``cov``, ``(n, d, d)``): ``S = (P + P^T) / 2``, ``S = V diag(w)
    V^T``, ``w' = max(w, max(abs_floor, rel_floor * max(w)))``, ``P' = V diag(w') V^T``
    (the nearest symmetric matrix in the Frobenius norm with eigenvalues at least the floor;
    Higham 1988, "Computing a nearest symmetric positive semidefinite matrix", Linear
    Algebra Appl. 103). Rows that are already symmetric (within ``sym_rtol``) with every
    eigenvalue at or above the floor are returned unchanged, bit for bit.

    Returns
    -------
    cov : np.ndarray
        ``(n, d, d)`` repaired copy.
    repaired : np.ndarray
        ``(n,)`` bool, rows that were changed.

    Raises
    ------
    ValueError
        Non-finite entries (cannot be repaired: refuse, do not invent numbers).
    """
    c = np.array(cov, dtype=float, copy=True)
    if c.ndim != 3 or c.shape[1] != c.shape[2]:
        raise ValueError(f"covariances must be (n, d, d) (got shape {c.shape})")
    n = c.shape[0]
    if n == 0:
        return c, np.zeros(0, dtype=bool)
    if not np.isfinite(c).all():
        raise ValueError("non-finite covariance entries cannot be repaired")
    sym = 0.5 * (c + np.swapaxes(c, 1, 2))
    w, v = np.linalg.eigh(sym)
    floor = np.maximum(abs_floor, rel_floor * np.abs(w).max(axis=1))
    asym = np.abs(c - np.swapaxes(c, 1, 2)).max(axis=(1, 2)) > sym_rtol * np.abs(c).max(axis=(1, 2))
    low = (w < floor[:, None]).any(axis=1)
    repaired = asym | low
    if repaired.any():
        wf = np.maximum(w[repaired], floor[repaired, None])
        vr = v[repaired]
        fixed = np.einsum("nij,nj,nkj->nik", vr, wf, vr)
        c[repaired] = 0.5 * (fixed + np.swapaxes(fixed, 1, 2))
    return c, repaired


def repair_tracks(tracks: Any, t_s: float, *, stage: str = "tracking") -> tuple[Any, np.ndarray]:
    """Repair the covariances of a :class:`~amdsim.tracking.Tracks` batch.

    Returns the batch (the same object when nothing changed) and the ids of the repaired
    tracks; a warning naming them is logged on ``amdsim.invariants``. Non-finite
    covariances are refused with :class:`NumericalFault` (they cannot be repaired).
    """
    if len(tracks) == 0:
        return tracks, np.zeros(0, dtype=np.int64)
    ids = np.asarray(tracks.track_id)
    check_finite(stage, t_s, ids, np.asarray(tracks.cov))
    cov, repaired = repair_covariances(np.asarray(tracks.cov))
    if not repaired.any():
        return tracks, np.zeros(0, dtype=np.int64)
    out_ids = ids[repaired].astype(np.int64)
    _log.warning("%s at t=%.3f s: repaired covariance of track(s) %s", stage, t_s, out_ids.tolist())
    return replace(tracks, cov=cov), out_ids


def check_interceptors(
    flyouts: Any,
    t_s: float,
    *,
    frame: LocalFrame | None = None,
    stage: str = "interceptors",
) -> None:
    """Invariants of the interceptors in flight (:class:`~amdsim.interceptors.Flyouts`).

    Positions and velocities (ENU) finite, speed < 8 km/s, and with ``frame`` the WGS84
    altitude of each round within [-10 km, 2,000 km].

    Raises
    ------
    NumericalFault
        Naming the interceptor ids.
    """
    if len(flyouts) == 0:
        return
    ids = np.asarray(flyouts.interceptor_id)
    pos = np.asarray(flyouts.pos_m, float)
    vel = np.asarray(flyouts.vel_mps, float)
    check_finite(stage, t_s, ids, pos, vel)
    _check_speed(stage, t_s, ids, vel, "interceptor")
    if frame is not None:
        _check_alt(stage, t_s, ids, np.asarray(frame.altitude_m(pos)), "interceptor")
