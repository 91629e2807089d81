"""Scoring labels: which true threat a track follows (for the event log's stories only).

The tracker never sees truth. After the fact, the engine labels each ``track_init`` event
with the nearest true threat within :data:`TRUTH_MATCH_M`, and every later event that names
the track (decisions, engagements, launches, intercepts, drops) inherits that threat id, so
a user can ask the log "what happened to threat 17?".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from amdsim.core.events import EventBatch

__all__ = ["TRUTH_MATCH_M", "label_by_track", "label_track_inits"]

TRUTH_MATCH_M = 2000.0
"""Largest distance (m) between a new track and the threat it is labelled with."""


def label_track_inits(ev: EventBatch, view: Any) -> EventBatch:
    """Label ``track_init`` rows of ``ev`` with the nearest threat of the truth ``view``
    (``ids``, ``pos_m`` in ENU) within :data:`TRUTH_MATCH_M`."""
    init = np.flatnonzero(ev.kind == "track_init")
    if init.size == 0 or len(view) == 0:
        return ev
    p = np.stack([ev.x_m[init], ev.y_m[init], ev.z_m[init]], axis=1)
    d2 = np.sum((p[:, None, :] - view.pos_m[None, :, :]) ** 2, axis=2)
    j = np.argmin(d2, axis=1)
    ok = d2[np.arange(init.size), j] <= TRUTH_MATCH_M**2
    threat = ev.threat_id.copy()
    threat[init[ok]] = view.ids[j[ok]]
    return EventBatch(**{**ev.columns(), "threat_id": threat})


def label_by_track(events: EventBatch) -> EventBatch:
    """Give every event that names a track the threat id its ``track_init`` was labelled with."""
    init = (events.kind == "track_init") & (events.threat_id >= 0)
    if not init.any():
        return events
    keys, vals = events.track_id[init], events.threat_id[init]
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    need = np.flatnonzero((events.track_id >= 0) & (events.threat_id < 0))
    idx = np.minimum(np.searchsorted(keys, events.track_id[need]), keys.size - 1)
    found = keys[idx] == events.track_id[need]
    threat = events.threat_id.copy()
    threat[need[found]] = vals[idx[found]]
    return EventBatch(**{**events.columns(), "threat_id": threat})
