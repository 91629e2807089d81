"""Track management of :class:`amdsim.tracking.tracker.Tracker`: M-of-N counting and
confirmation, deletion and one-point initiation, on the tracker's working dict of arrays.

M-of-N over the last N counted scans is kept as a bit history per track; a scan counts for a
track when it updated the track or came from a sensor that has updated it before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from amdsim.core.events import EventBatch
from amdsim.tracking.filters import mixture_moments

if TYPE_CHECKING:
    from amdsim.tracking.tracker import Tracker

__all__ = ["confirm", "initiate", "manage", "prune"]


def manage(
    tr: Tracker, s: dict[str, Any], hit: np.ndarray, t: float, sensor: int
) -> list[EventBatch]:
    """Count one scan of ``sensor`` at ``t`` (``hit``: track updated), then confirm and
    delete; returns the ``track_init`` / ``track_drop`` events."""
    bit = np.int64(1) << np.int64(min(sensor, 62))
    counted = hit | ((s["sensors"] & bit) != 0)
    mask_n = np.uint64((1 << tr.confirm_n) - 1)
    hist = s["hist"]
    hist = np.where(counted, ((hist << np.uint64(1)) | hit.astype(np.uint64)) & mask_n, hist)
    s["hist"] = hist
    s["n_counted"] = np.where(counted, np.minimum(s["n_counted"] + 1, tr.confirm_n), s["n_counted"])
    s["misses"] = np.where(hit, 0, np.where(counted, s["misses"] + 1, s["misses"]))
    s["sensors"] = np.where(hit, s["sensors"] | bit, s["sensors"])
    s["t_upd"] = np.where(hit, t, s["t_upd"])
    return confirm(tr, s, t) + prune(tr, s, t)


def prune(tr: Tracker, s: dict[str, Any], t: float) -> list[EventBatch]:
    """Delete tracks (M-of-N out of reach, misses, coast, covariance growth)."""
    events: list[EventBatch] = []
    n_hits = np.bitwise_count(s["hist"]).astype(np.int64)
    tent = s["status"] == 0
    conf = s["status"] == 1
    pos_var = (
        np.trace(mixture_moments(s["mu"], s["ms"], s["mc"])[1][:, 0:3, 0:3], axis1=1, axis2=2) / 3.0
    )
    reasons = [
        ("misses", conf & (s["misses"] >= tr.max_misses)),
        ("coast", (t - s["t_upd"]) > tr.max_coast_s),
        ("covariance", pos_var > tr.max_pos_sigma_m**2),
    ]
    dead = tent & ((s["n_counted"] - n_hits) > (tr.confirm_n - tr.confirm_m))
    if tr.max_tentative_misses is not None:
        dead |= tent & (s["misses"] >= tr.max_tentative_misses)
    x = None
    for reason, cond in reasons:
        drop = cond & conf & ~dead
        if drop.any():
            x = x if x is not None else mixture_moments(s["mu"], s["ms"], s["mc"])[0]
            events.append(
                EventBatch.make(
                    "track_drop", t, track_id=s["ids"][drop], pos_m=x[drop, 0:3], reason=reason
                )
            )
        dead |= cond
    if dead.any():
        for k in (
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
        ):
            s[k] = s[k][~dead]
    return events


def confirm(tr: Tracker, s: dict[str, Any], t: float) -> list[EventBatch]:
    """Promote tentative tracks with at least M hits in their history."""
    new_conf = (s["status"] == 0) & (np.bitwise_count(s["hist"]).astype(np.int64) >= tr.confirm_m)
    if not new_conf.any():
        return []
    s["status"] = np.where(new_conf, np.int8(1), s["status"]).astype(np.int8)
    x = mixture_moments(s["mu"][new_conf], s["ms"][new_conf], s["mc"][new_conf])[0]
    return [EventBatch.make("track_init", t, track_id=s["ids"][new_conf], pos_m=x[:, 0:3])]


def initiate(
    tr: Tracker, s: dict[str, Any], z: np.ndarray, r: np.ndarray, t: float, sensor: int
) -> None:
    """Start tentative tracks at measured positions ``z`` (covariance ``r``), zero velocity
    with ``tr.init_vel_sigma_mps`` and the model-specific extra terms' prior."""
    k, d, m = z.shape[0], tr.dim, tr.n_modes
    x = np.zeros((k, d))
    x[:, 0:3] = z
    x[:, 6:] = np.asarray(tr.init_extra_mean, float)
    p = np.zeros((k, d, d))
    p[:, 0:3, 0:3] = r
    idx = np.arange(3, d)
    p[:, idx, idx] = (
        np.concatenate([[tr.init_vel_sigma_mps] * 3, np.asarray(tr.init_extra_sigma, float)]) ** 2
    )
    mu0 = np.full(m, 1.0 / m)
    ids = s["next_id"] + np.arange(k, dtype=np.int64)
    bit = np.int64(1) << np.int64(min(sensor, 62))
    add = dict(
        ids=ids,
        ms=np.repeat(x[:, None], m, axis=1),
        mc=np.repeat(p[:, None], m, axis=1),
        mu=np.tile(mu0, (k, 1)),
        status=np.zeros(k, np.int8),
        t_upd=np.full(k, t),
        t_state=np.full(k, t),
        hist=np.ones(k, np.uint64),
        n_counted=np.ones(k, np.int64),
        misses=np.zeros(k, np.int64),
        sensors=np.full(k, bit, np.int64),
    )
    for key, val in add.items():
        s[key] = np.concatenate([s[key], val])
    s["next_id"] = int(s["next_id"]) + k
