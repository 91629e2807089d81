"""Track management of :class:`amdsim.tracking.tracker.Tracker`: M-of-N counting and
confirmation, deletion and one-point initiation, on the tracker's working dict of arrays.

Counting is per *look instant* (one scan time), not per sensor scan: the scans of one instant
come one after the other (detections sorted by time, then sensor). During the instant each
track carries flags (``inst``): HIT (some scan of the instant updated it), COUNTED (a sensor
that has updated it before scanned it) and BORN (started at this instant). The first hit of
an instant pushes a 1 into the M-of-N history and resets the misses (confirmation can happen
at that scan); when the instant closes (after its last scan), a track COUNTED but not HIT
gets one 0 bit and one miss, however many sensors scanned it, and deletion is evaluated for
every track not BORN at that instant. With one sensor (one scan per instant) this is exactly
the per-scan counting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from amdsim.core.events import EventBatch
from amdsim.tracking import _kernels as kern
from amdsim.tracking.filters import mixture_moments

if TYPE_CHECKING:
    from amdsim.tracking.tracker import Tracker

__all__ = ["EventRows", "confirm", "initiate", "manage", "mixture_fast", "prune"]

HIT, COUNTED, BORN = np.int8(1), np.int8(2), np.int8(4)
"""Flags of ``s["inst"]`` during an instant (see the module docstring)."""


class EventRows:
    """``track_init`` / ``track_drop`` rows collected over a tracker update and built into one
    :class:`EventBatch` at the end (the same rows, in the same order, as concatenating one
    batch per call, without the per-batch cost)."""

    def __init__(self) -> None:
        self._chunks: list[tuple[str, float, np.ndarray, np.ndarray, str]] = []

    def add(self, kind: str, t: float, ids: np.ndarray, pos: np.ndarray, reason: str = "") -> None:
        self._chunks.append((kind, t, ids, pos, reason))

    def batch(self) -> EventBatch:
        c = self._chunks
        if not c:
            return EventBatch.empty()
        if len(c) == 1:
            kind, t, ids, pos, reason = c[0]
            return EventBatch.make(kind, t, track_id=ids, pos_m=pos, reason=reason)
        lens = [k[2].shape[0] for k in c]
        cols = EventBatch.make(
            "track_init",
            np.repeat([k[1] for k in c], lens),
            track_id=np.concatenate([k[2] for k in c]),
            pos_m=np.concatenate([k[3] for k in c]),
            reason=np.repeat(np.array([k[4] for k in c], object), lens),
        ).columns()
        cols["kind"] = np.repeat(np.array([k[0] for k in c], object), lens)
        return EventBatch(**cols)


def mixture_fast(mu: np.ndarray, ms: np.ndarray, mc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`amdsim.tracking.filters.mixture_moments` (its Numba kernel when enabled)."""
    if kern.ENABLED and ms.shape[1] > 1:
        return kern.mixture(mu, ms, mc)  # type: ignore[no-any-return]
    return mixture_moments(mu, ms, mc)


def _pos_var(mu: np.ndarray, ms: np.ndarray, mc: np.ndarray) -> np.ndarray:
    """Mean position variance (trace / 3) of each track's mixture."""
    if kern.ENABLED:
        p = kern.mixture_pos(mu, ms, mc)[1]
    else:
        p = mixture_moments(mu, ms, mc)[1][:, 0:3, 0:3]
    return np.trace(p, axis1=1, axis2=2) / 3.0  # type: ignore[no-any-return]


def manage(
    tr: Tracker,
    s: dict[str, Any],
    hit: np.ndarray,
    t: float,
    sensor: int,
    out: EventRows | None = None,
    close: bool = True,
) -> list[EventBatch]:
    """Count one scan of ``sensor`` at ``t`` (``hit``: track updated) into the instant's
    flags, confirm, and when ``close`` (the last scan of the instant) close the instant
    (:func:`prune`); returns the ``track_init`` / ``track_drop`` events (with the kernels
    enabled and ``out`` given, adds them to ``out`` instead)."""
    if kern.ENABLED:
        return _manage_kernel(tr, s, hit, t, sensor, True, close, out)
    bit = np.int64(1) << np.int64(min(sensor, 62))
    inst = s["inst"]
    first = hit & ((inst & HIT) == 0)
    mask_n = np.uint64((1 << tr.confirm_n) - 1)
    s["hist"] = np.where(first, ((s["hist"] << np.uint64(1)) | np.uint64(1)) & mask_n, s["hist"])
    s["n_counted"] = np.where(first, np.minimum(s["n_counted"] + 1, tr.confirm_n), s["n_counted"])
    s["misses"] = np.where(hit, 0, s["misses"])
    looked = ~hit & ((s["sensors"] & bit) != 0)
    s["inst"] = (
        inst | np.where(hit, HIT, 0).astype(np.int8) | np.where(looked, COUNTED, 0).astype(np.int8)
    )
    s["sensors"] = np.where(hit, s["sensors"] | bit, s["sensors"])
    s["t_upd"] = np.where(hit, t, s["t_upd"])
    events = confirm(tr, s, t)
    return events + prune(tr, s, t) if close else events


def prune(
    tr: Tracker, s: dict[str, Any], t: float, out: EventRows | None = None
) -> list[EventBatch]:
    """Close the instant ``t``: one counted miss for each track a sensor that has updated it
    looked at without any hit, then delete tracks (M-of-N out of reach, misses, coast,
    covariance growth) except those born at this instant; clears the instant's flags."""
    if kern.ENABLED:
        return _manage_kernel(tr, s, np.zeros(len(s["ids"]), bool), t, 0, False, True, out)
    events: list[EventBatch] = []
    inst = s["inst"]
    miss = ((inst & COUNTED) != 0) & ((inst & HIT) == 0)
    if miss.any():
        mask_n = np.uint64((1 << tr.confirm_n) - 1)
        s["hist"] = np.where(miss, (s["hist"] << np.uint64(1)) & mask_n, s["hist"])
        s["n_counted"] = np.where(
            miss, np.minimum(s["n_counted"] + 1, tr.confirm_n), s["n_counted"]
        )
        s["misses"] = np.where(miss, s["misses"] + 1, s["misses"])
    old = (inst & BORN) == 0
    s["inst"] = np.zeros_like(inst)
    n_hits = np.bitwise_count(s["hist"]).astype(np.int64)
    tent = (s["status"] == 0) & old
    conf = (s["status"] == 1) & old
    pos_var = _pos_var(s["mu"], s["ms"], s["mc"])
    reasons = [
        ("misses", conf & (s["misses"] >= tr.max_misses)),
        ("coast", old & ((t - s["t_upd"]) > tr.max_coast_s)),
        ("covariance", old & (pos_var > tr.max_pos_sigma_m**2)),
    ]
    dead = tent & ((s["n_counted"] - n_hits) > (tr.confirm_n - tr.confirm_m))
    if tr.max_tentative_misses is not None:
        dead |= tent & (s["misses"] >= tr.max_tentative_misses)
    x = None
    for reason, cond in reasons:
        drop = cond & conf & ~dead
        if drop.any():
            x = x if x is not None else mixture_fast(s["mu"], s["ms"], s["mc"])[0]
            events.append(
                EventBatch.make(
                    "track_drop", t, track_id=s["ids"][drop], pos_m=x[drop, 0:3], reason=reason
                )
            )
        dead |= cond
    if dead.any():
        for k in _KEYS:
            s[k] = s[k][~dead]
    return events


_KEYS = (
    "ids",
    "ms",
    "mc",
    "mu",
    "status",
    "t_upd",
    "t_state",
    "hist",
    "n_counted",
    "misses",
    "sensors",
    "inst",
)
_REASONS = ((kern.MISSES, "misses"), (kern.COAST, "coast"), (kern.COVARIANCE, "covariance"))


def _manage_kernel(
    tr: Tracker,
    s: dict[str, Any],
    hit: np.ndarray,
    t: float,
    sensor: int,
    count: bool,
    close: bool,
    out: EventRows | None,
) -> list[EventBatch]:
    """:func:`manage` (``count``, ``close`` on the instant's last scan) or :func:`prune`
    (``close`` only) through :func:`kern.manage_tracks`: the same counting, confirmation,
    deletion and events, one pass over the tracks."""
    if len(s["ids"]) == 0:
        return []
    rows = out if out is not None else EventRows()
    new_conf, code, pos = kern.manage_tracks(
        s["hist"], s["n_counted"], s["misses"], s["sensors"], s["t_upd"], s["status"],
        s["inst"], s["mu"], s["ms"], s["mc"], hit, np.int64(1) << np.int64(min(sensor, 62)), t,
        count, close, tr.confirm_m, tr.confirm_n, tr.max_misses,
        -1 if tr.max_tentative_misses is None else tr.max_tentative_misses,
        tr.max_coast_s, tr.max_pos_sigma_m**2,
    )  # fmt: skip
    if new_conf.any():
        rows.add("track_init", t, s["ids"][new_conf], pos[new_conf])
    dead = code != kern.KEEP
    if dead.any():
        if (code > kern.SILENT).any():
            for c, reason in _REASONS:
                sel = code == c
                if sel.any():
                    rows.add("track_drop", t, s["ids"][sel], pos[sel], reason)
        keep = ~dead
        for k in _KEYS:
            s[k] = s[k][keep]
    if out is not None:
        return []
    b = rows.batch()
    return [b] if len(b) else []


def confirm(
    tr: Tracker, s: dict[str, Any], t: float, out: EventRows | None = None
) -> list[EventBatch]:
    """Promote tentative tracks with at least M hits in their history (events to ``out``
    when given and the kernels are enabled)."""
    new_conf = (s["status"] == 0) & (np.bitwise_count(s["hist"]).astype(np.int64) >= tr.confirm_m)
    if not new_conf.any():
        return []
    s["status"] = np.where(new_conf, np.int8(1), s["status"]).astype(np.int8)
    x = mixture_fast(s["mu"][new_conf], s["ms"][new_conf], s["mc"][new_conf])[0]
    if out is not None and kern.ENABLED:
        out.add("track_init", t, s["ids"][new_conf], x[:, 0:3])
        return []
    return [EventBatch.make("track_init", t, track_id=s["ids"][new_conf], pos_m=x[:, 0:3])]


def initiate(
    tr: Tracker,
    s: dict[str, Any],
    z: np.ndarray,
    r: np.ndarray,
    t: float,
    sensor: int,
    born: bool = False,
) -> None:
    """Start tentative tracks at measured positions ``z`` (covariance ``r``), zero velocity
    with ``tr.init_vel_sigma_mps`` and the model-specific extra terms' prior; ``born``: the
    instant ``t`` is still open (they count as hit at it and are not pruned when it closes)."""
    k, d, m = z.shape[0], tr.dim, tr.n_modes
    bit = np.int64(1) << np.int64(min(sensor, 62))
    if kern.ENABLED:
        ms, mc = kern.initial_modes(
            np.ascontiguousarray(z, float),
            np.ascontiguousarray(r, float),
            m,
            d,
            np.asarray(tr.init_extra_mean, float),
            float(tr.init_vel_sigma_mps),
            np.asarray(tr.init_extra_sigma, float),
        )
    else:
        x = np.zeros((k, d))
        x[:, 0:3] = z
        x[:, 6:] = np.asarray(tr.init_extra_mean, float)
        p = np.zeros((k, d, d))
        p[:, 0:3, 0:3] = r
        idx = np.arange(3, d)
        p[:, idx, idx] = (
            np.concatenate([[tr.init_vel_sigma_mps] * 3, np.asarray(tr.init_extra_sigma, float)])
            ** 2
        )
        ms, mc = np.repeat(x[:, None], m, axis=1), np.repeat(p[:, None], m, axis=1)
    add = dict(
        ids=s["next_id"] + np.arange(k, dtype=np.int64),
        ms=ms,
        mc=mc,
        mu=np.full((k, m), 1.0 / m),
        status=np.zeros(k, np.int8),
        t_upd=np.full(k, t),
        t_state=np.full(k, t),
        hist=np.ones(k, np.uint64),
        n_counted=np.ones(k, np.int64),
        misses=np.zeros(k, np.int64),
        sensors=np.full(k, bit, np.int64),
        inst=np.full(k, HIT | BORN if born else 0, np.int8),
    )
    for key, val in add.items():
        s[key] = np.concatenate([s[key], val])
    s["next_id"] = int(s["next_id"]) + k
