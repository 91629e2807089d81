"""Advance all engagements by one simulation step: guidance, flyout, closest approach, kills.

Missiles guide on the **track** (its prediction at the current time, re-based each step on
the latest estimate so a track correction is a jump between steps, never a swing inside one;
the last prediction is kept if the track is dropped) until the range to that predicted point falls below the type's
seeker range; the seeker then locks on the true threat nearest the predicted point (within
:data:`ACQ_GATE_M`) and the round homes on the true state. Inside one engine step the round
is integrated in sub-steps (``substep_s``); the aim moves on the cubic Hermite curve through
its states at the start and the end of the step.

Closest approach: when the range rate to the aim changes sign from closing to opening inside
a sub-step, the relative motion over that sub-step is interpolated (cubic Hermite in position
and velocity at both ends) and minimised, so the miss distance is not quantised by the step.
A locked round kills if ``miss <= lethal radius`` and a Bernoulli draw with the type's Pk
(stream ``"kill"``) succeeds. Other ends, each a ``miss`` event with a reason: fuel/time
exhausted, too slow after burnout, hit the ground, never closing ("zero closing speed"),
target behind the round at acquisition, target gone, no target at the predicted point.
Gun bursts and laser dwells (``MODE_GUN``, ``MODE_LASER``) resolve at their end time with
their stored Pk if the threat is still within range.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from amdsim.core.constants import GM_EARTH_M3PS2
from amdsim.core.errors import NumericalFault
from amdsim.core.events import EventBatch
from amdsim.interceptors import _homing_kernel as _hk
from amdsim.interceptors.flyouts import MODE_MISSILE, Flyouts, Outcomes
from amdsim.interceptors.guidance import LAWS
from amdsim.interceptors.kinematics import (
    _CD_SHAPE,
    CD_MACH,
    InterceptorTable,
    altitude_m,
    gravity_mps2,
    step,
)
from amdsim.tracking.batches import Tracks

__all__ = ["ACQ_GATE_M", "DIRECT_GATE_M", "advance", "closest_approach", "hermite"]

ACQ_GATE_M = _hk.ACQ_GATE_M
"""ASSUMPTION: the seeker locks on the true threat nearest the predicted track point only if it
is within 1.5 km of it (a few times a typical track error at seeker ranges)."""
DIRECT_GATE_M = 500.0
"""ASSUMPTION: a gun / laser engages the true threat nearest its track if within 500 m."""
_PASSED = "passed the predicted track point without seeker acquisition"
_GONE = "target no longer flying (destroyed or impacted)"
_BEHIND = "target behind at seeker acquisition"


def hermite(
    p0: np.ndarray, v0: np.ndarray, p1: np.ndarray, v1: np.ndarray, dt: float, s: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Cubic Hermite position and velocity at fraction ``s`` of an interval of ``dt`` seconds.

    ``p*, v*`` are ``(n, 3)``; ``s`` a scalar or ``(n,)`` / ``(n, m)`` (then outputs gain axes).
    """
    s = np.asarray(s, float)
    if s.ndim == 2:
        p0, v0, p1, v1 = (x[:, None, :] for x in (p0, v0, p1, v1))
    ss = s[..., None] if s.ndim else s
    s2, s3 = ss * ss, ss * ss * ss
    pos = (
        (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + ss) * dt * v0 + (-2 * s3 + 3 * s2) * p1
        + (s3 - s2) * dt * v1
    )  # fmt: skip
    vel = (6 * s2 - 6 * ss) * (p0 - p1) / dt + (3 * s2 - 4 * ss + 1) * v0 + (3 * s2 - 2 * ss) * v1
    return pos, vel


def closest_approach(
    r0: np.ndarray, w0: np.ndarray, r1: np.ndarray, w1: np.ndarray, h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Fraction ``s`` in [0, 1] and distance (m) of the minimum of ``|r|`` over an interval.

    ``r, w`` are the relative position and velocity ``(n, 3)`` at both ends of an interval
    of ``h`` seconds; the relative motion is the cubic Hermite curve through them. The
    minimum is found by sampling (65 points) and refining around the best sample (33 points),
    i.e. to ~1e-3 of the interval.
    """
    if r0.shape[0] == 0:
        return np.empty(0), np.empty(0)
    grid = np.linspace(0.0, 1.0, 65)
    s = np.broadcast_to(grid, (r0.shape[0], grid.size))
    pos, _ = hermite(r0, w0, r1, w1, h, s)
    best = np.argmin(np.einsum("nmk,nmk->nm", pos, pos), axis=1)
    lo = np.clip(grid[best] - 1.0 / 64, 0.0, 1.0)
    fine = lo[:, None] + np.linspace(0.0, 2.0 / 64, 33)[None, :]
    fine = np.clip(fine, 0.0, 1.0)
    pos, _ = hermite(r0, w0, r1, w1, h, fine)
    d2 = np.einsum("nmk,nmk->nm", pos, pos)
    j = np.argmin(d2, axis=1)
    rows = np.arange(r0.shape[0])
    return fine[rows, j], np.sqrt(d2[rows, j])


def _lookup(sorted_ids: np.ndarray, order: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Index of each of ``ids`` in the original array (``-1`` where absent)."""
    if sorted_ids.size == 0:
        return np.full(ids.shape, -1, dtype=np.int64)
    pos = np.clip(np.searchsorted(sorted_ids, ids), 0, sorted_ids.size - 1)
    return np.where(sorted_ids[pos] == ids, order[pos], -1)


def state_time_s(tracks: Tracks) -> np.ndarray:
    """Time each track's state refers to: ``t_state_s`` when the tracker sets it, else
    ``t_update_s``."""
    t_state = getattr(tracks, "t_state_s", None)
    return np.asarray(tracks.t_update_s if t_state is None else t_state, float)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


class _Ends:
    """Accumulates resolutions: row, time, kill flag, threat, miss distance, position, reason."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, rows, t, kill, threat, miss, pos, reason) -> None:  # type: ignore[no-untyped-def]
        n = len(rows)
        if n:
            self.parts.append(
                (
                    np.asarray(rows, np.int64), _col(t, n, float), _col(kill, n, bool),
                    _col(threat, n, np.int64), _col(miss, n, float),
                    np.asarray(pos, float).reshape(n, 3), _col(reason, n, object),
                )
            )  # fmt: skip

    def arrays(self) -> tuple[np.ndarray, ...]:
        if not self.parts:
            e = np.empty(0)
            return (np.empty(0, np.int64), e, np.empty(0, bool), np.empty(0, np.int64), e,
                    np.empty((0, 3)), np.empty(0, object))  # fmt: skip
        if len(self.parts) == 1:
            return self.parts[0]
        return tuple(np.concatenate([p[i] for p in self.parts]) for i in range(7))


def _col(x: object, n: int, dtype: type) -> np.ndarray:
    a: np.ndarray = np.asarray(x, dtype)
    return a if a.shape == (n,) else np.broadcast_to(a, (n,))


def _kill_outcomes(
    ids: np.ndarray, threat: np.ndarray, miss: np.ndarray, pk: np.ndarray, lethal: np.ndarray,
    killed: set[int], rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Kill flag and reason of rounds at their closest approach (interceptor ids ``ids``),
    resolved in interceptor-id order: one draw per round within the lethal radius, a threat
    killed by an earlier round is "already destroyed". Adds the kills to ``killed``."""
    n = ids.size
    order = np.argsort(ids, kind="stable")
    inside = miss[order] <= lethal[order]
    u = rng.random(int(inside.sum()))
    kill, reason = np.zeros(n, bool), np.empty(n, object)
    ui = 0
    for o, ins in zip(order.tolist(), inside.tolist()):
        th = int(threat[o])
        if th in killed:
            reason[o] = "target already destroyed"
            continue
        if not ins:
            reason[o] = f"miss distance {miss[o]:.1f} m > lethal radius {lethal[o]:.1f} m"
            continue
        if u[ui] < pk[o]:
            killed.add(th)
            kill[o], reason[o] = True, f"kill (Pk {pk[o]:.2f})"
        else:
            reason[o] = (
                f"no kill: miss {miss[o]:.1f} m within lethal radius, Pk {pk[o]:.2f} draw failed"
            )
        ui += 1
    return kill, reason


def _kill_draws(
    ends: _Ends, f: Flyouts, rows: np.ndarray, t: np.ndarray, threat: np.ndarray,
    miss: np.ndarray, pos: np.ndarray, pk: np.ndarray, lethal: np.ndarray,
    killed: set[int], rng: np.random.Generator,
) -> None:  # fmt: skip
    """Resolve rows at their closest approach (:func:`_kill_outcomes`) into ``ends``."""
    kill, reason = _kill_outcomes(f.interceptor_id[rows], threat, miss, pk, lethal, killed, rng)
    ends.add(rows, t, kill, threat, miss, pos, reason)


def _check_finite(ids: np.ndarray, pos: np.ndarray, vel: np.ndarray, t_s: float) -> None:
    if not (np.isfinite(pos).all() and np.isfinite(vel).all()):
        bad = ids[~(np.isfinite(pos).all(axis=1) & np.isfinite(vel).all(axis=1))]
        raise NumericalFault("interceptors", t_s, bad.tolist(), "non-finite interceptor state")


def advance(
    flyouts: Flyouts,
    t_s: float,
    dt_s: float,
    tracks: Tracks,
    truth_id: np.ndarray,
    truth_pos_m: np.ndarray,
    truth_vel_mps: np.ndarray,
    rng: np.random.Generator,
    *,
    substep_s: float = 0.01,
    origin_alt_m: float = 0.0,
    reference: bool = False,
) -> tuple[Flyouts, Outcomes, EventBatch]:
    """Advance every engagement from ``t_s`` to ``t_s + dt_s``.

    Parameters
    ----------
    flyouts : Flyouts
        Engagements in progress, state at ``t_s``.
    tracks : Tracks
        The air picture at ``t_s + dt_s`` (after the tracker update of this step).
    truth_id, truth_pos_m, truth_vel_mps : (m,), (m, 3), (m, 3)
        Ids and ENU states of the flying threats at ``t_s + dt_s`` (after they advanced).
    rng : numpy.random.Generator
        The ``"kill"`` stream.
    substep_s : float
        Guidance and integration sub-step (s); the step is split into ``ceil(dt/substep)``.
    origin_alt_m : float
        Altitude of the ENU origin (m), for the Earth centre.
    reference : bool
        Fly the missiles with the NumPy reference code instead of the Numba kernel
        (:mod:`amdsim.interceptors._homing_kernel`): same results to rounding, several times
        slower; the kernel's test oracle.

    Returns
    -------
    flyouts : the engagements still in progress, at ``t_s + dt_s``.
    outcomes : kills, tracks to drop and every engagement that ended.
    events : ``intercept`` / ``miss`` events (battery, interceptor, threat, track ids; ``p``
        is the miss distance in m, NaN when no closest approach was reached).
    """
    f = flyouts
    if len(f) == 0:
        return f, Outcomes.empty(), EventBatch.empty()
    t0, t1, dt = float(t_s), float(t_s) + float(dt_s), float(dt_s)
    tid = np.asarray(truth_id, np.int64)
    tpos = np.asarray(truth_pos_m, float).reshape(-1, 3)
    tvel = np.asarray(truth_vel_mps, float).reshape(-1, 3)
    t_order = np.argsort(tid, kind="stable")
    t_sorted = tid[t_order]
    k_order = np.argsort(tracks.track_id, kind="stable")
    k_sorted = np.asarray(tracks.track_id)[k_order]
    t_state = state_time_s(tracks)
    ends = _Ends()
    killed: set[int] = set()
    new_pos, new_vel = f.pos_m.copy(), f.vel_mps.copy()
    new_aim_p, new_aim_v = f.aim_pos_m + f.aim_vel_mps * dt, f.aim_vel_mps.copy()
    new_threat, new_closing = f.threat_id.copy(), f.closing.copy()

    # ---- gun bursts and laser dwells ending in this step --------------------------------
    missile = f.mode == MODE_MISSILE
    m = np.flatnonzero(missile)
    due = np.flatnonzero(~missile & (f.t_resolve_s <= t1)) if m.size < len(f) else m[:0]
    if due.size:
        due = due[np.argsort(f.interceptor_id[due], kind="stable")]
        t_res = np.maximum(f.t_resolve_s[due], t0)
        ki = _lookup(k_sorted, k_order, f.track_id[due])
        pred = f.aim_pos_m[due] + f.aim_vel_mps[due] * (t_res - t0)[:, None]
        has = ki >= 0
        if has.any():
            kk = ki[has]
            age = t_res[has] - t_state[kk]
            pred[has] = tracks.pos_m[kk] + tracks.vel_mps[kk] * age[:, None]
        for n, r in enumerate(due):
            if tid.size == 0:
                ends.add([r], t_res[n], False, -1, np.nan, pred[n], "no target at the track")
                continue
            pt = tpos - tvel * (t1 - t_res[n])
            d = np.linalg.norm(pt - pred[n], axis=1)
            j = int(np.argmin(d))
            if d[j] > DIRECT_GATE_M:
                ends.add([r], t_res[n], False, -1, np.nan, pred[n], "no target at the track")
                continue
            rng_m = float(np.linalg.norm(pt[j] - f.pos_m[r]))
            th = int(tid[j])
            if rng_m > f.max_range_m[r]:
                why = f"target out of range ({rng_m:.0f} m > {f.max_range_m[r]:.0f} m)"
                ends.add([r], t_res[n], False, th, np.nan, pt[j], why)
                continue
            _kill_draws(ends, f, np.array([r]), t_res[n : n + 1], np.array([th]),
                        np.zeros(1), pt[j : j + 1], f.pk[r : r + 1], np.ones(1), killed, rng)  # fmt: skip

    # ---- missiles ------------------------------------------------------------------------
    if m.size:
        fly = _advance_missiles if reference else _advance_missiles_kernel
        fly(f, m, t0, dt, tracks, k_sorted, k_order, tid, tpos, tvel, t_sorted, t_order, rng,
            substep_s, origin_alt_m, ends, killed,
            (new_pos, new_vel, new_aim_p, new_aim_v, new_threat, new_closing))  # fmt: skip

    if not ends.parts:  # nothing ended in this step (most steps)
        _check_finite(f.interceptor_id, new_pos, new_vel, t1)
        out = Flyouts(
            f.table, f.interceptor_id, f.battery, f.type_idx, f.mode, f.track_id, new_threat,
            new_pos, new_vel, f.t_launch_s, new_aim_p, new_aim_v, new_closing, f.t_resolve_s,
            f.pk, f.max_range_m, f.cost_usd,
        )  # fmt: skip
        return out, Outcomes.empty(), EventBatch.empty()
    rows, t_e, kill, threat, miss, pos, reason = ends.arrays()
    keep = np.ones(len(f), dtype=bool)
    keep[rows] = False
    out = Flyouts(
        f.table, f.interceptor_id, f.battery, f.type_idx, f.mode, f.track_id, new_threat,
        new_pos, new_vel, f.t_launch_s, new_aim_p, new_aim_v, new_closing, f.t_resolve_s,
        f.pk, f.max_range_m, f.cost_usd,
    ).select(keep)  # fmt: skip
    _check_finite(out.interceptor_id, out.pos_m, out.vel_mps, t1)
    # events in time then interceptor-id order (one round ends once: the order is total)
    order = np.lexsort((f.interceptor_id[rows], t_e))
    rows, t_e, kill, threat, miss, pos, reason = (
        x[order] for x in (rows, t_e, kill, threat, miss, pos, reason)
    )
    ev = EventBatch.make(
        "miss", t_e, battery_id=f.battery[rows], interceptor_id=f.interceptor_id[rows],
        track_id=f.track_id[rows], threat_id=threat, pos_m=pos, p=miss, reason=reason,
    )  # fmt: skip
    killed_ids = drop = np.empty(0, np.int64)
    if kill.any():
        ev = replace(ev, kind=np.where(kill, "intercept", "miss").astype(object))
        killed_ids = np.unique(threat[kill]).astype(np.int64)
        drop = np.unique(f.track_id[rows][kill]).astype(np.int64)
    outcomes = Outcomes(killed_ids, drop, f.interceptor_id[rows], f.battery[rows], kill, miss)
    return out, outcomes, ev


def _advance_missiles_kernel(
    f: Flyouts, m: np.ndarray, t0: float, dt: float, tracks: Tracks, k_sorted: np.ndarray,
    k_order: np.ndarray, tid: np.ndarray, tpos: np.ndarray, tvel: np.ndarray,
    t_sorted: np.ndarray, t_order: np.ndarray, rng: np.random.Generator, substep_s: float,
    origin_alt_m: float, ends: _Ends, killed: set[int], out: tuple[np.ndarray, ...],
) -> None:  # fmt: skip
    """:func:`_advance_missiles` in the Numba kernel :func:`_homing_kernel.fly_missiles`;
    the kill draws stay here, in sub-step then interceptor-id order as in the reference."""
    tab = f.table
    code, end_f = np.full(len(f), _hk.FLYING, np.int64), np.empty((len(f), 7))
    n_sub = max(1, math.ceil(dt / substep_s - 1e-9))
    _hk.fly_missiles(  # type: ignore[call-arg]
        m, f.type_idx, f.track_id, f.threat_id, f.closing, f.pos_m, f.vel_mps, f.t_launch_s,
        f.aim_pos_m, f.aim_vel_mps, k_sorted, k_order, tracks.state, state_time_s(tracks),
        tracks.beta_kg_m2, t_sorted, t_order, tid, tpos, tvel, *_kernel_tables(tab), t0, dt,
        n_sub, float(origin_alt_m), GM_EARTH_M3PS2, CD_MACH, _CD_SHAPE, *out, code, end_f,
    )  # fmt: skip
    e = np.flatnonzero(code != _hk.FLYING)
    if e.size == 0:
        return
    end_f = end_f[e]
    t_e, miss, p_e = end_f[:, 0], end_f[:, 1], end_f[:, 2:5]
    thr, sub = end_f[:, 5].astype(np.int64), end_f[:, 6].astype(np.int64)
    reason = _REASON_OF_CODE[code[e]]  # a closest approach without lock: "passed ..."
    kill = np.zeros(e.size, bool)
    lk = np.flatnonzero((code[e] == _hk.CPA) & (thr >= 0))
    for j_sub in np.unique(sub[lk]):  # kill draws in sub-step order, as the reference
        c = lk[sub[lk] == j_sub]
        k = f.type_idx[e[c]]
        kill[c], reason[c] = _kill_outcomes(f.interceptor_id[e[c]], thr[c], miss[c], tab.pk[k],
                                            tab.lethal_radius_m[k], killed, rng)  # fmt: skip
    ends.add(e, t_e, kill, thr, miss, p_e, reason)


_REASON_OF_CODE = np.array([_PASSED, *_hk.END_REASONS.values(), _GONE, _BEHIND], dtype=object)
assert [_hk.CPA, *_hk.END_REASONS, _hk.GONE, _hk.BEHIND] == list(range(7))


_TABLES: dict[int, tuple[InterceptorTable, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def _kernel_tables(tab: InterceptorTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Law code per type, kinematic parameters and homing parameters (``H_*`` columns),
    cached per table."""
    hit = _TABLES.get(id(tab))
    if hit is not None and hit[0] is tab:
        return hit[1]
    law = np.array([_hk.LAW_CODES[g] for g in tab.guidance], dtype=np.int64)
    cols = (tab.boost_time_s + tab.sustain_time_s, tab.guidance_delay_s, tab.nav_gain,
            tab.max_flight_time_s, tab.min_speed_mps, tab.seeker_range_m)  # fmt: skip
    hpar = np.ascontiguousarray(np.stack(cols, axis=1).reshape(len(tab), 6), dtype=float)
    if len(_TABLES) > 16:
        _TABLES.clear()
    _TABLES[id(tab)] = (tab, (law, tab.kinematic_params, hpar))
    return law, tab.kinematic_params, hpar


def _advance_missiles(
    f: Flyouts, m: np.ndarray, t0: float, dt: float, tracks: Tracks, k_sorted: np.ndarray,
    k_order: np.ndarray, tid: np.ndarray, tpos: np.ndarray, tvel: np.ndarray,
    t_sorted: np.ndarray, t_order: np.ndarray, rng: np.random.Generator, substep_s: float,
    origin_alt_m: float, ends: _Ends, killed: set[int], out: tuple[np.ndarray, ...],
) -> None:  # fmt: skip
    tab = f.table
    t_state = state_time_s(tracks)
    new_pos, new_vel, new_aim_p, new_aim_v, new_threat, new_closing = out
    k = f.type_idx[m]
    pos, vel = f.pos_m[m].copy(), f.vel_mps[m].copy()
    tfl = t0 - f.t_launch_s[m]
    thr = f.threat_id[m].copy()
    closing = f.closing[m].copy()
    locked = thr >= 0
    done = np.zeros(m.size, dtype=bool)
    p0, v0 = f.aim_pos_m[m].copy(), f.aim_vel_mps[m].copy()
    p1, v1 = p0 + v0 * dt, v0.copy()
    ballistic = np.zeros(m.size, dtype=bool)
    # midcourse: the track's prediction at t1
    ki = _lookup(k_sorted, k_order, f.track_id[m])
    has = (~locked) & (ki >= 0)
    if has.any():
        kk = ki[has]
        age = (t0 + dt - t_state[kk])[:, None]
        p1[has] = tracks.pos_m[kk] + tracks.vel_mps[kk] * age
        v1[has] = tracks.vel_mps[kk]
        # Re-base the start of the step on the same (latest) estimate: a track update moves
        # the estimate by up to the track error, and a Hermite curve between the old and the
        # new estimate would swing the aim back and forth inside the step -- a false closest
        # approach ("passed the predicted track point") right after launch.
        p0[has] = tracks.pos_m[kk] + tracks.vel_mps[kk] * (age - dt)
        v0[has] = tracks.vel_mps[kk]
        ballistic[has] = np.isfinite(tracks.beta_kg_m2[kk])
    # terminal: the true threat
    ui = _lookup(t_sorted, t_order, thr)
    gone = locked & (ui < 0)
    if gone.any():
        g_rows = np.flatnonzero(gone)
        ends.add(m[g_rows], t0, False, thr[g_rows], np.nan, pos[g_rows], _GONE)
        done |= gone
    live = locked & ~gone
    p1[live], v1[live] = tpos[ui[live]], tvel[ui[live]]
    # seeker acquisition at t0
    rng_aim = np.linalg.norm(p0 - pos, axis=1)
    acq = (~locked) & (~done) & (rng_aim < tab.seeker_range_m[k]) & (tfl >= tab.guidance_delay_s[k])
    if acq.any() and tid.size:
        a_rows = np.flatnonzero(acq)
        pt0 = tpos - tvel * dt
        d = np.linalg.norm(p0[a_rows][:, None, :] - pt0[None, :, :], axis=2)
        j = np.argmin(d, axis=1)
        ok = d[np.arange(a_rows.size), j] <= ACQ_GATE_M
        a_rows, j = a_rows[ok], j[ok]
        los = pt0[j] - pos[a_rows]
        behind = _dot(los, vel[a_rows]) <= 0.0
        if behind.any():
            b = a_rows[behind]
            ends.add(m[b], t0, False, tid[j[behind]], np.nan, pos[b], _BEHIND)
            done[b] = True
        a_rows, j = a_rows[~behind], j[~behind]
        thr[a_rows] = tid[j]
        locked[a_rows] = True
        p0[a_rows], v0[a_rows] = pt0[j], tvel[j]
        p1[a_rows], v1[a_rows] = tpos[j], tvel[j]
    # target acceleration relative to the interceptor's gravity (augmented PN only)
    g_m = gravity_mps2(pos, origin_alt_m)
    a_t = np.where(ballistic[:, None], gravity_mps2(p0, origin_alt_m), 0.0)
    a_t = np.where(locked[:, None], (v1 - v0) / dt, a_t)
    tgt_acc = a_t - g_m
    # sub-steps
    n_sub = max(1, int(np.ceil(dt / substep_s - 1e-9)))
    h = dt / n_sub
    burnout = tab.boost_time_s[k] + tab.sustain_time_s[k]
    delay = tab.guidance_delay_s[k]
    gain = tab.nav_gain[k]
    laws = np.array(tab.guidance, dtype=object)[k]
    law_rows = [(LAWS[str(name)], laws == name) for name in set(laws.tolist())]
    tp, tv = hermite(p0, v0, p1, v1, dt, 0.0)
    rel0, relv0 = tp - pos, tv - vel
    for j_sub in range(n_sub):
        active = ~done
        steer = active & (tfl >= delay)
        cmd = np.zeros_like(pos)
        for law, of_law in law_rows:
            s_rows = steer & of_law
            if not s_rows.any():
                continue
            cmd[s_rows] = law.command(
                rel0[s_rows], relv0[s_rows], vel[s_rows], tgt_acc[s_rows], gain[s_rows]
            )
        pos_prev = pos
        pn, vn, _ = step(pos, vel, tfl, k, tab, cmd, h, origin_alt_m)
        pos = np.where(active[:, None], pn, pos)
        vel = np.where(active[:, None], vn, vel)
        tfl = tfl + h * active
        tp, tv = hermite(p0, v0, p1, v1, dt, (j_sub + 1) / n_sub)
        rel1, relv1 = tp - pos, tv - vel
        rr0, rr1 = _dot(rel0, relv0), _dot(rel1, relv1)
        cpa = active & (rr0 < 0.0) & (rr1 >= 0.0)
        closing |= active & (rr1 < 0.0)
        t_sub = t0 + j_sub * h
        if cpa.any():
            c = np.flatnonzero(cpa)
            s, dmin = closest_approach(rel0[c], relv0[c], rel1[c], relv1[c], h)
            t_c = t_sub + s * h
            p_c = pos_prev[c] + (pos[c] - pos_prev[c]) * s[:, None]
            lk = locked[c]
            if lk.any():
                cl = c[lk]
                _kill_draws(ends, f, m[cl], t_c[lk], thr[cl], dmin[lk], p_c[lk],
                            tab.pk[k[cl]], tab.lethal_radius_m[k[cl]], killed, rng)  # fmt: skip
            if (~lk).any():
                cu = c[~lk]
                ends.add(m[cu], t_c[~lk], False, -1, dmin[~lk], p_c[~lk], _PASSED)
            done[c] = True
        active = ~done
        speed = np.linalg.norm(vel, axis=1)
        reasons = (
            (tfl > tab.max_flight_time_s[k], _hk.END_REASONS[1]),
            ((tfl > burnout) & (speed < tab.min_speed_mps[k]), _hk.END_REASONS[2]),
            ((tfl > 1.0) & (altitude_m(pos, origin_alt_m) < 0.0), _hk.END_REASONS[3]),
            ((tfl > np.maximum(burnout, delay)) & ~closing, _hk.END_REASONS[4]),
        )
        for cond, why in reasons:
            e = np.flatnonzero(active & cond)
            if e.size:
                ends.add(m[e], t_sub + h, False, thr[e], np.nan, pos[e], why)
                done[e] = True
                active = ~done
        if done.all():
            break
        rel0, relv0 = rel1, relv1
    new_pos[m], new_vel[m] = pos, vel
    new_aim_p[m], new_aim_v[m] = p1, v1
    new_threat[m], new_closing[m] = thr, closing
