"""Batches the tracker produces: the air picture."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["Tracks"]


@dataclass(frozen=True, slots=True)
class Tracks:
    """The air picture, one row per track, in the scenario ENU frame.

    ``state`` is ``[x, y, z, vx, vy, vz]`` (m, m/s), optionally followed by model-specific
    terms that downstream code must not assume; ``cov`` its covariance. ``beta_kg_m2`` is the
    estimated ballistic coefficient m/(Cd A) (NaN when the track's model does not estimate it).
    ``status``: 0 tentative, 1 confirmed, 2 deleted (deleted rows are removed on the next update).

    The fields after ``beta_kg_m2`` are the tracker's bookkeeping (set by
    :class:`amdsim.tracking.Tracker`; ``None`` in batches built elsewhere):
    ``t_state_s`` time the state refers to, ``mode_prob (n, m)`` IMM mode probabilities,
    ``mode_state (n, m, d)`` / ``mode_cov (n, m, d, d)`` per-mode estimates, ``hist`` bit
    history of hits over the last N counted scans, ``n_counted`` counted scans (<= N),
    ``misses`` consecutive misses, ``sensors`` bit mask of the sensors that updated the track,
    ``next_id`` the next unused track id.
    """

    track_id: np.ndarray  # (n,) int64, unique over a run
    state: np.ndarray  # (n, d)
    cov: np.ndarray  # (n, d, d)
    status: np.ndarray  # (n,) int8
    t_update_s: np.ndarray  # (n,) time of the last measurement update
    beta_kg_m2: np.ndarray  # (n,)
    t_state_s: np.ndarray | None = None  # (n,)
    mode_prob: np.ndarray | None = None  # (n, m)
    mode_state: np.ndarray | None = None  # (n, m, d)
    mode_cov: np.ndarray | None = None  # (n, m, d, d)
    hist: np.ndarray | None = None  # (n,) uint64
    n_counted: np.ndarray | None = None  # (n,) int64
    misses: np.ndarray | None = None  # (n,) int64
    sensors: np.ndarray | None = None  # (n,) int64 bit mask
    next_id: int = 0

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @property
    def pos_m(self) -> np.ndarray:
        return self.state[:, 0:3]

    @property
    def vel_mps(self) -> np.ndarray:
        return self.state[:, 3:6]

    @property
    def confirmed(self) -> np.ndarray:
        return self.status == 1

    def select(self, rows: np.ndarray) -> Tracks:
        """The batch restricted to ``rows`` (boolean mask or indices); ``next_id`` kept."""
        out = {}
        for f in fields(Tracks):
            v = getattr(self, f.name)
            out[f.name] = v if (v is None or f.name == "next_id") else v[rows]
        return Tracks(**out)
